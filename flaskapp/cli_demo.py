"""``safetydesk demo`` and what ``serve`` knows of a development machine.

The demo data (:mod:`tools.demo`) is loaded into a new development database by ``db
upgrade`` and on request by ``demo load``; ``serve`` signs in through the local wiki when
it runs (``safetydesk devwiki start``) and nothing else is configured.
"""

from __future__ import annotations

import click
from sqlalchemy import Engine

from tools.base import db
from tools.base.config import Settings, load_settings


@click.group("demo")
def demo_group() -> None:
    """Demo data for a development desk (never in production)."""


@demo_group.command("load")
def demo_load() -> None:
    """Load the demo week (cases, rota, callouts, alerts, lock log, canned responses) once."""
    settings = load_settings()
    if settings.environment != "development":
        raise click.ClickException("demo data is for development databases only")
    engine = db.engine_from_settings(settings, read_timeout=db.MAINTENANCE_READ_TIMEOUT)
    if not db.is_current(engine):
        raise click.ClickException(
            "the database is not at the latest migration: run `safetydesk db upgrade` first"
        )
    load_demo(engine, settings)


def load_demo(engine: Engine, settings: Settings) -> None:
    from tools import demo
    from tools.base import clock

    try:
        with db.transaction(db.session_factory(engine)) as session:
            loaded = demo.load(session, settings, clock.now())
    except demo.DemoAlreadyLoaded as err:
        raise click.ClickException(str(err)) from None
    click.echo(
        f"demo data loaded: {loaded.cases} cases, {loaded.alerts} alerts, "
        f"{loaded.lock_entries} lock log entries, {loaded.canned} canned responses "
        "(sign in as a demo person at /login)"
    )


SIGN_IN_MODES = {
    "oauth": "Wikimedia OAuth (SAFETYDESK_OAUTH_*)",
    "local-wiki": "the local wiki's OAuth provider (safetydesk devwiki start)",
    "dev-login": "any account of the local wiki, without a password (SAFETYDESK_DEV_LOGIN)",
    "demo": "the demo people, one click each at /login",
    "none": "not configured (set SAFETYDESK_OAUTH_CLIENT_ID and _SECRET)",
}


def with_local_wiki(settings: Settings) -> Settings:
    """Sign in through the local wiki when it runs and nothing else is configured.

    `safetydesk devwiki start` leaves the wiki and its OAuth provider running in the
    instance folder; `make run` then uses them through the real OAuth flow, as if the
    four settings it prints had been exported (with SAFETYDESK_DEV_LOGIN, only its API).
    """
    if settings.environment != "development" or settings.oauth_configured:
        return settings
    from devwiki.cli import DEFAULT_PORT
    from devwiki.wiki import DevWiki, DevWikiError

    wiki = DevWiki(settings.instance_path / "devwiki", DEFAULT_PORT)
    status = wiki.status()
    if not (status.running and status.oauth_running):
        return settings
    wiki = DevWiki(wiki.workdir, status.port, oauth_port=status.oauth_port)  # where they run
    try:
        environment = wiki.oauth_environment()
    except (DevWikiError, OSError, KeyError, ValueError) as err:
        click.echo(f"the local wiki runs but its OAuth consumer is unreadable: {err}", err=True)
        return settings
    if settings.dev_login:  # the password-less sign-in asks the local wiki for groups
        environment = {"SAFETYDESK_CENTRAL_API_URL": environment["SAFETYDESK_CENTRAL_API_URL"]}
    local = {name.removeprefix("SAFETYDESK_").lower(): value for name, value in environment.items()}
    return load_settings(**(settings.model_dump(exclude_unset=True) | local))
