"""The ``safetydesk`` command: database migrations, the development server, the local wiki.

Each subcommand reads the settings first, so a bad setting stops it with one
line that names the setting (exit status 1) instead of a traceback.
"""

from __future__ import annotations

import os
from datetime import UTC, timedelta
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from devwiki.cli import devwiki
from flaskapp.cli_banks import banks
from flaskapp.cli_demo import SIGN_IN_MODES, demo_group, load_demo, with_local_wiki
from flaskapp.cli_triage import triage_group
from tools.base import db, logs
from tools.base.config import Settings, SettingsError, load_settings
from tools.oncall import listen_for_emergencies


class SafetyDeskGroup(click.Group):
    """Turns the errors an operator can fix into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as err:
            raise click.ClickException(str(err)) from None
        except OperationalError as err:
            raise click.ClickException(
                f"cannot use the database {_database_for_message()}: {err.orig}"
            ) from None


def _database_for_message() -> str:
    """The database URL without its password, for error messages."""
    try:
        return load_settings().database.render_as_string(hide_password=True)
    except SettingsError:
        return "(unknown)"


def _engine() -> Engine:
    """Migrations may run one long statement: no request-sized read timeout."""
    return db.engine_from_settings(load_settings(), read_timeout=db.MAINTENANCE_READ_TIMEOUT)


@click.group(cls=SafetyDeskGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Safety Desk: the Trust & Safety desk of the Wikimedia projects."""
    # Any command that files or raises an emergency calls out (tools.cases.emergency).
    listen_for_emergencies()


@cli.group("db")
def db_group() -> None:
    """Database migrations (SQLite or MariaDB, from SAFETYDESK_DATABASE_URL)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest).

    A new database of a demo desk (development, no OAuth consumer, SAFETYDESK_DEMO not 0)
    gets the demo data once: `make run` on a fresh clone shows a working desk.
    """
    engine = _engine()
    new = db.current_revision(engine) is None
    db.upgrade(engine, revision)
    click.echo(f"database at revision {db.current_revision(engine)}")
    settings = load_settings()
    if new and revision == "head" and settings.demo_sign_in:
        load_demo(engine, settings)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ("base" empties the database)."""
    engine = _engine()
    db.downgrade(engine, revision)
    click.echo(f"database at revision {db.current_revision(engine) or 'base'}")


@db_group.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is the latest."""
    engine = _engine()
    current = db.current_revision(engine) or "base"
    state = "latest" if db.is_current(engine) else f"behind {db.head_revision()}"
    click.echo(f"{current} ({state})")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, help="Reload on change, show tracebacks.")
def serve(host: str, port: int, debug: bool) -> None:
    """Run the development server (Toolforge runs gunicorn instead)."""
    from flaskapp import create_app

    settings = with_local_wiki(load_settings())
    engine = db.engine_from_settings(settings)
    if not db.is_current(engine):
        raise click.ClickException(
            "the database is not at the latest migration: run `safetydesk db upgrade` first"
        )
    click.echo(f"sign-in: {SIGN_IN_MODES[settings.sign_in_mode]}")
    create_app(settings).run(host=host, port=port, debug=debug)


@cli.group("locks")
def locks_group() -> None:
    """The global lock log that bots/lock_logger.py keeps."""


@locks_group.command("recategorise")
def locks_recategorise() -> None:
    """Apply tools/locks/data/lock_reasons.toml again to every stored entry's reason."""
    from tools import locks

    with db.transaction(db.session_factory(_engine())) as session:
        changed = locks.recategorise(session)
    click.echo(f"{changed} entries changed category")


@cli.group("retention")
def retention_group() -> None:
    """Purge personal data of long-closed cases (the retention policy)."""


