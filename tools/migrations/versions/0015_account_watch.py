"""account_watch: new account names read by the watcher, and the name patterns

Revision ID: 0015_account_watch
Revises: 0013_steward_requests
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0015_account_watch"
down_revision = "0014_mail"
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
        "new_accounts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("wiki", sa.String(length=64), nullable=False),
        sa.Column("log_id", BIG_ID, nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("seen_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_new_accounts_created_at", "new_accounts", ["created_at"], unique=False)
    op.create_table(
        "name_patterns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=255), nullable=False),
        sa.Column("is_regex", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_hit_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pattern", "is_regex"),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_name_patterns_active", "name_patterns", ["active"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_name_patterns_active", table_name="name_patterns")
    op.drop_table("name_patterns")
    op.drop_index("ix_new_accounts_created_at", table_name="new_accounts")
    op.drop_table("new_accounts")
