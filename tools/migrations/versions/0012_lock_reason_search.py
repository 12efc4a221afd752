"""lock_events: reason_search (case-folded) with a full-text index; re-read modern suppressions

Revision ID: 0012_lock_reason_search
Revises: 0011_outbox
Create Date: 2026-12-02 20:30:00

SQLite gets an FTS5 table (trigram tokenizer) over reason_search kept by triggers;
MariaDB a FULLTEXT index. Stored setstatus rows not understood before, among them the
modern ``{"added": ["suppressed"]}``, are read again.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from tools.locks.normalisation import status_action
from tools.locks.search_text import FTS_TABLE, FULLTEXT_INDEX, search_form

revision = "0012_lock_reason_search"
down_revision = "0011_outbox"
branch_labels = None
depends_on = None

BATCH = 5000
_TRIGGERS = {
    "ai": "AFTER INSERT ON lock_events BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, reason_search) VALUES (new.id, new.reason_search); END",
    "ad": "AFTER DELETE ON lock_events BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, reason_search) "
    "VALUES ('delete', old.id, old.reason_search); END",
    "au": "AFTER UPDATE OF reason_search ON lock_events BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, reason_search) "
    "VALUES ('delete', old.id, old.reason_search); "
    f"INSERT INTO {FTS_TABLE}(rowid, reason_search) VALUES (new.id, new.reason_search); END",
}


def upgrade() -> None:
    with op.batch_alter_table("lock_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_search", sa.Text(), nullable=True))
    connection = op.get_bind()
    _fill(connection)
    if connection.dialect.name == "sqlite":
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(reason_search, content='lock_events', "
            "content_rowid='id', tokenize='trigram case_sensitive 1')"
        )
        for suffix, body in _TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {FTS_TABLE}_{suffix} {body}")
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    else:
        op.execute(f"ALTER TABLE lock_events ADD FULLTEXT INDEX {FULLTEXT_INDEX} (reason_search)")


def _fill(connection: sa.Connection) -> None:
    """reason_search of every row; the action of setstatus rows not understood before."""
    table = sa.table(
        "lock_events",
        sa.column("id"),
        sa.column("reason"),
        sa.column("reason_search"),
        sa.column("log_action"),
        sa.column("params"),
        sa.column("parsed"),
        sa.column("action"),
        sa.column("target"),
    )
    searches = sa.update(table).where(table.c.id == sa.bindparam("row_id"))
    searches = searches.values(reason_search=sa.bindparam("folded"))
    actions = sa.update(table).where(table.c.id == sa.bindparam("row_id"))
    actions = actions.values(action=sa.bindparam("new_action"), parsed=sa.true())
    last = 0
    while True:
        rows = connection.execute(
            sa.select(
                table.c.id, table.c.reason, table.c.log_action, table.c.params, table.c.target
            )
            .where(table.c.id > last, sa.or_(table.c.reason.is_not(None), table.c.parsed == 0))
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        folded = [
            {"row_id": row.id, "folded": search_form(row.reason)}
            for row in rows
            if row.reason is not None
        ]
        if folded:
            connection.execute(searches, folded)
        understood = [
            {"row_id": row.id, "new_action": action}
            for row in rows
            if row.log_action == "setstatus" and row.target
            if (action := _status(row.params)) is not None
        ]
        if understood:
            connection.execute(actions, understood)
        last = rows[-1].id


def _status(params: object) -> str | None:
    params = json.loads(params) if isinstance(params, str | bytes) else params
    return status_action(params) if isinstance(params, dict) else None


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        op.execute(f"ALTER TABLE lock_events DROP INDEX {FULLTEXT_INDEX}")
    with op.batch_alter_table("lock_events", schema=None) as batch_op:
        batch_op.drop_column("reason_search")