@retention_group.command("run")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Purge cases closed more than this many days ago (default: setting retention_days).",
)
@click.option("--dry-run", is_flag=True, help="Only list the cases that would be purged.")
def retention_run(days: int | None, dry_run: bool) -> None:
    """Purge subjects, evidence and free text of cases closed long ago; keep the statistics."""
    from tools.base import clock
    from tools.cases import retention
    from tools.intake import spool

    settings = load_settings()
    period = days or settings.retention_days
    engine = db.engine_from_settings(settings, read_timeout=db.MAINTENANCE_READ_TIMEOUT)
    at = clock.now()
    with db.transaction(db.session_factory(engine)) as session:
        report = retention.purge(session, period, at, dry_run=dry_run)
    rejected = 0 if dry_run else spool.forget_rejected(settings, at - timedelta(days=period))
    verb = "would purge" if dry_run else "purged"
    click.echo(
        f"{verb} {len(report.references)} cases closed more than {period} days ago "
        f"({report.subjects} subjects, {report.evidence} evidence links, "
        f"{report.events} messages; {report.mails} outbox mails, "
        f"{rejected} rejected ReportIncident spool lines)"
    )
    for reference in report.references:
        click.echo(reference)


@cli.group("oncall")
def oncall_group() -> None:
    """The on-call worker: sends callouts and moves emergencies up the escalation policy."""


@oncall_group.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a test).")
@click.option(
    "--poll",
    type=click.FloatRange(min=1),
    default=15,
    show_default=True,
    help="Seconds between two passes.",
)
def oncall_run(once: bool, poll: float) -> None:
    """Send due callouts and escalate unacknowledged emergencies; runs until stopped.

    All state is in the database: a restarted worker goes on where it stopped, and
    several workers at once never send a callout twice.
    """
    from tools import oncall
    from tools.base import clock
    from tools.oncall.wake import Waker

    settings = load_settings()
    factory = db.session_factory(db.engine_from_settings(settings))
    stop = _StopBetweenPasses()
    waker = Waker(settings)  # a queued callout wakes it at once where Redis is configured
    if not once:
        how = "woken through Redis, " if waker.subscribe() else ""
        click.echo(f"on-call worker: {how}polling every {poll:g} s")
    while not stop.requested:
        try:
            _replay_spool(factory, settings)
            report = oncall.run_due(factory, settings, clock.now())
        except OperationalError as err:
            if once:
                raise
            click.echo(f"database unavailable, trying again in {poll:g} s: {err.orig}", err=True)
        else:
            mails = report.mails_sent or report.mails_failed
            if once or report.sent or report.failed or report.advanced or report.exhausted or mails:
                click.echo(
                    f"{len(report.sent)} sent, {len(report.failed)} not delivered, "
                    f"{len(report.advanced)} escalated, {len(report.exhausted)} exhausted; "
                    f"mail: {len(report.mails_sent)} sent, {len(report.mails_failed)} not delivered"
                )
        if once:
            return
        waker.wait(_until_next_pass(factory, poll), lambda: stop.requested)
    waker.close()
    click.echo("Stopped between passes.")


def _until_next_pass(factory: sessionmaker[Session], poll: float) -> float:
    """The poll, or less when a retry or an escalation step is due sooner (at least a
    second: a callout another worker holds stays due until its claim lapses)."""
    from tools.base import clock
    from tools.oncall.worker import next_due

    try:
        due = next_due(factory)
    except OperationalError:
        return poll
    if due is None:
        return poll
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return min(poll, max(1.0, (due - clock.now()).total_seconds()))


@cli.group("mail")
def mail_group() -> None:
    """The outbox: reply notices and other mail, stored by the tool and sent from here."""


@mail_group.command("send")
def mail_send() -> None:
    """Send the due mails of the outbox once (the on-call worker also does, every pass)."""
    from tools.base import clock, outbox
    from tools.oncall.worker import worker_name

    settings = load_settings()
    factory = db.session_factory(db.engine_from_settings(settings))
    sent, failed = outbox.deliver_due(factory, settings, clock.now(), worker_name())
    click.echo(f"mail: {len(sent)} sent, {len(failed)} not delivered (tried again later)")


