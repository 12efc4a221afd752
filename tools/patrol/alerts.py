"""Alerts: comments on noticeboards that the patrol bot thinks a specialist should see.

The bot hands each new comment and the classifier's verdict to :func:`raise_alert`;
a comment becomes one alert, however often and in however many revisions it is read
(its key is the same in every revision of the page). A specialist then dismisses it
with a reason (kept: the team measures the bot's precision on them) or turns it into
a case filed through :func:`tools.cases.file_request`, with the alert's data prefilled.
Both are compare-and-set: two specialists acting at once cannot both review it.

What the bot reads per revision, and where it keeps its reading position, is in
:mod:`tools.patrol.revisions`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools import cases
from tools.base import clock
from tools.base.config import Settings
from tools.base.messages import N_, TranslatableError
from tools.models import (
    Alert,
    AlertStatus,
    Case,
    CaseSource,
    Category,
    Severity,
    User,
)
from tools.oncall.callouts import stop_for_dismissal
from tools.patrol.wikitext import Comment
from tools.triage import EMERGENCY_CATEGORIES as TRIAGE_EMERGENCIES
from tools.triage import Verdict
from tools.wiki.evidence import InvalidEvidence, parse_evidence
from tools.wiki.subjects import InvalidSubject, parse_subject
from tools.wiki.wikis import UnknownWiki, wiki_by_dbname

#: Longest excerpt stored: enough to judge the comment, not a copy of the board.
EXCERPT_MAX = 2000
#: Longest dismissal reason.
REASON_MAX = 1000
#: Classifier categories that need someone now: a case made from them is an emergency.
EMERGENCY_CATEGORIES = frozenset({*TRIAGE_EMERGENCIES, "hash_child_safety"})
#: The case category of each classifier category (tools.triage.CATEGORIES).
CASE_CATEGORIES: Mapping[str, Category] = {
    "violence": Category.THREAT,
    "self_harm": Category.THREAT,
    "terrorism": Category.THREAT,
    "child_safety": Category.CHILD_PROTECTION,
    "doxxing": Category.PRIVACY,
    "harassment": Category.HARASSMENT,
    "legal_threat": Category.OTHER,
    # Uploads matching a hash bank (tools.patrol.upload_matches), by the bank's category.
    "hash_child_safety": Category.CHILD_PROTECTION,
    "hash_intimate_image": Category.PRIVACY,
    "hash_doxxing": Category.PRIVACY,
    "hash_other": Category.OTHER,
}
#: Classifier categories only restricted specialists may see, as with their cases.
RESTRICTED_CATEGORIES = frozenset(
    name for name, category in CASE_CATEGORIES.items() if category in cases.RESTRICTED_CATEGORIES
)


class AlertError(TranslatableError):
    """An action on an alert that cannot be done; the message says why."""


# --- raising ------------------------------------------------------------------------


def findings_json(verdict: Verdict) -> list[dict[str, Any]]:
    """The verdict's findings as stored in ``Alert.rules``: highest score first."""
    return [
        {
            "category": finding.category,
            "score": round(float(finding.score), 4),
            "phrases": list(finding.phrases),
        }
        for finding in sorted(verdict.findings, key=lambda f: f.score, reverse=True)
    ]


def excerpt_of(text: str) -> str:
    """The comment's text, cut at :data:`EXCERPT_MAX` characters."""
    text = text.strip()
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"


def already_alerted(session: Session, wiki: str, page_title: str, comment_key: str) -> bool:
    """True when this comment of this page has an alert already, from any revision."""
    found = session.scalar(
        select(Alert.id)
        .where(
            Alert.wiki == wiki,
            Alert.page_title == page_title,
            Alert.comment_key == comment_key,
        )
        .limit(1)
    )
    return found is not None


