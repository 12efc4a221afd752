"""The groups of settings :class:`tools.base.config.Settings` is made of, one per concern.

Each group holds its fields and the checks that read only them; checks across groups
stay on ``Settings``. ``Settings`` lists the groups so that its fields keep the order
written here, top to bottom, which is the order their errors are reported in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

META_WIKI = "https://meta.wikimedia.org/w"
# Wikimedia's groups of people entrusted with private data or global rights.
DEFAULT_FUNCTIONARY_GROUPS = ("steward", "checkuser", "suppress", "oversight", "ombuds", "sysadmin")

# A list setting reads "a, b, c" from the environment (not only JSON) and a list from TOML.
NameList = Annotated[tuple[str, ...], NoDecode]
# Page titles may hold commas but never "|": boards are separated by "|" or new lines.
BoardList = Annotated[tuple[str, ...], NoDecode]

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


class SignInSettings(BaseModel):
    """Sign-in and roles: the OAuth consumer, the central wiki, who is who."""

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
    bootstrap_restricted_specialists: NameList = Field(
        (), description="Restricted specialists before any grant exists."
    )
    bootstrap_admins: NameList = Field((), description="Admins who can grant roles in the tool.")
    session_hours: int = Field(12, ge=1, le=168, description="A sign-in lasts this long.")
    roles_refresh_minutes: int = Field(
        15, ge=1, le=1440, description="Wiki groups, blocks and locks are checked again this often."
    )
    dev_login: bool = Field(
        False,
        description=(
            "Development only, without OAuth: sign in as any account of the local wiki "
            "(safetydesk devwiki start), without a password."
        ),
    )
    demo: bool = Field(
        True,
        description=(
            "Development only: without an OAuth consumer, /login offers the demo people "
            "(tools/people/data/demo_people.toml), and a new database gets the demo data."
        ),
    )

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


class RequestSettings(BaseModel):
    """Requests and replies: the tool's address, SLA clocks, rate limits, retention."""

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

    @field_validator("sla_first_response_minutes", "sla_resolution_hours")
    @classmethod
    def _check_every_severity(cls, value: dict[str, int]) -> dict[str, int]:
        missing = {"emergency", "high", "normal", "low"} - set(value)
        if missing:
            raise ValueError("needs a value for " + ", ".join(sorted(missing)))
        if any(amount <= 0 for amount in value.values()):
            raise ValueError("every value must be positive")
        return value


class MailSettings(BaseModel):
    """Mail: the server the tool sends notifications through."""

    smtp_host: str = Field("", description="Mail server; empty sends no mail.")
    smtp_port: int = Field(25, description="Its port.")
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS.")
    smtp_username: str = Field("", description="Login on the mail server; empty: none.")
    smtp_password: SecretStr = Field(SecretStr(""), description="Its password.")
    mail_from: str = Field(
        "Safety Desk <safetydesk@toolforge.org>", description="Sender of every mail."
    )


class OnCallSettings(BaseModel):
    """On call: the escalation policy and its callouts."""

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
    redis_url: str = Field(
        "",
        description=(
            "Redis that wakes the on-call worker when a callout is queued (redis://…); "
            "empty: the rate limits' Redis if they use one, else the worker's poll only."
        ),
    )


class BotSettings(BaseModel):
    """Bots: the bot password the Pywikibot scripts log in with."""

    bot_username: str = Field(
        "", description="The bots' login as Special:BotPasswords shows it: 'Name@appid'."
    )
    bot_password: SecretStr = Field(SecretStr(""), description="That bot password's secret.")


class PatrolSettings(BaseModel):
    """Noticeboard patrol: the boards, the threshold, where the wikis and stream are."""

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
    patrol_request_overdue_hours: float = Field(
        24.0,
        gt=0,
        le=24 * 365,
        description="Hours a steward request may stay open before it raises an alert.",
    )

    user_agent: str = Field(
        "SafetyDesk/0.1 (https://safetydesk.toolforge.org)",
        description="User-Agent of every request to the wikis, as Wikimedia's policy asks.",
    )

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


class PhabricatorSettings(BaseModel):
    """Escalation to Phabricator: the Conduit API and the projects tasks go to."""

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


class OperationsSettings(BaseModel):
    """Operations: proxies, the jobs /healthz watches, ReportIncident's secrets."""

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
        dict.fromkeys(
            ("lock_logger", "noticeboard_patrol", "account_watcher", "upload_watcher"), 900
        )
        | {"oncall": 180},
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

    reportincident_spool: Path | None = Field(
        None,
        description=(
            "File that keeps ReportIncident reports the database could not store, until they "
            "are filed (one JSON line each). Default: reportincident-spool.jsonl in the "
            "instance folder. Give the web tool and the on-call worker the same file."
        ),
    )
    reportincident_fallback_email: str = Field(
        "",
        description=(
            "Address told (without any of the report) that a ReportIncident report could not "
            "be stored and waits in the spool; empty tells nobody but the log."
        ),
    )

    @field_validator("reportincident_fallback_email")
    @classmethod
    def _check_fallback_email(cls, value: str) -> str:
        if not value:
            return value
        from email_validator import EmailNotValidError, validate_email

        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as err:
            raise ValueError(f"not one valid e-mail address: {err}") from None

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


class UploadSettings(BaseModel):
    """The upload watcher: which wikis' uploads are matched against the hash banks, how near."""

    uploads_wikis: BoardList = Field(
        ("commonswiki",),
        description="Wikis whose uploads are hashed and matched (database names, '|'-separated).",
    )
    hash_match_threshold: int = Field(
        31,
        ge=0,
        le=64,
        description="Bits of 256 within which a PDQ hash matches a bank's (HMA's default: 31).",
    )

    @field_validator("uploads_wikis", mode="before")
    @classmethod
    def _split_wikis(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\n", "|").replace(",", "|").split("|")
        if isinstance(value, list | tuple):
            return tuple(str(part).strip() for part in value if str(part).strip())
        return value

    @field_validator("uploads_wikis")
    @classmethod
    def _check_wikis(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for wiki in value:
            if not re.fullmatch(r"[a-z0-9_]+", wiki):
                raise ValueError(f"{wiki!r} is not a wiki's database name (e.g. 'commonswiki')")
        return value
