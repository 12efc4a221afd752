"""Where a bot stopped reading a stream, and when it last showed signs of life.

Each bot (the lock logger, the noticeboard patrol) keeps one ``bot_checkpoints`` row
per stream it reads. The bots differ only in what a position holds (a log entry's
time and id, a revision id, a report's day), so reading and moving a checkpoint is
done here, once. Call :func:`save` in the transaction that stores what was read up
to the position: a restart then neither misses nor repeats anything. The health
check reads the heartbeats (:mod:`tools.base.health`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tools.base import clock
from tools.models import BotCheckpoint


def find(session: Session, bot: str, stream: str) -> BotCheckpoint | None:
    """The checkpoint row of ``bot``'s ``stream``, or None when it never saved one."""
    return session.scalars(
        select(BotCheckpoint).where(BotCheckpoint.bot == bot, BotCheckpoint.stream == stream)
    ).one_or_none()


def load(session: Session, bot: str, stream: str) -> dict[str, Any] | None:
    """The stored position (as saved, possibly empty), or None without a checkpoint."""
    checkpoint = find(session, bot, stream)
    return checkpoint.position if checkpoint else None


def save(session: Session, bot: str, stream: str, position: Mapping[str, Any] | None) -> None:
    """Move the checkpoint (None keeps it) and record a heartbeat: the bot is alive."""
    checkpoint = find(session, bot, stream)
    now = clock.now()
    if checkpoint is None:
        checkpoint = BotCheckpoint(bot=bot, stream=stream, position={}, heartbeat_at=now)
        session.add(checkpoint)
    if position is not None:
        checkpoint.position = dict(position)
        checkpoint.updated_at = now
    checkpoint.heartbeat_at = now
