"""Reports kept on disk while the database cannot store them, filed when it answers again.

The ReportIncident extension never retries: any error tells the reporter to e-mail
instead, and the report is gone from the wiki. So a report the database cannot take is
appended, one JSON line each, to a spool file (``O_APPEND`` under an exclusive
``flock``, then ``fsync``) before the extension is answered, and someone is told that it
waits, by a mail with nothing of the report in it.

:func:`replay` files the spooled reports as cases, exactly once: each is filed under its
submission key (:func:`tools.intake.reportincident.file_report`), so a report filed
before a replay was cut short is found, not filed again, and the file is emptied only
after every report in it is committed. The on-call worker replays on each pass, the
intake after each report it stores, and ``safetydesk intake replay`` on demand. A line
no replay can read is kept aside in ``<spool>.rejected`` with the time it was put there,
and deleted once older than the retention period (:func:`forget_rejected`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tools.base.clock import now
from tools.base.config import Settings
from tools.base.db import transaction
from tools.base.notify import MailError, send_mail
from tools.intake import reportincident

log = logging.getLogger(__name__)

FILE_NAME = "reportincident-spool.jsonl"


@dataclass
class Replayed:
    """What a replay did: references filed (or found filed), reports still waiting."""

    filed: list[str] = field(default_factory=list)
    waiting: int = 0
    rejected: int = 0


def spool_path(settings: Settings) -> Path:
    return settings.reportincident_spool or Path(settings.instance_path) / FILE_NAME


@contextmanager
def _locked(path: Path, flags: int) -> Iterator[IO[str]]:
    """The spool opened with ``flags`` (0600) under an exclusive lock: one writer at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, flags | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+" if flags & os.O_RDWR else "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def append(settings: Settings, wiki: str, request: dict[str, Any], received_at: datetime) -> int:
    """Keep one report durably; return how many reports now wait (this one included)."""
    entry = {"wiki": wiki, "received_at": received_at.isoformat(), "request": request}
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    path = spool_path(settings)
    with _locked(path, os.O_WRONLY | os.O_APPEND) as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    _sync_folder(path.parent)
    return waiting(settings)


def waiting(settings: Settings) -> int:
    """How many reports wait in the spool (0 when there is none)."""
    try:
        with spool_path(settings).open(encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())
    except FileNotFoundError:
        return 0


def replay(factory: sessionmaker[Session], settings: Settings) -> Replayed:
    """File every spooled report once; stop (keeping them all) at the first database error."""
    done = Replayed()
    path = spool_path(settings)
    if not path.exists() or path.stat().st_size == 0:
        return done
    with _locked(path, os.O_RDWR) as handle:
        entries = [line for line in handle.read().splitlines() if line.strip()]
        for index, line in enumerate(entries):
            try:
                reference = _file(factory, settings, line)
            except SQLAlchemyError as err:
                log.warning("spool replay stopped, the database failed: %s", type(err).__name__)
                done.waiting = len(entries) - index
                return done
            if reference is None:
                _reject(path, line)
                done.rejected += 1
            else:
                done.filed.append(reference)
        handle.seek(0)
        handle.truncate()  # every report in it is committed (or kept aside): empty it
        handle.flush()
        os.fsync(handle.fileno())
    if done.filed:
        log.info("spool replay filed %d reports: %s", len(done.filed), ", ".join(done.filed))
    return done


def _file(factory: sessionmaker[Session], settings: Settings, line: str) -> str | None:
    """File one spooled report; its case's reference, or None if the line is unreadable."""
    try:
        entry = json.loads(line)
        wiki, request = entry["wiki"], entry["request"]
        received_at = datetime.fromisoformat(entry["received_at"])
        request = reportincident.read_payload(json.dumps({"request": request}).encode())
    except (ValueError, KeyError, TypeError, reportincident.InvalidReport):
        return None
    with transaction(factory) as session:
        case = reportincident.file_report(session, settings, wiki, request, received_at)
        return case.reference


def _reject(path: Path, line: str) -> None:
    """A line no replay can file (a torn write) is kept aside, dated, never dropped."""
    log.error("spool line unreadable, kept in %s.rejected", path.name)
    kept = json.dumps({"rejected_at": now().isoformat(), "line": line}, ensure_ascii=False)
    with _locked(_rejected_path(path), os.O_WRONLY | os.O_APPEND) as handle:
        handle.write(kept + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _rejected_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejected")


def forget_rejected(settings: Settings, cutoff: datetime) -> int:
    """Delete the lines kept in ``<spool>.rejected`` before ``cutoff``; return how many.

    A line written before lines were dated counts as old as the file's last change.
    """
    path = _rejected_path(spool_path(settings))
    if not path.exists():
        return 0
    with _locked(path, os.O_RDWR) as handle:
        changed = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
        lines = [line for line in handle.read().splitlines() if line.strip()]
        kept = [line for line in lines if _rejected_at(line, changed) >= cutoff]
        if len(kept) < len(lines):
            handle.seek(0)
            handle.truncate()
            handle.write("".join(line + "\n" for line in kept))
            handle.flush()
            os.fsync(handle.fileno())
    return len(lines) - len(kept)


def _rejected_at(kept: str, default: datetime) -> datetime:
    try:
        entry = json.loads(kept)
        return datetime.fromisoformat(entry["rejected_at"]).astimezone(UTC)
    except (ValueError, KeyError, TypeError, AttributeError):
        return default


def _sync_folder(folder: Path) -> None:
    """A new file's name is durable only once its folder is synced too."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def alert(settings: Settings, count: int) -> bool:
    """Tell the fallback address that reports wait; the mail says nothing of any report."""
    to = settings.reportincident_fallback_email
    if not to or not settings.smtp_host:
        log.error("%d ReportIncident reports wait in the spool; no fallback address", count)
        return False
    body = (
        "Safety Desk could not store a ReportIncident emergency report: the database did not "
        f"answer ({now():%Y-%m-%d %H:%M} UTC).\n\n"
        f"Reports waiting: {count}. They are kept on the tool's disk and become cases, "
        "and call out, as soon as the database answers again (the on-call worker does it, "
        "or run `safetydesk intake replay`).\n\n"
        "Check the database now. This mail carries nothing of the reports.\n\n— Safety Desk\n"
    )
    try:
        send_mail(settings, to, "[Safety Desk] Emergency report waiting: database down", body)
    except MailError as err:
        log.error("fallback alert not sent: %s", err)
        return False
    return True
