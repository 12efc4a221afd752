"""bots/upload_watcher.py against the local MediaWiki: uploads matched against a hash bank.

Images made here with Pillow are uploaded to the local wiki through its API: an exact
copy, a resized and re-encoded copy and a mirrored copy of a banked image, and an
unrelated image. The watcher runs as its own process, as on Toolforge, reads the
wiki's thumbnails (scaled by GD) and must raise one restricted alert for each copy and
none for the unrelated image, by polling and by following the local EventStreams,
across a kill -9 and restarts.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventstreams_server import EventStreamsServer, log_event
from PIL import ImageOps
from sqlalchemy import Engine, select
from uploading import Uploader, encoded, picture

from devwiki import DevWiki
from tools.base import clock
from tools.base.db import session_factory, transaction
from tools.models import Alert, Case, Severity
from tools.patrol import hash_banks
from tools.patrol.image_hashes import hash_image

REPOSITORY = Path(__file__).resolve().parents[1]
WIKI = "devwiki"

pytestmark = pytest.mark.integration


class Watcher:
    """``python -m bots.upload_watcher`` as its own process."""

    def __init__(self, folder: Path, url: str, devwiki: DevWiki, stream: str) -> None:
        bot = devwiki.credentials.bot
        self.folder = folder
        self.env = os.environ | {
            "SAFETYDESK_DATABASE_URL": url,
            "SAFETYDESK_INSTANCE_PATH": str(folder),
            "SAFETYDESK_BOT_USERNAME": bot.login_name,
            "SAFETYDESK_BOT_PASSWORD": bot.bot_password,
            "SAFETYDESK_UPLOADS_WIKIS": WIKI,
            "SAFETYDESK_PATROL_API_URLS": json.dumps({WIKI: devwiki.api_url}),
            "SAFETYDESK_PATROL_EVENTSTREAMS_URL": stream,
            "PYTHONPATH": str(REPOSITORY),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with (self.folder / "watcher.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "bots.upload_watcher", *args],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bots.upload_watcher", "-once", *args],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        return output


def alerts_of(engine: Engine) -> dict[str, Alert]:
    with session_factory(engine)() as session:
        rows = session.scalars(select(Alert).where(Alert.wiki == WIKI)).all()
        for row in rows:
            session.expunge(row)
    return {row.page_title: row for row in rows}


@pytest.fixture
def eventstreams() -> Iterator[EventStreamsServer]:
    server = EventStreamsServer().start()
    yield server
    server.stop()


def upload_event(devwiki: DevWiki, title: str, user: str) -> dict:
    return log_event(
        wiki=WIKI,
        server_url=devwiki.url.rstrip("/"),
        log_type="upload",
        log_action="upload",
        log_params={"img_sha1": "", "img_timestamp": ""},
        title=title,
        namespace=6,
        user=user,
        at=clock.now(),
    )


# On SQLite only: the suite's time is short, and the same tables and queries are run on
# MariaDB by tests/test_pdq_hashes.py (banks, match alerts, the emergency case).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_copies_of_a_banked_image_raise_one_restricted_alert_each_across_restarts(
    devwiki: DevWiki, migrated: Engine, tmp_path: Path, eventstreams: EventStreamsServer
) -> None:
    tag = secrets.token_hex(3)
    banked = picture(1)
    with transaction(session_factory(migrated)) as session:
        image = hash_image(encoded(banked))
        hash_banks.load_bank(session, "Test CSAM bank", "child_safety", [(image.hash, None)])
    uploader = Uploader(devwiki)
    url = migrated.url.render_as_string(hide_password=False)
    watcher = Watcher(tmp_path, url, devwiki, eventstreams.url)
    assert "starting after upload log entry" in watcher.run()  # a first run starts now

    exact = uploader.upload(f"Exact {tag}.png", encoded(banked))
    resized = uploader.upload(
        f"Resized {tag}.jpg", encoded(banked.resize((640, 480)), "JPEG", quality=70)
    )
    output = watcher.run("-simulate")
    assert output.count("Would raise an alert") == 2 and alerts_of(migrated) == {}

    watcher.run()
    found = alerts_of(migrated)
    assert set(found) == {exact, resized}
    for alert in found.values():
        assert alert.restricted and alert.category == "hash_child_safety"
        assert alert.author == uploader.name and alert.rules[0]["bank"] == "Test CSAM bank"
        assert alert.rules[0]["distance"] <= 31 and alert.case_id is not None

    mirrored = uploader.upload(f"Mirrored {tag}.jpg", encoded(ImageOps.mirror(banked), "JPEG"))
    unrelated = uploader.upload(f"Unrelated {tag}.png", encoded(picture(2)))
    eventstreams.add(upload_event(devwiki, mirrored, uploader.name))
    eventstreams.add(upload_event(devwiki, unrelated, uploader.name))
    running = watcher.start("-stream", "-poll:600")
    try:
        deadline = time.monotonic() + 90
        while mirrored not in alerts_of(migrated) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        running.kill()  # kill -9: no clean exit
        running.wait(10)
    assert mirrored in alerts_of(migrated), (tmp_path / "watcher.log").read_text()

    watcher.run("-stream", "-idle:3")  # resumes from the last event id
    watcher.run()
    found = alerts_of(migrated)
    assert set(found) == {exact, resized, mirrored}  # once each; the unrelated image none
    assert found[mirrored].rules[0]["transform"] != "original"
    with session_factory(migrated)() as session:
        emergencies = session.scalars(select(Case).where(Case.severity == Severity.EMERGENCY))
        assert sorted(case.restricted for case in emergencies) == [True, True, True]
