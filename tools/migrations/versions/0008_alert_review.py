"""alerts: dismiss_reason, and an index to find a comment already alerted on a page

Revision ID: 0008_alert_review
Revises: 0004
Create Date: 2026-11-25 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_alert_review"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dismiss_reason", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_alerts_comment", ["wiki", "page_title", "comment_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_comment")
        batch_op.drop_column("dismiss_reason")
