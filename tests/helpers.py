"""What several test modules share: people and tokens, cases and alerts, wiki editors.

Test modules import these from here rather than from one another, so that each test
module stays a list of tests and can be read, run or moved on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser

from flaskapp.context import sessions
from tools import cases
from tools.base import clock
from tools.base.config import load_settings
from tools.models import Alert, Category, RoleGrant, Severity, User
from tools.people import api_tokens
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects

REPOSITORY = Path(__file__).resolve().parents[1]

# --- the API: people with roles and their tokens ----------------------------------

ALL_SCOPES = [scope.value for scope in api_tokens.Scope]

#: Who the API tests act as: (wiki roles, tool roles).
PEOPLE = {
    "functionary": (["user", "functionary"], []),
    "specialist": (["user"], ["specialist"]),
    "restricted specialist": (["user"], ["restricted-specialist"]),
    "admin": (["user"], ["admin"]),
}


def alerted(text: str, language: str) -> set[str]:
    """The categories the triage alerts on for ``text`` (findings at or above the threshold)."""
    from tools.triage import classify  # scikit-learn loads in 1.5 s: only for the tests that ask

    return {finding.category for finding in classify(text, language).above()}


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


# --- cases filed in the web tool --------------------------------------------------


def file_queue_case(
    app: Flask,
    title: str = "Harassment on a talk page",
    category: Category = Category.HARASSMENT,
    severity: Severity | None = None,
    subjects: str = "Example vandal",
    wikis: tuple[str, ...] = ("enwiki",),
    requester: str = "Steward One",
) -> str:
    evidence, _ = parse_evidence_links("https://en.wikipedia.org/w/index.php?diff=123456")
    request = cases.NewRequest(
        category=category,
        severity=severity,
        title=title,
        description=f"Details of {title}",
        wikis=wikis,
        subjects=parse_subjects(subjects)[0],
        evidence=evidence,
    )
    with sessions(app)() as session, session.begin():
        user = session.query(User).filter_by(username=requester).one_or_none()
        user = user or User(username=requester, email="steward@example.org")
        case = cases.file_request(session, user, request, app.config["SETTINGS"])
        return case.reference or ""


def request_form_fields(client: FlaskClient, query: str = "category=harassment") -> dict[str, str]:
    page = client.get(f"/requests/new?{query}")
    assert page.status_code == 200, page.status_code
    parser = FormParser()
    parser.feed(page.text)
    return parser.fields


def file_request_form(client: FlaskClient, **fields: str) -> Any:
    hidden = request_form_fields(client)
    data = {
        "csrf_token": hidden["csrf_token"],
        "submission_key": hidden["submission_key"],
        "category": "harassment",
        "severity": "",
        "title": "Harassment on a talk page",
        "description": "A user keeps attacking another editor.",
        "wikis": "enwiki",
        "subjects": "Example vandal",
        "evidence": "https://en.wikipedia.org/w/index.php?diff=123456&oldid=123400",
        "email": "",
    }
    return client.post("/requests/new", data=data | fields)


# --- people editing the local wiki (the patrol's tests) ---------------------------

HEADER = "Report incidents here. Sign your posts with four tildes.\n"
THREAT = (
    "\n== Threats against an editor ==\n"
    "You reverted me again. I know where you live and I am going to kill you. ~~~~\n"
)


#: Appends text to a page as one account, in a process of its own: Pywikibot keeps one
#: cookie jar per process, so one process cannot be logged in to a wiki as two people.
EDITOR = """
import json, sys
import pywikibot
from bots.site import BotPassword, connect
api, name, app, secret, workdir, title, add = sys.argv[1:]
site = connect(api, name, BotPassword(app, secret), workdir=workdir)
page = pywikibot.Page(site, title)
old = page.latest_revision_id if page.exists() else None
page.text = (page.text if old else "") + add
page.save(summary="patrol test", minor=False, bot=False, quiet=True)
page = pywikibot.Page(site, title)
print(json.dumps({"title": page.title(), "namespace": page.namespace().id, "old": old,
    "new": page.latest_revision_id, "at": page.latest_revision.timestamp.isoformat()}))
"""


@dataclass(frozen=True)
class Editor:
    """A person of the local wiki who edits with Pywikibot (a bot password of their own)."""

    api_url: str
    name: str
    app_id: str
    secret: str
    workdir: Path

    def edit(self, title: str, add: str) -> Edit:
        """Append ``add`` to the page; the revision it made."""
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                EDITOR,
                self.api_url,
                self.name,
                self.app_id,
                self.secret,
                str(self.workdir),
                title,
                add,
            ],
            cwd=REPOSITORY,
            env=os.environ | {"PYTHONPATH": str(REPOSITORY)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        made = json.loads(done.stdout.strip().splitlines()[-1])
        at = datetime.fromisoformat(made["at"].replace("Z", "+00:00"))
        return Edit(
            made["title"],
            made["namespace"],
            self.name,
            made["old"],
            made["new"],
            at if at.tzinfo else at.replace(tzinfo=UTC),
        )


@dataclass(frozen=True)
class Edit:
    title: str
    namespace: int
    user: str
    old: int | None
    new: int
    at: datetime
