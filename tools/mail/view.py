"""What a case page shows of a case's mail: who wrote, whether they proved it, what came with it.

Attachments are listed without their content (loaded only when one is downloaded).
An attachment is served only as a download, with a type no browser runs: the types
in :data:`INLINE_TYPES` keep theirs (an image shows behind the wellness blur), every
other one goes out as ``application/octet-stream``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from tools.models import Case, MailAttachment, MailMessage
from tools.models.mail_intake import OUT

#: Types served as themselves: images a browser only draws, text it only shows, PDF.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
INLINE_TYPES = IMAGE_TYPES | {"text/plain", "application/pdf"}


@dataclass(frozen=True)
class CaseMail:
    """The received messages of a case by their timeline event, and its attachments."""

    messages: dict[int, MailMessage] = field(default_factory=dict)
    attachments: list[MailAttachment] = field(default_factory=list)
    available: set[int] = field(default_factory=set)  # attachments whose content is kept

    def for_event(self, event_id: int) -> MailMessage | None:
        return self.messages.get(event_id)

    def attachments_of(self, message: MailMessage | None) -> list[MailAttachment]:
        if message is None:
            return []
        return [one for one in self.attachments if one.message_id == message.id]


def case_mail(session: Session, case: Case) -> CaseMail:
    messages = session.scalars(
        select(MailMessage)
        .options(defer(MailMessage.raw))
        .where(MailMessage.case_id == case.id, MailMessage.direction != OUT)
        .order_by(MailMessage.id)
    ).all()
    attachments = session.scalars(
        select(MailAttachment)
        .options(defer(MailAttachment.data))
        .where(MailAttachment.case_id == case.id)
        .order_by(MailAttachment.id)
    ).all()
    kept = session.scalars(
        select(MailAttachment.id).where(
            MailAttachment.case_id == case.id, MailAttachment.data.is_not(None)
        )
    )
    return CaseMail(
        {message.event_id: message for message in messages if message.event_id is not None},
        list(attachments),
        set(kept),
    )


def served_type(attachment: MailAttachment) -> str:
    """The Content-Type an attachment is downloaded with."""
    kind = attachment.content_type.lower()
    if kind not in INLINE_TYPES:
        return "application/octet-stream"
    return "text/plain; charset=utf-8" if kind == "text/plain" else kind


def is_image(attachment: MailAttachment) -> bool:
    return attachment.content_type.lower() in IMAGE_TYPES and attachment.size > 0
