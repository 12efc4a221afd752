"""on call: callout chains (the escalation policy's progress), callout claims

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callout_chains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "acknowledged",
                "exhausted",
                name="chainstatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("step_started_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("next_step_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_callout_chains_acknowledged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_callout_chains_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callout_chains")),
        sa.UniqueConstraint("case_id", name=op.f("uq_callout_chains_case_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "ix_callout_chains_due", "callout_chains", ["status", "next_step_at"], unique=False
    )
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", tools.base.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
    op.drop_index("ix_callout_chains_due", table_name="callout_chains")
    op.drop_table("callout_chains")
