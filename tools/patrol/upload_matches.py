"""An upload that matches a hash bank becomes a restricted alert of its own kind.

One upload (one upload log entry) is one alert however often it is read: its key is
the log id. The alert names the banks, the distance, the transform that matched, the
file page and the uploader; never a thumbnail. It is restricted when a matched bank is
(the default). A match in a child-safety bank is an emergency: a child-protection case
is filed with it, in the same transaction, and the emergency hook calls out the person
on duty (a restricted specialist, or by reference only those who may not open it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tools import cases
from tools.base import checkpoints, clock
from tools.base.config import Settings
from tools.models import (
    Alert,
    AlertStatus,
    BankCategory,
    Case,
    CaseSource,
    Category,
    HashBank,
    Severity,
)
from tools.patrol.hash_banks import BankMatch
from tools.patrol.uploads import Upload
from tools.wiki.evidence import InvalidEvidence, parse_evidence
from tools.wiki.subjects import InvalidSubject, parse_subject

#: Alert categories of bank matches, most urgent first (the alert takes the first matched).
MATCH_CATEGORIES = {
    BankCategory.CHILD_SAFETY: "hash_child_safety",
    BankCategory.INTIMATE_IMAGE: "hash_intimate_image",
    BankCategory.DOXXING: "hash_doxxing",
    BankCategory.OTHER: "hash_other",
}
#: The case category a match's case is filed under.
CASE_CATEGORY = {
    BankCategory.CHILD_SAFETY: Category.CHILD_PROTECTION,
    BankCategory.INTIMATE_IMAGE: Category.PRIVACY,
    BankCategory.DOXXING: Category.PRIVACY,
    BankCategory.OTHER: Category.OTHER,
}


def alert_key(upload: Upload) -> str:
    return f"upload-{upload.log_id}"


def is_match_alert(alert: Alert) -> bool:
    return alert.category in MATCH_CATEGORIES.values()


def already_alerted(session: Session, upload: Upload) -> bool:
    found = session.scalar(
        select(Alert.id).where(
            Alert.wiki == upload.wiki,
            Alert.rev_id == upload.log_id,
            Alert.comment_key == alert_key(upload),
        )
    )
    return found is not None


def raise_match_alert(
    session: Session,
    upload: Upload,
    matches: Sequence[BankMatch],
    banks: Mapping[int, HashBank],
    settings: Settings,
    file_url: str = "",
) -> Alert | None:
    """The alert of an upload's matches (None if none, or raised before), in the caller's
    transaction; a child-safety match also files its emergency case there."""
    matched = [(match, banks[match.bank_id]) for match in matches if match.bank_id in banks]
    if not matched or already_alerted(session, upload):
        return None
    order = list(MATCH_CATEGORIES)
    matched.sort(key=lambda pair: (order.index(pair[1].category), pair[0].distance))
    top, top_bank = matched[0]
    alert = Alert(
        wiki=upload.wiki,
        page_title=upload.title,
        rev_id=upload.log_id,
        comment_key=alert_key(upload),
        author=upload.user,
        commented_at=upload.uploaded_at,
        category=MATCH_CATEGORIES[top_bank.category],
        language="",
        score=round(1 - top.distance / 256, 4),
        rules=[
            {
                "bank": bank.name,
                "bank_id": bank.id,
                "category": bank.category.value,
                "distance": match.distance,
                "transform": match.transform,
            }
            for match, bank in matched
        ],
        excerpt=f"{upload.title} ({upload.action}) · {file_url}"[:2000],
        restricted=any(bank.restricted for _, bank in matched),
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None  # the same upload, alerted by another process just now
    if top_bank.category is BankCategory.CHILD_SAFETY:
        file_emergency(session, alert, upload, file_url, settings)
    return alert


def file_emergency(
    session: Session, alert: Alert, upload: Upload, file_url: str, settings: Settings
) -> Case:
    """A child-protection emergency case for the match: the on-call chain starts with it."""
    evidence = []
    if file_url:
        with contextlib.suppress(InvalidEvidence):
            evidence.append(parse_evidence(file_url))
    subjects = []
    if upload.user:
        with contextlib.suppress(InvalidSubject):
            subjects.append(parse_subject(upload.user))
    request = cases.NewRequest(
        category=Category.CHILD_PROTECTION,
        severity=Severity.EMERGENCY,
        title=f"Hash bank match: {upload.title}"[: cases.TITLE_MAX],
        description=(
            f"{upload.wiki}: {upload.title}, uploaded by {upload.user or '?'} at "
            f"{upload.timestamp}, matched a child-safety hash bank "
            f"(distance {alert.rules[0]['distance']} of 256 bits). Alert {alert.id}."
        ),
        wikis=[upload.wiki],
        subjects=subjects,
        evidence=evidence,
        submission_key=f"alert-{alert.id}",
        extra={"alert_id": alert.id},
    )
    case = cases.file_request(session, None, request, settings, source=CaseSource.ALERT)
    alert.case_id = case.id
    alert.status = AlertStatus.CASE
    session.flush()
    return case


#: The bot name under which the upload watcher keeps its checkpoints.
BOT = "upload_watcher"


def log_stream(wiki: str) -> str:
    """The checkpoint of one wiki's upload log: ``commonswiki:upload``."""
    return f"{wiki}:upload"


def is_after(entry: Upload, position: Mapping[str, object] | None) -> bool:
    """True when ``entry`` comes after the checkpoint (by time, then log id)."""
    if not position:
        return True
    return (entry.timestamp, entry.log_id) > (
        str(position.get("timestamp", "")),
        int(position.get("log_id", 0) or 0),  # type: ignore[call-overload]
    )


def record_upload(
    session: Session,
    upload: Upload,
    matches: Sequence[BankMatch],
    banks: Mapping[int, HashBank],
    settings: Settings,
    file_url: str = "",
) -> Alert | None:
    """Move the wiki's checkpoint past ``upload`` and raise its alert, in one transaction.

    The checkpoint is written first: its statement opens the transaction, so that the
    alert's savepoint (and the emergency case's) nest in it.
    """
    checkpoints.save(
        session,
        BOT,
        log_stream(upload.wiki),
        {"log_id": upload.log_id, "timestamp": upload.timestamp},
    )
    session.flush()
    return raise_match_alert(session, upload, matches, banks, settings, file_url)
