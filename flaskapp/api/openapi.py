"""The OpenAPI 3.1 document of ``/api/v1/``: what scripts read, and what the fuzz test checks.

Written out here rather than generated, so that it says what each call is for and which
scope it needs; ``tests/test_api_fuzz.py`` runs schemathesis against it, so a response
that drifts from what is written here fails the suite.
"""

from __future__ import annotations

from typing import Any

from tools import locks
from tools.cases import DESCRIPTION_MAX, MESSAGE_MAX, TITLE_MAX
from tools.models import AlertStatus, Audience, CaseSource, CaseStatus, Category, Severity
from tools.patrol.alerts import REASON_MAX
from tools.people.api_tokens import SCOPE_LABELS, Scope

VERSION = "1.0.0"
TAGS = ("account", "requests", "cases", "alerts", "locks", "statistics")

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **more: Any) -> Schema:
    return {"type": [kind, "null"], **more}


def _object(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required}


def _enum(values: Any) -> Schema:
    return {
        "type": "string",
        "enum": [value.value if hasattr(value, "value") else value for value in values],
    }


def _list_of(name: str) -> Schema:
    return _object(
        {
            "items": {"type": "array", "items": _ref(name)},
            "next_cursor": _nullable(
                "string", description="Pass as ?cursor= for the next page; null on the last."
            ),
        }
    )


