"""``devwiki``: start, stop and inspect the local development wiki from the shell.

Registered by the web app as ``safetydesk devwiki``; usable alone as a click group::

    safetydesk devwiki start              # install on first use, serve on :8181,
                                          # the OAuth provider (Meta-Wiki) on :8182
    safetydesk devwiki status
    safetydesk devwiki stop
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from devwiki.wiki import DEFAULT_CALLBACK, DevWiki, DevWikiError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DIR = Path("instance/devwiki")
DEFAULT_PORT = 8181
DEFAULT_OAUTH_PORT = DEFAULT_PORT + 1


def _wiki_options(command: F) -> F:
    """The options every command takes: which folder, which ports."""
    command = click.option(
        "--oauth-port",
        type=click.IntRange(1, 65535),
        default=DEFAULT_OAUTH_PORT,
        show_default=True,
        help="Port of the OAuth 2.0 provider (the stand-in for Meta-Wiki) on 127.0.0.1.",
    )(command)
    command = click.option(
        "--port",
        type=click.IntRange(1, 65535),
        default=DEFAULT_PORT,
        show_default=True,
        help="Port of the PHP web server on 127.0.0.1.",
    )(command)
    return click.option(
        "--dir",
        "workdir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_DIR,
        show_default=True,
        help="Working folder: SQLite data, LocalSettings.php, logs, credentials.json.",
    )(command)


@click.group("devwiki")
def devwiki() -> None:
    """A real MediaWiki on this machine (Debian's package, SQLite, php -S)."""


@devwiki.command()
@_wiki_options
def start(workdir: Path, port: int, oauth_port: int) -> None:
    """Install the wiki on first use and serve it, with its OAuth provider, in the background."""
    wiki = DevWiki(workdir, port, oauth_port=oauth_port)
    before = wiki.status()
    try:
        status = wiki.start()
    except DevWikiError as error:
        raise click.ClickException(str(error)) from error
    if before.running and before.oauth_running:
        click.echo(f"Already {status}")
    else:
        click.echo(f"Started: {status}")
    click.echo(f"Accounts and passwords: {wiki.credentials_file}")
    consumer = wiki.default_consumer
    click.echo(
        f"\nTo sign in to Safety Desk through the local OAuth provider (any port on "
        f"127.0.0.1, e.g. {DEFAULT_CALLBACK}), set:"
    )
    for name, value in wiki.oauth_environment(consumer).items():
        click.echo(f"  export {name}={value}")


@devwiki.command()
@_wiki_options
def stop(workdir: Path, port: int, oauth_port: int) -> None:
    """Stop the web server and the OAuth provider that `start` started for this folder."""
    wiki = DevWiki(workdir, port, oauth_port=oauth_port)
    if wiki.stop():
        click.echo(f"Stopped the wiki and its OAuth provider of {wiki.workdir}")
    else:
        click.echo(f"Not running: {wiki.status()}")


@devwiki.command()
@_wiki_options
def status(workdir: Path, port: int, oauth_port: int) -> None:
    """Say whether the wiki and its OAuth provider are running, and at which URLs."""
    wiki = DevWiki(workdir, port, oauth_port=oauth_port)
    click.echo(str(wiki.status()))


if __name__ == "__main__":  # python -m tools.devwiki.cli start
    devwiki()
