"""users.gender: the wiki's gender preference, for the words that address a person

Revision ID: 0017_user_gender
Revises: 0016_hash_banks
Create Date: 2026-12-03 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_user_gender"
down_revision = "0016_hash_banks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("gender", sa.String(16), server_default="unknown", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("gender")
