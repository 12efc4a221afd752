"""Reports of MediaWiki's Incident Reporting System (the ReportIncident extension) as cases.

The extension sends each emergency report to a Zendesk-style endpoint: it POSTs to
``$wgReportIncidentZendeskUrl . '/api/v2/requests.json'`` the JSON body
``{"request": {"requester": {"name", "email"}, "subject", "comment": {"body"}}}``. Pointing
that URL at ``https://<tool>/intake/reportincident/<secret>`` makes Safety Desk the backend:
the secret path segment names the wiki (``reportincident_secrets`` in settings).

The body is the wiki's message ``reportincident-notification-message-body`` formatted
with, in order: the reporting user, the reported user (may be empty), a link prefix
("Link to reported comment", "…topic" or "…page"), the link (``index.php?oldid=N`` with
``#c-…`` / ``#h-…`` for a DiscussionTools comment or topic; the page's URL when the
report has no revision), the threat type (``reportincident-threats-physical-harm``,
``-self-harm``, ``-public-harm``) and the reporter's details. The message is localised
on each wiki, so the body is read by its structure — one ``label: value`` line per
parameter, the details last — and by the texts of the threat messages in the
languages we know, never by its English labels alone. What cannot be read is kept:
the case is filed with the raw body as its description and an intake warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tools import cases
from tools.base import jsontext
from tools.base.addresses import InvalidAddress, checked_address
from tools.base.config import Settings
from tools.cases.related import link_repeat
from tools.models import Case, CaseSource, CaseStatus, Category, Severity
from tools.wiki import evidence, subjects

#: The reporter's name and e-mail as the extension sends them: short, but not trusted.
NAME_MAX = 255


class Threat(StrEnum):
    PHYSICAL_HARM = "physical-harm"
    SELF_HARM = "self-harm"
    PUBLIC_HARM = "public-harm"


#: The texts of ``reportincident-threats-*``, lower case. The extension formats the body in
#: English (``ZendeskClient`` uses the English text formatter); French is kept, checked
#: against the extension's ``i18n/fr.json``, should a wiki format it in its own language.
#: A body in another language still files: the threat type is then "not recognised" and
#: a specialist reads it from the raw text.
THREAT_TEXTS: dict[Threat, tuple[str, ...]] = {
    Threat.PHYSICAL_HARM: ("threats of physical harm", "menaces de violence physique"),
    Threat.SELF_HARM: ("threats of self-harm", "menaces d'automutilation"),
    Threat.PUBLIC_HARM: ("threats of public harm", "menaces de violence publique"),
}

#: The ``$3`` of the body: ``reportincident-notification-link-to-{page,comment,topic}-prefix``
#: (English, and French from ``i18n/fr.json``), lower case.
LINK_PREFIXES = (
    "link to page",
    "link to reported comment",
    "link to reported topic",
    "lien vers la page",
    "lien vers le commentaire signalé",
    "lien vers le sujet signalé",
)

#: The ``$4``: ``https://host/w/index.php?oldid=N[#thread]``, or ``Title::getFullURL()`` for
#: a page without revision, which is protocol-relative on Wikimedia (``//host/wiki/…``).
LINK = re.compile(r"(?:https?:)?//[^\s/]+\S*", re.IGNORECASE)

#: Behaviour types of the extension's non-emergency flow, should a wiki send them here.
BEHAVIOUR_TEXTS: dict[Category, tuple[str, ...]] = {
    Category.PRIVACY: ("doxing", "doxxing", "exposing private information"),
    Category.HARASSMENT: (
        "hate speech or discrimination",
        "sexual harassment",
        "threats of violence",
        "intimidation, aggression, name calling",
        "harcèlement sexuel",
    ),
    Category.TECHNICAL: ("spam", "vandalism", "vandalisme"),
}

THREAT_TITLES = {
    Threat.PHYSICAL_HARM: "Threat of physical harm",
    Threat.SELF_HARM: "Threat of self-harm",
    Threat.PUBLIC_HARM: "Threat of public harm",
}


class InvalidReport(ValueError):
    """The request is not the JSON shape the extension sends; nothing can be filed."""


@dataclass(frozen=True)
class Report:
    """What a report says, as far as it could be read; ``problems`` lists what could not."""

    wiki: str
    reporter: str
    reporter_email: str
    subject_line: str
    body: str
    reported_user: str | None = None
    link: str | None = None
    thread_id: str | None = None
    threat: Threat | None = None
    behaviour: Category | None = None
    details: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def category(self) -> Category:
        if self.threat is None and self.behaviour is not None:
            return self.behaviour
        return Category.THREAT  # every report sent here is an emergency unless it says not

    @property
    def severity(self) -> Severity | None:
        return Severity.EMERGENCY if self.category == Category.THREAT else None


def wiki_for_secret(settings: Settings, secret: str) -> str | None:
    """The wiki whose secret this is, comparing every secret in constant time."""
    found = None
    for wiki, secrets in settings.reportincident_secrets.items():
        for known in secrets:
            if hmac.compare_digest(known.encode(), secret.encode()):
                found = wiki
    return found


def read_payload(raw: bytes) -> dict[str, Any]:
    """The ``request`` object of the body, or :class:`InvalidReport` saying what is wrong."""
    try:
        data = jsontext.loads(raw)
    except jsontext.UnreadableJson as err:
        raise InvalidReport(str(err)) from None
    request = data.get("request") if isinstance(data, dict) else None
    if not isinstance(request, dict):
        raise InvalidReport('the body has no "request" object')
    comment = request.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
        raise InvalidReport('"request.comment.body" must be a string')
    if not comment["body"].strip():
        raise InvalidReport('"request.comment.body" is empty')
    requester = request.get("requester")
    if requester is not None and not isinstance(requester, dict):
        raise InvalidReport('"request.requester" must be an object')
    email = (requester or {}).get("email")
    if email not in (None, ""):  # the reply is mailed there: one address, no header tricks
        try:
            checked_address(email if isinstance(email, str) else "")
        except InvalidAddress:
            raise InvalidReport('"request.requester.email" is not one valid address') from None
    return request


def parse_report(wiki: str, request: dict[str, Any]) -> Report:
    """Read a report's parts from the extension's ``request`` object."""
    requester = request.get("requester") or {}
    reporter = _text(requester.get("name"))[:NAME_MAX]
    email = _text(requester.get("email"))[:NAME_MAX]
    body = request["comment"]["body"]
    problems = []
    if not reporter:
        problems.append("no reporting user")
    raw_lines = body.splitlines()
    lines = [line.strip() for line in raw_lines if line.strip()]
    values = [_value(line) for line in lines]
    threat_at, threat = _find(values, THREAT_TEXTS)
    behaviour_at, behaviour = (None, None) if threat else _find(values, BEHAVIOUR_TEXTS)
    if threat is None and behaviour is None:
        problems.append("threat type not recognised")
    found_at = threat_at if threat_at is not None else behaviour_at
    link, thread_id = _link(lines[: found_at if found_at is not None else 3])
    if link is None:
        problems.append("no link to the reported content")
    reported = _reported_user(lines, values, reporter)
    details = _details(raw_lines, lines[found_at] if found_at is not None else None)
    return Report(
        wiki=wiki,
        reporter=reporter,
        reporter_email=email,
        subject_line=_text(request.get("subject"))[:NAME_MAX],
        body=body,
        reported_user=reported,
        link=link,
        thread_id=thread_id,
        threat=threat,
        behaviour=behaviour,
        details=details,
        problems=problems,
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _value(line: str) -> str:
    """What follows a line's label (``Reported user: X`` -> ``X``); the line if it has none."""
    label, colon, rest = line.partition(":")
    if colon and not label.lower().startswith(("http", "//")) and "//" not in label:
        return rest.strip()
    return line


