"""Shared by the API tests: people with roles, their tokens, and cases to read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import Flask

from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.base.config import load_settings
from tools.models import Alert, Category, RoleGrant, User
from tools.people import api_tokens

ALL_SCOPES = [scope.value for scope in api_tokens.Scope]

#: Who the API tests act as: (wiki roles, tool roles).
PEOPLE = {
    "functionary": (["user", "functionary"], []),
    "specialist": (["user"], ["specialist"]),
    "restricted specialist": (["user"], ["restricted-specialist"]),
    "admin": (["user"], ["admin"]),
}


def make_token(
    app: Flask,
    username: str,
    wiki_roles: Iterable[str] = ("user",),
    grants: Iterable[str] = (),
    scopes: Iterable[str] = ALL_SCOPES,
    days: int = 30,
) -> str:
    """A token for ``username`` (created with its grants if new), as the token page makes it."""
    with sessions(app)() as session, session.begin():
        user = session.query(User).filter_by(username=username).one_or_none()
        if user is None:
            user = User(username=username)
            session.add(user)
        known = {grant.role for grant in user.grants}
        user.grants.extend(RoleGrant(role=role) for role in grants if role not in known)
        session.flush()
        made = api_tokens.create_token(
            session, user, "test", scopes, clock.now() + timedelta(days=days), wiki_roles
        )
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def file_case(app: Flask, title: str, category: Category = Category.HARASSMENT) -> str:
    """A case filed by "Steward One"; returns its reference."""
    with sessions(app)() as session, session.begin():
        requester = session.query(User).filter_by(username="Steward One").one_or_none()
        requester = requester or User(username="Steward One")
        request = cases.NewRequest(category=category, title=title, description="Details.")
        case = cases.file_request(session, requester, request, load_settings())
        return case.reference or ""


def raise_alert(
    app: Flask, category: str = "harassment", excerpt: str = "You will regret it"
) -> int:
    """An alert as the patrol bot stores it; returns its id."""
    with sessions(app)() as session, session.begin():
        alert = Alert(
            wiki="enwiki",
            page_title="Wikipedia:Administrators' noticeboard/Incidents",
            rev_id=123456,
            comment_key=f"{category}-{excerpt}"[:64],
            author="Angry Editor",
            category=category,
            language="en",
            score=0.9,
            rules=[{"category": category, "score": 0.9, "phrases": ["regret it"]}],
            excerpt=excerpt,
            created_at=clock.now(),
        )
        session.add(alert)
        session.flush()
        return alert.id
