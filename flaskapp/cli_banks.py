"""``safetydesk banks``: load hash banks from files, list them (names and sizes only)."""

from __future__ import annotations

from pathlib import Path

import click

from tools.base import db
from tools.base.config import load_settings
from tools.models import BankCategory
from tools.patrol import hash_banks

#: A bank file larger than this is refused (a million hashes with labels is ~100 MB).
FILE_MAX = 200_000_000


@click.group("banks")
def banks() -> None:
    """PDQ hash banks that the upload watcher matches new uploads against."""


@banks.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The bank's name, shown to specialists.")
@click.option(
    "--category",
    required=True,
    type=click.Choice([category.value for category in BankCategory]),
    help="What the bank holds; child safety and intimate images are always restricted.",
)
@click.option(
    "--open", "open_", is_flag=True, help="Matches open for every specialist (default: restricted)."
)
def load(file: Path, name: str, category: str, open_: bool) -> None:
    """Create the bank NAME from FILE (one PDQ hash a line, optional label), or replace it."""
    if file.stat().st_size > FILE_MAX:
        raise click.ClickException(f"{file} is over {FILE_MAX} bytes")
    try:
        entries = hash_banks.parse_bank_file(file.read_text("utf-8", errors="replace"))
        engine = db.engine_from_settings(load_settings())
        with db.transaction(db.session_factory(engine)) as session:
            bank = hash_banks.load_bank(session, name, category, entries, restricted=not open_)
            size, restricted = bank.size, bank.restricted
    except hash_banks.BankError as err:
        raise click.ClickException(f"{file}: {err}") from None
    who = "restricted specialists" if restricted else "specialists"
    click.echo(f"{name}: {size} hashes ({category}; matches open for {who})")


@banks.command("list")
def list_banks() -> None:
    """Every bank with its category and size (never its hashes)."""
    engine = db.engine_from_settings(load_settings())
    with db.session_factory(engine)() as session:
        for bank in hash_banks.banks(session):
            flag = "restricted" if bank.restricted else "open"
            click.echo(f"{bank.name}\t{bank.category.value}\t{bank.size}\t{flag}")
