"""Alembic environment: the engine comes from tools.db (or the settings), never from an ini file."""

from __future__ import annotations

from alembic import context

from tools.base.config import load_settings
from tools.base.db import MAINTENANCE_READ_TIMEOUT, engine_from_settings
from tools.locks.search_text import is_search_object
from tools.models import Base

config = context.config
engine = config.attributes.get("engine") or engine_from_settings(
    load_settings(), read_timeout=MAINTENANCE_READ_TIMEOUT
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The full-text search tables and index are made by migration 0010, not by a model.
        include_name=lambda name, type_, parents: not is_search_object(name),
    )
    with context.begin_transaction():
        context.run_migrations()
