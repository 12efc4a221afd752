"""The same Alembic migrations build, and take down, the schema on SQLite and on MariaDB."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from tools.base.db import current_revision, downgrade, head_revision, is_current, upgrade
from tools.locks.search_text import is_search_object
from tools.models import Base


def test_upgrade_creates_every_table_and_downgrade_removes_them(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert is_current(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())

    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade(engine)  # and back up again: the downgrade left nothing behind in the way
    assert is_current(engine)


def test_migrations_match_the_models(migrated: Engine) -> None:
    """A model changed without a migration (or the reverse) shows up here, on both backends."""
    with migrated.connect() as connection:
        opts = {
            "compare_type": True,
            "include_name": lambda name, type_, parents: not is_search_object(name),
        }
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def test_mariadb_tables_are_utf8mb4_with_binary_collation(migrated: Engine) -> None:
    if migrated.dialect.name != "mysql":
        return  # SQLite stores UTF-8 text and compares it byte for byte already
    with migrated.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT table_name, table_collation FROM information_schema.tables"
                " WHERE table_schema = DATABASE() AND table_name != 'alembic_version'"
            )
        ).all()
    assert rows
    assert {collation for _, collation in rows} == {"utf8mb4_bin"}
