"""Database plumbing: the engine for SQLite or MariaDB, sessions, column types, migrations.

One URL setting chooses the database. The same models and the same Alembic
migrations run on both; what differs between them (connection options, row
formats, microsecond timestamps) is settled here and nowhere else.
"""

from __future__ import annotations

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


def make_engine(url: URL | str, **options: Any) -> Engine:
    """An engine with the settings each backend needs to behave the same way."""
    from sqlalchemy.engine import make_url

    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    # ToolsDB closes idle connections; check them before use and recycle them early.
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_recycle", 280)
    return create_engine(url, **options)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (off by default in SQLite); WAL so the bots and the web can share a file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(settings.database)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after writing)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error."""
    with factory() as session, session.begin():
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


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def is_current(engine: Engine) -> bool:
    """True when the database has every migration this code expects."""
    return current_revision(engine) == head_revision()
