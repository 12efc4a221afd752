"""lock events: reason category, parsed, suppressed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:15:05.653603
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lock_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_category", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("parsed", sa.Boolean(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("suppressed", sa.Boolean(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_index(
            "ix_lock_events_reason_category", ["reason_category", "timestamp"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lock_events", schema=None) as batch_op:
        batch_op.drop_index("ix_lock_events_reason_category")
        batch_op.drop_column("suppressed")
        batch_op.drop_column("parsed")
        batch_op.drop_column("reason_category")
