"""mail: the e-mail channel (messages in and out, attachments, threaded outbox)

Revision ID: 0014_mail
Revises: 0013_steward_requests
Create Date: 2026-12-03 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import tools.base.db

revision = "0014_mail"
down_revision = "0013_steward_requests"
branch_labels = None
depends_on = None

TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BLOB = sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("event_id", BIG_ID, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("uidvalidity", BIG_ID, nullable=True),
        sa.Column("uid", BIG_ID, nullable=True),
        sa.Column("from_address", sa.String(255), nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("authentication", sa.JSON(), nullable=True),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("raw", BLOB, nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_mail_messages_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_messages_message_id")),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_mail_messages_case", "mail_messages", ["case_id", "id"])
    op.create_index("ix_mail_messages_sender", "mail_messages", ["from_address", "created_at"])
    op.create_table(
        "mail_attachments",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("message_id", BIG_ID, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", BLOB, nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_mail_attachments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mail_messages.id"],
            name=op.f("fk_mail_attachments_message_id_mail_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
        **TABLE_OPTIONS,
    )
    op.create_index("ix_mail_attachments_case", "mail_attachments", ["case_id", "id"])
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("message_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
    op.create_index("ix_mail_outbox_to", "mail_outbox", ["to_address", "kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_to", table_name="mail_outbox")
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("kind")
        batch.drop_column("headers")
        batch.drop_column("message_id")
    # Dropping a table drops its indexes (MariaDB refuses to drop one a foreign key needs).
    op.drop_table("mail_attachments")
    op.drop_table("mail_messages")
