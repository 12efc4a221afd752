"""Each API view says what it is for next to its code: :func:`documented` and its parameters.

The document (:mod:`.openapi`) is built from the blueprint's routes and what each one
declares here, so a route cannot be added without its description, and a view's request
body is checked against the model it declares (:func:`flaskapp.api.common.request_body`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from tools import locks
from tools.models import AlertStatus, CaseStatus, Category, Severity
from tools.people.api_tokens import Scope

View = TypeVar("View", bound=Callable[..., Any])
Schema = dict[str, Any]

#: Errors any call may answer: no or a bad token, too little permission, too many calls.
ALWAYS = (401, 403, 429)
#: Errors of a call that changes a case or an alert.
WRITE = (400, 404, 409, 413, 415, 422)


@dataclass(frozen=True)
class Operation:
    """One call as the document describes it; ``body`` is also what the view validates with."""

    summary: str
    scope: Scope | None
    status: int
    answer: type[BaseModel]
    answer_description: str
    tag: str
    errors: tuple[int, ...] = ()
    description: str = ""
    parameters: list[Schema] = field(default_factory=list)
    body: type[BaseModel] | None = None
    public: bool = False


def documented(operation: Operation) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        view.operation = operation  # type: ignore[attr-defined]
        return view

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    return getattr(view, "operation", None)


def enum(values: Any) -> Schema:
    return {
        "type": "string",
        "enum": [value.value if hasattr(value, "value") else value for value in values],
    }


def query(name: str, schema: Schema, description: str = "") -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": description,
    }


CURSOR = query("cursor", {"type": "string"}, "The next_cursor of the previous page.")
REFERENCE = path("reference", "The case's reference, e.g. TS-2026-00042.")
ALERT_ID = {
    "name": "alert_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
FLAG = {"type": "string", "enum": ["true", "false"]}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}
CASE_FILTERS = [
    query("status", enum(CaseStatus)),
    query("category", enum(Category)),
    query("severity", enum(Severity)),
    query("assignee", {"type": "string"}, "A user name."),
    query("wiki", {"type": "string"}),
    query("mine", FLAG),
    query("unassigned", FLAG),
    query("breaching", FLAG, "A running SLA clock is past due."),
    query("q", {"type": "string"}, "A reference, account, IP or title words."),
]
ALERT_FILTERS = [
    query("status", enum(AlertStatus)),
    query("category", {"type": "string"}, "The classifier's category."),
    query("wiki", {"type": "string"}),
]
LOCK_FILTERS = [
    query("target", {"type": "string"}, "An account, IP, range or #block id."),
    query("prefix", FLAG, "true: target is the start of names."),
    query("performer", {"type": "string"}, "Who locked or blocked."),
    query("reason", {"type": "string"}, "Text anywhere in the reason."),
    query("action", enum(locks.Action)),
    query("category", {"type": "string", "enum": sorted(locks.category_labels())}),
    query("since", {"type": "string", "format": "date"}),
    query("until", {"type": "string", "format": "date"}, "Inclusive."),
    query("wiki", {"type": "string"}),
]
