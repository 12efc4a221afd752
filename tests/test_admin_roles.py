"""Admins give and take back Trust and Safety roles; each change counts at once and is recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser

from flaskapp.context import sessions
from tools.models import AdminEvent


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Lead One", grants=["admin"])


def _csrf(client: FlaskClient, path: str = "/admin/roles") -> str:
    parser = FormParser()
    parser.feed(client.get(path).text)
    return parser.fields["csrf_token"]


def _grant(client: FlaskClient, username: str, role: str) -> object:
    return client.post(
        "/admin/roles/grant",
        data={"csrf_token": _csrf(client), "username": username, "role": role},
    )


def test_a_granted_role_ends_the_session_and_holds_at_the_next_sign_in(
    app: Flask, admin: FlaskClient
) -> None:
    newcomer = signed_in_client(app, "Plain User")
    assert 'data-role="specialist"' not in newcomer.get("/me").text
    assert _grant(admin, "plain_User", "specialist").status_code == 302  # canonical name
    assert newcomer.get("/me").status_code == 302  # a role change ends earlier sessions
    again = signed_in_client(app, "Plain User")
    assert 'data-role="specialist"' in again.get("/me").text


def test_revoking_takes_the_role_back_and_both_are_recorded(app: Flask, admin: FlaskClient) -> None:
    _grant(admin, "Plain User", "restricted-specialist")
    row = admin.get("/admin/roles").text.split('data-user="Plain User"', 1)[1]
    grant_id = row.split('name="grant_id" value="', 1)[1].split('"', 1)[0]
    admin.post("/admin/roles/revoke", data={"csrf_token": _csrf(admin), "grant_id": grant_id})
    assert 'data-user="Plain User"' not in admin.get("/admin/roles").text
    with sessions(app)() as session:
        actions = [(e.action, e.data) for e in session.query(AdminEvent).order_by(AdminEvent.id)]
    assert actions == [
        ("role-granted", {"role": "restricted-specialist"}),
        ("role-revoked", {"role": "restricted-specialist"}),
    ]


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [
        ("192.0.2.1", "specialist", "not an account"),
        ("Someone", "functionary", "Not a valid choice"),
        ("Bad#name", "admin", "Bad#name"),
    ],
)
def test_impossible_grants_are_explained_and_keep_the_name(
    admin: FlaskClient, username: str, role: str, message: str
) -> None:
    response = _grant(admin, username, role)
    assert response.status_code == 400
    assert message in response.text and f'value="{username}"' in response.text


def test_a_second_grant_of_the_same_role_is_refused(admin: FlaskClient) -> None:
    _grant(admin, "Plain User", "specialist")
    response = _grant(admin, "Plain User", "specialist")
    assert response.status_code == 400 and "already has the role" in response.text


def test_roles_are_named_in_the_readers_language(admin: FlaskClient) -> None:
    _grant(admin, "Plain User", "restricted-specialist")
    page = admin.get("/admin/roles?uselang=fr").text
    row = page.split('data-user="Plain User"', 1)[1].split("</tr>", 1)[0]
    assert "<td>spécialiste (dossiers restreints)</td>" in row
    assert "restricted-specialist</td>" not in row
    assert '<option value="specialist">spécialiste</option>' in page
