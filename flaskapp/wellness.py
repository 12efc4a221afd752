"""Reviewer wellness: evidence images on a case page are never shown by surprise.

An evidence link that points at an image or video of a wiki (a ``File:`` page in any
language, an ``upload.wikimedia.org`` URL, a link ending in a media extension) shows at
most a 200-pixel thumbnail, behind a deliberate click, and blurred and greyscale until a
second click unless the specialist chose otherwise (``User.reveal_media``). Evidence of
child-protection (or any restricted) case is a link only, never an image.

No script (the Content-Security-Policy allows none): the first click opens a ``<details>``
whose thumbnail is ``loading="lazy"`` (browsers do not fetch a lazy image that is not
rendered, and a closed ``<details>`` renders nothing), the second ticks a checkbox whose
``:checked`` state lifts the CSS filter (``safetydesk.css``).

Thumbnails come from the evidence's own wiki (``Special:FilePath/<name>?width=200``, which
redirects to ``upload.wikimedia.org``). Only the page that shows one widens ``img-src``, and
only by those hosts (:func:`media_hosts_for_csp`, read by :mod:`flaskapp.security`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, abort, flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField

from flaskapp.access import current_user, requires
from flaskapp.context import db
from flaskapp.security import EXTRA_IMG_SRC
from tools.models import Case, Category, EvidenceLink
from tools.people.accounts import user_by_id
from tools.people.roles import Permission
from tools.wiki import wikis

bp = Blueprint("wellness", __name__, url_prefix="/preferences")

UPLOAD_HOST = "upload.wikimedia.org"
FILE_NAMESPACE = 6
THUMB_WIDTH = 200
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "gif", "webp", "svg", "tif", "tiff", "bmp", "xcf", "heic", "avif"}
)
VIDEO_EXTENSIONS = frozenset({"webm", "ogv", "mp4", "mpg", "mpeg", "mov", "mkv", "avi"})


@dataclass(frozen=True)
class Media:
    """How one evidence link is shown: ``link`` (not media), ``withheld``, or ``media``."""

    mode: str
    video: bool = False
    thumbnail: str | None = None  # None: a placeholder and the link, no image


class PreferenceForm(FlaskForm):
    reveal_media = BooleanField()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["evidence_media"] = evidence_media
    app.jinja_env.globals["media_preference_form"] = preference_form


def _extension(path: str) -> str:
    name = unquote(path.rsplit("/", 1)[-1])
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _wiki_of(link: EvidenceLink) -> wikis.Wiki | None:
    if not link.wiki:
        return None
    try:
        return wikis.wiki_by_dbname(link.wiki)
    except wikis.UnknownWiki:
        return None


def _file_name(link: EvidenceLink, wiki: wikis.Wiki | None) -> str | None:
    """The file's name without prefix when the link is about a File: page, else None."""
    if not link.page_title:
        return None
    try:
        title = wikis.parse_title(wiki, link.page_title)
    except wikis.InvalidTitle:
        return None
    return title.text if title.namespace == FILE_NAMESPACE else None


def classify(link: EvidenceLink, case: Case) -> Media:
    """What the case page may show for this evidence link (pure: no request needed)."""
    parts = urlsplit(link.url)
    host = (parts.hostname or "").lower()
    wiki = _wiki_of(link)
    name = _file_name(link, wiki)
    extension = _extension(name or parts.path)
    is_media = (
        name is not None or host == UPLOAD_HOST or extension in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
    )
    if not is_media:
        return Media("link")
    video = extension in VIDEO_EXTENSIONS
    if case.category == Category.CHILD_PROTECTION or case.restricted:
        return Media("withheld", video)
    if name is not None and wiki is not None:
        # MediaWiki draws a still of a video as well: the thumbnail is an image either way.
        path = f"{wiki.article_url}Special:FilePath/{wikis.url_title(name)}"
        return Media("media", video, f"{path}?width={THUMB_WIDTH}")
    if host == UPLOAD_HOST and extension in IMAGE_EXTENSIONS:
        return Media("media", False, _upload_thumbnail(link.url))
    return Media("media", video)  # a placeholder with the link: no host to trust for it


def _upload_thumbnail(url: str) -> str | None:
    """A thumbnail already (``/thumb/…/200px-x.jpg``) or the original: show only thumbnails."""
    parts = urlsplit(url)
    return url if "/thumb/" in parts.path and parts.scheme == "https" else None


def thumbnail_hosts(thumbnail: str) -> set[str]:
    """Hosts an ``<img>`` of this thumbnail loads from: its own, and the redirect to uploads."""
    parts = urlsplit(thumbnail)
    hosts = {f"{parts.scheme}://{parts.netloc}"}
    if parts.netloc != UPLOAD_HOST and parts.scheme == "https":
        hosts.add(f"https://{UPLOAD_HOST}")  # Special:FilePath redirects there
    return hosts


def evidence_media(link: EvidenceLink, case: Case) -> Media:
    """Template helper: classify, and note the hosts the response's img-src must allow."""
    media = classify(link, case)
    if media.thumbnail:
        g.setdefault(EXTRA_IMG_SRC, set()).update(thumbnail_hosts(media.thumbnail))
    return media


def media_hosts_for_csp() -> list[str]:
    """Hosts of the thumbnails this response shows (empty outside a case page)."""
    return sorted(g.get(EXTRA_IMG_SRC, ()))


def reveal_by_default() -> bool:
    user = current_user()
    return bool(user and user_by_id(db(), user.id).reveal_media)


def preference_form() -> PreferenceForm:
    return PreferenceForm(formdata=None, data={"reveal_media": reveal_by_default()})


@bp.post("/media")
@requires(Permission.VIEW_QUEUE)
def set_media_preference() -> Response:
    form = PreferenceForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user()
    assert user is not None
    user_by_id(db(), user.id).reveal_media = bool(form.reveal_media.data)
    db().commit()
    flash(gettext("Your preference for evidence images was saved."), "success")
    target = request.form.get("next", "")
    # Only back to a page of this tool (no open redirect).
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = url_for("queue.index")
    return redirect(target)
