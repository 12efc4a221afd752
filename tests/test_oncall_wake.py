"""A queued callout wakes the on-call worker at once through Redis; its poll stays the fallback.

The worker runs as the Procfile runs it (``safetydesk oncall run --poll N``), in a
process of its own, against a real SQLite database and the local SMTP server; the
emergency is filed in this process, as the web tool or the patrol would file it. With
Redis the mail goes out well before the poll interval; without Redis, or with Redis
configured but down, filing an emergency never fails: the poll finds its callout (#24).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from conftest import Mailbox, unavailable
from sqlalchemy.orm import Session, sessionmaker

from tools import cases, oncall
from tools.base import clock
from tools.base.config import load_settings
from tools.base.db import make_engine, session_factory, transaction, upgrade
from tools.models import BotCheckpoint, Callout, CalloutStatus, Category, RoleGrant, User

REDIS = os.environ.get("SAFETYDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SAFETYDESK = Path(sys.executable).parent / "safetydesk"
DOWN = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def _redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        unavailable(f"Redis at {REDIS} does not answer: {err}")
    return REDIS


def _on_duty(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        user = User(username="Wake Oncall", email="wake.oncall@example.org")
        user.grants.append(RoleGrant(role="specialist"))
        session.add(user)
        session.flush()
        now = clock.now()
        oncall.add_shift(
            session, user.id, user.username, now - timedelta(hours=1), now + timedelta(hours=1)
        )


def _passes(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return session.query(BotCheckpoint).filter_by(bot=oncall.BOT).count() > 0


@pytest.mark.parametrize(
    ("wake", "poll"),
    [("redis", 30.0), ("no redis", 3.0)],
)
def test_a_queued_callout_is_mailed_at_once_with_redis_and_by_the_poll_without(
    wake: str, poll: float, tmp_path: Path, smtp_server: tuple[str, int, Mailbox]
) -> None:
    host, port, mailbox = smtp_server
    database_url = f"sqlite:///{tmp_path / 'safetydesk.sqlite3'}"
    engine = make_engine(database_url)
    upgrade(engine)
    factory = session_factory(engine)
    _on_duty(factory)
    values = {
        "database_url": database_url,
        "smtp_host": host,
        "smtp_port": port,
        "redis_url": _redis_or_skip() if wake == "redis" else "",
        "ratelimit_storage_url": "memory://",
    }
    settings = load_settings(**values)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYDESK_")} | {
        f"SAFETYDESK_{name.upper()}": str(value) for name, value in values.items()
    }
    worker = subprocess.Popen(
        [str(SAFETYDESK), "oncall", "run", "--poll", f"{poll:g}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts it slowly
        while not _passes(factory):  # its first pass is over: it waits for the next one
            assert worker.poll() is None and time.monotonic() < deadline, worker.stdout
            time.sleep(0.1)
        time.sleep(0.5)
        filed = time.monotonic()
        request = cases.NewRequest(category=Category.THREAT, title="Wake test", description="x")
        with transaction(factory) as session:
            reference = cases.file_request(session, None, request, settings).reference
        while not mailbox.messages and time.monotonic() - filed < poll + 30:
            time.sleep(0.05)
        waited = time.monotonic() - filed
        [mail] = mailbox.messages
        assert f"[{reference}]" in str(mail["Subject"])
        if wake == "redis":
            assert waited < poll / 3, f"the mail took {waited:.1f} s with a {poll:g} s poll"
        else:
            assert waited < poll + 5, f"the mail took {waited:.1f} s with a {poll:g} s poll"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
        engine.dispose()
    assert worker.returncode == 0, output
    assert ("woken through Redis" in output) == (wake == "redis"), output


def test_with_redis_down_an_emergency_is_still_filed_and_its_callout_queued(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'safetydesk.sqlite3'}"
    engine = make_engine(database_url)
    upgrade(engine)
    factory = session_factory(engine)
    _on_duty(factory)
    settings = load_settings(database_url=database_url, redis_url=DOWN)
    request = cases.NewRequest(category=Category.THREAT, title="Redis down", description="x")
    with transaction(factory) as session:
        reference = cases.file_request(session, None, request, settings).reference
    with factory() as session:
        [callout] = session.query(Callout).all()
        assert callout.status == CalloutStatus.PENDING
        assert callout.case.reference == reference
    engine.dispose()
