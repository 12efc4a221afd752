"""The spool's fallback alert, sent beside the intake request instead of inside it.

When the database fails, a ReportIncident report is spooled and someone must be told.
The outbox cannot carry that mail (it lives in the database that failed), and sending
it in the request held the extension's call for up to the SMTP timeout (10 s). So the
request only asks for an alert and answers; a thread of the web process sends it.

The queue holds one request: while a mail waits, more reports add nothing but a count,
which is read when the mail goes, so an outage with a flood of reports sends one mail
at a time, never a thread or a mail per report. A process that dies before the mail
goes loses the mail, never the report: that is on disk, and filed when the database
answers again.
"""

from __future__ import annotations

import logging
import queue
import threading

from tools.base.config import Settings
from tools.intake import spool

log = logging.getLogger(__name__)


class SpoolAlerts:
    """Sends :func:`tools.intake.spool.alert` from a thread of its own, one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._wanted: queue.Queue[None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0

    def request(self) -> bool:
        """Ask for an alert and return at once; False when one already waits to be sent."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="spool-alerts", daemon=True)
                self._thread.start()
        try:
            self._wanted.put_nowait(None)
        except queue.Full:
            return False
        return True

    def _run(self) -> None:
        while True:
            self._wanted.get()
            try:
                count = spool.waiting(self.settings)
                # None left: the reports were filed meanwhile, there is nothing to tell.
                if count and spool.alert(self.settings, count):
                    self.sent += 1
            except Exception:  # the thread must live on for the next report
                log.exception("the spool's fallback alert failed")
