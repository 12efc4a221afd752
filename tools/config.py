"""Settings of Safety Desk: environment variables (``SAFETYDESK_*``) over an optional TOML file.

Every setting is typed and checked when the tool starts, so that a typo in a
deployment stops it at once with one line that names the setting, rather than
failing later in the middle of a request. Secrets (secret key, OAuth consumer,
database password) come only from the environment or from the TOML file that
the operator keeps outside the repository.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "SAFETYDESK_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG"
DEFAULT_DATABASE_URL = "sqlite:///instance/safetydesk.sqlite3"
SUPPORTED_DRIVERS = ("sqlite", "mysql+pymysql")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and fits on one line."""


class Settings(BaseSettings):
    """All of Safety Desk's settings, with their defaults for a developer's machine."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///… (default) or mysql+pymysql://… (ToolsDB).",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs session cookies; required outside development.",
    )
    instance_path: Path = Field(
        Path("instance"),
        description="Folder for local state: the SQLite file, the development wiki.",
    )
    debug: bool = False

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            # The value is not echoed: it may carry the database password.
            raise ValueError(
                "cannot parse it as a database URL "
                "(expected sqlite:///path or mysql+pymysql://user:password@host/name)"
            ) from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"driver {url.drivername!r} is not supported; use one of "
                + ", ".join(f"{d}://" for d in SUPPORTED_DRIVERS)
            )
        return value

    @property
    def database(self) -> URL:
        """The URL as SQLAlchemy's object; a relative SQLite path is relative to the cwd."""
        return make_url(self.database_url)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit values win, then the environment, then the TOML file."""
        return init_settings, env_settings, _TomlFileSource(settings_cls)


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by ``SAFETYDESK_CONFIG``; keys are the settings' names."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.path = os.environ.get(CONFIG_FILE_VARIABLE, "")
        self.values = self._read() if self.path else {}

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as file:
                return tomllib.load(file)
        except OSError as err:
            raise SettingsError(
                f"{CONFIG_FILE_VARIABLE}: cannot read {self.path}: {err.strerror}"
            ) from None
        except tomllib.TOMLDecodeError as err:
            raise SettingsError(f"{CONFIG_FILE_VARIABLE}: {self.path} is not TOML: {err}") from None

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


def load_settings(**overrides: Any) -> Settings:
    """Build and check the settings; raise :class:`SettingsError` naming the first bad one."""
    try:
        return Settings(**overrides)
    except ValidationError as err:
        raise SettingsError(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    """One line per the house rule: which setting, and what is wrong with it."""
    first = err.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "settings"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"bad setting {ENV_PREFIX}{name.upper()}: {message}{more}"
