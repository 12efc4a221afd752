"""cases: urgency columns computed by the database and their index; merged cases; case links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tools.base.db import UTCDateTime
from tools.models import URGENCY_DUE_SQL, URGENCY_RANK_SQL

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_cases_merged_into_id_cases"), "cases", ["merged_into_id"], ["id"]
        )
    # After the batch (SQLite copies the table and would not copy these right).
    # Virtual generated columns: both SQLite and MariaDB can add and index them in place.
    op.add_column(
        "cases", sa.Column("urgency_rank", sa.SmallInteger(), sa.Computed(URGENCY_RANK_SQL))
    )
    op.add_column("cases", sa.Column("urgency_due_at", UTCDateTime(), sa.Computed(URGENCY_DUE_SQL)))
    op.create_index("ix_cases_urgency", "cases", ["urgency_rank", "urgency_due_at", "id"])
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("linked_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["linked_id"],
            ["cases.id"],
            name=op.f("fk_case_links_linked_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_case_links_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_id", "linked_id", name=op.f("uq_case_links_case_id_linked_id")),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_index("ix_case_links_linked", "case_links", ["linked_id"])


def downgrade() -> None:
    op.drop_table("case_links")  # its index goes with it
    op.drop_index("ix_cases_urgency", table_name="cases")
    op.drop_column("cases", "urgency_due_at")
    op.drop_column("cases", "urgency_rank")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_constraint(op.f("fk_cases_merged_into_id_cases"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