def raise_alert(
    session: Session,
    *,
    wiki: str,
    page_title: str,
    rev_id: int,
    comment: Comment,
    verdict: Verdict,
    language: str,
    threshold: float = 0.0,
) -> Alert | None:
    """Store an alert for ``comment`` if its verdict scores ``threshold`` or more.

    Returns None when nothing fired, or when the comment was alerted before (in this
    revision or an earlier one of the page): re-reading never raises twice, even when
    another process stored the same alert a moment ago.
    """
    top = verdict.top
    if top is None or top.score < threshold:
        return None
    if already_alerted(session, wiki, page_title, comment.key):
        return None
    alert = Alert(
        wiki=wiki,
        page_title=page_title,
        rev_id=rev_id,
        comment_key=comment.key,
        section=(comment.thread or None) and comment.thread[:255],
        author=comment.author,
        commented_at=comment.timestamp,
        category=top.category,
        language=language,
        score=float(top.score),
        rules=findings_json(verdict),
        excerpt=excerpt_of(comment.text),
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None  # the same comment, stored by another process just now
    return alert


# --- reading ------------------------------------------------------------------------


def _ordered() -> tuple[Any, ...]:
    return (Alert.created_at.desc(), Alert.score.desc(), Alert.id.desc())


def list_alerts(
    session: Session,
    *,
    status: AlertStatus | str | None = None,
    category: str | None = None,
    wiki: str | None = None,
    key: str | None = None,
    limit: int = 50,
    after: int | None = None,
    include_restricted: bool = True,
) -> list[Alert]:
    """Alerts newest first, the highest score first among those raised at once.

    ``after`` is the id of the last alert of the previous page (a cursor: pages do not
    shift when new alerts arrive). ``key`` keeps the alerts of one reason (the account
    watcher's ``pattern:ID``). ``include_restricted=False`` leaves out the
    categories only restricted specialists may see (child protection).
    """
    query = select(Alert)
    if status:
        query = query.where(Alert.status == AlertStatus(status))
    if category:
        query = query.where(Alert.category == category)
    if wiki:
        query = query.where(Alert.wiki == wiki)
    if key:
        query = query.where(Alert.comment_key == key)
    if not include_restricted:
        query = query.where(
            Alert.category.not_in(sorted(RESTRICTED_CATEGORIES)), Alert.restricted.is_(False)
        )
    if after is not None:
        last = session.get(Alert, after)
        if last is not None:
            query = query.where(
                or_(
                    Alert.created_at < last.created_at,
                    and_(Alert.created_at == last.created_at, Alert.score < last.score),
                    and_(
                        Alert.created_at == last.created_at,
                        Alert.score == last.score,
                        Alert.id < last.id,
                    ),
                )
            )
    return list(session.scalars(query.order_by(*_ordered()).limit(max(1, min(limit, 500)))))


def get_alert(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def is_restricted(alert: Alert) -> bool:
    """Child safety, or a match of a restricted hash bank: restricted specialists only."""
    return alert.category in RESTRICTED_CATEGORIES or bool(alert.restricted)


def diff_url(alert: Alert) -> str | None:
    """The link to the revision's diff on its wiki; None for a wiki this process does not know.

    The new-account watcher's alerts have no revision (their ``rev_id`` is the account's row).
    """
    if alert.category.startswith("account_"):
        return None
    try:
        wiki = wiki_by_dbname(alert.wiki)
    except UnknownWiki:
        return None
    return f"{wiki.index_url}?diff={alert.rev_id}"


def highlight(text: str, phrases: Iterable[str]) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each marked True where it is one of ``phrases``.

    Matching ignores case; overlapping phrases make one marked piece. The pieces are
    plain text: the page escapes them and marks the phrases, so nothing in a comment
    can become markup.
    """
    folded = text.casefold()
    spans: list[tuple[int, int]] = []
    for phrase in {p for p in phrases if p.strip()}:
        needle = phrase.casefold()
        if needle not in folded and ": " in needle:  # "learned: word", "phone number: …"
            needle = needle.split(": ", 1)[1]
        start = folded.find(needle)
        while start != -1 and len(folded) == len(text):
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


# --- reviewing ----------------------------------------------------------------------


def _review(session: Session, alert: Alert, reviewer: User, **values: Any) -> None:
    """Mark a new alert reviewed, or refuse when someone else reviewed it first."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.status == AlertStatus.NEW)
        .values(reviewed_by_id=reviewer.id, reviewed_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(alert)
        raise AlertError(N_("This alert was already reviewed."))
    session.refresh(alert)


def dismiss(session: Session, alert: Alert, reviewer: User, reason: str) -> Alert:
    """Dismiss an alert; the reason is kept to measure and tune the classifier."""
    reason = reason.strip()
    if not reason:
        raise AlertError(N_("Say why the alert is dismissed."))
    if len(reason) > REASON_MAX:
        raise AlertError(N_("The reason is too long."))
    _review(session, alert, reviewer, status=AlertStatus.DISMISSED, dismiss_reason=reason)
    if alert.case is not None:  # an emergency alert that paged the person on duty itself
        data = {"alert_dismissed": alert.id, "by": reviewer.username}
        stop_for_dismissal(session, alert.case, clock.now(), data)
    return alert


def case_category(alert: Alert) -> Category:
    """The case category of an alert's classifier category (``other`` when none matches)."""
    return CASE_CATEGORIES.get(alert.category, Category.OTHER)


def draft_request(alert: Alert) -> cases.NewRequest:
    """A request filled in from the alert, for a specialist to check before filing.

    Only the alert's own data, no prose: the wiki, the page, the diff as evidence, the
    author as the involved account; emergency categories are emergencies.
    """
    evidence = []
    link = diff_url(alert)
    if link:
        with contextlib.suppress(InvalidEvidence):
            evidence.append(parse_evidence(link))
    subjects = []
    if alert.author:
        with contextlib.suppress(InvalidSubject):
            subjects.append(parse_subject(alert.author))
    title = alert.page_title + (f" — {alert.section}" if alert.section else "")
    when = alert.commented_at.strftime("%Y-%m-%d %H:%M UTC") if alert.commented_at else ""
    header = ", ".join(part for part in (alert.author or "", when) if part)
    place = f"{alert.wiki}: {alert.page_title}" + (f" § {alert.section}" if alert.section else "")
    description = "\n".join((place, header, link or "", "", alert.excerpt)).strip()
    return cases.NewRequest(
        category=case_category(alert),
        severity=Severity.EMERGENCY if alert.category in EMERGENCY_CATEGORIES else None,
        title=title[: cases.TITLE_MAX],
        description=description[: cases.DESCRIPTION_MAX],
        wikis=[alert.wiki],
        subjects=subjects,
        evidence=evidence,
        submission_key=f"alert-{alert.id}",
        extra={"alert_id": alert.id},
    )


def turn_into_case(
    session: Session,
    alert: Alert,
    reviewer: User,
    settings: Settings,
    request: cases.NewRequest | None = None,
) -> Case:
    """File a case from the alert (``request``: the edited draft; default :func:`draft_request`).

    The case's source is ``alert`` and the reviewer its requester; a case in an
    emergency category is filed as an emergency, which calls out the person on duty.
    """
    if alert.status != AlertStatus.NEW:
        raise AlertError(N_("This alert was already reviewed."))
    if alert.case is not None:  # filed as an emergency when it was raised: that case
        _review(session, alert, reviewer, status=AlertStatus.CASE)
        return alert.case
    request = request or draft_request(alert)
    if request.category in cases.EMERGENCY_CATEGORIES and request.severity is None:
        request = _with(request, severity=Severity.EMERGENCY)
    request = _with(request, extra={**request.extra, "alert_id": alert.id})
    # Claimed first: the UPDATE opens the transaction, so that the savepoint of
    # file_request is nested in it (on SQLite, a savepoint opened outside a
    # transaction commits when released) and a refused filing undoes the claim.
    _review(session, alert, reviewer, status=AlertStatus.CASE)
    case = cases.file_request(session, reviewer, request, settings, source=CaseSource.ALERT)
    alert.case_id = case.id
    session.flush()
    return case


def _with(request: cases.NewRequest, **changes: Any) -> cases.NewRequest:
    return replace(request, **changes)
