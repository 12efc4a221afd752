"""Hash bank matches for restricted specialists: the alert, the file behind a click, the banks.

A match alert shows the banks, the distance, the file page and the uploader with their
global lock status; never a thumbnail. The file opens only on an explicit click: the
page holds a closed ``<details>`` whose lazy image (not fetched while closed) comes from
:func:`match_file`, which asks the wiki for a small thumbnail and passes it on without
keeping it (so the browser loads nothing from another host); it is blurred and
greyscale as the wellness settings say. Only restricted specialists may open a matched
file, and every look at a match or its file is an audit event (``admin_events``).

The banks page lists names, categories and sizes only. From a restricted case, a
restricted specialist banks an evidence image: a file of the case's wiki, or a file
they upload, hashed in memory and never stored (:func:`bank_evidence`).
"""

from __future__ import annotations

import io

import requests
from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from PIL import Image
from wtforms import StringField
from wtforms.validators import Length, Optional

from flaskapp.access import current_user_row, requires
from flaskapp.context import db, settings
from flaskapp.queue.blueprint import case_or_404
from tools.base.messages import N_
from tools.locks import lock_statuses
from tools.models import AdminEvent, Alert
from tools.patrol import alerts, hash_banks, uploads
from tools.patrol.image_hashes import ImageHashError, hash_image
from tools.patrol.upload_matches import is_match_alert
from tools.people.roles import Permission
from tools.wiki.wikis import UnknownWiki, wiki_by_dbname

bp = Blueprint("hashes", __name__)

#: The width of the thumbnail a specialist may open.
VIEW_WIDTH = 320
#: The largest evidence file a specialist may upload to be hashed (bytes).
EVIDENCE_MAX = 20_000_000
BANK_CATEGORY_LABELS = {
    "child_safety": lazy_gettext("Child safety"),
    "intimate_image": lazy_gettext("Intimate image"),
    "doxxing": lazy_gettext("Doxxing"),
    "other": lazy_gettext("Other"),
}
TRANSFORM_LABELS = {
    "original": lazy_gettext("as uploaded"),
    "rotate-90": lazy_gettext("rotated 90°"),
    "rotate-180": lazy_gettext("rotated 180°"),
    "rotate-270": lazy_gettext("rotated 270°"),
    "flip-vertical": lazy_gettext("flipped vertically"),
    "flip-horizontal": lazy_gettext("mirrored"),
    "rotate-90-flip-vertical": lazy_gettext("rotated and flipped"),
    "rotate-90-flip-horizontal": lazy_gettext("rotated and mirrored"),
}
TOO_LARGE = N_("The image is too large to hash.")
UNREADABLE = N_("That file could not be read from the case's wiki.")
NOTHING = N_("Give a file of the wiki or an image.")
_MIMES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class EvidenceForm(FlaskForm):
    title = StringField(
        lazy_gettext("A file of the wiki (File:…)"), validators=[Optional(), Length(max=255)]
    )
    image = FileField(lazy_gettext("Or an image from your computer (never stored)"))


def _audit(action: str, alert: Alert) -> None:
    db().add(AdminEvent(actor_id=current_user_row().id, action=action, data={"alert": alert.id}))
    db().commit()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["hash_evidence_form"] = EvidenceForm


def render_match(alert: Alert, context: dict[str, object]) -> str:
    """The page of a match alert (its access already checked by the alerts blueprint)."""
    _audit("hash-match-viewed", alert)
    status = (
        lock_statuses(db(), [alert.author], include_suppressed=False).get(alert.author)
        if alert.author
        else None
    )
    page_url = alert.excerpt.rpartition(" · ")[2]
    return render_template(
        "alerts/match.html",
        alert=alert,
        matches=alert.rules or [],
        lock_status=status,
        page_url=page_url if page_url.startswith(("http://", "https://")) else None,
        bank_categories=BANK_CATEGORY_LABELS,
        transforms=TRANSFORM_LABELS,
        **context,
    )


def _api_url(wiki: str) -> str | None:
    if wiki in settings().patrol_api_urls:
        return settings().patrol_api_urls[wiki]
    try:
        return wiki_by_dbname(wiki).api_url
    except UnknownWiki:
        return None


def _thumbnail(wiki: str, title: str) -> bytes | None:
    """A small thumbnail of the file, fetched now and never kept; None if unavailable."""
    api_url = _api_url(wiki)
    if api_url is None:
        return None
    params = uploads.imageinfo_params(title) | {"iiurlwidth": VIEW_WIDTH, "format": "json"}
    agent = settings().user_agent
    try:
        answer = requests.get(
            api_url, params=params, headers={"User-Agent": agent}, timeout=uploads.FETCH_TIMEOUT
        ).json()
        pages = answer.get("query", {}).get("pages", [])
        info = uploads.file_info(pages[0]) if pages else None
        if uploads.skip_reason(info) is not None or info is None:
            return None
        return uploads.fetch_capped(uploads.thumbnail_url(info), agent)
    except (uploads.FetchError, requests.RequestException, ValueError):
        return None


@bp.get("/alerts/<int:alert_id>/file")
@requires(Permission.VIEW_RESTRICTED_CASES)
def match_file(alert_id: int) -> Response:
    """The matched file, small, for a restricted specialist who clicked to see it."""
    alert = alerts.get_alert(db(), alert_id)
    if alert is None or not is_match_alert(alert):
        abort(404)
    _audit("hash-match-file-viewed", alert)
    data = _thumbnail(alert.wiki, alert.page_title)
    try:
        kind = Image.open(io.BytesIO(data)).format if data else None
    except (OSError, ValueError):
        kind = None
    if data is None or kind not in _MIMES:
        abort(404)
    response = Response(data, mimetype=_MIMES[kind])
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/alerts/banks")
@requires(Permission.VIEW_ALERTS)
def banks() -> str:
    return render_template(
        "alerts/banks.html",
        banks=hash_banks.banks(db()),
        bank_categories=BANK_CATEGORY_LABELS,
    )


@bp.post("/queue/<reference>/hash-bank")
@requires(Permission.VIEW_RESTRICTED_CASES)
def bank_evidence(reference: str) -> Response:
    """Bank an evidence image's hash from a restricted case, hashed in memory only."""
    case = case_or_404(reference)
    form = EvidenceForm()
    back = redirect(url_for("queue.show", reference=case.reference) + "#hash-bank")
    if not form.validate_on_submit():
        flash(gettext("The form expired. Try again."), "error")
        return back
    title = (form.title.data or "").strip()
    upload = form.image.data
    try:
        if upload:
            data = upload.stream.read(EVIDENCE_MAX + 1)
            if len(data) > EVIDENCE_MAX:
                raise hash_banks.BankError(TOO_LARGE)
            source = gettext("an uploaded file")
        elif title:
            wiki = case.wikis[0].wiki if case.wikis else ""
            data = _thumbnail(wiki, title if ":" in title else f"File:{title}") or b""
            source = title
            if not data:
                raise hash_banks.BankError(UNREADABLE)
        else:
            raise hash_banks.BankError(NOTHING)
        image = hash_image(data)
        del data  # never stored
        bank = hash_banks.add_local_hash(db(), case, current_user_row(), image, source)
        db().commit()
    except (hash_banks.BankError, ImageHashError) as err:
        db().rollback()
        flash(gettext(err.message, **err.variables), "error")
        return back
    flash(gettext("Its hash is in the bank %(bank)s: re-uploads will be caught.", bank=bank.name))
    return back