TIME = {"type": "string", "format": "date-time"}
NULL_TIME = _nullable("string", format="date-time")
COUNTS = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "examples": ["not_found", "rate_limited"]},
                    "message": {"type": "string"},
                    "details": {},
                },
                optional=("details",),
            )
        }
    ),
    "Me": _object(
        {
            "username": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "string"}},
            "permissions": {"type": "array", "items": {"type": "string"}},
        }
    ),
    "NewRequest": {
        **_object(
            {
                "category": _enum(Category),
                "severity": _enum(Severity),
                "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
                "description": {"type": "string", "minLength": 1, "maxLength": DESCRIPTION_MAX},
                "wikis": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {"type": "string"},
                    "description": "Database names or hosts: enwiki, fr.wikipedia.org.",
                },
                "subjects": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {"type": "string"},
                    "description": "Involved accounts, IP addresses or ranges.",
                },
                "evidence": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {"type": "string"},
                    "description": "Diffs, permanent links or log links of Wikimedia wikis.",
                },
            },
            optional=("severity", "wikis", "subjects", "evidence"),
        ),
        "examples": [
            {
                "category": "harassment",
                "title": "Harassment of a new editor",
                "description": "Three accounts follow a newcomer across talk pages.",
                "wikis": ["enwiki"],
                "subjects": ["Example vandal"],
                "evidence": ["https://en.wikipedia.org/w/index.php?diff=123456"],
            }
        ],
    },
    "OwnRequest": _object(
        {
            "reference": {"type": "string", "examples": ["TS-2026-00042"]},
            "category": _enum(Category),
            "severity": _enum(Severity),
            "status": _enum(CaseStatus),
            "title": {"type": "string"},
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "ThreadEntry": _object(
        {
            "kind": {"type": "string", "examples": ["filed", "replied", "answered", "moved"]},
            "created_at": TIME,
            "body": _nullable("string"),
            "status": _nullable("string", description="For a status change: the new status."),
        }
    ),
    "OwnRequestDetail": {
        "allOf": [
            _ref("OwnRequest"),
            _object(
                {
                    "description": {"type": "string"},
                    "wikis": {"type": "array", "items": {"type": "string"}},
                    "thread": {"type": "array", "items": _ref("ThreadEntry")},
                }
            ),
        ]
    },
    "OwnRequestList": _list_of("OwnRequest"),
    "Clock": _object(
        {
            "name": _enum(["first_response", "resolution"]),
            "due_at": TIME,
            "state": _enum(["ok", "warning", "breached", "met"]),
            "stopped_at": NULL_TIME,
            "seconds_left": {"type": "number"},
        }
    ),
    "QueueRow": _object(
        {
            "reference": {"type": "string"},
            "hidden": {
                "type": "boolean",
                "description": "A restricted case you may not open: no title, category or wikis.",
            },
            "severity": _enum(Severity),
            "status": _enum(CaseStatus),
            "assignee": _nullable("string"),
            "clocks": {"type": "array", "items": _ref("Clock")},
            "title": _nullable("string"),
            "category": {"anyOf": [_enum(Category), {"type": "null"}]},
            "wikis": {"type": "array", "items": {"type": "string"}},
        }
    ),
    "QueueRowList": _list_of("QueueRow"),
    "Event": _object(
        {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "actor": _nullable("string"),
            "audience": _enum(Audience),
            "created_at": TIME,
            "body": _nullable("string"),
            "data": _nullable("object"),
        }
    ),
    "Case": _object(
        {
            "reference": {"type": "string"},
            "category": _enum(Category),
            "severity": _enum(Severity),
            "status": _enum(CaseStatus),
            "source": _enum(CaseSource),
            "restricted": {"type": "boolean"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "requester": _nullable("string"),
            "assignee": _nullable("string"),
            "assignee_id": _nullable("integer"),
            "created_at": TIME,
            "updated_at": TIME,
            "allowed_moves": {"type": "array", "items": _enum(CaseStatus)},
            "wikis": {"type": "array", "items": {"type": "string"}},
            "subjects": {
                "type": "array",
                "items": _object(
                    {
                        "kind": _enum(["account", "ip", "range"]),
                        "value": {"type": "string"},
                        "wiki": _nullable("string"),
                    }
                ),
            },
            "evidence": {
                "type": "array",
                "items": _object(
                    {
                        "url": {"type": "string"},
                        "kind": {"type": "string"},
                        "wiki": _nullable("string"),
                        "page_title": _nullable("string"),
                        "rev_id": _nullable("integer"),
                        "old_rev_id": _nullable("integer"),
                        "log_id": _nullable("integer"),
                    }
                ),
            },
            "clocks": {"type": "array", "items": _ref("Clock")},
            "events": {"type": "array", "items": _ref("Event")},
        }
    ),
    "Alert": _object(
        {
            "id": {"type": "integer"},
            "wiki": {"type": "string"},
            "page_title": {"type": "string"},
            "rev_id": {"type": "integer"},
            "diff_url": _nullable("string"),
            "section": _nullable("string"),
            "author": _nullable("string"),
            "commented_at": NULL_TIME,
            "category": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "language": {"type": "string"},
            "score": {"type": "number"},
            "phrases": {"type": "array", "items": {"type": "string"}},
            "excerpt": {"type": "string"},
            "status": _enum(AlertStatus),
            "case": _nullable("string", description="The reference of the case made from it."),
            "reviewed_by": _nullable("string"),
            "reviewed_at": NULL_TIME,
            "dismiss_reason": _nullable("string"),
            "created_at": TIME,
        }
    ),
    "AlertList": _list_of("Alert"),
    "Dismiss": _object({"reason": {"type": "string", "minLength": 1, "maxLength": REASON_MAX}}),
    "Move": _object({"status": _enum(CaseStatus)}),
    "Claim": {
        "type": "object",
        "properties": {
            "expected_assignee_id": _nullable(
                "integer",
                description="Who holds the case now (Case.assignee_id); null claims a free case.",
            )
        },
    },
    "Message": _object({"body": {"type": "string", "minLength": 1, "maxLength": MESSAGE_MAX}}),
    "LockEvent": _object(
        {
            "wiki": {"type": "string"},
            "log_id": {"type": "integer"},
            "timestamp": TIME,
            "log_type": {"type": "string"},
            "log_action": {"type": "string"},
            "action": {"type": "string", "description": "lock, unlock, block…; 'lock+hide'."},
            "performer": _nullable("string"),
            "target": {"type": "string"},
            "target_kind": {"type": "string"},
            "reason": _nullable("string"),
            "reason_category": _nullable("string"),
            "expiry": NULL_TIME,
            "flags": {"type": ["array", "null"], "items": {"type": "string"}},
            "parsed": {"type": "boolean"},
            "suppressed": {"type": "boolean"},
        }
    ),
    "LockEventList": _list_of("LockEvent"),
    "LockStatus": _object(
        {
            "target": {"type": "string"},
            "kind": {"type": "string"},
            "known": {"type": "boolean"},
            "locked": {"type": "boolean"},
            "hidden": _enum(["none", "hidden", "suppressed"]),
            "deleted": {"type": "boolean"},
            "blocked": {"type": "boolean"},
            "block_expiry": NULL_TIME,
            "uncertain": {"type": "boolean"},
            "last_change": NULL_TIME,
            "history": {"type": "array", "items": _ref("LockEvent")},
        }
    ),
    "LockStatistics": _object(
        {
            "total": COUNTS,
            "unparsed": COUNTS,
            "per_day": {
                "type": "array",
                "items": _object({"day": {"type": "string", "format": "date"}, "count": COUNTS}),
            },
            "by_action": {
                "type": "array",
                "items": _object({"action": {"type": "string"}, "count": COUNTS}),
            },
            "top_performers": {
                "type": "array",
                "items": _object({"performer": {"type": "string"}, "count": COUNTS}),
            },
            "top_categories": {
                "type": "array",
                "items": _object({"category": {"type": "string"}, "count": COUNTS}),
            },
        }
    ),
    "Durations": {
        "type": "array",
        "items": _object(
            {
                "severity": _enum(Severity),
                "target_seconds": {"type": "number"},
                "count": COUNTS,
                "median_seconds": _nullable("number"),
                "p90_seconds": _nullable("number"),
                "within_target": _nullable("number", minimum=0, maximum=1),
            }
        ),
    },
    "QueueStatistics": _object(
        {
            "days": {"type": "integer", "enum": [30, 90, 365]},
            "since": TIME,
            "until": TIME,
            "backlog": {
                "type": "array",
                "items": _object(
                    {"category": _enum(Category), "severity": _enum(Severity), "count": COUNTS}
                ),
            },
            "first_response": _ref("Durations"),
            "resolution": _ref("Durations"),
            "breaches": {
                "type": "array",
                "items": _object(
                    {"severity": _enum(Severity), "first_response": COUNTS, "resolution": COUNTS}
                ),
            },
            "weekly": {
                "type": "array",
                "items": _object({"week": {"type": "string", "format": "date"}, "count": COUNTS}),
            },
        }
    ),
}

ERRORS = {
    400: "The query or a header is wrong (a bad cursor, an unknown filter value), or the "
    "body is not JSON, or the CSRF token of a session call is missing.",
    401: "No token or session, or the token is unknown, expired or revoked.",
    403: "The token's scopes, or its owner's roles, do not allow this; or the case is restricted.",
    404: "No such request, case or route.",
    409: "The case changed meanwhile, or the move is not allowed from its status.",
    413: "The body is larger than 256 KiB.",
    415: "The body is not application/json.",
    422: "The JSON is well-formed but a field is missing or wrong (details says which).",
    429: "Too many calls: see Retry-After.",
}


def _responses(ok: int, schema: str, description: str, *errors: int) -> dict[str, Any]:
    responses: dict[str | int, Any] = {
        str(ok): {
            "description": description,
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    }
    for code in sorted({401, 403, 429, *errors}):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    return responses


def _query(name: str, schema: Schema, description: str = "") -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": description,
    }


CURSOR = _query("cursor", {"type": "string"}, "The next_cursor of the previous page.")
REFERENCE = _path("reference", "The case's reference, e.g. TS-2026-00042.")
ALERT_ID = {
    "name": "alert_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
FLAG = {"type": "string", "enum": ["true", "false"]}
LOCK_FILTERS = [
    _query("target", {"type": "string"}, "An account, IP, range or #block id."),
    _query("prefix", FLAG, "true: target is the start of names."),
    _query("performer", {"type": "string"}, "Who locked or blocked."),
    _query("reason", {"type": "string"}, "Text anywhere in the reason."),
    _query("action", _enum(locks.Action)),
    _query("category", {"type": "string", "enum": sorted(locks.category_labels())}),
    _query("since", {"type": "string", "format": "date"}),
    _query("until", {"type": "string", "format": "date"}, "Inclusive."),
    _query("wiki", {"type": "string"}),
]


def _operation(
    summary: str,
    scope: Scope | None,
    responses: dict[str, Any],
    *,
    description: str = "",
    parameters: list[Schema] | None = None,
    body: str | None = None,
    body_required: bool = True,
    tag: str,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "operationId": summary.lower().replace(" ", "_").replace("'", ""),
        "responses": responses,
    }
    if description or scope:
        needs = f"Scope: `{scope.value}` ({SCOPE_LABELS[scope]})." if scope else ""
        operation["description"] = " ".join(part for part in (description, needs) if part)
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _paths() -> dict[str, Any]:
    write = (400, 404, 409, 413, 415, 422)
    return {
        "/me": {
            "get": _operation(
                "Who am I",
                None,
                _responses(200, "Me", "The token's owner and what the token may do."),
                description="Any valid token: its owner, roles, and the permissions it carries.",
                tag="account",
            )
        },
        "/requests": {
            "post": _operation(
                "File a request",
                Scope.FILE,
                _responses(
                    201, "OwnRequestDetail", "Filed (or found by its key).", 400, 413, 415, 422
                ),
                description="As the form at /requests/new. Send an Idempotency-Key header so "
                "that a retry files once: the same key and body answer with the same request "
                "(header Idempotent-Replayed: true); the same key with another body is a 422. "
                "At most SAFETYDESK_REQUESTS_PER_HOUR an hour, emergencies never limited.",
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                    }
                ],
                body="NewRequest",
                tag="requests",
            ),
            "get": _operation(
                "List my requests",
                Scope.READ_OWN,
                _responses(200, "OwnRequestList", "Your requests, newest first.", 400),
                parameters=[CURSOR],
                tag="requests",
            ),
        },
        "/requests/{reference}": {
            "get": _operation(
                "Read my request",
                Scope.READ_OWN,
                _responses(200, "OwnRequestDetail", "The request and its thread.", 404),
                description="Only your own; the thread holds what you see on its page.",
                parameters=[REFERENCE],
                tag="requests",
            )
        },
        "/cases": {
            "get": _operation(
                "List cases",
                Scope.READ_CASES,
                _responses(200, "QueueRowList", "The queue, most urgent first.", 400),
                description="Open cases unless a status is given. A restricted case you may "
                "not open is a row with hidden: true and nothing of its content.",
                parameters=[
                    _query("status", _enum(CaseStatus)),
                    _query("category", _enum(Category)),
                    _query("severity", _enum(Severity)),
                    _query("assignee", {"type": "string"}, "A user name."),
                    _query("wiki", {"type": "string"}),
                    _query("mine", FLAG),
                    _query("unassigned", FLAG),
                    _query("breaching", FLAG, "A running SLA clock is past due."),
                    _query("q", {"type": "string"}, "A reference, account, IP or title words."),
                    CURSOR,
                ],
                tag="cases",
            )
        },
        "/cases/{reference}": {
            "get": _operation(
                "Read a case",
                Scope.READ_CASES,
                _responses(200, "Case", "The case with its timeline.", 404),
                description="Recorded on the case's timeline as a view, as opening its page is. "
                "A restricted case answers 403 unless you are a restricted specialist.",
                parameters=[REFERENCE],
                tag="cases",
            )
        },
        "/cases/{reference}/move": {
            "post": _operation(
                "Move a case",
                Scope.ACT_CASES,
                _responses(200, "Case", "Moved.", *write),
                description="Along the allowed moves (allowed_moves of the case).",
                parameters=[REFERENCE],
                body="Move",
                tag="cases",
            )
        },
        "/cases/{reference}/claim": {
            "post": _operation(
                "Claim a case",
                Scope.ACT_CASES,
                _responses(200, "Case", "Yours now.", *write),
                description="A free case, or take it over from the one who holds it "
                "(expected_assignee_id); refused if it changed hands meanwhile.",
                parameters=[REFERENCE],
                body="Claim",
                tag="cases",
            )
        },
        "/cases/{reference}/notes": {
            "post": _operation(
                "Add an internal note",
                Scope.ACT_CASES,
                _responses(201, "Event", "The note, on the timeline.", *write),
                parameters=[REFERENCE],
                body="Message",
                tag="cases",
            )
        },
        "/cases/{reference}/replies": {
            "post": _operation(
                "Reply to the requester",
                Scope.ACT_CASES,
                _responses(201, "Event", "The reply; the requester gets a mail notice.", *write),
                parameters=[REFERENCE],
                body="Message",
                tag="cases",
            )
        },
        "/alerts": {
            "get": _operation(
                "List alerts",
                Scope.READ_CASES,
                _responses(200, "AlertList", "Alerts newest first.", 400),
                description="The noticeboard patrol's alerts. Alerts about child safety only "
                "for restricted specialists.",
                parameters=[
                    _query("status", _enum(AlertStatus)),
                    _query("category", {"type": "string"}, "The classifier's category."),
                    _query("wiki", {"type": "string"}),
                    CURSOR,
                ],
                tag="alerts",
            )
        },
        "/alerts/{alert_id}": {
            "get": _operation(
                "Read an alert",
                Scope.READ_CASES,
                _responses(200, "Alert", "The alert.", 404),
                parameters=[ALERT_ID],
                tag="alerts",
            )
        },
        "/alerts/{alert_id}/dismiss": {
            "post": _operation(
                "Dismiss an alert",
                Scope.ACT_CASES,
                _responses(200, "Alert", "Dismissed; the reason is kept.", *write),
                description="Refused (409) when someone reviewed it first.",
                parameters=[ALERT_ID],
                body="Dismiss",
                tag="alerts",
            )
        },
        "/locks": {
            "get": _operation(
                "Search the lock log",
                Scope.READ_LOCKS,
                _responses(200, "LockEventList", "Matching events, newest first.", 400),
                description="Entries of the suppress log only for those who may see them.",
                parameters=[*LOCK_FILTERS, CURSOR],
                tag="locks",
            )
        },
        "/locks/accounts/{name}": {
            "get": _operation(
                "Lock history of an account",
                Scope.READ_LOCKS,
                _responses(200, "LockStatus", "Current status and whole history.", 404),
                parameters=[_path("name", "An account, IP address or range.")],
                tag="locks",
            )
        },
        "/stats/locks": {
            "get": _operation(
                "Lock log statistics",
                Scope.READ_LOCKS,
                _responses(200, "LockStatistics", "Totals per day, action, performer.", 400),
                parameters=LOCK_FILTERS,
                tag="statistics",
            )
        },
        "/stats/queue": {
            "get": _operation(
                "Queue statistics",
                Scope.READ_CASES,
                _responses(200, "QueueStatistics", "The team dashboard's numbers.", 400),
                parameters=[_query("days", {"type": "integer", "enum": [30, 90, 365]})],
                tag="statistics",
            )
        },
    }


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole document; ``server_url`` is where the paths start."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Safety Desk API",
            "version": VERSION,
            "description": "File and follow requests, work cases, search the global lock log "
            "and read statistics from scripts. Make a personal token at /account/tokens and "
            "send it as `Authorization: Bearer sdk_…`; it can do what its scopes allow and "
            "its owner may do at the time of the call. Every error is "
            '`{"error": {"code": …, "message": …}}`.',
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in TAGS],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": {
                    "description": text,
                    "content": {"application/json": {"schema": _ref("Error")}},
                    **(
                        {"headers": {"Retry-After": {"schema": {"type": "string"}}}}
                        if code == 429
                        else {}
                    ),
                }
                for code, text in ERRORS.items()
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (sdk_…) made at /account/tokens.",
                }
            },
        },
    }
