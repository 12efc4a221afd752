"""A received message read into what the intake needs, whatever shape it comes in.

Parsed with :mod:`email` and the modern policy (``email.policy.default``). Nothing here
raises on bad input: a header that cannot be read is left out and named in
``problems``, and a message that cannot be read at all keeps its raw bytes, so the
intake still files it (with a warning) and a specialist reads it as it came.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.policy import default as modern
from email.utils import getaddresses, parseaddr

from tools.base.addresses import InvalidAddress, checked_address
from tools.mail.html_text import html_to_text

MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
#: Auto-Submitted values other than "no" are machines answering (RFC 3834).
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
LANGUAGES = ("en", "fr", "ar", "pt")
#: File names are shown and sent back as a download: no path, no control characters.
UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\"<>:|?*]+')


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Incoming:
    """What one message says, as far as it could be read."""

    message_id: str
    size: int
    from_address: str | None = None
    from_name: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    automatic: str | None = None  # "auto-reply", "bulk" or "bounce": never answered
    text: str = ""
    from_html: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    language: str | None = None
    authentication: dict[str, str] = field(default_factory=dict)
    authenticated: bool = False
    unreadable: bool = False
    truncated: bool = False  # only the headers were fetched (over the size cap)
    problems: list[str] = field(default_factory=list)

    @property
    def named_ids(self) -> list[str]:
        """Message-IDs this one answers: In-Reply-To first, then References, newest first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def read_message(raw: bytes, authserv_id: str = "", size: int | None = None) -> Incoming:
    """Read ``raw`` (RFC 5322 bytes); ``size``: the full size when ``raw`` is headers only."""
    fallback_id = "sha256-" + hashlib.sha256(raw).hexdigest()[:48] + "@safetydesk.invalid"
    incoming = Incoming(message_id=fallback_id, size=size if size is not None else len(raw))
    incoming.truncated = size is not None and size > len(raw)
    try:
        message = email.message_from_bytes(raw, policy=modern)
    except Exception:  # the parser's bugs must not lose a mail
        incoming.unreadable = True
        incoming.problems.append("the message could not be parsed")
        return incoming
    assert isinstance(message, EmailMessage)
    _read_headers(message, incoming, authserv_id)
    if incoming.automatic == "bounce":  # the returned message's own id names its case
        returned = re.findall(rb"(?im)^Message-ID:\s*<([^<>\s]{1,250})>", raw)[1:]
        incoming.references += [one.decode("ascii", "replace") for one in returned[:5]]
    if incoming.truncated:
        incoming.problems.append(f"the message is {incoming.size} bytes, over the size cap")
    else:
        _read_body(message, incoming)
    if message.defects:
        incoming.problems.append(
            "malformed: " + ", ".join(sorted({type(d).__name__ for d in message.defects}))[:150]
        )
    return incoming


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse
        return ""
    return str(value).strip() if value is not None else ""


def _read_headers(message: EmailMessage, incoming: Incoming, authserv_id: str) -> None:
    found = MESSAGE_ID.search(_header(message, "Message-ID"))
    if found:
        incoming.message_id = found.group(1)
    else:
        incoming.problems.append("no Message-ID")
    name, address = parseaddr(_header(message, "From"))
    incoming.from_name = name[:255]
    try:
        incoming.from_address = checked_address(address).lower() if address else None
    except InvalidAddress:
        incoming.from_address = None
    if incoming.from_address is None:
        incoming.problems.append("no valid sender address")
    values = [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    incoming.recipients = [addr.lower() for _, addr in getaddresses(values) if "@" in addr]
    incoming.subject = " ".join(_header(message, "Subject").split())[:255]
    incoming.in_reply_to = MESSAGE_ID.findall(_header(message, "In-Reply-To"))[:20]
    incoming.references = MESSAGE_ID.findall(_header(message, "References"))[-50:]
    incoming.automatic = _automatic(message, address)
    language = _header(message, "Content-Language")[:2].lower()
    incoming.language = language if language in LANGUAGES else None
    incoming.authentication = _authentication(message, authserv_id)
    incoming.authenticated = _aligned(incoming.authentication, address)


def _automatic(message: EmailMessage, sender: str) -> str | None:
    """Why this message must never be answered, or None for mail a person wrote."""
    local = sender.partition("@")[0].lower()
    report = message.get_content_type() == "multipart/report"
    if report or local in BOUNCE_SENDERS or _header(message, "Return-Path") == "<>":
        return "bounce"
    auto = _header(message, "Auto-Submitted").lower()
    if (auto and auto != "no") or any(_header(message, name) for name in AUTOREPLY_HEADERS):
        return "auto-reply"
    if _header(message, "Precedence").lower() in BULK_PRECEDENCE or _header(message, "List-Id"):
        return "bulk"
    return None


def _authentication(message: EmailMessage, authserv_id: str) -> dict[str, str]:
    """SPF, DKIM and DMARC results from the receiving server's Authentication-Results.

    Only the server's own header counts (the first one, or the one naming
    ``authserv_id``): a header the sender wrote further down proves nothing.
    """
    try:
        headers = [str(value) for value in message.get_all("Authentication-Results") or []]
    except Exception:
        return {}
    for header in headers:
        server = header.split(";", 1)[0].strip().lower()
        if authserv_id and server != authserv_id.lower():
            continue
        results = {}
        for method, result, rest in re.findall(
            r"\b(spf|dkim|dmarc)\s*=\s*(\w+)([^;]*)", header, re.IGNORECASE
        ):
            results.setdefault(method.lower(), result.lower())
            domain = re.search(r"(?:header\.d|header\.from|smtp\.mailfrom)\s*=\s*(\S+)", rest)
            if domain:
                results.setdefault(
                    f"{method.lower()}_domain", domain.group(1).split("@")[-1].lower()
                )
        return results
    return {}


def _aligned(results: dict[str, str], sender: str) -> bool:
    """True when DMARC passed, or DKIM or SPF passed for the From address's own domain."""
    if results.get("dmarc") == "pass":
        return True
    domain = sender.rpartition("@")[2].lower()
    return any(
        results.get(method) == "pass" and results.get(f"{method}_domain") == domain
        for method in ("dkim", "spf")
    )


def _read_body(message: EmailMessage, incoming: Incoming) -> None:
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            content = body.get_content()
            if body.get_content_type() == "text/html":
                incoming.text, incoming.from_html = html_to_text(content), True
            else:
                incoming.text = str(content)
        for part in message.iter_attachments() if message.is_multipart() else []:
            _attachment(part, incoming)
    except Exception:  # a broken part: keep what was read, say so
        incoming.problems.append("a part of the message could not be read")
        incoming.unreadable = not incoming.text


def _attachment(part: EmailMessage, incoming: Incoming) -> None:
    if part.is_multipart():
        for sub in part.iter_parts():
            _attachment(sub, incoming)  # type: ignore[arg-type]
        return
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return
    name = UNSAFE_NAME.sub("_", part.get_filename() or "").strip(" .")[:200] or "attachment"
    incoming.attachments.append(Attachment(name, part.get_content_type()[:128], data))
