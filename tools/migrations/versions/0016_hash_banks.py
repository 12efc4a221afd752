"""hash_banks, bank_hashes, alerts.restricted: PDQ hash banks and their restricted matches

Revision ID: 0016_hash_banks
Revises: 0013_steward_requests
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0016_hash_banks"
down_revision = "0015_account_watch"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hash_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("restricted", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        **TABLE_OPTIONS,
    )
    op.create_table(
        "bank_hashes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("pdq", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["hash_banks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bank_id", "pdq"),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_bank_hashes_case", "bank_hashes", ["case_id"], unique=False)
    op.add_column(
        "alerts",
        sa.Column("restricted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("restricted")
    op.drop_table("bank_hashes")
    op.drop_table("hash_banks")
