"""Match alerts, banks and the local bank in the web tool (flaskapp/hash_matches.py).

A restricted specialist opens a match alert: banks, distance, uploader, no image in
sight (the file is behind a closed <details>); a plain specialist is refused the alert
and the file. The banks page shows names and sizes, never a hash or a label. From a
restricted case, an evidence image uploaded by the specialist is hashed in memory into
the local bank; every look at a match is an audit event.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from conftest import signed_in_client
from flask import Flask
from PIL import Image, ImageDraw
from sqlalchemy import select

from flaskapp.context import sessions
from tools import cases
from tools.base.config import load_settings
from tools.models import AdminEvent, BankHash, Category, HashBank
from tools.patrol import hash_banks, upload_matches
from tools.patrol.hash_banks import BankMatch
from tools.patrol.uploads import Upload

SECRET_LABEL = "label-that-must-not-show"


def png(seed: int) -> bytes:
    image = Image.new("RGB", (300, 200), (seed * 40 % 256, 90, 160))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.ellipse(
            (n * 23 % 280, n * 37 % 180, n * 23 % 280 + 60, n * 37 % 180 + 40), fill=n * 20
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _match(app: Flask) -> tuple[int, str]:
    """A bank with one hash and an upload alerted as matching it: (alert id, the hash)."""
    pdq = "f" * 32 + "0" * 32
    with sessions(app)() as session, session.begin():
        bank = hash_banks.load_bank(session, "Doxxing set", "doxxing", [(pdq, SECRET_LABEL)])
        upload = Upload("enwiki", 42, "File:House.jpg", "Doxxer", "2026-12-03T08:00:00Z")
        alert = upload_matches.raise_match_alert(
            session,
            upload,
            [BankMatch(bank.id, 1, 3, "flip-horizontal")],
            {bank.id: bank},
            load_settings(database_url="sqlite://"),
            "https://en.wikipedia.org/wiki/File:House.jpg",
        )
        assert alert is not None
        return alert.id, pdq


def test_a_match_opens_for_restricted_specialists_only_and_never_shows_the_hash(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    alert_id, pdq = _match(app)
    restricted = signed_in_client(app, "Restricted One", ["user"], ["restricted-specialist"])
    page = restricted.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Doxxing set" in page and "3 of 256 bits" in page and "mirrored" in page
    assert "Doxxer" in page and "not globally locked" in page
    assert pdq not in page and SECRET_LABEL not in page
    # The only image is the lazy one inside the closed <details>: nothing is shown unasked.
    images = re.findall(r"<img[^>]*>", page)
    assert len(images) == 1 and 'loading="lazy"' in images[0]
    assert re.search(r"<details class=\"sd-media sd-match-file\">", page)  # closed

    plain = signed_in_client(app, "Plain One", ["user"], ["specialist"])
    assert plain.get(f"/alerts/{alert_id}").status_code == 403
    assert plain.get(f"/alerts/{alert_id}/file").status_code == 403
    assert f"/alerts/{alert_id}" not in plain.get("/alerts").get_data(as_text=True)

    banks = plain.get("/alerts/banks").get_data(as_text=True)
    assert "Doxxing set" in banks and pdq not in banks and SECRET_LABEL not in banks
    with sessions(app)() as session:
        actions = session.scalars(select(AdminEvent.action)).all()
        assert "hash-match-viewed" in actions


def test_a_restricted_case_banks_an_uploaded_evidence_image_without_keeping_it(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    client = signed_in_client(app, "Restricted Two", ["user"], ["restricted-specialist"])
    with sessions(app)() as session, session.begin():
        request = cases.NewRequest(Category.CHILD_PROTECTION, "Abuse images", "Re-uploaded.")
        reference = cases.file_request(
            session, None, request, load_settings(database_url="sqlite://")
        ).reference
    page = client.get(f"/queue/{reference}").get_data(as_text=True)
    assert "Add its hash to the local bank" in page
    answer = client.post(
        f"/queue/{reference}/hash-bank",
        data={"image": (io.BytesIO(png(3)), "evidence.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "re-uploads will be caught" in answer.get_data(as_text=True)
    with sessions(app)() as session:
        bank = session.scalars(select(HashBank).where(HashBank.local.is_(True))).one()
        assert (bank.category.value, bank.size) == ("child_safety", 1)
        stored = session.scalars(select(BankHash)).one()
        assert len(stored.pdq) == 64 and stored.label == reference
    instance = app.config["SETTINGS"].instance_path
    assert not [p for p in instance.rglob("*") if p.suffix.lower() in (".png", ".jpg")]
