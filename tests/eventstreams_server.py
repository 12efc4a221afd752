"""The local EventStreams, kept in devwiki/eventstreams.py so that bench/ uses it too."""

from devwiki.eventstreams import (
    IDLE_TOPIC,
    PATH,
    RC_ID_BASE,
    TOPIC,
    EventStreamsServer,
    canary,
    event_id,
    log_event,
    recentchange,
)

__all__ = [
    "IDLE_TOPIC",
    "PATH",
    "RC_ID_BASE",
    "TOPIC",
    "EventStreamsServer",
    "canary",
    "event_id",
    "log_event",
    "recentchange",
]
