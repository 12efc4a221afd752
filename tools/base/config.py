"""Settings of Safety Desk: environment variables (``SAFETYDESK_*``) over an optional TOML file.

Every setting is typed and checked when the tool starts, so that a typo in a
deployment stops it at once with one line that names the setting, rather than
failing later in the middle of a request. Secrets (secret key, OAuth consumer,
database password) come only from the environment or from the TOML file that
the operator keeps outside the repository.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "SAFETYDESK_"
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG"
DEFAULT_DATABASE_URL = "sqlite:///instance/safetydesk.sqlite3"
SUPPORTED_DRIVERS = ("sqlite", "mysql+pymysql")
META_WIKI = "https://meta.wikimedia.org/w"
# Wikimedia's groups of people entrusted with private data or global rights.
DEFAULT_FUNCTIONARY_GROUPS = ("steward", "checkuser", "suppress", "oversight", "ombuds", "sysadmin")

# A list setting reads "a, b, c" from the environment (not only JSON) and a list from TOML.
NameList = Annotated[tuple[str, ...], NoDecode]
# Page titles may hold commas but never "|": boards are separated by "|" or new lines.
BoardList = Annotated[tuple[str, ...], NoDecode]


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and fits on one line."""


#: Whom a step of the escalation policy calls out: the person on duty, the next on the
#: rota, every specialist, or a named person ("user:Name").
CALLOUT_TARGETS = ("on_duty", "next", "team")