@mail_group.command("fetch")
@click.option("--once", is_flag=True, help="Read the mailbox once, then exit.")
@click.option("--poll", type=click.FloatRange(min=1), default=30, show_default=True)
def mail_fetch(once: bool, poll: float) -> None:
    """File the new mail of the team's mailbox (SAFETYDESK_MAIL_IMAP_*), each message once."""
    from imapclient.exceptions import IMAPClientError

    from tools.mail import fetch

    settings = load_settings()
    if not settings.mail_intake_configured:
        raise click.ClickException("no mailbox: set SAFETYDESK_MAIL_IMAP_HOST (README: Mail)")
    factory = db.session_factory(db.engine_from_settings(settings))
    stop = _StopBetweenPasses()
    while not stop.requested:
        try:
            with fetch.connect(settings) as client:
                report = fetch.fetch_new(factory, settings, client)
        except (OSError, IMAPClientError, OperationalError) as err:
            if once:
                raise click.ClickException(f"mail fetch failed: {err}") from None
            click.echo(f"mail fetch failed, trying again in {poll:g} s: {err}", err=True)
        else:
            if once or report.outcomes:
                counts = ", ".join(
                    f"{report.count(kind)} {kind}"
                    for kind in ("filed", "threaded", "linked", "attached", "ignored", "duplicate")
                )
                click.echo(f"mail: {len(report.outcomes)} read ({counts})")
        if once:
            return
        stop.sleep(poll)


def _replay_spool(factory: sessionmaker[Session], settings: Settings) -> None:
    """Before each pass: reports spooled while the database was down become cases (and
    their callouts go out in this very pass). The worker does it because it runs every
    few seconds, whereas the next report to the intake may come days later."""
    from tools.intake import spool

    try:
        replayed = spool.replay(factory, settings)
    except OSError as err:  # the spool's folder: say so, and keep calling out
        click.echo(f"spool not readable: {err}", err=True)
        return
    if replayed.filed or replayed.rejected:
        click.echo(f"spool: {len(replayed.filed)} reports filed, {replayed.rejected} unreadable")


@cli.group("intake")
def intake_group() -> None:
    """Reports from outside the desk's forms (ReportIncident)."""


@intake_group.command("replay")
def intake_replay() -> None:
    """File the ReportIncident reports spooled while the database was down, each once."""
    from tools.intake import spool

    settings = load_settings()
    factory = db.session_factory(db.engine_from_settings(settings))
    replayed = spool.replay(factory, settings)
    for reference in replayed.filed:
        click.echo(reference)
    click.echo(
        f"{len(replayed.filed)} filed, {replayed.waiting} still waiting, "
        f"{replayed.rejected} unreadable (kept in {spool.spool_path(settings)}.rejected)"
    )
    if replayed.waiting:
        raise SystemExit(1)


class _StopBetweenPasses:
    """SIGTERM (Toolforge stopping a job) lets the pass in progress finish, then stops.

    A pass cut short would be taken up by the next worker anyway, but a clean stop
    exits 0 and says so, which is what the platform and the operator expect. The wait
    between passes (tools.oncall.wake.Waker) checks ``requested`` every half second.
    """

    def __init__(self) -> None:
        import signal

        self.requested = False
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, _signum: int, _frame: Any) -> None:
        self.requested = True


cli.add_command(devwiki)
cli.add_command(triage_group)
cli.add_command(banks)
cli.add_command(demo_group)


def main() -> None:
    # Jobs on Toolforge log JSON lines; a person at a terminal reads plain ones.
    production = os.environ.get("SAFETYDESK_ENVIRONMENT", "") == "production"
    try:
        secrets = load_settings().secret_values()
    except SettingsError:
        secrets = []  # the command itself reports the bad setting
    logs.configure(structured=production, secrets=secrets)
    cli(prog_name="safetydesk")


if __name__ == "__main__":
    main()
