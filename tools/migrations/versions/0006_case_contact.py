"""cases: contact name and e-mail of a requester who is not a tool user; intake warning

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 01:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("contact_name", "contact_email", "intake_warning")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite would copy the table and garble the computed columns.
    for name in COLUMNS:
        op.add_column("cases", sa.Column(name, sa.String(255), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("cases", name)
