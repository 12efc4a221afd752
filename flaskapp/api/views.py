"""The JSON API, version 1: requests, cases, the lock log and statistics for scripts.

Each view is the UI's view without the HTML: one access decorator (the same
permission as the page it mirrors), parse the query or the JSON body, call
:mod:`tools`, answer with :mod:`.serialise`. A token's scopes narrow its owner's
permissions before the decorator looks (:mod:`.auth`). Reading a case is a "viewed"
event on its timeline, as opening its page is; restricted cases answer 403 to anyone
but restricted specialists, and show only as a bare row in the queue, as in the UI.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from flaskapp.access import current_user, current_user_row, public, requires, signed_in
from flaskapp.api import serialise
from flaskapp.api.auth import TOKEN_ID
from flaskapp.api.errors import ApiError
from flaskapp.context import db, settings
from flaskapp.extensions import limiter
from tools import cases, locks
from tools.base import clock
from tools.base.notify import notify_requester_of_reply
from tools.cases import idempotency, metrics
from tools.cases.queue import QueueFilters, queue
from tools.locks import LockQuery, LockQueryError
from tools.models import Alert, AlertStatus, Case, CaseSource, CaseStatus, Category, Severity
from tools.patrol import alerts
from tools.people.roles import Permission
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects
from tools.wiki.wikis import UnknownWiki, parse_wiki

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PAGE_SIZE = 50
LIST_MAX = 100  # wikis, subjects or evidence links in one request
STAT_PERIODS = (30, 90, 365)
_PRINTABLE_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


# --- helpers --------------------------------------------------------------------


def _may(permission: Permission) -> bool:
    user = current_user()
    return user is not None and user.can(permission)


def _cursors() -> URLSafeSerializer:
    """Cursors are signed with the app's key: a client can hold them, not make them up."""
    return URLSafeSerializer(current_app.secret_key, salt="api-cursor")


def _page() -> int:
    """The page an opaque ``cursor`` points to (1 without one); 400 for a forged one."""
    cursor = request.args.get("cursor", "")
    if not cursor:
        return 1
    try:
        value = _cursors().loads(cursor)
    except BadSignature:
        raise ApiError(400, "The cursor is not one this API gave out.", "bad_cursor") from None
    if not (isinstance(value, dict) and value.get("e") == request.endpoint):
        raise ApiError(400, "The cursor belongs to another list.", "bad_cursor")
    return int(value.get("p", 1))


def _next_cursor(page: int, has_next: bool) -> str | None:
    return _cursors().dumps({"e": request.endpoint, "p": page + 1}) if has_next else None


def _listing(items: list[Any], page: int, has_next: bool) -> Response:
    return jsonify(items=items, next_cursor=_next_cursor(page, has_next))


