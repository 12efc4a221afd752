"""Canned responses: admins keep them in four languages; specialists insert one into a reply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from helpers import file_queue_case
from oauth_pages import FormParser
from werkzeug.test import TestResponse

from flaskapp.context import sessions
from tools.cases import canned
from tools.models import AdminEvent, CannedResponse, User


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "Admin One", ("user",), ("admin",))


def _csrf(client: FlaskClient, url: str) -> str:
    parser = FormParser()
    parser.feed(client.get(url).text)
    return parser.fields["csrf_token"]


def _save(client: FlaskClient, url: str, **fields: str) -> TestResponse:
    return client.post(url, data={"csrf_token": _csrf(client, url), **fields})


NEED_DIFFS = {
    "key": "need-diffs",
    "title": "Ask for diffs",
    "en": "Dear {requester}, please add diffs to {reference} ({wiki}).",
    "fr": "Bonjour {requester}, merci d'ajouter des diffs à {reference} ({wiki}).",
    "ar": "",
    "pt": "Olá {requester}, acrescente diffs a {reference}.",
}


def test_unknown_placeholders_are_found_and_filling_leaves_them_alone() -> None:
    assert canned.unknown_placeholders("Hi {requester}, {name} and {Wiki}") == ["name", "Wiki"]
    assert canned.unknown_placeholders("{requester} {reference} {wiki}") == []
    values = {"requester": "Ann", "reference": "TS-2026-00001", "wiki": "enwiki"}
    assert canned.fill("{requester}/{reference}/{wiki}/{other}", values) == (
        "Ann/TS-2026-00001/enwiki/{other}"
    )


def test_admin_creates_and_edits_a_canned_response_and_each_change_is_recorded(
    app: Flask, admin: FlaskClient
) -> None:
    created = _save(admin, "/admin/canned/new", **NEED_DIFFS)
    assert created.status_code == 302
    listing = admin.get("/admin/canned").text
    assert 'data-key="need-diffs"' in listing and "en, fr, pt" in listing
    edited = _save(admin, "/admin/canned/need-diffs", **NEED_DIFFS | {"ar": "مرحبا {requester}"})
    assert edited.status_code == 302
    with sessions(app)() as session:
        languages = {row.language for row in session.query(CannedResponse)}
        actions = [(e.action, e.data["languages"]) for e in session.query(AdminEvent)]
    assert languages == {"en", "fr", "ar", "pt"}
    assert actions == [("canned-created", ["en", "fr", "pt"]), ("canned-edited", ["ar"])]


def test_an_unknown_placeholder_is_refused_beside_its_field(app: Flask, admin: FlaskClient) -> None:
    response = _save(admin, "/admin/canned/new", **NEED_DIFFS | {"fr": "Bonjour {demandeur}"})
    assert response.status_code == 400
    page = response.text
    assert 'id="fr-error-1"' in page and "{demandeur}" in page
    with sessions(app)() as session:
        assert session.query(CannedResponse).count() == 0
        assert session.query(AdminEvent).count() == 0


def test_a_key_is_created_once(admin: FlaskClient) -> None:
    assert _save(admin, "/admin/canned/new", **NEED_DIFFS).status_code == 302
    again = _save(admin, "/admin/canned/new", **NEED_DIFFS)
    assert again.status_code == 400
    assert "already exists" in again.text


def test_specialists_cannot_edit_canned_responses(app: Flask) -> None:
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    assert specialist.get("/admin/canned").status_code == 403


def test_a_specialist_fills_the_reply_box_with_a_canned_response_in_french(
    app: Flask, admin: FlaskClient
) -> None:
    _save(admin, "/admin/canned/new", **NEED_DIFFS)
    reference = file_queue_case(app, wikis=("frwiki",))
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = specialist.get(f"/queue/{reference}").text
    assert '<option value="need-diffs">Ask for diffs</option>' in page
    page = specialist.get(f"/queue/{reference}?canned=need-diffs&language=fr").text
    expected = f"Bonjour Steward One, merci d&#39;ajouter des diffs à {reference} (frwiki)."
    assert f">{expected}</textarea>" in page
    arabic = specialist.get(f"/queue/{reference}?canned=need-diffs&language=ar").text
    assert f"Dear Steward One, please add diffs to {reference} (frwiki).</textarea>" in arabic
    missing = specialist.get(f"/queue/{reference}?canned=nothing-here&language=fr").text
    assert "There is no canned response called nothing-here." in missing


def test_the_reply_form_offers_the_requesters_language_first(
    app: Flask, admin: FlaskClient
) -> None:
    _save(admin, "/admin/canned/new", **NEED_DIFFS)
    reference = file_queue_case(app, wikis=("frwiki",))
    with sessions(app)() as session, session.begin():
        session.query(User).filter_by(username="Steward One").one().language = "pt-br"
    specialist = signed_in_client(app, "Specialist One", ("user",), ("specialist",))
    page = specialist.get(f"/queue/{reference}").text
    assert '<option value="pt" selected>' in page
    assert '<option value="en" selected>' not in page
