"""Where settings come from besides the environment: the TOML file and Toolforge's ToolsDB."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy.engine import URL

ENV_PREFIX = "SAFETYDESK_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and fits on one line."""


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


#: ToolsDB's host inside Toolforge, and the database this tool makes there.
TOOLSDB_HOST = "tools.db.svc.wikimedia.cloud"
TOOLSDB_DATABASE = "safetydesk"


def _toolsdb_url() -> str | None:
    """ToolsDB from the credentials Toolforge puts in every job's environment.

    A tool's own databases on ToolsDB must be named ``<credential user>__<name>``.
    """
    user = os.environ.get("TOOL_TOOLSDB_USER", "")
    password = os.environ.get("TOOL_TOOLSDB_PASSWORD", "")
    if not (user and password):
        return None
    url = URL.create(
        "mysql+pymysql",
        username=user,
        password=password,
        host=TOOLSDB_HOST,
        database=f"{user}__{TOOLSDB_DATABASE}",
        query={"charset": "utf8mb4"},
    )
    return url.render_as_string(hide_password=False)
