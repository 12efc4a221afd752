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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tools import cases
from tools.base import jsontext
from tools.base.addresses import InvalidAddress, checked_address
from tools.base.config import Settings
from tools.models import Case, CaseSource, Category, Severity
from tools.wiki import evidence, subjects

#: The reporter's name and e-mail as the extension sends them: short, but not trusted.
NAME_MAX = 255


class Threat(StrEnum):
    PHYSICAL_HARM = "physical-harm"
    SELF_HARM = "self-harm"
    PUBLIC_HARM = "public-harm"


#: The texts of ``reportincident-threats-*`` in the wikis' languages we read (from the
#: extension's i18n files), lower case. A body in another language still files: the
#: threat type is then "not recognised" and a specialist reads it from the raw text.
THREAT_TEXTS: dict[Threat, tuple[str, ...]] = {
    Threat.PHYSICAL_HARM: (
        "threats of physical harm",
        "menaces de violence physique",
        "ameaças de dano físico",
        "تهديدات بالأذى الجسدي",
    ),
    Threat.SELF_HARM: (
        "threats of self-harm",
        "menaces d'automutilation",
        "ameaças de automutilação",
        "تهديدات بإيذاء النفس",
    ),
    Threat.PUBLIC_HARM: (
        "threats of public harm",
        "menaces de violence publique",
        "ameaças de dano público",
        "تهديدات بالأذى العام",
    ),
}

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
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    values = [_value(line) for line in lines]
    link, thread_id = _link(body)
    if link is None:
        problems.append("no link to the reported content")
    threat_at, threat = _find(values, THREAT_TEXTS)
    behaviour_at, behaviour = (None, None) if threat else _find(values, BEHAVIOUR_TEXTS)
    if threat is None and behaviour is None:
        problems.append("threat type not recognised")
    reported = _reported_user(lines, values, reporter)
    found_at = threat_at if threat_at is not None else behaviour_at
    details = _details(lines, values, found_at)
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


def _link(body: str) -> tuple[str | None, str | None]:
    """The link to the reported content and its DiscussionTools thread id, if any."""
    match = re.search(r"https?://\S+", body)
    if match is None:
        return None, None
    url = match.group(0).rstrip(".,;)")
    fragment = urlsplit(url).fragment
    return url, fragment or None


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


def _details(lines: list[str], values: list[str], after: int | None) -> str:
    """The reporter's own words: everything after the threat line (its label dropped)."""
    if after is None or after + 1 >= len(lines):
        return ""
    rest = [values[after + 1], *lines[after + 2 :]]
    return "\n".join(rest).strip()


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


def file_report(session: Session, settings: Settings, wiki: str, request: dict[str, Any]) -> Case:
    """File a report as a case (once, however often it is sent); emergencies call out."""
    report = parse_report(wiki, request)
    filed = new_request(report)
    earlier = cases.find_by_submission_key(session, filed.submission_key or "")
    if earlier is not None:
        return earlier
    case = cases.file_request(session, None, filed, settings, source=CaseSource.REPORTINCIDENT)
    # Set once: a racing retry that lost finds the same case and writes the same values.
    case.contact_name = report.reporter or None
    case.contact_email = report.reporter_email or None
    case.intake_warning = "; ".join(report.problems) or None
    return case
