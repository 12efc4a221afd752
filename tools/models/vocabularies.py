"""The fixed vocabularies of the tables: ``StrEnum`` stored as short strings (no native ENUM)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    THREAT = "threat"  # threat of harm: violence, self-harm, terrorism
    CHILD_PROTECTION = "child_protection"
    HARASSMENT = "harassment"
    EVENT_SAFETY = "event_safety"
    TECHNICAL = "technical"  # spam waves, long-term abuse, security holes
    PRIVACY = "privacy"  # doxxing, oversight escalation
    ENGINEERING = "engineering"  # a request for Foundation engineering help
    OTHER = "other"


class Severity(StrEnum):
    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the requester
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CaseSource(StrEnum):
    FORM = "form"
    API = "api"
    ALERT = "alert"
    REPORTINCIDENT = "reportincident"
    MAIL = "mail"


class Audience(StrEnum):
    """Who may read an event: specialists only, or the requester too."""

    INTERNAL = "internal"
    REQUESTER = "requester"


class SubjectKind(StrEnum):
    ACCOUNT = "account"
    IP = "ip"
    RANGE = "range"


class LockTargetKind(StrEnum):
    """What a lock event acts on: a global account, an IP, a range, or a global block by its id."""

    ACCOUNT = "account"
    IP = "ip"
    RANGE = "range"
    BLOCK_ID = "block-id"  # "#123": GlobalBlocking's global autoblocks have no other name
    UNKNOWN = "unknown"  # the wiki hid it, or the entry could not be understood


class EvidenceKind(StrEnum):
    DIFF = "diff"
    PERMALINK = "permalink"
    LOG = "log"
    PAGE = "page"
    OTHER = "other"


class AlertStatus(StrEnum):
    NEW = "new"
    DISMISSED = "dismissed"
    CASE = "case"  # turned into a case


class ShiftKind(StrEnum):
    REGULAR = "regular"
    OVERRIDE = "override"  # a swap or a holiday cover, wins over the weekly pattern


class CalloutStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the mail server refused it for good
    ACKNOWLEDGED = "acknowledged"
    CANCELLED = "cancelled"  # someone else acknowledged first


class ChainStatus(StrEnum):
    """Where an emergency's callouts stand: still climbing the policy, or done."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    EXHAUSTED = "exhausted"  # every step of every round called out, nobody acknowledged
    STOPPED = "stopped"  # the case was resolved or closed before anyone acknowledged it
