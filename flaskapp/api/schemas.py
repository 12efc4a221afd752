"""What the API answers, as pydantic models: the OpenAPI document's response schemas.

:mod:`.serialise` builds the JSON; these models say what it is, and ``openapi.json`` is
generated from them (:mod:`.openapi`). ``tests/test_api_fuzz.py`` checks every answer
against the document, so a response that drifts from a model here fails the suite.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.models import AlertStatus, Audience, CaseSource, CaseStatus, Category, Severity

Count = Annotated[int, Field(ge=0)]


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found", "rate_limited"])
    message: str
    details: Any = None


class Error(BaseModel):
    """Every error of the API, whatever its status."""

    error: ErrorBody


class Me(BaseModel):
    username: str
    roles: list[str]
    permissions: list[str]


class OwnRequest(BaseModel):
    reference: str = Field(examples=["TS-2026-00042"])
    category: Category
    severity: Severity
    status: CaseStatus
    title: str
    created_at: datetime
    updated_at: datetime


class ThreadEntry(BaseModel):
    kind: str = Field(examples=["filed", "replied", "answered", "moved"])
    created_at: datetime
    body: str | None
    status: str | None = Field(description="For a status change: the new status.")


class OwnRequestDetail(OwnRequest):
    description: str
    wikis: list[str]
    thread: list[ThreadEntry]


class OwnRequestList(BaseModel):
    items: list[OwnRequest]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last."
    )


class Clock(BaseModel):
    name: Literal["first_response", "resolution"]
    due_at: datetime
    state: Literal["ok", "warning", "breached", "met"]
    stopped_at: datetime | None
    seconds_left: float


class QueueRow(BaseModel):
    reference: str
    hidden: bool = Field(
        description="A restricted case you may not open: no title, category or wikis."
    )
    severity: Severity
    status: CaseStatus
    assignee: str | None
    clocks: list[Clock]
    title: str | None
    category: Category | None
    wikis: list[str]


class QueueRowList(BaseModel):
    items: list[QueueRow]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last."
    )


class Event(BaseModel):
    id: int
    kind: str
    actor: str | None
    audience: Audience
    created_at: datetime
    body: str | None
    data: dict[str, Any] | None


class Subject(BaseModel):
    kind: Literal["account", "ip", "range"]
    value: str
    wiki: str | None


class EvidenceLink(BaseModel):
    url: str
    kind: str
    wiki: str | None
    page_title: str | None
    rev_id: int | None
    old_rev_id: int | None
    log_id: int | None


class Case(BaseModel):
    reference: str
    category: Category
    severity: Severity
    status: CaseStatus
    source: CaseSource
    restricted: bool
    title: str
    description: str
    requester: str | None
    assignee: str | None
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime
    allowed_moves: list[CaseStatus]
    wikis: list[str]
    subjects: list[Subject]
    evidence: list[EvidenceLink]
    clocks: list[Clock]
    events: list[Event]


class Alert(BaseModel):
    id: int
    wiki: str
    page_title: str
    rev_id: int
    diff_url: str | None
    section: str | None
    author: str | None
    commented_at: datetime | None
    category: str
    categories: list[str]
    language: str
    score: float
    phrases: list[str]
    excerpt: str
    status: AlertStatus
    case: str | None = Field(description="The reference of the case made from it.")
    reviewed_by: str | None
    reviewed_at: datetime | None
    dismiss_reason: str | None
    created_at: datetime


class AlertList(BaseModel):
    items: list[Alert]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last."
    )


class LockEvent(BaseModel):
    wiki: str
    log_id: int
    timestamp: datetime
    log_type: str
    log_action: str
    action: str = Field(description="lock, unlock, block…; 'lock+hide'.")
    performer: str | None
    target: str
    target_kind: str
    reason: str | None
    reason_category: str | None
    expiry: datetime | None
    flags: list[str] | None
    parsed: bool
    suppressed: bool


class LockEventList(BaseModel):
    items: list[LockEvent]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last."
    )


class LockStatus(BaseModel):
    target: str
    kind: str
    known: bool
    locked: bool
    hidden: Literal["none", "hidden", "suppressed"]
    deleted: bool
    blocked: bool
    block_expiry: datetime | None
    uncertain: bool
    last_change: datetime | None
    history: list[LockEvent]


class DayCount(BaseModel):
    day: date
    count: Count


class ActionCount(BaseModel):
    action: str
    count: Count


class PerformerCount(BaseModel):
    performer: str
    count: Count


class CategoryCount(BaseModel):
    category: str
    count: Count


class LockStatistics(BaseModel):
    total: Count
    unparsed: Count
    per_day: list[DayCount]
    by_action: list[ActionCount]
    top_performers: list[PerformerCount]
    top_categories: list[CategoryCount]


class Durations(BaseModel):
    severity: Severity
    target_seconds: float
    count: Count
    median_seconds: float | None
    p90_seconds: float | None
    within_target: Annotated[float, Field(ge=0, le=1)] | None


class Backlog(BaseModel):
    category: Category
    severity: Severity
    count: Count


class Breaches(BaseModel):
    severity: Severity
    first_response: Count
    resolution: Count


class WeekCount(BaseModel):
    week: date
    count: Count


class QueueStatistics(BaseModel):
    days: Literal[30, 90, 365]
    since: datetime
    until: datetime
    backlog: list[Backlog]
    first_response: list[Durations]
    resolution: list[Durations]
    breaches: list[Breaches]
    weekly: list[WeekCount]


class Document(BaseModel):
    """This document itself (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