def _link(header: list[str]) -> tuple[str | None, str | None]:
    """The ``$3: $4`` line's link and its DiscussionTools thread id, if any.

    Only the lines before the threat type are read, so a URL in the reporter's details is
    never taken for the reported content: a line labelled with a known link prefix, else
    the third line (the ``$3: $4`` of the body) when its value is a link.
    """
    labelled = [line for line in header if _label(line) in LINK_PREFIXES]
    candidates = labelled or header[2:3]
    for line in candidates:
        match = LINK.fullmatch(_value(line)) if _label(line) else None
        if match is None:
            continue
        url = match.group(0).rstrip(".,;)")
        if url.startswith("//"):
            url = "https:" + url  # Title::getFullURL() on Wikimedia: protocol-relative
        return url, urlsplit(url).fragment or None
    return None, None


def _label(line: str) -> str:
    """A line's label, lower case (``Link to page: //x`` -> ``link to page``); "" if none."""
    label, colon, _ = line.partition(":")
    if not colon or label.lower().startswith(("http", "//")) or "//" in label:
        return ""
    return label.strip().lower()


def _find(values: list[str], table: dict[Any, tuple[str, ...]]) -> tuple[int | None, Any]:
    for index, value in enumerate(values):
        lowered = value.lower().replace("\u2019", "'").strip(" .")
        for key, texts in table.items():
            if lowered in texts:
                return index, key
    return None, None


