"""Settings of Safety Desk: environment variables (``SAFETYDESK_*``) over an optional TOML file.

Every setting is typed and checked when the tool starts, so that a typo in a
deployment stops it at once with one line that names the setting, rather than
failing later in the middle of a request. Secrets (secret key, OAuth consumer,
database password) come only from the environment or from the TOML file that
the operator keeps outside the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from tools.base.config_accounts import AccountWatchSettings
from tools.base.config_groups import (
    BotSettings,
    MailSettings,
    OnCallSettings,
    OperationsSettings,
    PatrolSettings,
    PhabricatorSettings,
    RequestSettings,
    SignInSettings,
    UploadSettings,
)

# tools.oncall reads the escalation policy's step type from here, beside Settings.
from tools.base.config_groups import EscalationStep as EscalationStep
from tools.base.config_mail import MailIntakeSettings
from tools.base.config_sources import ENV_PREFIX, SettingsError, _TomlFileSource, _toolsdb_url

DEFAULT_DATABASE_URL = "sqlite:///instance/safetydesk.sqlite3"
SUPPORTED_DRIVERS = ("sqlite", "mysql+pymysql")


class CoreSettings(BaseModel):
    """Where the tool keeps its data, how it signs sessions, and which environment it is in."""

    database_url: str = Field(
        default_factory=lambda: _toolsdb_url() or DEFAULT_DATABASE_URL,
        description=(
            "SQLAlchemy URL: sqlite:///… or mysql+pymysql://… . Default: ToolsDB's "
            "<user>__safetydesk when Toolforge's TOOL_TOOLSDB_USER/PASSWORD are set, "
            "else the SQLite file."
        ),
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description=(
            "Signs session cookies; empty: a random key per process (sessions end at a "
            "restart); production needs one of 32 characters or more."
        ),
    )
    instance_path: Path = Field(
        Path("instance"),
        description="Folder for local state: the SQLite file, the development wiki.",
    )
    debug: bool = Field(False, description="Flask's debug mode (tracebacks in pages).")
    environment: Literal["development", "production"] = Field(
        "development",
        description="production: secure cookies, OAuth required, development sign-in refused.",
    )

    # A database that accepts connections but never answers must not hold every thread:
    # each wait on MariaDB ends after these seconds with an error (a 503, or the spool).
    database_connect_timeout: float = Field(
        5, gt=0, le=60, description="Seconds to connect to MariaDB (and read its greeting)."
    )
    database_read_timeout: float = Field(
        10, gt=0, le=600, description="Seconds MariaDB may take to answer one statement."
    )
    database_write_timeout: float = Field(
        5, gt=0, le=600, description="Seconds to send one statement to MariaDB."
    )
    database_pool_timeout: float = Field(
        5, gt=0, le=60, description="Seconds a request waits for a free database connection."
    )

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


# Pydantic puts the fields of the last base first: read the groups from the right.
class Settings(
    MailIntakeSettings,
    AccountWatchSettings,
    UploadSettings,
    OperationsSettings,
    PhabricatorSettings,
    PatrolSettings,
    BotSettings,
    OnCallSettings,
    MailSettings,
    RequestSettings,
    SignInSettings,
    CoreSettings,
    BaseSettings,
):
    """All of Safety Desk's settings, with their defaults for a developer's machine."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
    )

    @field_validator(
        "oauth_base_url",
        "central_api_url",
        "public_url",
        "phabricator_url",
        "patrol_eventstreams_url",
    )
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        """Production never runs on development conveniences; each gap is named."""
        if self.environment != "production":
            return self
        if self.dev_login:
            raise ValueError("dev_login: development sign-in cannot be enabled in production")
        if len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("secret_key: production needs a random key of 32 characters or more")
        if not (self.oauth_client_id and self.oauth_client_secret.get_secret_value()):
            raise ValueError("oauth_client_id: production needs an OAuth consumer (id and secret)")
        for name in ("oauth_base_url", "central_api_url"):
            if not getattr(self, name).startswith("https://"):
                raise ValueError(f"{name}: production talks to the wiki over https only")
        return self

    @property
    def oauth_configured(self) -> bool:
        return bool(self.oauth_client_id and self.oauth_client_secret.get_secret_value())

    @property
    def demo_sign_in(self) -> bool:
        """The demo people's one-click sign-in: development only, without OAuth or dev_login."""
        return (
            self.demo
            and self.environment == "development"
            and not self.oauth_configured
            and not self.dev_login
        )

    @property
    def sign_in_mode(self) -> str:
        """Which sign-in is on (the footer says it): oauth, local-wiki, dev-login, demo, none."""
        if self.oauth_configured:
            local = urlsplit(self.oauth_base_url).hostname in ("127.0.0.1", "localhost", "::1")
            return "local-wiki" if local else "oauth"
        if self.development_sign_in:
            return "dev-login"
        return "demo" if self.demo_sign_in else "none"

    @property
    def development_sign_in(self) -> bool:
        """The password-less local sign-in: development only, and only without OAuth."""
        return self.dev_login and self.environment == "development" and not self.oauth_configured

    def secret_values(self) -> list[str]:
        """Every credential among the settings, for the logs to mask (tools.base.logs)."""
        found = [
            value.get_secret_value()
            for value in vars(self).values()
            if isinstance(value, SecretStr)
        ]
        found += [secret for secrets in self.reportincident_secrets.values() for secret in secrets]
        if self.database.password:
            found.append(str(self.database.password))
        return [value for value in found if value]

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


def load_settings(**overrides: Any) -> Settings:
    """Build and check the settings; raise :class:`SettingsError` naming the first bad one."""
    try:
        return Settings(**overrides)
    except ValidationError as err:
        raise SettingsError(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    """One line per the house rule: which setting, and what is wrong with it."""
    first = err.errors()[0]
    name = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if not name:  # a check across settings says which one it is about: "name: message"
        name, _, message = message.partition(": ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"bad setting {ENV_PREFIX}{name.upper()}: {message}{more}"
