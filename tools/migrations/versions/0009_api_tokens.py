"""api tokens and idempotency keys of the JSON API

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("wiki_roles", sa.JSON(), nullable=False),
        sa.Column("roles_checked_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("last_used_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id", "created_at"], unique=False)
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_api_idempotency_keys_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_api_idempotency_keys_user_id_key")),
        **TABLE_OPTIONS,
    )
    op.create_index(
        "ix_api_idempotency_keys_created_at", "api_idempotency_keys", ["created_at"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop one a foreign key uses).
    op.drop_table("api_idempotency_keys")
    op.drop_table("api_tokens")
