"""The local development wiki: a real MediaWiki that starts, answers and stops cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from devwiki import (
    DevWiki,
    DevWikiError,
    DevWikiUnavailable,
    LogEntry,
    free_port,
    free_ports,
)
from devwiki.cli import devwiki as devwiki_cli
from devwiki.wiki import INSTALL_HINT

LOGEVENTS_PROPS = "ids|title|type|user|timestamp|comment|details"


def api(wiki: DevWiki, session: requests.Session | None = None, **params: Any) -> dict:
    """GET api.php with formatversion=2, as Safety Desk's bots ask."""
    query = {"format": "json", "formatversion": "2", **params}
    response = (session or requests).get(wiki.api_url, params=query, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "error" not in body, body
    return body


def logevent(wiki: DevWiki, log_type: str, logid: int) -> dict:
    events = api(
        wiki,
        action="query",
        list="logevents",
        letype=log_type,
        leprop=LOGEVENTS_PROPS,
        lelimit="max",
    )["query"]["logevents"]
    return next(event for event in events if event["logid"] == logid)


# Without MediaWiki


def test_cli_status_on_an_empty_folder_says_not_installed(tmp_path: Path) -> None:
    result = CliRunner().invoke(devwiki_cli, ["status", "--dir", str(tmp_path / "wiki")])
    assert result.exit_code == 0, result.output
    assert "not installed" in result.output
    assert not (tmp_path / "wiki").exists()


def test_cli_stop_on_an_empty_folder_stops_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(devwiki_cli, ["stop", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Not running" in result.output


def test_start_without_mediawiki_says_what_to_install(tmp_path: Path) -> None:
    wiki = DevWiki(tmp_path, free_port(), mediawiki_dir=tmp_path / "no-mediawiki")
    with pytest.raises(DevWikiUnavailable, match="apt-get install mediawiki php-sqlite3 php-cli"):
        wiki.start()
    assert INSTALL_HINT == "apt-get install mediawiki php-sqlite3 php-cli"


def test_stop_leaves_an_unrelated_process_alone(tmp_path: Path) -> None:
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        wiki = DevWiki(tmp_path, free_port())
        wiki.pid_file.write_text(f"{unrelated.pid}\n")
        assert wiki.stop() is False
        assert unrelated.poll() is None
        assert not wiki.pid_file.exists()
    finally:
        unrelated.kill()
        unrelated.wait()


def test_log_entries_are_sent_in_modern_and_legacy_form() -> None:
    modern = LogEntry(
        "globalauth",
        "setstatus",
        "Steward One",
        "User:X@global",
        {"added": ["locked"], "removed": []},
        timestamp="2024-01-02T03:04:05Z",
    )
    legacy = LogEntry(
        "globalauth", "setstatus", "Steward One", "User:X@global", ["locked", "(none)"]
    )
    assert modern.to_json()["legacy"] is False
    assert modern.to_json()["params"] == {"added": ["locked"], "removed": []}
    assert legacy.to_json()["legacy"] is True
    assert legacy.to_json()["params"] == ["locked", "(none)"]
    assert "timestamp" not in legacy.to_json()


# Against the session's wiki


@pytest.mark.integration
def test_wiki_answers_on_its_port(devwiki: DevWiki) -> None:
    general = api(devwiki, action="query", meta="siteinfo")["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.")
    assert general["server"] == devwiki.url
    status = devwiki.status()
    assert status.running
    assert status.url == devwiki.url


@pytest.mark.integration
def test_index_and_rest_entry_points_answer(devwiki: DevWiki) -> None:
    page = requests.get(devwiki.index_url, params={"title": "Special:Version"}, timeout=30)
    assert page.status_code == 200
    assert "MediaWiki" in page.text
    rest = requests.get(f"{devwiki.rest_url}/v1/page/Main_Page", timeout=30)
    assert rest.status_code == 200
    assert rest.json()["title"] == "Main Page"


@pytest.mark.integration
def test_a_second_start_reports_the_running_wiki(devwiki: DevWiki) -> None:
    before = devwiki.status()
    again = DevWiki(devwiki.workdir, devwiki.port).start()
    assert again.running
    assert again.pid == before.pid


@pytest.mark.integration
def test_functionaries_are_in_their_groups(devwiki: DevWiki) -> None:
    accounts = list(devwiki.credentials.accounts())
    users = api(
        devwiki,
        action="query",
        list="users",
        usprop="groups",
        ususers="|".join(account.name for account in accounts),
    )["query"]["users"]
    groups = {user["name"]: set(user["groups"]) for user in users}
    for account in accounts:
        assert set(account.groups) <= groups[account.name], account.name
    assert "steward" in groups["Steward One"]
    assert "checkuser" in groups["Checkuser One"]
    assert "suppress" in groups["Oversighter One"]
    assert "sysop" in groups["Admin One"]
    assert "bot" in groups["Safety Desk Bot"]
    assert groups["Plain User"] == {"*", "user", "autoconfirmed"}


@pytest.mark.integration
def test_a_functionary_logs_in_with_the_password_in_credentials(devwiki: DevWiki) -> None:
    steward = devwiki.credentials.steward
    session = requests.Session()
    tokens = api(devwiki, session, action="query", meta="tokens", type="login")["query"]
    token = tokens["tokens"]["logintoken"]
    response = session.post(
        devwiki.api_url,
        timeout=30,
        data={
            "action": "clientlogin",
            "format": "json",
            "formatversion": "2",
            "username": steward.name,
            "password": steward.password,
            "logintoken": token,
            "loginreturnurl": devwiki.url,
        },
    )
    assert response.json()["clientlogin"]["status"] == "PASS"
    who = api(devwiki, session, action="query", meta="userinfo", uiprop="groups")
    assert who["query"]["userinfo"]["name"] == steward.name
    assert "steward" in who["query"]["userinfo"]["groups"]


@pytest.mark.integration
def test_credentials_file_is_private_and_complete(devwiki: DevWiki) -> None:
    assert devwiki.credentials_file.stat().st_mode & 0o077 == 0
    bot = devwiki.credentials.bot
    assert bot.login_name == f"{bot.name}@{bot.app_id}"
    assert len(bot.bot_password) >= 32


@pytest.mark.integration
def test_globalauth_entries_come_back_in_both_parameter_shapes(devwiki: DevWiki) -> None:
    modern, legacy = devwiki.write_log_entries(
        [
            LogEntry(
                "globalauth",
                "setstatus",
                "Steward One",
                "User:Modern Vandal@global",
                {"added": ["locked"], "removed": []},
                "Cross-wiki abuse",
                "2024-05-01T10:00:00Z",
            ),
            LogEntry(
                "globalauth",
                "setstatus",
                "Steward One",
                "User:Legacy Vandal@global",
                ["locked", "(none)"],
                "Spambot",
                "2012-03-04T05:06:07Z",
            ),
        ]
    )
    event = logevent(devwiki, "globalauth", modern)
    assert event == {
        "logid": modern,
        "ns": 2,
        "title": "User:Modern Vandal@global",
        "pageid": 0,
        "logpage": 0,
        "params": {"added": ["locked"], "removed": []},
        "type": "globalauth",
        "action": "setstatus",
        "user": "Steward One",
        "timestamp": "2024-05-01T10:00:00Z",
        "comment": "Cross-wiki abuse",
    }
    event = logevent(devwiki, "globalauth", legacy)
    assert event["title"] == "User:Legacy Vandal@global"
    assert event["params"] == {"0": "locked", "1": "(none)"}
    assert event["timestamp"] == "2012-03-04T05:06:07Z"


@pytest.mark.integration
def test_write_log_entry_returns_the_new_log_id(devwiki: DevWiki) -> None:
    logid = devwiki.write_log_entry(
        "globalauth",
        "setstatus",
        "Steward One",
        "User:Unlocked Again@global",
        {"added": [], "removed": ["locked"]},
        "Appeal granted",
    )
    event = logevent(devwiki, "globalauth", logid)
    assert event["params"] == {"added": [], "removed": ["locked"]}
    assert event["comment"] == "Appeal granted"


@pytest.mark.integration
def test_gblblock_entries_carry_expiry_and_flags(devwiki: DevWiki) -> None:
    block, unblock, old = devwiki.write_log_entries(
        [
            LogEntry(
                "gblblock",
                "gblock",
                "Steward One",
                "User:192.0.2.0/24",
                {"5::expiry": "20300101000000", "6::flags": ["anon-only"]},
                "Open proxy",
            ),
            LogEntry("gblblock", "gunblock", "Steward One", "User:192.0.2.0/24", {}, "Closed"),
            LogEntry(
                "gblblock",
                "gblock2",
                "Steward One",
                "User:198.51.100.7",
                ["anonymous only, expires 00:00, 1 January 2011"],
                "Old format",
            ),
        ]
    )
    assert logevent(devwiki, "gblblock", block)["params"] == {
        "expiry": "20300101000000",
        "flags": ["anon-only"],
    }
    assert logevent(devwiki, "gblblock", unblock)["params"] == {}
    assert logevent(devwiki, "gblblock", old)["params"] == {
        "0": "anonymous only, expires 00:00, 1 January 2011"
    }


@pytest.mark.integration
def test_log_entry_shows_on_special_log(devwiki: DevWiki) -> None:
    devwiki.write_log_entry(
        "globalauth",
        "setstatus",
        "Steward One",
        "User:Shown Vandal@global",
        {"added": ["locked"], "removed": []},
    )
    page = requests.get(
        devwiki.index_url, params={"title": "Special:Log", "type": "globalauth"}, timeout=30
    )
    assert page.status_code == 200
    assert "Shown Vandal@global" in page.text
    assert "set locked" in page.text


@pytest.mark.integration
def test_stop_leaves_another_folders_wiki_running(devwiki: DevWiki, tmp_path: Path) -> None:
    other = DevWiki(tmp_path, free_port())
    other.pid_file.write_text(f"{devwiki.status().pid}\n")
    assert other.stop() is False
    assert devwiki.status().running
    api(devwiki, action="query", meta="siteinfo")


@pytest.mark.integration
@pytest.mark.usefixtures("devwiki")  # skips (or fails in CI) without MediaWiki
def test_stop_ends_the_server_and_start_serves_the_same_wiki_again(tmp_path: Path) -> None:
    # Both ports free: the provider's default, the wiki's port + 1, may be anyone's.
    wiki_port, oauth_port = free_ports(2)
    wiki = DevWiki(tmp_path / "wiki", wiki_port, oauth_port=oauth_port)
    first = wiki.start()
    credentials = wiki.credentials
    assert first.running
    # As `devwiki stop` does: another object (another process) reads the PID file.
    assert DevWiki(wiki.workdir, wiki.port).stop() is True
    assert not wiki.status().running
    assert not wiki.pid_file.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(wiki.api_url, timeout=5)
    second = wiki.start()
    try:
        assert second.running
        assert second.pid != first.pid
        assert wiki.credentials == credentials
        api(wiki, action="query", meta="siteinfo")
    finally:
        wiki.stop()


@pytest.mark.integration
def test_cli_status_names_the_running_wiki_and_its_url(devwiki: DevWiki) -> None:
    result = CliRunner().invoke(devwiki_cli, ["status", "--dir", str(devwiki.workdir)])
    assert result.exit_code == 0, result.output
    assert f"running at {devwiki.url}" in result.output


@pytest.mark.integration
def test_unknown_log_type_is_refused(devwiki: DevWiki) -> None:
    with pytest.raises(DevWikiError, match="Unknown log type globalauht"):
        devwiki.write_log_entry("globalauht", "setstatus", "Steward One", "User:X@global")
