"""Functionaries file requests and follow them, as with the form at /requests/new."""

from __future__ import annotations

import re

from flask import abort, jsonify, request, url_for
from werkzeug.wrappers import Response

from flaskapp.access import current_user_row, requires
from flaskapp.api import bodies, schemas, serialise
from flaskapp.api.common import (
    PAGE_SIZE,
    bp,
    json_body,
    listing,
    page,
    request_body,
)
from flaskapp.api.errors import ApiError
from flaskapp.api.spec import CURSOR, IDEMPOTENCY_KEY, REFERENCE, Operation, documented
from flaskapp.context import committed, db, settings
from flaskapp.extensions import FILING_SCOPE, limiter, person_key
from tools import cases
from tools.cases import idempotency
from tools.models import CaseSource, Severity
from tools.people.api_tokens import Scope
from tools.people.roles import Permission
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects
from tools.wiki.wikis import UnknownWiki, parse_wiki

_PRINTABLE_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _new_request(body: bodies.NewRequest) -> cases.NewRequest:
    """The checked body as the core's request; 422 naming the entries it does not understand."""
    errors: dict[str, list[str]] = {}
    wikis = []
    for name in body.wikis:
        try:
            wikis.append(parse_wiki(name).dbname)
        except UnknownWiki as err:
            errors.setdefault("wikis", []).append(str(err))
    subjects, subject_errors = parse_subjects("\n".join(body.subjects))
    evidence, evidence_errors = parse_evidence_links("\n".join(body.evidence))
    for field, found in (("subjects", subject_errors), ("evidence", evidence_errors)):
        if found:
            errors[field] = found
    if errors:
        raise ApiError(422, "Some entries are not understood.", details=errors)
    return cases.NewRequest(
        category=body.category,
        severity=body.severity,
        title=body.title,
        description=body.description,
        wikis=wikis,
        subjects=subjects,
        evidence=evidence,
    )


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
    category, severity = body.get("category"), body.get("severity")
    emergencies = {category.value for category in cases.EMERGENCY_CATEGORIES}
    # Any JSON may come here, before the body is checked: only strings are compared.
    return severity == Severity.EMERGENCY.value or (
        isinstance(category, str) and category in emergencies
    )


def hourly_limit() -> str:
    return f"{settings().requests_per_hour} per hour"


def _unfiled(err: cases.CaseError) -> None:
    if isinstance(err, idempotency.IdempotencyConflict):
        raise ApiError(422, str(err), "idempotency_key_reused") from err
    raise ApiError(422, str(err)) from err


@bp.post("/requests")
@requires(Permission.FILE_REQUEST)
@limiter.shared_limit(  # per person, shared with the form: a new token is no new allowance
    hourly_limit,
    scope=FILING_SCOPE,
    key_func=person_key,
    exempt_when=is_emergency_filing,
    # A retry answered from its Idempotency-Key filed nothing: it does not count.
    deduct_when=lambda response: (
        response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    ),
    override_defaults=False,  # the per-minute limit of the whole API applies as well
)
@documented(
    Operation(
        "File a request",
        Scope.FILE,
        201,
        schemas.OwnRequestDetail,
        "Filed (or found by its key).",
        tag="requests",
        errors=(400, 413, 415, 422),
        description="As the form at /requests/new. Send an Idempotency-Key header so "
        "that a retry files once: the same key and body answer with the same request "
        "(header Idempotent-Replayed: true); the same key with another body is a 422. "
        "At most SAFETYDESK_REQUESTS_PER_HOUR an hour, emergencies never limited.",
        parameters=[IDEMPOTENCY_KEY],
        body=bodies.NewRequest,
    )
)
def file_request() -> tuple[Response, int, dict[str, str]]:
    json_body()  # the media type and JSON first, then the header, then the fields
    key = _idempotency_key()
    new = _new_request(request_body(bodies.NewRequest))
    user = current_user_row()
    replayed = False
    with committed(cases.CaseError, refuse=_unfiled):
        if key is None:
            case = cases.file_request(db(), user, new, settings(), source=CaseSource.API)
        else:
            digest = idempotency.body_hash(request.get_data())
            filed = idempotency.file_once(db(), user, new, settings(), key, digest)
            case, replayed = filed.case, filed.replayed
    headers = {"Location": url_for("api.own_request", reference=case.reference)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(serialise.own_request_detail(case)), 201, headers


@bp.get("/requests")
@requires(Permission.VIEW_OWN_REQUESTS)
@documented(
    Operation(
        "List my requests",
        Scope.READ_OWN,
        200,
        schemas.OwnRequestList,
        "Your requests, newest first.",
        tag="requests",
        errors=(400,),
        parameters=[CURSOR],
    )
)
def own_requests() -> Response:
    number = page()
    mine = cases.requests_of(db(), current_user_row())
    start = (number - 1) * PAGE_SIZE
    items = [serialise.own_request(case) for case in mine[start : start + PAGE_SIZE]]
    return listing(items, number, len(mine) > start + PAGE_SIZE)


@bp.get("/requests/<reference>")
@requires(Permission.VIEW_OWN_REQUESTS)
@documented(
    Operation(
        "Read my request",
        Scope.READ_OWN,
        200,
        schemas.OwnRequestDetail,
        "The request and its thread.",
        tag="requests",
        errors=(404,),
        description="Only your own; the thread holds what you see on its page.",
        parameters=[REFERENCE],
    )
)
def own_request(reference: str) -> Response:
    """One's own request and its public thread; someone else's does not exist (404)."""
    case = cases.find_by_reference(db(), reference)
    me = current_user_row()
    if case is None or case.requester_id != me.id:
        abort(404)
    cases.record_view(db(), case, me)
    db().commit()
    return jsonify(serialise.own_request_detail(case))
