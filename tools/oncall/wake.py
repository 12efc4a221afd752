"""Waking the on-call worker the moment a callout is queued (Redis pub/sub).

The worker polls the database every ``--poll`` seconds, so a callout queued just after
a pass waited that long before its mail went out. Where Redis is configured, the
transaction that queues a callout publishes on :data:`CHANNEL` once it has committed,
and the worker, which listens between passes, starts its next pass at once. The poll
stays as the fallback: nothing is kept in Redis, so a lost message (Redis down or
restarting, the worker reconnecting) costs at most one poll interval, never a callout.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from tools.base.config import Settings

log = logging.getLogger(__name__)

CHANNEL = "safetydesk:oncall:wake"
_PENDING = "oncall_wake_pending"  # Session.info: a publication waits for the commit
#: How long one wait on Redis lasts, so that a stop request is heard within it.
SLICE = 0.5
#: Seconds to wait for Redis to accept a connection or answer.
TIMEOUT = 2.0


def redis_url(settings: Settings) -> str | None:
    """SAFETYDESK_REDIS_URL, else the rate limits' storage when it is a Redis; else None."""
    if settings.redis_url:
        return settings.redis_url
    storage = settings.ratelimit_storage_url
    if storage.startswith(("redis://", "rediss://", "unix://")):
        return storage
    return None


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)


def wake_after_commit(session: Session, settings: Settings) -> None:
    """Wake the worker once the session's transaction commits (nothing if it rolls back)."""
    url = redis_url(settings)
    if url is None or session.info.get(_PENDING):
        return
    session.info[_PENDING] = True

    def publish(committed: Session) -> None:
        if committed.info.pop(_PENDING, None):
            _publish(url)

    def forget(rolled_back: Session, *_: Any) -> None:
        rolled_back.info.pop(_PENDING, None)

    event.listen(session, "after_commit", publish, once=True)
    event.listen(session, "after_soft_rollback", forget, once=True)


def _publish(url: str) -> None:
    try:
        _client(url).publish(CHANNEL, b"callout")
    except redis.RedisError as err:  # the poll finds the callout anyway
        log.warning("could not wake the on-call worker through Redis: %s", err)


class Waker:
    """The worker's wait between passes: the poll interval, cut short by a wake message."""

    def __init__(self, settings: Settings) -> None:
        self.url = redis_url(settings)
        self._pubsub: Any = None

    @property
    def listening(self) -> bool:
        return self._pubsub is not None

    def subscribe(self) -> bool:
        """Listen on the channel; False (poll only) when there is no Redis or it is down."""
        if self.url is None:
            return False
        if self._pubsub is None:
            try:
                pubsub = _client(self.url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
            except redis.RedisError as err:
                log.warning("on-call worker: Redis unavailable (%s); polling only", err)
                return False
            self._pubsub = pubsub
        return True

    def wait(self, seconds: float, stop: Callable[[], bool]) -> bool:
        """Wait up to ``seconds``; True when a wake message came, False after the poll or stop."""
        self.subscribe()
        until = time.monotonic() + seconds
        while not stop() and (left := until - time.monotonic()) > 0:
            if self._pubsub is None:
                time.sleep(min(left, SLICE))
                continue
            try:
                message = self._pubsub.get_message(timeout=min(left, SLICE))
            except (redis.RedisError, OSError) as err:
                log.warning("on-call worker: Redis connection lost (%s); polling", err)
                self.close()
                continue
            if message is not None:
                self._drain()
                return True
        return False

    def _drain(self) -> None:
        """One pass serves every callout queued so far: drop the other waiting messages."""
        try:
            while self._pubsub.get_message(timeout=0) is not None:
                pass
        except (redis.RedisError, OSError):
            self.close()

    def close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(redis.RedisError, OSError):
                self._pubsub.close()
            self._pubsub = None
