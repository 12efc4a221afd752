"""bots.site: a Pywikibot bot logs in to a real wiki with a bot password, edits, reads logs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import pywikibot
import requests
from pywikibot.exceptions import NoUsernameError
from pywikibot.site import APISite
from pywikibot.tools import normalize_username

from bots.site import BotPassword, connect, family_name, use_workdir
from devwiki import DevWiki, LogEntry


def test_family_name_comes_from_host_and_port() -> None:
    assert family_name("https://meta.wikimedia.org/w/api.php") == "metawikimediaorg"
    assert family_name("http://127.0.0.1:8181/api.php") == "127001p8181"
    with pytest.raises(ValueError, match="API URL"):
        family_name("meta.wikimedia.org")


def test_pywikibot_keeps_its_files_in_one_folder(pywikibot_workdir: Path, tmp_path: Path) -> None:
    assert use_workdir(pywikibot_workdir) == pywikibot_workdir.resolve()
    assert pywikibot.config.base_dir == str(pywikibot_workdir.resolve())
    with pytest.raises(ValueError, match="already keeps its files"):
        use_workdir(tmp_path)


@pytest.mark.integration
def test_bot_logs_in_with_its_bot_password(devwiki: DevWiki, devwiki_site: APISite) -> None:
    assert devwiki_site.logged_in()
    assert devwiki_site.user() == devwiki.credentials.bot.name
    assert "bot" in devwiki_site.userinfo["groups"]
    assert devwiki_site.family.name == family_name(devwiki.api_url)


@pytest.mark.integration
def test_password_file_is_private_and_has_one_line_per_account(
    devwiki: DevWiki, devwiki_site: APISite, pywikibot_workdir: Path
) -> None:
    bot = devwiki.credentials.bot
    again = connect(
        devwiki.api_url,
        bot.name,
        BotPassword(bot.app_id, bot.bot_password),
        workdir=pywikibot_workdir,
    )
    # Another test in the same worker may have replaced Pywikibot's cached site:
    # what matters is that the second login works and leaves one line per account.
    assert again.logged_in()
    assert again.user() == devwiki_site.user() == bot.name
    password_file = pywikibot_workdir / "user-password.py"
    assert password_file.stat().st_mode & 0o077 == 0
    lines = password_file.read_text().splitlines()
    # one line per account and wiki (another test logs the same bot in to a proxy wiki)
    family = family_name(devwiki.api_url)
    key = f"({family!r}, {normalize_username(bot.name)!r}, "
    assert sum(line.startswith(key) for line in lines) == 1


@pytest.mark.integration
def test_a_wrong_bot_password_is_refused(devwiki: DevWiki, pywikibot_workdir: Path) -> None:
    with pytest.raises(NoUsernameError):
        connect(
            devwiki.api_url,
            devwiki.credentials.plain.name,
            BotPassword("nothing", "0" * 32),
            workdir=pywikibot_workdir,
        )


@pytest.mark.integration
def test_bot_edit_shows_in_the_page_history(devwiki: DevWiki, devwiki_site: APISite) -> None:
    title = f"Safety Desk test {uuid.uuid4().hex[:8]}"
    page = pywikibot.Page(devwiki_site, title)
    page.text = "Written by the bot."
    page.save(summary="Safety Desk test edit")

    revisions = list(pywikibot.Page(devwiki_site, title).revisions())
    assert [(revision.user, revision.comment) for revision in revisions] == [
        (devwiki.credentials.bot.name, "Safety Desk test edit")
    ]
    # Read back through the API itself, not through Pywikibot's cache.
    body = requests.get(
        devwiki.api_url,
        timeout=30,
        params={
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvprop": "user|content",
            "rvslots": "main",
            "format": "json",
            "formatversion": "2",
        },
    ).json()
    revision = body["query"]["pages"][0]["revisions"][0]
    assert revision["user"] == devwiki.credentials.bot.name
    assert revision["slots"]["main"]["content"] == "Written by the bot."


@pytest.mark.integration
def test_bot_reads_globalauth_entries_in_both_shapes(
    devwiki: DevWiki, devwiki_site: APISite
) -> None:
    modern, legacy = devwiki.write_log_entries(
        [
            LogEntry(
                "globalauth",
                "setstatus",
                "Steward One",
                "User:Bot Read Modern@global",
                {"added": ["locked", "hidden"], "removed": []},
                "Long-term abuse",
            ),
            LogEntry(
                "globalauth",
                "setstatus",
                "Steward One",
                "User:Bot Read Legacy@global",
                ["locked", "(none)"],
                "Spam-only account",
            ),
        ]
    )
    entries = {
        entry.logid(): entry for entry in devwiki_site.logevents(logtype="globalauth", total=50)
    }

    entry = entries[modern]
    assert (entry.type(), entry.action()) == ("globalauth", "setstatus")
    assert entry.page().title() == "User:Bot Read Modern@global"
    assert entry.params == {"added": ["locked", "hidden"], "removed": []}
    assert entry.user() == "Steward One"
    assert entry.comment() == "Long-term abuse"

    entry = entries[legacy]
    assert entry.page().title() == "User:Bot Read Legacy@global"
    assert entry.params == {"0": "locked", "1": "(none)"}
