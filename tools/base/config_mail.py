"""Settings of the e-mail channel: the mailbox the intake reads, and what each address means.

Kept apart from :mod:`tools.base.config_groups` (outgoing mail lives there) because the
intake has its own concerns: the IMAP server, the address map, caps on what it stores.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

# The values of tools.models.Category and Severity (settings load before the models;
# tests/test_mail_parse.py checks that the two lists agree).
CategoryName = Literal[
    "threat",
    "child_protection",
    "harassment",
    "event_safety",
    "technical",
    "privacy",
    "engineering",
    "other",
]
SeverityName = Literal["emergency", "high", "normal", "low"]


class MailRoute(BaseModel):
    """What a message sent to one of the team's addresses becomes."""

    category: CategoryName = "other"
    severity: SeverityName | None = None  # None: the category's default
    language: str = "en"  # of the acknowledgement and of replies, unless the mail says


class MailIntakeSettings(BaseModel):
    """The mailbox read over IMAP (``safetydesk mail fetch``)."""

    mail_imap_host: str = Field("", description="IMAP server of the team's mailbox; empty: off.")
    mail_imap_port: int = Field(993, ge=1, le=65535, description="IMAP port of the mailbox.")
    mail_imap_ssl: bool = Field(True, description="Implicit TLS (port 993); false: plain IMAP.")
    mail_imap_username: str = Field("", description="The mailbox's IMAP login.")
    mail_imap_password: SecretStr = Field(
        SecretStr(""), description="The mailbox's IMAP password (a secret: environment only)."
    )
    mail_imap_folder: str = Field("INBOX", description="The folder the fetcher reads.")
    mail_addresses: dict[str, MailRoute] = Field(
        {},
        description=(
            "The team's addresses, each with the category and severity its mail is filed "
            'as (JSON, e.g. {"emergency@example.org": {"category": "threat", "severity": '
            '"emergency"}}). Mail to none of them is filed as "other".'
        ),
    )
    mail_reply_from: str = Field(
        "",
        description="From of replies and acknowledgements; empty: the first mapped address.",
    )
    mail_max_message_bytes: int = Field(
        25 * 1024 * 1024,
        ge=1024,
        description="A larger message is filed by its headers only and left in the mailbox.",
    )
    mail_max_attachment_bytes: int = Field(
        10 * 1024 * 1024,
        ge=0,
        le=16 * 1024 * 1024,
        description="A larger attachment is listed (name, type, size) but not stored.",
    )
    mail_authserv_id: str = Field(
        "",
        description=(
            "The receiving server's name in Authentication-Results; only its results are "
            "trusted (empty: the topmost header)."
        ),
    )

    @field_validator("mail_addresses")
    @classmethod
    def _check_addresses(cls, value: dict[str, MailRoute]) -> dict[str, MailRoute]:
        for address in value:
            _one_address(address)
        return {address.strip().lower(): route for address, route in value.items()}

    @field_validator("mail_reply_from")
    @classmethod
    def _check_reply_from(cls, value: str) -> str:
        if value:
            _one_address(parseaddr(value)[1])
        return value

    @property
    def mail_intake_configured(self) -> bool:
        return bool(self.mail_imap_host)

    @property
    def team_address(self) -> str:
        """The address replies come from."""
        return self.mail_reply_from or next(iter(self.mail_addresses), "")


def _one_address(text: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as err:
        raise ValueError(f"{text!r} is not one valid e-mail address: {err}") from None
