"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 21:26:52.221305
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tools.base.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=191), nullable=False),
        sa.Column("position", sa.JSON(), nullable=False),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_checkpoints")),
        sa.UniqueConstraint("bot", "stream", name=op.f("uq_bot_checkpoints_bot_stream")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "lock_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("wiki", sa.String(length=64), nullable=False),
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("log_type", sa.String(length=32), nullable=False),
        sa.Column("log_action", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("timestamp", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("performer", sa.String(length=255), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column(
            "target_kind",
            sa.Enum("account", "ip", "range", name="subjectkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expiry", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lock_events")),
        sa.UniqueConstraint("wiki", "log_id", name=op.f("uq_lock_events_wiki_log_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_lock_events_action", "lock_events", ["action", "timestamp"], unique=False)
    op.create_index(
        "ix_lock_events_performer", "lock_events", ["performer", "timestamp"], unique=False
    )
    op.create_index("ix_lock_events_target", "lock_events", ["target", "timestamp"], unique=False)
    op.create_index("ix_lock_events_timestamp", "lock_events", ["timestamp"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("central_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("roles_checked_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("central_id", name=op.f("uq_users_central_id")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_canned_responses_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
        sa.UniqueConstraint("key", "language", name=op.f("uq_canned_responses_key_language")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "threat",
                "child_protection",
                "harassment",
                "event_safety",
                "technical",
                "privacy",
                "engineering",
                "other",
                name="category",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "emergency", "high", "normal", "low", name="severity", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "triaged",
                "in_progress",
                "waiting",
                "escalated",
                "resolved",
                "closed",
                name="casestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "form",
                "api",
                "alert",
                "reportincident",
                name="casesource",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("first_response_due_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("resolution_due_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("first_response_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("closed_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("purged_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_cases_requester_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_cases_assignee", "cases", ["assignee_id", "status"], unique=False)
    op.create_index("ix_cases_created_at", "cases", ["created_at"], unique=False)
    op.create_index(
        "ix_cases_queue", "cases", ["status", "severity", "resolution_due_at"], unique=False
    )
    op.create_index("ix_cases_requester", "cases", ["requester_id", "created_at"], unique=False)

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_role_grants_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint("user_id", "role", name=op.f("uq_role_grants_user_id_role")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("regular", "override", name="shiftkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("starts_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_shifts_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shifts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_shifts_period", "shifts", ["starts_at", "ends_at"], unique=False)

    op.create_table(
        "weekly_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("duration_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_weekly_shifts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_shifts")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_weekly_shifts_weekday", "weekly_shifts", ["weekday"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("wiki", sa.String(length=64), nullable=False),
        sa.Column("page_title", sa.String(length=255), nullable=False),
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("comment_key", sa.String(length=64), nullable=False),
        sa.Column("section", sa.String(length=255), nullable=True),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("commented_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("new", "dismissed", "case", name="alertstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_alerts_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "wiki", "rev_id", "comment_key", name=op.f("uq_alerts_wiki_rev_id_comment_key")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_alerts_category", "alerts", ["category", "created_at"], unique=False)
    op.create_index("ix_alerts_status", "alerts", ["status", "created_at"], unique=False)

    op.create_table(
        "callouts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "acknowledged",
                "cancelled",
                name="calloutstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("sent_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", tools.base.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_callouts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_callouts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callouts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_callouts_token_hash")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_callouts_case", "callouts", ["case_id", "step"], unique=False)
    op.create_index("ix_callouts_due", "callouts", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=64), nullable=True),
        sa.Column(
            "audience",
            sa.Enum("internal", "requester", name="audience", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_case_events_actor", "case_events", ["actor_id", "created_at"], unique=False)
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"], unique=False)

    op.create_table(
        "case_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("account", "ip", "range", name="subjectkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("wiki", sa.String(length=64), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_subjects_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_subjects")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_case_subjects_case", "case_subjects", ["case_id"], unique=False)
    op.create_index("ix_case_subjects_value", "case_subjects", ["value"], unique=False)

    op.create_table(
        "case_wikis",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("wiki", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_wikis_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "wiki", name=op.f("pk_case_wikis")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_case_wikis_wiki", "case_wikis", ["wiki", "case_id"], unique=False)

    op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "diff",
                "permalink",
                "log",
                "page",
                "other",
                name="evidencekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("wiki", sa.String(length=64), nullable=True),
        sa.Column("page_title", sa.String(length=255), nullable=True),
        sa.Column("rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "old_rev_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("log_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", tools.base.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_evidence_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_links")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_evidence_links_case", "evidence_links", ["case_id"], unique=False)


def downgrade() -> None:
    # Indexes and foreign keys go with their tables; children before parents.
    op.drop_table("evidence_links")
    op.drop_table("case_wikis")
    op.drop_table("case_subjects")
    op.drop_table("case_events")
    op.drop_table("callouts")
    op.drop_table("alerts")
    op.drop_table("weekly_shifts")
    op.drop_table("shifts")
    op.drop_table("role_grants")
    op.drop_table("cases")
    op.drop_table("canned_responses")
    op.drop_table("users")
    op.drop_table("lock_events")
    op.drop_table("bot_checkpoints")
