"""What every table shares: the declarative base, its naming convention, the column helpers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

from tools.base.db import MARIADB_TABLE_OPTIONS, UTCDateTime

# Deterministic constraint names keep migrations portable (SQLite batch mode needs
# names to drop a constraint) and within MariaDB's 64-character identifier limit.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WIKI = 64  # a wiki's database name: "enwiki", "metawiki", "zh_min_nanwiki"
NAME = 255  # MediaWiki user names and page titles are at most 255 bytes


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def table_args(*constraints: Any) -> tuple[Any, ...]:
    """``__table_args__`` with the MariaDB table options every table shares."""
    return (*constraints, MARIADB_TABLE_OPTIONS)


def vocabulary(enum: type[StrEnum]) -> Enum:
    """Store a StrEnum by its value in a VARCHAR, checked in Python, not by the database."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
