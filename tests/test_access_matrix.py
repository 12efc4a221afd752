"""Every route x every role: allowed or denied exactly as the permission table says.

``EXPECTED`` names the rule of every route. A new route fails here until it is
listed, and a route whose decorator drifts from this list fails too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from flaskapp import create_app
from flaskapp.access import PUBLIC, SIGNED_IN, AccessRule, rule_of
from tools.base.config import load_settings
from tools.base.db import make_engine, upgrade
from tools.people.roles import ROLE_PERMISSIONS, Permission, Role

EXPECTED: dict[str, AccessRule] = {
    "static": PUBLIC,
    "home.index": PUBLIC,
    "health.full": PUBLIC,
    "health.web": PUBLIC,
    "auth.login": PUBLIC,
    "auth.callback": PUBLIC,
    "auth.dev_login": PUBLIC,
    "auth.demo_login": PUBLIC,  # development only, without OAuth: 404 otherwise
    "auth.logout": PUBLIC,
    "auth.me": SIGNED_IN,
    "reportincident.create_request": PUBLIC,  # the secret in its path is the credential
    "requests.choose_category": AccessRule(True, Permission.FILE_REQUEST),
    "requests.file": AccessRule(True, Permission.FILE_REQUEST),
    "requests.mine": AccessRule(True, Permission.VIEW_OWN_REQUESTS),
    "requests.show": AccessRule(True, Permission.VIEW_OWN_REQUESTS),
    "requests.answer": AccessRule(True, Permission.VIEW_OWN_REQUESTS),
    "admin.roles": AccessRule(True, Permission.MANAGE_ROLES),
    "admin.grant": AccessRule(True, Permission.MANAGE_ROLES),
    "admin.revoke": AccessRule(True, Permission.MANAGE_ROLES),
    "admin.canned_list": AccessRule(True, Permission.MANAGE_CANNED_RESPONSES),
    "admin.canned_new": AccessRule(True, Permission.MANAGE_CANNED_RESPONSES),
    "admin.canned_edit": AccessRule(True, Permission.MANAGE_CANNED_RESPONSES),
    "locks.search": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "locks.account": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "locks.export": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "locks.requests": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "queue.index": AccessRule(True, Permission.VIEW_QUEUE),
    "queue.show": AccessRule(True, Permission.VIEW_QUEUE),
    "queue.assign": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.release": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.hand_over": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.move": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.link": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.merge": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.note": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.reply": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.attachment": AccessRule(True, Permission.VIEW_QUEUE),
    "metrics.index": AccessRule(True, Permission.VIEW_QUEUE),
    "wellness.set_media_preference": AccessRule(True, Permission.VIEW_QUEUE),
    "hashes.banks": AccessRule(True, Permission.VIEW_ALERTS),
    "hashes.match_file": AccessRule(True, Permission.VIEW_RESTRICTED_CASES),
    "hashes.bank_evidence": AccessRule(True, Permission.VIEW_RESTRICTED_CASES),
    "queue.escalate": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.export_json": AccessRule(True, Permission.ACT_ON_CASES),
    "queue.export_html": AccessRule(True, Permission.ACT_ON_CASES),
    "oncall.rota": AccessRule(True, Permission.VIEW_QUEUE),
    "oncall.preferences": AccessRule(True, Permission.VIEW_QUEUE),
    "oncall.manage": AccessRule(True, Permission.MANAGE_ROTA),
    "oncall.add_weekly": AccessRule(True, Permission.MANAGE_ROTA),
    "oncall.add_shift": AccessRule(True, Permission.MANAGE_ROTA),
    "oncall.remove_weekly": AccessRule(True, Permission.MANAGE_ROTA),
    "oncall.remove_shift": AccessRule(True, Permission.MANAGE_ROTA),
    "oncall.confirm": AccessRule(True, Permission.ACT_ON_CASES),
    "oncall.acknowledge": AccessRule(True, Permission.ACT_ON_CASES),
    "oncall.acknowledge_case": AccessRule(True, Permission.ACT_ON_CASES),
    "oncall.raise_to_emergency": AccessRule(True, Permission.ACT_ON_CASES),
    "tokens.index": SIGNED_IN,
    "tokens.create": SIGNED_IN,
    "tokens.revoke": SIGNED_IN,
    "api_docs.page": PUBLIC,
    "api_docs.index": PUBLIC,
    "api.openapi_document": PUBLIC,
    "api.me": SIGNED_IN,
    "api.file_request": AccessRule(True, Permission.FILE_REQUEST),
    "api.own_requests": AccessRule(True, Permission.VIEW_OWN_REQUESTS),
    "api.own_request": AccessRule(True, Permission.VIEW_OWN_REQUESTS),
    "api.list_cases": AccessRule(True, Permission.VIEW_QUEUE),
    "api.show_case": AccessRule(True, Permission.VIEW_QUEUE),
    "api.move_case": AccessRule(True, Permission.ACT_ON_CASES),
    "api.claim_case": AccessRule(True, Permission.ACT_ON_CASES),
    "api.note_case": AccessRule(True, Permission.ACT_ON_CASES),
    "api.reply_case": AccessRule(True, Permission.ACT_ON_CASES),
    "api.list_alerts": AccessRule(True, Permission.VIEW_ALERTS),
    "api.show_alert": AccessRule(True, Permission.VIEW_ALERTS),
    "api.dismiss_alert": AccessRule(True, Permission.ACT_ON_ALERTS),
    "api.search_locks": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "api.lock_history": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "api.lock_stats": AccessRule(True, Permission.VIEW_LOCK_LOG),
    "api.queue_stats": AccessRule(True, Permission.VIEW_QUEUE),
    "alerts.index": AccessRule(True, Permission.VIEW_ALERTS),
    "alerts.show": AccessRule(True, Permission.VIEW_ALERTS),
    "alerts.dismiss": AccessRule(True, Permission.ACT_ON_ALERTS),
    "alerts.case_form": AccessRule(True, Permission.ACT_ON_ALERTS),
    "alerts.file_case": AccessRule(True, Permission.ACT_ON_ALERTS),
    "patterns.index": AccessRule(True, Permission.VIEW_ALERTS),
    "patterns.submit": AccessRule(True, Permission.ACT_ON_ALERTS),
    "patterns.toggle": AccessRule(True, Permission.ACT_ON_ALERTS),
}

# Who visits: (wiki roles in the session, roles granted in the tool); None is anonymous.
VISITORS: dict[str, tuple[list[Role], list[Role]] | None] = {
    "anonymous": None,
    "plain user": ([Role.USER], []),
    "functionary": ([Role.USER, Role.FUNCTIONARY], []),
    "specialist": ([Role.USER], [Role.SPECIALIST]),
    "restricted specialist": ([Role.USER], [Role.RESTRICTED_SPECIALIST]),
    "admin": ([Role.USER], [Role.ADMIN]),
}

SAMPLE_ARGUMENTS = {
    "filename": "safetydesk.css",
    "reference": "TS-2026-00001",
    "name": "Example",
    "key": "need-diffs",
    "secret": "not-a-known-secret-0000000000000000",
    "token": "not-a-callout-token",
    "shift_id": 1,
    "token_id": 1,
    "alert_id": 1,
    "attachment_id": 1,
    "pattern_id": 1,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("matrix")
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'matrix.sqlite3'}",
        secret_key="matrix-test-key",
        instance_path=folder,
        dev_login=True,
        health_jobs={},  # no bot runs here: /healthz is healthy, not a 503
    )
    upgrade(make_engine(settings.database))
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    yield app


def _client_for(app: Flask, visitor: str) -> FlaskClient:
    roles = VISITORS[visitor]
    if roles is None:
        return app.test_client()
    return signed_in_client(app, visitor.capitalize(), roles[0], roles[1])


def _allowed(rule: AccessRule, visitor: str) -> bool:
    roles = VISITORS[visitor]
    if not rule.sign_in:
        return True
    if roles is None:
        return False
    if rule.permission is None:
        return True
    held = set(roles[0]) | set(roles[1])
    return any(rule.permission in ROLE_PERMISSIONS[role] for role in held)


def _url(rule: Rule) -> str:
    return rule.build({name: SAMPLE_ARGUMENTS[name] for name in rule.arguments})[1]


def test_every_route_has_an_expected_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "list each new route in EXPECTED with its access rule"
    for endpoint, expected in EXPECTED.items():
        assert rule_of(app, endpoint) == expected, endpoint


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_route_by_role_matrix(app: Flask, visitor: str) -> None:
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            # A fresh client for each request: one route (logout) must not affect the next.
            response = _client_for(app, visitor).open(_url(rule), method=method)
            denied = response.status_code == 403 or (
                response.status_code == 302 and response.location.startswith("/login")
            )
            if rule.rule.startswith("/api/"):
                # The API never redirects: 401 (JSON) without a sign-in, 403 without the right.
                assert response.status_code != 302, (rule.rule, method)
                html_page = rule.endpoint == "api_docs.page"  # the API's documentation page
                assert response.is_json or html_page, (rule.rule, method, response.status_code)
                denied = response.status_code in (401, 403)
                assert (response.status_code == 401) == (visitor == "anonymous" and denied)
            assert response.status_code < 500, (rule.endpoint, method, response.status_code)
            expected = _allowed(EXPECTED[rule.endpoint], visitor)
            assert denied != expected, f"{visitor} {method} {rule.rule}: {response.status_code}"


def test_a_route_without_a_rule_is_refused_to_everyone(app: Flask) -> None:
    bare = create_app(app.config["SETTINGS"])
    bare.config.update(TESTING=True)
    bare.add_url_rule("/forgotten", "forgotten", lambda: "secret data")
    for visitor in VISITORS:
        response = _client_for(bare, visitor).get("/forgotten")
        assert response.status_code == 403
        assert b"secret data" not in response.data
