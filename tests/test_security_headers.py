"""Every response carries the security headers; templates stay within the CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flaskapp import create_app
from flaskapp.security import SECURITY_HEADERS, asset_url
from tools.base.config import load_settings
from tools.base.db import make_engine, upgrade

TEMPLATES = Path(__file__).parents[1] / "flaskapp" / "templates"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'safetydesk.sqlite3'}",
        secret_key="test-secret",
        instance_path=tmp_path,
    )
    engine = make_engine(settings.database)
    upgrade(engine)
    engine.dispose()
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _versioned(app: Flask, filename: str) -> str:
    with app.test_request_context():
        return asset_url(filename)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/static/safetydesk.css", 200),
        ("/static/codex/codex.style.css", 200),
        ("/no/such/page", 404),
        ("/static/no-such-file.css", 404),
    ],
)
def test_every_response_carries_the_security_headers(
    client: FlaskClient, path: str, status: int
) -> None:
    response = client.get(path)

    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


def test_content_security_policy_allows_nothing_inline_and_no_other_host(
    client: FlaskClient,
) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert not re.search(r"https?:|\*", policy)


def test_versioned_static_file_is_cached_for_a_year(app: Flask, client: FlaskClient) -> None:
    url = _versioned(app, "codex/codex.style.css")
    assert re.search(r"\?v=[0-9a-f]{12}$", url)

    cache = client.get(url).headers["Cache-Control"]

    assert "max-age=31536000" in cache
    assert "immutable" in cache


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_unversioned_or_outdated_static_url_is_revalidated(client: FlaskClient, query: str) -> None:
    cache = client.get("/static/safetydesk.css" + query).headers["Cache-Control"]

    assert "immutable" not in cache
    assert "no-cache" in cache


def test_asset_url_refuses_a_missing_file(app: Flask) -> None:
    with pytest.raises(FileNotFoundError):
        _versioned(app, "no-such-file.css")


# What the CSP would refuse, found in the source rather than in a browser console.
INLINE_CODE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_exist_to_scan() -> None:
    assert TEMPLATES / "layout.html" in _templates()


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_or_style(template: Path) -> None:
    source = template.read_text(encoding="utf-8")

    found = [what for what, pattern in INLINE_CODE.items() if pattern.search(source)]

    assert found == []