class EscalationStep(BaseModel):
    """One step of the on-call escalation policy: call out ``targets``, wait ``delay_minutes``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[str, ...] = Field(min_length=1)
    delay_minutes: int = Field(ge=1, le=1440)

    @field_validator("targets")
    @classmethod
    def _check_targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for target in value:
            if target not in CALLOUT_TARGETS and not (
                target.startswith("user:") and target[5:].strip()
            ):
                raise ValueError(f"unknown target {target!r}: use on_duty, next, team or user:Name")
        return value


DEFAULT_ESCALATION_POLICY = (
    EscalationStep(targets=("on_duty",), delay_minutes=10),
    EscalationStep(targets=("next",), delay_minutes=10),
    EscalationStep(targets=("team",), delay_minutes=10),
)


class Settings(BaseSettings):
    """All of Safety Desk's settings, with their defaults for a developer's machine."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        frozen=True,
    )

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
        description="Signs session cookies; required outside development.",
    )
    instance_path: Path = Field(
        Path("instance"),
        description="Folder for local state: the SQLite file, the development wiki.",
    )
    debug: bool = False
    environment: Literal["development", "production"] = Field(
        "development",
        description="production: secure cookies, OAuth required, development sign-in refused.",
    )

    # --- sign-in and roles ---
    oauth_client_id: str = Field(
        "", description="OAuth 2.0 consumer key (Special:OAuthConsumerRegistration)."
    )
    oauth_client_secret: SecretStr = Field(SecretStr(""), description="OAuth 2.0 consumer secret.")
    oauth_base_url: str = Field(
        f"{META_WIKI}/rest.php", description="rest.php of the wiki that runs OAuth (Meta-Wiki)."
    )
    central_api_url: str = Field(
        f"{META_WIKI}/api.php",
        description="api.php answering list=users and meta=globaluserinfo (Meta-Wiki).",
    )
    functionary_groups: NameList = Field(
        DEFAULT_FUNCTIONARY_GROUPS,
        description="Wiki groups (local on any wiki, or global) that make someone a functionary.",
    )
    bootstrap_specialists: NameList = Field((), description="Specialists before any grant exists.")
    bootstrap_restricted_specialists: NameList = ()
    bootstrap_admins: NameList = Field((), description="Admins who can grant roles in the tool.")
    session_hours: int = Field(12, ge=1, le=168, description="A sign-in lasts this long.")
    roles_refresh_minutes: int = Field(
        15, ge=1, le=1440, description="Wiki groups, blocks and locks are checked again this often."
    )
    dev_login: bool = Field(
        False, description="Sign in as any account of the local wiki, without a password."
    )
    # --- requests and replies ---
    public_url: str = Field(
        "http://127.0.0.1:8000", description="The tool's address, for links in e-mails."
    )
    sla_first_response_minutes: dict[str, int] = Field(
        {"emergency": 60, "high": 240, "normal": 1440, "low": 4320},
        description="First answer promised within, per severity (JSON object).",
    )
    sla_resolution_hours: dict[str, int] = Field(
        {"emergency": 24, "high": 72, "normal": 168, "low": 336},
        description="Resolution promised within, per severity (JSON object).",
    )
    sla_warning_share: float = Field(
        0.75,
        gt=0,
        lt=1,
        description="An SLA clock warns once this share of its target has passed (0.75: 75%).",
    )
    requests_per_hour: int = Field(
        10, ge=1, description="Requests one person may file per hour (emergencies never limited)."
    )
    ratelimit_storage_url: str = Field(
        "memory://", description="Flask-Limiter storage: memory:// (one process) or redis://…"
    )
    api_requests_per_minute: int = Field(
        60, ge=1, description="Calls one API token (or one signed-in person) may make per minute."
    )
    retention_days: int = Field(
        90,
        ge=1,
        description="`safetydesk retention run` purges cases closed more than this many days ago.",
    )

    # --- mail ---
    smtp_host: str = Field("", description="Mail server; empty sends no mail.")
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = "Safety Desk <safetydesk@toolforge.org>"

    # --- on call ---
    oncall_policy: tuple[EscalationStep, ...] = Field(
        DEFAULT_ESCALATION_POLICY,
        min_length=1,
        description="Escalation policy: a JSON list of {targets, delay_minutes} steps.",
    )
    oncall_policy_repeat: int = Field(
        2, ge=0, le=10, description="Times the whole policy runs again when nobody acknowledges."
    )
    oncall_ack_link_hours: int = Field(
        24, ge=1, le=168, description="An acknowledgement link in a callout works this long."
    )
    oncall_retry_max_minutes: int = Field(
        15, ge=1, le=1440, description="Longest wait between two tries of an undelivered callout."
    )
    oncall_lookahead_days: int = Field(
        7, ge=1, le=60, description="Gaps in the rota are reported this many days ahead."
    )

    # --- bots ---
    bot_username: str = Field(
        "", description="The bots' login as Special:BotPasswords shows it: 'Name@appid'."
    )
    bot_password: SecretStr = Field(SecretStr(""), description="That bot password's secret.")

    # --- noticeboard patrol ---
    patrol_boards: BoardList = Field(
        (),
        description="Pages the patrol bot watches, 'wiki:Title', separated by '|' or new lines.",
    )
    patrol_threshold: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Score (0-1] at which a comment becomes an alert; empty: the classifier's.",
    )
    patrol_api_urls: dict[str, str] = Field(
        {},
        description="api.php of wikis that are not Wikimedia's (JSON object: wiki -> URL).",
    )
    patrol_eventstreams_url: str = Field(
        "https://stream.wikimedia.org/v2/stream/recentchange",
        description="EventStreams' recentchange stream, read in the patrol's streaming mode.",
    )

    user_agent: str = Field(
        "SafetyDesk/0.1 (https://safetydesk.toolforge.org)",
        description="User-Agent of every request to the wikis, as Wikimedia's policy asks.",
    )

    # --- escalation to Phabricator ---
    phabricator_url: str = Field(
        "https://phabricator.wikimedia.org",
        description="Phabricator that receives escalations (its Conduit API is under /api/).",
    )
    phabricator_api_token: SecretStr = Field(
        SecretStr(""), description="Conduit API token (api-…) of the tool's bot account."
    )
    phabricator_security_project: str = Field(
        "", description="Project tag or PHID of escalations to Security (e.g. 'Security-Team')."
    )
    phabricator_engineering_project: str = Field(
        "", description="Project tag or PHID of escalations to Engineering."
    )
    phabricator_view_policy: str = Field(
        "",
        description="View/edit policy of the tasks (a project or policy PHID); empty: the default.",
    )

    proxy_hops: int = Field(
        0,
        ge=0,
        le=3,
        description=(
            "Proxies in front of the tool whose X-Forwarded-For/-Proto/-Host to trust "
            "(Toolforge: 1); 0 trusts none."
        ),
    )
    health_jobs: dict[str, int] = Field(
        {"lock_logger": 900, "noticeboard_patrol": 900, "oncall": 180},
        description=(
            "Jobs /healthz expects, each with the age in seconds its last heartbeat may "
            "reach before the job counts as stopped (JSON object)."
        ),
    )
    reportincident_secrets: dict[str, list[str]] = Field(
        {},
        description=(
            "Wikis whose ReportIncident extension sends reports here, each with its secret "
            'path segments (JSON object, e.g. {"enwiki": ["new-secret", "old-secret"]}; '
            "two during a rotation). Each secret: 32 characters or more."
        ),
    )

    @field_validator("reportincident_secrets")
    @classmethod
    def _check_reportincident_secrets(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        seen: set[str] = set()
        for wiki, secrets in value.items():
            for secret in secrets:
                if len(secret) < 32 or not secret.replace("-", "").replace("_", "").isalnum():
                    raise ValueError(
                        f"{wiki}: each secret needs 32 or more letters, digits, - or _"
                    )
                if secret in seen:
                    raise ValueError(f"{wiki}: a secret is given for two wikis")
                seen.add(secret)
        return value

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

    @field_validator(
        "functionary_groups",
        "bootstrap_specialists",
        "bootstrap_restricted_specialists",
        "bootstrap_admins",
        mode="before",
    )
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("patrol_boards", mode="before")
    @classmethod
    def _split_boards(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\n", "|").split("|")
        if isinstance(value, list | tuple):
            return tuple(str(part).strip() for part in value if str(part).strip())
        return value

    @field_validator("patrol_boards")
    @classmethod
    def _check_boards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for board in value:
            wiki, _, title = board.partition(":")
            if not re.fullmatch(r"[a-z0-9_]+", wiki) or not title.strip():
                raise ValueError(f"{board!r} is not 'wiki:Title' (e.g. 'enwiki:Wikipedia:Help')")
        return value

    @field_validator("patrol_api_urls")
    @classmethod
    def _check_api_urls(cls, value: dict[str, str]) -> dict[str, str]:
        for wiki, url in value.items():
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not url.endswith("/api.php"):
                raise ValueError(f"{wiki}: {url!r} is not the http(s) URL of an api.php")
        return value

    @field_validator("sla_first_response_minutes", "sla_resolution_hours")
    @classmethod
    def _check_every_severity(cls, value: dict[str, int]) -> dict[str, int]:
        missing = {"emergency", "high", "normal", "low"} - set(value)
        if missing:
            raise ValueError("needs a value for " + ", ".join(sorted(missing)))
        if any(amount <= 0 for amount in value.values()):
            raise ValueError("every value must be positive")
        return value

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
    def development_sign_in(self) -> bool:
        """The password-less local sign-in: development only, and only without OAuth."""
        return self.dev_login and self.environment == "development" and not self.oauth_configured

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
