"""Specialists work cases: the queue, a case, and what they do on it."""

from __future__ import annotations

from flask import abort, jsonify, request
from werkzeug.wrappers import Response

from flaskapp.access import current_user, current_user_row, requires
from flaskapp.api import bodies, schemas, serialise
from flaskapp.api.common import (
    arg_choice,
    bp,
    flag,
    listing,
    may,
    page,
    refused,
    request_body,
)
from flaskapp.api.errors import ApiError
from flaskapp.api.spec import CASE_FILTERS, CURSOR, REFERENCE, WRITE, Operation, documented
from flaskapp.context import committed, db, settings
from tools import cases
from tools.base import clock
from tools.cases.queue import QueueFilters, queue
from tools.mail.replies import tell_requester
from tools.models import Case, CaseStatus, Category, Severity
from tools.people.api_tokens import Scope
from tools.people.roles import Permission


def _case(reference: str) -> Case:
    """The case, 404 if there is none, 403 if it is restricted and the reader is not allowed."""
    case = cases.find_by_reference(db(), reference)
    if case is None:
        abort(404)
    if case.restricted and not may(Permission.VIEW_RESTRICTED_CASES):
        raise ApiError(
            403,
            "This is a restricted case (child protection): only restricted specialists "
            "may open it.",
            "restricted_case",
        )
    return case


def _case_response(case: Case, status: int = 200) -> tuple[Response, int]:
    clocks = cases.sla_clocks(case, clock.now(), settings().sla_warning_share)
    return jsonify(serialise.case_detail(case, clocks)), status


def _acting(summary: str, answer: type, done: str, body: type, description: str = "") -> Operation:
    """A POST on a case: a body, the case's reference, and the errors of any change."""
    status = 200 if answer is schemas.Case else 201
    return Operation(
        summary,
        Scope.ACT_CASES,
        status,
        answer,
        done,
        tag="cases",
        errors=WRITE,
        description=description,
        parameters=[REFERENCE],
        body=body,
    )


@bp.get("/cases")
@requires(Permission.VIEW_QUEUE)
@documented(
    Operation(
        "List cases",
        Scope.READ_CASES,
        200,
        schemas.QueueRowList,
        "The queue, most urgent first.",
        tag="cases",
        errors=(400,),
        description="Open cases unless a status is given. A restricted case you may "
        "not open is a row with hidden: true and nothing of its content.",
        parameters=[*CASE_FILTERS, CURSOR],
    )
)
def list_cases() -> Response:
    number = page()
    status = arg_choice("status", CaseStatus)
    filters = QueueFilters(
        statuses=[status] if status else [],
        category=arg_choice("category", Category),
        severity=arg_choice("severity", Severity),
        assignee=request.args.get("assignee", "").strip()[:255] or None,
        wiki=request.args.get("wiki", "").strip()[:64] or None,
        mine=flag("mine"),
        unassigned=flag("unassigned"),
        breaching=flag("breaching"),
        text=request.args.get("q", "")[:255],
        page=number,
    )
    me = current_user()
    assert me is not None
    result = queue(
        db(),
        filters,
        me.id,
        may(Permission.VIEW_RESTRICTED_CASES),
        clock.now(),
        settings().sla_warning_share,
    )
    return listing([serialise.queue_row(row) for row in result.rows], number, result.has_next)


@bp.get("/cases/<reference>")
@requires(Permission.VIEW_QUEUE)
@documented(
    Operation(
        "Read a case",
        Scope.READ_CASES,
        200,
        schemas.Case,
        "The case with its timeline.",
        tag="cases",
        errors=(404,),
        description="Recorded on the case's timeline as a view, as opening its page is. "
        "A restricted case answers 403 unless you are a restricted specialist.",
        parameters=[REFERENCE],
    )
)
def show_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    cases.record_view(db(), case, current_user_row())
    db().commit()
    return _case_response(case)


@bp.post("/cases/<reference>/move")
@requires(Permission.ACT_ON_CASES)
@documented(
    _acting(
        "Move a case",
        schemas.Case,
        "Moved.",
        bodies.Move,
        "Along the allowed moves (allowed_moves of the case).",
    )
)
def move_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    target = request_body(bodies.Move).status
    with committed(cases.CaseError, refuse=refused):
        cases.move(db(), case, current_user_row(), target)
    return _case_response(case)


@bp.post("/cases/<reference>/claim")
@requires(Permission.ACT_ON_CASES)
@documented(
    _acting(
        "Claim a case",
        schemas.Case,
        "Yours now.",
        bodies.Claim,
        "A free case, or take it over from the one who holds it "
        "(expected_assignee_id); refused if it changed hands meanwhile.",
    )
)
def claim_case(reference: str) -> tuple[Response, int]:
    """Claim a free case, or take it over from ``expected_assignee_id`` (who held it)."""
    case = _case(reference)
    expected = request_body(bodies.Claim).expected_assignee_id
    with committed(cases.CaseError, refuse=refused):
        cases.take_over(db(), case, current_user_row(), expected)
    return _case_response(case)


@bp.post("/cases/<reference>/notes")
@requires(Permission.ACT_ON_CASES)
@documented(
    _acting("Add an internal note", schemas.Event, "The note, on the timeline.", bodies.Message)
)
def note_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    text = request_body(bodies.Message).body
    event = cases.note(db(), case, current_user_row(), text)
    db().commit()
    return jsonify(serialise.event_entry(event)), 201


@bp.post("/cases/<reference>/replies")
@requires(Permission.ACT_ON_CASES)
@documented(
    _acting(
        "Reply to the requester",
        schemas.Event,
        "The reply; the requester gets a mail notice.",
        bodies.Message,
    )
)
def reply_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    text = request_body(bodies.Message).body
    event = cases.reply(db(), case, current_user_row(), text)
    # Queued with the reply, sent by the worker: a mail failure never fails the reply.
    tell_requester(db(), settings(), case, event.body or "")
    db().commit()
    return jsonify(serialise.event_entry(event)), 201
