"""Database plumbing: the engine for SQLite or MariaDB, sessions, column types, migrations.

One URL setting chooses the database. The same models and the same Alembic
migrations run on both; what differs between them (connection options, row
formats, microsecond timestamps) is settled here and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, DateTime, Engine, Integer, create_engine, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from tools.base.config import Settings

MIGRATIONS = Path(__file__).parents[1] / "migrations"

# MariaDB options of every table: full Unicode (Arabic, emoji in usernames) and a
# binary collation, because MediaWiki names and titles compare byte for byte, as on SQLite.
MARIADB_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

# Log ids and revision ids of large wikis pass 2**31; SQLite only auto-increments INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC in the database (microseconds on MariaDB too)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use tools.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


#: Session execution option: how a SQLite transaction begins (``DEFERRED`` or ``IMMEDIATE``).
SQLITE_BEGIN = "sqlite_begin"
#: The execution options of a session that will write (its transaction takes the lock).
WRITING = {SQLITE_BEGIN: "IMMEDIATE"}
#: Read timeout of maintenance work (migrations, retention): one statement may take long.
MAINTENANCE_READ_TIMEOUT = 3600.0


def make_engine(url: URL | str, **options: Any) -> Engine:
    """An engine with the settings each backend needs to behave the same way.

    Bound values never reach a log or an error page (``hide_parameters``): a failed
    INSERT of a case would otherwise print its title, description and reporter.
    """
    from sqlalchemy.engine import make_url

    url = make_url(url)
    options.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        event.listen(engine, "savepoint", _sqlite_on_savepoint)
        return engine
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    # ToolsDB closes idle connections; check them before use and recycle them early.
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_recycle", 280)
    # Each statement sees what others committed (as Django does on MySQL): a filing that
    # lost a race for its submission key then finds the winner's case in its transaction.
    options.setdefault("isolation_level", "READ COMMITTED")
    return create_engine(url, **options)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (off by default in SQLite); WAL so the bots and the web can share a file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    """A session that writes (:data:`WRITING`) begins with ``BEGIN IMMEDIATE``: it takes the
    write lock first and waits its turn (busy timeout) instead of failing at its first
    write because another writer committed after it began reading.

    Other sessions keep pysqlite's way: reads outside a transaction, ``BEGIN`` at the
    first write, so a page that writes an audit event never holds an old snapshot.
    """
    if connection.get_execution_options().get(SQLITE_BEGIN) == "IMMEDIATE":
        _sqlite_begin_immediate(connection)


def _sqlite_on_savepoint(connection: Any, _name: str) -> None:
    """pysqlite sends no ``BEGIN`` before a ``SAVEPOINT``, which then opens the transaction
    itself, and its ``RELEASE`` commits: a filing's savepoint committed the case before
    its caller did. A savepoint is always inside a ``BEGIN IMMEDIATE`` (it is a write)."""
    if not connection.connection.dbapi_connection.in_transaction:
        _sqlite_begin_immediate(connection)


def _sqlite_begin_immediate(connection: Any) -> None:
    connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE")


def engine_from_settings(settings: Settings, read_timeout: float | None = None) -> Engine:
    """The engine of the settings' database; every wait on MariaDB ends (timeouts).

    ``read_timeout`` overrides the setting (migrations may run longer than a request).
    """
    if settings.database.get_backend_name() == "sqlite":
        return make_engine(settings.database)
    return make_engine(
        settings.database,
        pool_timeout=settings.database_pool_timeout,
        connect_args={
            "connect_timeout": settings.database_connect_timeout,
            "read_timeout": read_timeout or settings.database_read_timeout,
            "write_timeout": settings.database_write_timeout,
        },
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after writing)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error."""
    with factory(execution_options=WRITING) as session, session.begin():
        yield session


# --- migrations -------------------------------------------------------------


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration in code: no alembic.ini to keep in step with the settings."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


class _QuietMigrationContext(logging.Filter):
    """Drop the two INFO lines Alembic writes each time a migration context is made.

    Asking the revision is no migration (``/healthz/web`` asks on every probe), and
    "Context impl SQLiteImpl." / "Will assume non-transactional DDL." say nothing an
    operator needs; the lines of real upgrades ("Running upgrade …") are kept.
    """

    NOISE = ("Context impl ", "Will assume ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


logging.getLogger("alembic.runtime.migration").addFilter(_QuietMigrationContext())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def is_current(engine: Engine) -> bool:
    """True when the database has every migration this code expects."""
    return current_revision(engine) == head_revision()
