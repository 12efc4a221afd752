"""Which case a received message belongs to, and whether its sender may write there.

A message joins a case's thread when its subject carries the case's reference
(``[TS-2026-00042]``) or its ``In-Reply-To``/``References`` name a message of that case,
and when it comes from the case's requester or contact. A reference is easy to copy,
so anyone else (or a closed case) gets a new case linked to that one: a stranger can
never write into someone else's thread.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.cases.filing import find_by_reference
from tools.mail.parse import Incoming
from tools.models import Case, CaseStatus, MailMessage

REFERENCE = re.compile(r"\[(TS-\d{4}-\d{5,})\]")
CLOSED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


def named_case(session: Session, incoming: Incoming) -> Case | None:
    """The case the message names: by a Message-ID of its thread, else its subject's reference."""
    ids = incoming.named_ids
    if ids:
        case_id = session.scalar(
            select(MailMessage.case_id)
            .where(MailMessage.message_id.in_(ids), MailMessage.case_id.is_not(None))
            .order_by(MailMessage.id.desc())
            .limit(1)
        )
        if case_id is not None:
            return _followed(session.get(Case, case_id))
    for reference in REFERENCE.findall(incoming.subject):
        case = find_by_reference(session, reference)
        if case is not None:
            return _followed(case)
    return None


def _followed(case: Case | None) -> Case | None:
    """A merged case's mail goes to the case it was merged into."""
    while case is not None and case.merged_into is not None:
        case = case.merged_into
    return case


def may_write(case: Case, sender: str | None) -> bool:
    """True when ``sender`` is the case's requester (by their address) or its contact."""
    if not sender:
        return False
    known = {case.contact_email, case.requester.email if case.requester else None}
    return sender.lower() in {address.lower() for address in known if address}


def is_open(case: Case) -> bool:
    return case.status not in CLOSED
