"""Reading the team's mailbox over IMAP, each message exactly once.

The position is (UIDVALIDITY, UID) of the last message stored, kept as the fetcher's
checkpoint (:mod:`tools.base.checkpoints`) and moved in the same transaction that
stores the message's case or thread entry. A crash (``kill -9``) before that commit
reads the message again; after it, never. A message is flagged ``\\Seen`` only after
its commit. When the server's UIDVALIDITY changes (the mailbox was rebuilt, its UIDs
mean other messages now) the fetcher reads the whole folder again, and the Message-ID
of each (unique in ``mail_messages``) keeps what was already filed from being filed
twice. The mailbox is never changed otherwise: nothing is moved or deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from imapclient import IMAPClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tools.base import checkpoints
from tools.base.config import Settings
from tools.base.db import transaction
from tools.mail.intake import Outcome, file_message
from tools.mail.parse import Incoming, read_message

log = logging.getLogger(__name__)

BOT = "mail_fetch"
#: Seconds /healthz allows between two heartbeats of the fetcher, when a mailbox is set.
HEALTH_SECONDS = 300
#: UIDs fetched per round trip of the message list.
BATCH = 50
TIMEOUT = 30


@dataclass
class FetchReport:
    outcomes: list[Outcome] = field(default_factory=list)
    rescanned: bool = False  # UIDVALIDITY changed: the folder was read again

    def count(self, outcome: str) -> int:
        return sum(1 for one in self.outcomes if one.outcome == outcome)


def connect(settings: Settings) -> IMAPClient:
    """A logged-in connection to the team's mailbox.

    imapclient logs the whole conversation at DEBUG (every message's text, the password):
    its loggers are held at INFO whatever the root level, so a debug run never logs mail.
    """
    for name in ("imapclient", "imapclient.imaplib"):
        logging.getLogger(name).setLevel(logging.INFO)
    client = IMAPClient(
        settings.mail_imap_host,
        port=settings.mail_imap_port,
        ssl=settings.mail_imap_ssl,
        timeout=TIMEOUT,
    )
    client.login(settings.mail_imap_username, settings.mail_imap_password.get_secret_value())
    return client


def fetch_new(
    factory: sessionmaker[Session], settings: Settings, client: IMAPClient
) -> FetchReport:
    """File every message after the checkpoint, in UID order; record a heartbeat."""
    folder = settings.mail_imap_folder
    selected = client.select_folder(folder)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    with factory() as session:
        position = checkpoints.load(session, BOT, folder) or {}
    report = FetchReport()
    last = 0
    if position.get("uidvalidity") == uidvalidity:
        last = int(position.get("uid", 0))
    elif position:
        report.rescanned = True
        log.warning("UIDVALIDITY of %s changed: reading it again, skipping what is stored", folder)
    uids = sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        sizes = client.fetch(batch, ["RFC822.SIZE"])
        for uid in batch:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            outcome = _fetch_one(factory, settings, client, (uidvalidity, uid), size)
            report.outcomes.append(outcome)
    with transaction(factory) as session:
        checkpoints.save(session, BOT, folder, None)  # the heartbeat, idle or not
    return report


def _fetch_one(
    factory: sessionmaker[Session],
    settings: Settings,
    client: IMAPClient,
    position: tuple[int, int],
    size: int,
) -> Outcome:
    uid = position[1]
    too_big = size > settings.mail_max_message_bytes
    part = b"BODY[HEADER]" if too_big else b"BODY[]"
    fetched = client.fetch([uid], [part.replace(b"BODY", b"BODY.PEEK").decode()])
    raw = bytes(fetched.get(uid, {}).get(part, b"") or b"")
    incoming = read_message(raw, settings.mail_authserv_id, size=size if too_big else None)
    try:
        outcome = _store(factory, settings, incoming, raw, position)
    except OperationalError:
        raise  # the database is away: the next pass reads this message again
    except Exception as err:  # a message that breaks filing is still filed
        # The error's type only: its text may quote the message (SQL parameters).
        log.error("mail UID %s not filed as read (%s): filing it raw", uid, type(err).__name__)
        plain = Incoming(message_id=incoming.message_id, size=size, unreadable=True)
        plain.from_address = incoming.from_address
        plain.problems.append(f"could not be filed as read ({type(err).__name__})")
        outcome = _store(factory, settings, plain, raw, position)
    client.add_flags([uid], [b"\\Seen"])  # only once its case is committed
    log.info("mail UID %s: %s %s", uid, outcome.outcome, outcome.case or "")
    return outcome


def _store(
    factory: sessionmaker[Session],
    settings: Settings,
    incoming: Incoming,
    raw: bytes,
    position: tuple[int, int],
) -> Outcome:
    """The message and the checkpoint after it, in one transaction."""
    with transaction(factory) as session:
        outcome = file_message(session, settings, incoming, raw, position)
        checkpoints.save(
            session,
            BOT,
            settings.mail_imap_folder,
            {"uidvalidity": position[0], "uid": position[1]},
        )
    return outcome
