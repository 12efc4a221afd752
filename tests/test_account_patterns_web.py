"""The name patterns page and new-account alerts in the tool (issue #22), without a browser.

A specialist tries a pattern on the newest stored names before saving it, saves it (an
admin event), sees its hits; a pathological pattern is refused with the reason; the
form needs its CSRF token; a new account's alert shows the two names side by side,
the account's home wiki, lock status and its Special:CentralAuth link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from conftest import signed_in_client
from flask import Flask
from sqlalchemy import select

from flaskapp.context import sessions
from tools.models import AdminEvent, Alert, NamePattern
from tools.patrol import account_watch, pattern_store
from tools.patrol.lookalikes import ProtectedNames
from tools.patrol.patterns import RuleSet

NAMES = ["Gardener 1", "Pizza Lover", "Evil Pizza Troll", "Birdwatcher", "Pizza Troll 2"]


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    app.config.update(WTF_CSRF_ENABLED=False)
    return app


def _store(app: Flask, names: list[str], protected: tuple[str, ...] = ()) -> None:
    """What the watcher stores for these names (with its examination)."""
    with sessions(app)() as session, session.begin():
        rules = RuleSet(pattern_store.active_rules(session))
        for name in names:
            account = account_watch.SeenAccount(name, "enwiki", datetime.now(UTC), 1)
            found = account_watch.examine(name, ProtectedNames(protected), rules, None, 0.5)
            account_watch.store_account(session, account, found, {})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_specialist_tries_then_saves_a_pattern_and_its_hits_count(app: Flask) -> None:
    _store(app, NAMES)
    client = signed_in_client(app, "Specialist One", ["user"], ["specialist"])
    form = {"pattern": "pizza troll", "kind": "word", "category": "known_abuser", "note": "LTA"}
    tried = client.post("/alerts/patterns", data={**form, "try": "1"})
    assert tried.status_code == 200
    text = _text(tried.get_data(as_text=True))
    assert f"2 of the newest {len(NAMES)} account names match" in text
    assert "Evil Pizza Troll" in text and "Pizza Troll 2" in text
    assert "Pizza Lover" not in text
    assert 'value="pizza troll"' in tried.get_data(as_text=True)  # the form kept what was typed
    with sessions(app)() as session:
        assert (
            session.scalar(select(NamePattern).where(NamePattern.pattern == "pizza troll")) is None
        )

    saved = client.post("/alerts/patterns", data={**form, "save": "1"})
    assert saved.status_code == 302
    _store(app, ["Pizza-Troll 3", "Ordinary Name"])
    with sessions(app)() as session:
        pattern = session.scalars(
            select(NamePattern).where(NamePattern.pattern == "pizza troll")
        ).one()
        assert (pattern.hits, pattern.category, pattern.note) == (1, "known_abuser", "LTA")
        assert pattern.created_by is not None and pattern.created_by.username == "Specialist One"
        event = session.scalars(
            select(AdminEvent).where(AdminEvent.action == "pattern-added")
        ).one()
        assert event.data["pattern"] == "pizza troll"
        alert = session.scalars(
            select(Alert).where(Alert.comment_key == f"pattern:{pattern.id}")
        ).one()
        assert alert.page_title == "Pizza-Troll 3"
        pattern_id, alert_id = pattern.id, alert.id
    page = _text(client.get("/alerts/patterns").get_data(as_text=True))
    assert "pizza troll" in page and "Specialist One" in page
    listed = client.get(f"/alerts?pattern={pattern_id}&status=").get_data(as_text=True)
    assert f'data-alert="{alert_id}"' in listed
    shown = _text(client.get(f"/alerts/{alert_id}").get_data(as_text=True))
    assert "pizza troll" in shown and "Special:CentralAuth" in shown

    assert client.post(f"/alerts/patterns/{pattern_id}/toggle").status_code == 302
    with sessions(app)() as session:
        assert session.get(NamePattern, pattern_id).active is False
        actions = set(session.scalars(select(AdminEvent.action)))
        assert {"pattern-added", "pattern-disabled"} <= actions


def test_a_pathological_or_invalid_pattern_is_refused_with_the_reason(app: Flask) -> None:
    client = signed_in_client(app, "Specialist One", ["user"], ["specialist"])
    slow = client.post(
        "/alerts/patterns",
        data={"pattern": "(a+)+$", "kind": "regex", "category": "other", "save": "1"},
    )
    assert slow.status_code == 400
    assert "catastrophic backtracking" in slow.get_data(as_text=True)
    broken = client.post(
        "/alerts/patterns",
        data={"pattern": "(unclosed", "kind": "regex", "category": "other", "save": "1"},
    )
    assert broken.status_code == 400
    assert "not a valid regular expression" in broken.get_data(as_text=True)
    assert 'value="(unclosed"' in broken.get_data(as_text=True)
    with sessions(app)() as session:
        assert session.scalars(select(NamePattern)).all() == []


def test_the_pattern_form_needs_its_csrf_token(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = signed_in_client(app, "Specialist One", ["user"], ["specialist"])
    answer = client.post(
        "/alerts/patterns", data={"pattern": "x", "kind": "word", "category": "other", "save": "1"}
    )
    assert answer.status_code == 400
    with sessions(app)() as session:
        assert session.scalars(select(NamePattern)).all() == []


def test_a_lookalike_alert_shows_both_names_and_the_account(app: Flask) -> None:
    impostor = "St\u0435ward One"
    _store(app, [impostor], protected=("Steward One",))
    client = signed_in_client(app, "Specialist One", ["user"], ["specialist"])
    with sessions(app)() as session:
        alert = session.scalars(select(Alert).where(Alert.page_title == impostor)).one()
        assert alert.category == "account_lookalike"
    html = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "<mark>\u0435</mark>" in html and "<mark>e</mark>" in html
    assert "stewardone" in html and "CYRILLIC SMALL LETTER IE" in html
    assert "Special:CentralAuth/St%D0%B5ward_One" in html
    assert "enwiki" in html
    listed = client.get("/alerts?category=account_lookalike").get_data(as_text=True)
    assert f'data-alert="{alert.id}"' in listed
