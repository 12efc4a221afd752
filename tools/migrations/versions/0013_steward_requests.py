"""steward_requests: the requests of Steward requests/Global and /Checkuser

Revision ID: 0013_steward_requests
Revises: 0012_lock_reason_search
Create Date: 2026-12-02 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0013_steward_requests"
down_revision = "0012_lock_reason_search"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    op.create_table(
        "steward_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("wiki", sa.String(length=64), nullable=False),
        sa.Column("page_title", sa.String(length=255), nullable=False),
        sa.Column("heading", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("asked_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("gone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wiki", "page_title", "heading"),
        **TABLE_OPTIONS,
    )
    op.create_index(
        "ix_steward_requests_open", "steward_requests", ["is_open", "asked_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_steward_requests_open", table_name="steward_requests")
    op.drop_table("steward_requests")