def _json_body() -> dict[str, Any]:
    """The request's JSON object: 415 for another media type, 400 unreadable, 422 not an object."""
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "The body is not valid JSON.", "invalid_json")
    if not isinstance(body, dict):
        raise ApiError(422, "The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, maximum: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, f"'{name}' must be a non-empty string.", details={name: "required"})
    if len(value) > maximum:
        raise ApiError(422, f"'{name}' is longer than {maximum} characters.")
    return value


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(422, f"'{name}' must be a list of strings.")
    if len(value) > LIST_MAX:
        raise ApiError(422, f"'{name}' has more than {LIST_MAX} entries.")
    return [item for item in value if item.strip()]


def _choice(value: Any, allowed: type[Any], name: str) -> Any:
    if not isinstance(value, str) or value not in {member.value for member in allowed}:
        raise ApiError(422, f"'{name}' must be one of: " + ", ".join(m.value for m in allowed))
    return allowed(value)


def _arg_choice(name: str, allowed: type[Any]) -> Any:
    value = request.args.get(name, "")
    if not value:
        return None
    if value not in {member.value for member in allowed}:
        raise ApiError(400, f"'{name}' must be one of: " + ", ".join(m.value for m in allowed))
    return allowed(value)


def _flag(name: str) -> bool:
    value = request.args.get(name, "false")
    if value not in ("true", "false"):
        raise ApiError(400, f"'{name}' is true or false.")
    return value == "true"


def _refused(err: cases.CaseError) -> ApiError:
    return ApiError(409, str(err), "refused")


# --- who am I ---------------------------------------------------------------------


@bp.get("/me")
@signed_in
def me() -> Response:
    user = current_user()
    assert user is not None
    return jsonify(
        username=user.username,
        roles=sorted(role.value for role in user.roles),
        permissions=sorted(permission.value for permission in user.permissions),
    )


# --- requests (functionaries) -------------------------------------------------------


def _new_request(body: dict[str, Any]) -> cases.NewRequest:
    """A request from JSON, checked as the form checks it; 422 naming what is wrong."""
    category = _choice(body.get("category"), Category, "category")
    severity = body.get("severity")
    errors: dict[str, list[str]] = {}
    wikis = []
    for name in _strings(body, "wikis"):
        try:
            wikis.append(parse_wiki(name).dbname)
        except UnknownWiki as err:
            errors.setdefault("wikis", []).append(str(err))
    subjects, subject_errors = parse_subjects("\n".join(_strings(body, "subjects")))
    evidence, evidence_errors = parse_evidence_links("\n".join(_strings(body, "evidence")))
    for field, found in (("subjects", subject_errors), ("evidence", evidence_errors)):
        if found:
            errors[field] = found
    request_ = cases.NewRequest(
        category=category,
        severity=None if severity is None else _choice(severity, Severity, "severity"),
        title=_text(body, "title", cases.TITLE_MAX),
        description=_text(body, "description", cases.DESCRIPTION_MAX),
        wikis=wikis,
        subjects=subjects,
        evidence=evidence,
    )
    if errors:
        raise ApiError(422, "Some entries are not understood.", details=errors)
    return request_


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _PRINTABLE_KEY.match(key):
        raise ApiError(400, "Idempotency-Key is 1 to 255 printable ASCII characters.")
    return key


def is_emergency_filing() -> bool:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return False
    return body.get("severity") == Severity.EMERGENCY.value or body.get("category") in {
        category.value for category in cases.EMERGENCY_CATEGORIES
    }


def hourly_limit() -> str:
    return f"{settings().requests_per_hour} per hour"


def per_minute() -> str:
    return f"{settings().api_requests_per_minute} per minute"


def caller() -> str:
    """Rate limits count per token, else per signed-in person, else per address."""
    if g.get(TOKEN_ID) is not None:
        return f"api-token:{g.get(TOKEN_ID)}"
    user = current_user()
    return f"user:{user.id}" if user else request.remote_addr or "anonymous"


@bp.post("/requests")
@requires(Permission.FILE_REQUEST)
@limiter.limit(
    hourly_limit,
    key_func=caller,
    exempt_when=is_emergency_filing,
    # A retry answered from its Idempotency-Key filed nothing: it does not count.
    deduct_when=lambda response: (
        response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    ),
    override_defaults=False,  # the per-minute limit of the whole API applies as well
)
def file_request() -> tuple[Response, int, dict[str, str]]:
    body = _json_body()
    key = _idempotency_key()
    new = _new_request(body)
    user = current_user_row()
    replayed = False
    try:
        if key is None:
            case = cases.file_request(db(), user, new, settings(), source=CaseSource.API)
        else:
            digest = idempotency.body_hash(request.get_data())
            filed = idempotency.file_once(db(), user, new, settings(), key, digest)
            case, replayed = filed.case, filed.replayed
        db().commit()
    except idempotency.IdempotencyConflict as err:
        db().rollback()
        raise ApiError(422, str(err), "idempotency_key_reused") from err
    except cases.CaseError as err:
        db().rollback()
        raise ApiError(422, str(err)) from err
    headers = {"Location": url_for("api.own_request", reference=case.reference)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(serialise.own_request_detail(case)), 201, headers


@bp.get("/requests")
@requires(Permission.VIEW_OWN_REQUESTS)
def own_requests() -> Response:
    page = _page()
    mine = cases.requests_of(db(), current_user_row())
    start = (page - 1) * PAGE_SIZE
    items = [serialise.own_request(case) for case in mine[start : start + PAGE_SIZE]]
    return _listing(items, page, len(mine) > start + PAGE_SIZE)


@bp.get("/requests/<reference>")
@requires(Permission.VIEW_OWN_REQUESTS)
def own_request(reference: str) -> Response:
    """One's own request and its public thread; someone else's does not exist (404)."""
    case = cases.find_by_reference(db(), reference)
    me = current_user_row()
    if case is None or case.requester_id != me.id:
        abort(404)
    cases.record_view(db(), case, me)
    db().commit()
    return jsonify(serialise.own_request_detail(case))


# --- cases (specialists) -----------------------------------------------------------------


def _case(reference: str) -> Case:
    """The case, 404 if there is none, 403 if it is restricted and the reader is not allowed."""
    case = cases.find_by_reference(db(), reference)
    if case is None:
        abort(404)
    if case.restricted and not _may(Permission.VIEW_RESTRICTED_CASES):
        raise ApiError(
            403,
            "This is a restricted case (child protection): only restricted specialists "
            "may open it.",
            "restricted_case",
        )
    return case


@bp.get("/cases")
@requires(Permission.VIEW_QUEUE)
def list_cases() -> Response:
    page = _page()
    status = _arg_choice("status", CaseStatus)
    filters = QueueFilters(
        statuses=[status] if status else [],
        category=_arg_choice("category", Category),
        severity=_arg_choice("severity", Severity),
        assignee=request.args.get("assignee", "").strip()[:255] or None,
        wiki=request.args.get("wiki", "").strip()[:64] or None,
        mine=_flag("mine"),
        unassigned=_flag("unassigned"),
        breaching=_flag("breaching"),
        text=request.args.get("q", "")[:255],
        page=page,
    )
    me = current_user()
    assert me is not None
    result = queue(
        db(),
        filters,
        me.id,
        _may(Permission.VIEW_RESTRICTED_CASES),
        clock.now(),
        settings().sla_warning_share,
    )
    return _listing([serialise.queue_row(row) for row in result.rows], page, result.has_next)


def _case_response(case: Case, status: int = 200) -> tuple[Response, int]:
    clocks = cases.sla_clocks(case, clock.now(), settings().sla_warning_share)
    return jsonify(serialise.case_detail(case, clocks)), status


@bp.get("/cases/<reference>")
@requires(Permission.VIEW_QUEUE)
def show_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    cases.record_view(db(), case, current_user_row())
    db().commit()
    return _case_response(case)


@bp.post("/cases/<reference>/move")
@requires(Permission.ACT_ON_CASES)
def move_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    target = _choice(_json_body().get("status"), CaseStatus, "status")
    try:
        cases.move(db(), case, current_user_row(), target)
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        raise _refused(err) from err
    return _case_response(case)


@bp.post("/cases/<reference>/claim")
@requires(Permission.ACT_ON_CASES)
def claim_case(reference: str) -> tuple[Response, int]:
    """Claim a free case, or take it over from ``expected_assignee_id`` (who held it)."""
    case = _case(reference)
    expected = _json_body().get("expected_assignee_id")
    if expected is not None and (type(expected) is not int):
        raise ApiError(422, "'expected_assignee_id' must be an integer or null.")
    try:
        cases.take_over(db(), case, current_user_row(), expected)
        db().commit()
    except cases.CaseError as err:
        db().rollback()
        raise _refused(err) from err
    return _case_response(case)


@bp.post("/cases/<reference>/notes")
@requires(Permission.ACT_ON_CASES)
def note_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    text = _text(_json_body(), "body", cases.MESSAGE_MAX)
    event = cases.note(db(), case, current_user_row(), text)
    db().commit()
    return jsonify(serialise.event_entry(event)), 201


@bp.post("/cases/<reference>/replies")
@requires(Permission.ACT_ON_CASES)
def reply_case(reference: str) -> tuple[Response, int]:
    case = _case(reference)
    text = _text(_json_body(), "body", cases.MESSAGE_MAX)
    event = cases.reply(db(), case, current_user_row(), text)
    db().commit()
    # After the commit: the reply stands whether or not the mail goes out.
    notify_requester_of_reply(settings(), case, event.body or "")
    return jsonify(serialise.event_entry(event)), 201


# --- alerts (specialists) -------------------------------------------------------------


def _alert(alert_id: int) -> Alert:
    """The alert, 404 if there is none, 403 if it is about child safety and the reader may not."""
    found = alerts.get_alert(db(), alert_id)
    if found is None:
        abort(404)
    if alerts.is_restricted(found) and not _may(Permission.VIEW_RESTRICTED_CASES):
        raise ApiError(
            403,
            "This alert is about child safety: only restricted specialists may open it.",
            "restricted_alert",
        )
    return found


def _after() -> int | None:
    """The alert id a keyset ``cursor`` continues after (None: from the newest)."""
    cursor = request.args.get("cursor", "")
    if not cursor:
        return None
    try:
        value = _cursors().loads(cursor)
    except BadSignature:
        raise ApiError(400, "The cursor is not one this API gave out.", "bad_cursor") from None
    if not (isinstance(value, dict) and value.get("e") == request.endpoint):
        raise ApiError(400, "The cursor belongs to another list.", "bad_cursor")
    return int(value.get("a", 0))


@bp.get("/alerts")
@requires(Permission.VIEW_ALERTS)
def list_alerts() -> Response:
    """Newest first; alerts about child safety only for restricted specialists, as in the UI."""
    status = _arg_choice("status", AlertStatus)
    found = alerts.list_alerts(
        db(),
        status=status,
        category=request.args.get("category", "").strip()[:32] or None,
        wiki=request.args.get("wiki", "").strip()[:64] or None,
        limit=PAGE_SIZE + 1,
        after=_after(),
        include_restricted=_may(Permission.VIEW_RESTRICTED_CASES),
    )
    page = found[:PAGE_SIZE]
    cursor = (
        _cursors().dumps({"e": request.endpoint, "a": page[-1].id})
        if len(found) > PAGE_SIZE
        else None
    )
    return jsonify(items=[serialise.alert(item) for item in page], next_cursor=cursor)


@bp.get("/alerts/<int:alert_id>")
@requires(Permission.VIEW_ALERTS)
def show_alert(alert_id: int) -> Response:
    return jsonify(serialise.alert(_alert(alert_id)))


@bp.post("/alerts/<int:alert_id>/dismiss")
@requires(Permission.ACT_ON_ALERTS)
def dismiss_alert(alert_id: int) -> Response:
    found = _alert(alert_id)
    reason = _text(_json_body(), "reason", alerts.REASON_MAX)
    try:
        alerts.dismiss(db(), found, current_user_row(), reason)
        db().commit()
    except alerts.AlertError as err:
        db().rollback()
        raise ApiError(409, str(err), "refused") from err
    return jsonify(serialise.alert(found))


# --- the lock log -----------------------------------------------------------------------


def _lock_query() -> LockQuery:
    params = {key: value for key, value in request.args.items() if key != "cursor"}
    try:
        return LockQuery.from_params(
            params, include_suppressed=_may(Permission.VIEW_SUPPRESSED_LOCKS)
        )
    except LockQueryError as err:
        raise ApiError(400, str(err)) from err


@bp.get("/locks")
@requires(Permission.VIEW_LOCK_LOG)
def search_locks() -> Response:
    query, page = _lock_query(), _page()
    result = locks.search(db(), query, page=page, per_page=PAGE_SIZE)
    return _listing([serialise.lock_row(row) for row in result.rows], page, result.has_next)


@bp.get("/locks/accounts/<path:name>")
@requires(Permission.VIEW_LOCK_LOG)
def lock_history(name: str) -> Response:
    """Where an account, IP or range stands, with its whole history (as /locks/account/…)."""
    found = locks.lock_statuses(
        db(), [name], include_suppressed=_may(Permission.VIEW_SUPPRESSED_LOCKS)
    )
    return jsonify(serialise.lock_status(found[name]))


# --- statistics ------------------------------------------------------------------------


@bp.get("/stats/locks")
@requires(Permission.VIEW_LOCK_LOG)
def lock_stats() -> Response:
    return jsonify(serialise.lock_statistics(locks.statistics(db(), _lock_query())))


@bp.get("/stats/queue")
@requires(Permission.VIEW_QUEUE)
def queue_stats() -> Response:
    """The team dashboard's numbers (/metrics) for the last 30, 90 or 365 days."""
    days = request.args.get("days", "30")
    if not days.isdigit() or int(days) not in STAT_PERIODS:
        raise ApiError(400, "'days' is one of 30, 90, 365.")
    session, config = db(), settings()
    until = clock.now()
    since = until - timedelta(days=int(days))
    return jsonify(
        days=int(days),
        since=serialise.when(since),
        until=serialise.when(until),
        backlog=[
            {"category": c.category.value, "severity": c.severity.value, "count": c.count}
            for c in metrics.open_backlog(session)
        ],
        first_response=serialise.durations(
            metrics.first_response_times(session, since, until, config)
        ),
        resolution=serialise.durations(metrics.resolution_times(session, since, until, config)),
        breaches=[
            {
                "severity": row.severity.value,
                "first_response": row.first_response,
                "resolution": row.resolution,
            }
            for row in metrics.breaches(session, since, until, until)
        ],
        weekly=[
            {"week": week.isoformat(), "count": count}
            for week, count in metrics.weekly_volume(session, since, until)
        ],
    )


# --- the document ---------------------------------------------------------------------


@bp.get("/openapi.json")
@public
def openapi_document() -> Response:
    from flaskapp.api.openapi import document

    return jsonify(document(base_path()))


def base_path() -> str:
    """Where the API's paths start on this server (``/api/v1``, under any script root)."""
    return url_for("api.me").removesuffix("/me")
