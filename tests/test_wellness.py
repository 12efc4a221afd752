"""Reviewer wellness: evidence images behind a click, blurred by default; child protection never."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask
from flask.testing import FlaskClient
from oauth_pages import FormParser

from flaskapp.context import sessions
from flaskapp.wellness import classify
from tools import cases
from tools.models import Case, Category, EvidenceKind, EvidenceLink, User
from tools.wiki.evidence import parse_evidence_links
from tools.wiki.subjects import parse_subjects

COMMONS_FILE = "https://commons.wikimedia.org/wiki/File:Example.jpg"
DIFF = "https://en.wikipedia.org/w/index.php?diff=123456"


def _link(url: str, wiki: str | None = None, title: str | None = None) -> EvidenceLink:
    return EvidenceLink(url=url, kind=EvidenceKind.PAGE, wiki=wiki, page_title=title)


HARASSMENT = Case(category=Category.HARASSMENT, restricted=False)


@pytest.mark.parametrize(
    ("url", "wiki", "title", "thumbnail"),
    [
        (
            COMMONS_FILE,
            "commonswiki",
            "File:Example.jpg",
            "https://commons.wikimedia.org/wiki/Special:FilePath/Example.jpg?width=200",
        ),
        (
            "https://de.wikipedia.org/wiki/Datei:Beispiel.png",
            "dewiki",
            "Datei:Beispiel.png",
            "https://de.wikipedia.org/wiki/Special:FilePath/Beispiel.png?width=200",
        ),
        (
            "https://fr.wikipedia.org/wiki/Fichier:Un_film.webm",
            "frwiki",
            "Fichier:Un film.webm",
            "https://fr.wikipedia.org/wiki/Special:FilePath/Un_film.webm?width=200",
        ),
        (
            "https://ar.wikipedia.org/wiki/ملف:Example.jpg",
            "arwiki",
            "ملف:Example.jpg",
            "https://ar.wikipedia.org/wiki/Special:FilePath/Example.jpg?width=200",
        ),
        (
            "https://upload.wikimedia.org/wikipedia/commons/thumb/a/a9/Example.jpg/200px-Example.jpg",
            None,
            None,
            "https://upload.wikimedia.org/wikipedia/commons/thumb/a/a9/Example.jpg/200px-Example.jpg",
        ),
        # An original upload may be huge: a placeholder and the link, no image.
        ("https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg", None, None, None),
        ("https://en.wikipedia.org/wiki/Clip.mp4", "enwiki", "Clip.mp4", None),
    ],
)
def test_media_links_are_recognised(
    url: str, wiki: str | None, title: str | None, thumbnail: str | None
) -> None:
    media = classify(_link(url, wiki, title), HARASSMENT)
    assert media.mode == "media"
    assert media.thumbnail == thumbnail


def test_other_links_are_plain_and_child_protection_is_withheld() -> None:
    assert classify(_link(DIFF, "enwiki"), HARASSMENT).mode == "link"
    assert (
        classify(_link("https://en.wikipedia.org/wiki/Talk:X", "enwiki", "Talk:X"), HARASSMENT).mode
        == "link"
    )
    child = Case(category=Category.CHILD_PROTECTION, restricted=True)
    media = classify(_link(COMMONS_FILE, "commonswiki", "File:Example.jpg"), child)
    assert media.mode == "withheld" and media.thumbnail is None
    marked = Case(category=Category.HARASSMENT, restricted=True)
    assert (
        classify(_link(COMMONS_FILE, "commonswiki", "File:Example.jpg"), marked).mode == "withheld"
    )


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


def _file(app: Flask, links: str, category: Category = Category.HARASSMENT) -> str:
    evidence, errors = parse_evidence_links(links)
    assert not errors
    request = cases.NewRequest(
        category=category,
        severity=None,
        title="Images",
        description="Details",
        wikis=("commonswiki",),
        subjects=parse_subjects("Example vandal")[0],
        evidence=evidence,
    )
    with sessions(app)() as session, session.begin():
        user = User(username="Steward One", email="steward@example.org")
        case = cases.file_request(session, user, request, app.config["SETTINGS"])
        return case.reference or ""


def _specialist(app: Flask, role: str = "restricted-specialist") -> FlaskClient:
    return signed_in_client(app, "Specialist One", ("user",), (role,))


def _img_src(response_csp: str) -> str:
    return next(part for part in response_csp.split("; ") if part.startswith("img-src"))


def test_case_page_hides_the_image_until_clicked_and_allows_only_its_hosts(app: Flask) -> None:
    reference = _file(app, f"{COMMONS_FILE}\n{DIFF}")
    client = _specialist(app)
    response = client.get(f"/queue/{reference}")
    page = response.text
    assert '<details class="sd-media">' in page  # closed: a click opens it
    assert 'class="sd-media__unblur" id="sd-media-1">' in page  # not ticked: blurred
    assert 'loading="lazy"' in page and 'referrerpolicy="no-referrer"' in page
    assert "Special:FilePath/Example.jpg?width=200" in page
    assert page.count("<img") == 1  # the diff stays a link
    assert _img_src(response.headers["Content-Security-Policy"]) == (
        "img-src 'self' data: https://commons.wikimedia.org https://upload.wikimedia.org"
    )
    assert "style=" not in page.split('<ul class="sd-evidence">')[1].split("</ul>")[0]
    # Any other page keeps the strict policy.
    assert (
        _img_src(client.get("/queue").headers["Content-Security-Policy"]) == "img-src 'self' data:"
    )


def test_a_case_without_media_keeps_the_strict_policy(app: Flask) -> None:
    reference = _file(app, DIFF)
    response = _specialist(app).get(f"/queue/{reference}")
    assert "<img" not in response.text and "sd-media-preference" not in response.text
    assert _img_src(response.headers["Content-Security-Policy"]) == "img-src 'self' data:"


def test_child_protection_evidence_is_a_link_only(app: Flask) -> None:
    reference = _file(app, COMMONS_FILE, Category.CHILD_PROTECTION)
    response = _specialist(app).get(f"/queue/{reference}")
    assert response.status_code == 200
    assert "<img" not in response.text and "<details" not in response.text
    assert 'data-media="withheld"' in response.text
    assert f'href="{COMMONS_FILE}"' in response.text
    assert _img_src(response.headers["Content-Security-Policy"]) == "img-src 'self' data:"


def test_each_specialist_sets_their_own_default(app: Flask) -> None:
    reference = _file(app, COMMONS_FILE)
    one, other = _specialist(app), signed_in_client(app, "Other", ("user",), ("specialist",))
    parser = FormParser()
    parser.feed(one.get(f"/queue/{reference}").text)
    response = one.post(
        "/preferences/media",
        data={
            "csrf_token": parser.fields["csrf_token"],
            "reveal_media": "y",
            "next": f"/queue/{reference}",
        },
    )
    assert response.status_code == 302 and response.location == f"/queue/{reference}"
    page = one.get(f"/queue/{reference}").text
    assert '<details class="sd-media" open>' in page
    assert 'id="sd-media-1" checked>' in page
    assert '<details class="sd-media">' in other.get(f"/queue/{reference}").text
    with sessions(app)() as session:
        assert session.query(User).filter_by(username="Specialist One").one().reveal_media


def test_preference_refuses_a_foreign_redirect_and_a_missing_token(app: Flask) -> None:
    reference = _file(app, COMMONS_FILE)
    client = _specialist(app)
    assert client.post("/preferences/media", data={"reveal_media": "y"}).status_code == 400
    parser = FormParser()
    parser.feed(client.get(f"/queue/{reference}").text)
    response = client.post(
        "/preferences/media",
        data={"csrf_token": parser.fields["csrf_token"], "next": "//evil.example/"},
    )
    assert response.location == "/queue"
