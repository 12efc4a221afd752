"""Hash banks: loading them, the local bank fed from cases, and matching an image.

A bank file is what HMA and ThreatExchange exchange: one PDQ hash (64 hex digits) a
line, optionally followed by a comma, tab or space and a label; blank lines and ``#``
comments are skipped. A bank has a category (:class:`BankCategory`) and is restricted
by default: its matches open only for restricted specialists. The tool shows a bank's
name, category and size, never its hashes or labels.

The local bank (one per category) holds hashes a restricted specialist took from a
restricted case's evidence: an image hashed in memory, never stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tools.base.messages import N_, TranslatableError
from tools.cases.timeline import add_event
from tools.models import (
    AdminEvent,
    Audience,
    BankCategory,
    BankHash,
    Case,
    Category,
    HashBank,
    User,
)
from tools.patrol.hash_index import DEFAULT_THRESHOLD, BadHash, HashIndex, parse_hash, to_words
from tools.patrol.image_hashes import DIHEDRAL, ImageHash

#: Categories whose banks are restricted whatever the file says.
ALWAYS_RESTRICTED = frozenset({BankCategory.CHILD_SAFETY, BankCategory.INTIMATE_IMAGE})
#: The local bank of each case category (what a case's evidence is about).
LOCAL_CATEGORY = {
    Category.CHILD_PROTECTION: BankCategory.CHILD_SAFETY,
    Category.PRIVACY: BankCategory.DOXXING,
}
NAME_MAX = 100
LABEL_MAX = 255
_SEPARATOR = re.compile(r"[,\t ]+")


class BankError(TranslatableError):
    """A bank file or a bank change that cannot be taken; the message says why."""


def parse_bank_file(text: str) -> list[tuple[str, str | None]]:
    """(hash, label) of each line of a bank file; the first bad line is an error naming it."""
    found: dict[str, str | None] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first, *rest = _SEPARATOR.split(line, maxsplit=1)
        try:
            pdq = parse_hash(first).hex()
        except BadHash:
            raise BankError(
                N_("Line %(line)s is not a PDQ hash (64 hexadecimal digits)."), line=str(number)
            ) from None
        label = rest[0].strip()[:LABEL_MAX] if rest and rest[0].strip() else None
        found.setdefault(pdq, label)
    return list(found.items())


def load_bank(
    session: Session,
    name: str,
    category: BankCategory | str,
    entries: Sequence[tuple[str, str | None]],
    *,
    restricted: bool = True,
    actor: User | None = None,
) -> HashBank:
    """Create the bank ``name`` or replace its hashes with ``entries``; an audit event says so.

    Child-safety and intimate-image banks are restricted whatever ``restricted`` says.
    """
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise BankError(N_("A bank needs a name of at most 100 characters."))
    category = BankCategory(category)
    bank = session.scalars(select(HashBank).where(HashBank.name == name)).one_or_none()
    if bank is None:
        bank = HashBank(name=name, category=category, local=False, size=0)
        session.add(bank)
        session.flush()
    elif bank.local:
        raise BankError(N_("The local bank is fed from cases, not from files."))
    bank.category = category
    bank.restricted = restricted or category in ALWAYS_RESTRICTED
    session.execute(delete(BankHash).where(BankHash.bank_id == bank.id))
    session.add_all(BankHash(bank_id=bank.id, pdq=pdq, label=label) for pdq, label in entries)
    bank.size = len(entries)
    session.add(
        AdminEvent(
            actor_id=actor.id if actor else None,
            action="hash-bank-loaded",
            data={"bank": name, "category": category.value, "size": bank.size},
        )
    )
    session.flush()
    return bank


def local_bank(session: Session, category: BankCategory) -> HashBank:
    """The local bank of ``category``, made on first use."""
    name = f"local: {category.value}"
    bank = session.scalars(select(HashBank).where(HashBank.name == name)).one_or_none()
    if bank is None:
        bank = HashBank(name=name, category=category, restricted=True, local=True, size=0)
        session.add(bank)
        session.flush()
    return bank


def add_local_hash(
    session: Session, case: Case, specialist: User, image: ImageHash, source: str
) -> HashBank:
    """Bank an evidence image's hash from a restricted case, so that re-uploads are caught.

    ``source`` says where the image came from (a file title, "an uploaded file"); it goes
    on the case's internal timeline with the bank, never the hash or the image.
    """
    if not case.restricted:
        raise BankError(N_("Only a restricted case's evidence goes into the local bank."))
    if not image.usable:
        raise BankError(N_("This image is too plain to be recognised again (PDQ quality too low)."))
    bank = local_bank(session, LOCAL_CATEGORY.get(case.category, BankCategory.OTHER))
    exists = session.scalar(
        select(BankHash.id).where(BankHash.bank_id == bank.id, BankHash.pdq == image.hash)
    )
    if exists is None:
        session.add(
            BankHash(
                bank_id=bank.id,
                pdq=image.hash,
                label=case.reference,
                case_id=case.id,
                added_by_id=specialist.id,
            )
        )
        bank.size += 1
    add_event(
        session,
        case,
        "hash-banked",
        specialist,
        Audience.INTERNAL,
        f"{source[:200]} → {bank.name}",
    )
    session.flush()
    return bank


def banks(session: Session) -> list[HashBank]:
    """Every bank, by name: what the tool shows of them (names, categories, sizes)."""
    return list(session.scalars(select(HashBank).order_by(HashBank.name)))


def banks_version(session: Session) -> tuple[int, int]:
    """Changes whenever a hash is added or removed: (count, highest id) of bank_hashes."""
    count, highest = session.execute(select(func.count(BankHash.id), func.max(BankHash.id))).one()
    return int(count or 0), int(highest or 0)


@dataclass(frozen=True)
class BankMatch:
    """A bank hash within the threshold of an image, through one of its transforms."""

    bank_id: int
    bank_hash_id: int
    distance: int
    transform: str


class BankMatcher:
    """Every bank's hashes in one index, to match each new upload in a few milliseconds."""

    def __init__(self, rows: Iterable[tuple[int, int, str]], version: tuple[int, int]) -> None:
        rows = list(rows)
        self.ids = np.array([row[0] for row in rows], dtype=np.int64)
        self.bank_ids = np.array([row[1] for row in rows], dtype=np.int64)
        self.index = HashIndex(to_words([row[2] for row in rows]))
        self.version = version

    @classmethod
    def load(cls, session: Session) -> BankMatcher:
        rows = session.execute(select(BankHash.id, BankHash.bank_id, BankHash.pdq)).all()
        return cls([tuple(row) for row in rows], banks_version(session))

    def __len__(self) -> int:
        return len(self.index)

    def match(self, image: ImageHash, threshold: int = DEFAULT_THRESHOLD) -> list[BankMatch]:
        """The nearest hash of each bank within ``threshold``, over the image's transforms."""
        hashes = image.dihedral or (image.hash,)
        found = self.index.search_any(to_words(hashes), threshold)
        best: dict[int, BankMatch] = {}
        for match, number in found:  # nearest first
            bank_id = int(self.bank_ids[match.row])
            if bank_id not in best:
                transform = DIHEDRAL[number] if image.dihedral else DIHEDRAL[0]
                best[bank_id] = BankMatch(
                    bank_id, int(self.ids[match.row]), match.distance, transform
                )
        return list(best.values())


def valid_hash(text: str) -> str:
    """A hash as stored (lower-case hex), or a :class:`BankError`."""
    try:
        return parse_hash(text).hex()
    except BadHash:
        raise BankError(N_("That is not a PDQ hash (64 hexadecimal digits).")) from None
