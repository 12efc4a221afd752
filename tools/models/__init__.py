"""The tables of Safety Desk, as SQLAlchemy 2.0 declarative models.

Conventions: times are aware UTC (:class:`tools.db.UTCDateTime`); usernames are
stored in MediaWiki's canonical form; a wiki is its database name (``enwiki``);
fixed vocabularies are ``StrEnum`` stored as short strings (no native ENUM, so
adding a value needs no table rebuild). A case's timeline is append-only: its
events are never updated or deleted, except by the retention purge.

The models stay together in this package rather than beside their domains: they are
one schema, one ``Base.metadata`` that Alembic compares as a whole, and their foreign
keys cross every domain (nearly every table points at ``users`` and many at ``cases``),
so spread over the domains they would import each other in a circle. The package is
split by the part of the schema a table belongs to (:mod:`~tools.models.base`,
:mod:`~tools.models.vocabularies`, :mod:`~tools.models.people`,
:mod:`~tools.models.cases`, :mod:`~tools.models.bots`, :mod:`~tools.models.oncall`,
:mod:`~tools.models.api`); this module re-exports them all (``from tools.models import
Case``) and importing it registers every table on the metadata.
"""

from __future__ import annotations

from tools.models.accounts import NamePattern, NewAccount
from tools.models.api import (
    ApiIdempotencyKey,
    ApiToken,
)
from tools.models.base import (
    NAME,
    NAMING_CONVENTION,
    WIKI,
    Base,
    table_args,
    vocabulary,
)
from tools.models.bots import (
    Alert,
    BotCheckpoint,
    LockEvent,
    StewardRequestRow,
)
from tools.models.cases import (
    CLOSED_RANK,
    URGENCY_DUE_SQL,
    URGENCY_RANK_SQL,
    AppendOnlyError,
    CannedResponse,
    Case,
    CaseEvent,
    CaseLink,
    CaseSubject,
    CaseWiki,
    EvidenceLink,
)
from tools.models.hashes import BankCategory, BankHash, HashBank
from tools.models.mail import OutgoingMail
from tools.models.mail_intake import MailAttachment, MailMessage
from tools.models.oncall import (
    Callout,
    CalloutChain,
    Shift,
    WeeklyShift,
)
from tools.models.people import (
    AdminEvent,
    RoleGrant,
    User,
)
from tools.models.vocabularies import (
    AlertStatus,
    Audience,
    CalloutStatus,
    CaseSource,
    CaseStatus,
    Category,
    ChainStatus,
    EvidenceKind,
    LockTargetKind,
    Severity,
    ShiftKind,
    SubjectKind,
)

__all__ = [
    "CLOSED_RANK",
    "NAME",
    "NAMING_CONVENTION",
    "URGENCY_DUE_SQL",
    "URGENCY_RANK_SQL",
    "WIKI",
    "AdminEvent",
    "Alert",
    "AlertStatus",
    "ApiIdempotencyKey",
    "ApiToken",
    "AppendOnlyError",
    "Audience",
    "BankCategory",
    "BankHash",
    "Base",
    "BotCheckpoint",
    "Callout",
    "CalloutChain",
    "CalloutStatus",
    "CannedResponse",
    "Case",
    "CaseEvent",
    "CaseLink",
    "CaseSource",
    "CaseStatus",
    "CaseSubject",
    "CaseWiki",
    "Category",
    "ChainStatus",
    "EvidenceKind",
    "EvidenceLink",
    "HashBank",
    "LockEvent",
    "LockTargetKind",
    "MailAttachment",
    "MailMessage",
    "NamePattern",
    "NewAccount",
    "OutgoingMail",
    "RoleGrant",
    "Severity",
    "Shift",
    "ShiftKind",
    "StewardRequestRow",
    "SubjectKind",
    "User",
    "WeeklyShift",
    "table_args",
    "vocabulary",
]