def _reported_user(lines: list[str], values: list[str], reporter: str) -> str | None:
    """The second parameter: the value of the labelled line right after the reporter's."""
    for index, value in enumerate(values[:-1]):
        if reporter and value == reporter:
            following, candidate = lines[index + 1], values[index + 1]
            if ":" in following and "//" not in candidate:  # not the link's line
                return candidate or None  # an empty value: the report names nobody
            return None
    return None


def _details(raw_lines: list[str], threat_line: str | None) -> str:
    """The reporter's own words (``$6``): everything after the threat line, label dropped.

    Taken from the body's own lines, so the paragraphs the reporter wrote stay as written.
    """
    if threat_line is None:
        return ""
    for index, raw in enumerate(raw_lines):
        if raw.strip() == threat_line:
            rest = raw_lines[index + 1 :]
            break
    else:
        return ""
    while rest and not rest[0].strip():
        rest = rest[1:]
    if not rest:
        return ""
    first = rest[0].strip()
    rest = [_value(first) if _label(first) else first, *rest[1:]]
    return "\n".join(line.rstrip() for line in rest).strip()


def submission_key(report: Report) -> str:
    """The same report sent twice (a retry) is one case: a digest of what was sent."""
    material = json.dumps(
        [report.wiki, report.reporter, report.reporter_email, report.subject_line, report.body],
        ensure_ascii=False,
    )
    return "ri:" + hashlib.sha256(material.encode()).hexdigest()[:61]


def new_request(report: Report) -> cases.NewRequest:
    """The case a report becomes: title, category, severity, subject, evidence."""
    found = []
    if report.link:
        # Not a wiki we know: the link stays in the description.
        with contextlib.suppress(evidence.InvalidEvidence):
            found.append(evidence.parse_evidence(report.link))
    involved = []
    if report.reported_user:
        with contextlib.suppress(subjects.InvalidSubject):
            involved.append(subjects.parse_subject(report.reported_user))
    what = THREAT_TITLES[report.threat] if report.threat else "Incident report"
    title = f"{what} reported on {report.wiki}"
    if report.reported_user:
        title += f" about {report.reported_user}"
    return cases.NewRequest(
        category=report.category,
        severity=report.severity,
        title=title[: cases.TITLE_MAX],
        description=_description(report)[: cases.DESCRIPTION_MAX],
        wikis=(report.wiki,),
        subjects=involved,
        evidence=found,
        submission_key=submission_key(report),
        extra={"threat": report.threat.value if report.threat else None},
    )


def _description(report: Report) -> str:
    """The reporter's details first; the body as sent kept whole below them."""
    parts = []
    if report.details:
        parts.append(report.details)
    parts.append(f"--- Report as sent by ReportIncident ---\n{report.body}")
    return "\n\n".join(parts)


def file_report(
    session: Session,
    settings: Settings,
    wiki: str,
    request: dict[str, Any],
    spooled_at: datetime | None = None,
) -> Case:
    """File a report as a case (once, however often it is sent); emergencies call out.

    The same report sent again while its case is open is that case (a retry). Sent again
    after its case was closed, it is a new emergency: a new case, linked to the old one,
    that calls out like any other. ``spooled_at``: when a report filed from the spool
    arrived (the database was down then); the case says so.
    """
    report = parse_report(wiki, request)
    if spooled_at is not None:
        report.problems.append(
            f"received {spooled_at:%Y-%m-%d %H:%M} UTC while the database was down; "
            "filed from the spool"
        )
    filed = new_request(report)
    key = filed.submission_key or ""
    earlier = cases.find_by_submission_key(session, key)
    closed = None
    while earlier is not None and earlier.status in CLOSED:
        key = _repeat_key(key, earlier)
        closed, earlier = earlier, cases.find_by_submission_key(session, key)
    if earlier is not None:
        return earlier
    filed = replace(filed, submission_key=key)
    case = cases.file_request(session, None, filed, settings, source=CaseSource.REPORTINCIDENT)
    # Set once: a racing retry that lost finds the same case and writes the same values.
    case.contact_name = report.reporter or None
    case.contact_email = report.reporter_email or None
    case.intake_warning = "; ".join(report.problems) or None
    if closed is not None:
        link_repeat(session, case, closed)
    return case


#: A case in one of these is over: the same report again is a new emergency.
CLOSED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def _repeat_key(key: str, closed: Case) -> str:
    """The key of the report sent again after ``closed``: stable, so a retry files once."""
    digest = hashlib.sha256(f"{key}|after:{closed.id}".encode()).hexdigest()
    return "ri:" + digest[:61]
