"""Reading a received message: who sent it, whether a machine did, what it says (no server)."""

from __future__ import annotations

import typing
from email.message import EmailMessage
from pathlib import Path

import pytest

from tools.base.config_mail import CategoryName, SeverityName
from tools.mail.folding import fold
from tools.mail.parse import read_message
from tools.models import Category, Severity


def _raw(**headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Someone <someone@example.net>")
    message["To"] = "desk@example.org"
    message["Subject"] = "Help"
    message["Message-ID"] = "<abc@example.net>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Please help.")
    return bytes(message)


def test_the_settings_know_every_category_and_severity() -> None:
    assert set(typing.get_args(CategoryName)) == {one.value for one in Category}
    assert set(typing.get_args(SeverityName)) == {one.value for one in Severity}


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ({}, None),
        ({"Auto_Submitted": "no"}, None),
        ({"Auto_Submitted": "auto-replied"}, "auto-reply"),
        ({"X_Autoreply": "yes"}, "auto-reply"),
        ({"Precedence": "junk"}, "bulk"),
        ({"List_Id": "<list.example.net>"}, "bulk"),
        ({"From": "MAILER-DAEMON@example.net"}, "bounce"),
        ({"Return_Path": "<>"}, "bounce"),
    ],
)
def test_mail_a_machine_wrote_is_recognised(headers: dict[str, str], automatic: str | None) -> None:
    assert read_message(_raw(**headers)).automatic == automatic


def test_only_the_receiving_servers_authentication_results_count() -> None:
    # The sender wrote a passing header; the receiving server (mx.example.org) added its own,
    # on top, where DMARC failed.
    raw = _raw(
        Authentication_Results="mx.example.org; spf=fail smtp.mailfrom=example.net; dmarc=fail"
    )
    forged = raw.replace(
        b"Message-ID",
        b"Authentication-Results: evil; dmarc=pass header.from=example.net\r\nMessage-ID",
    )
    incoming = read_message(forged, authserv_id="mx.example.org")
    assert incoming.authentication["dmarc"] == "fail" and not incoming.authenticated
    aligned = _raw(Authentication_Results="mx.example.org; dkim=pass header.d=example.net")
    assert read_message(aligned, authserv_id="mx.example.org").authenticated
    other = _raw(Authentication_Results="mx.example.org; dkim=pass header.d=elsewhere.example")
    assert not read_message(other).authenticated  # a signature, but not the sender's domain


def test_quoted_history_and_signatures_are_folded_away() -> None:
    assert fold("New words.\n\nLe lundi 1 déc., Anne a écrit :\n> old") == (
        "New words.",
        "Le lundi 1 déc., Anne a écrit :\n> old",
    )
    assert fold("Thanks\n-- \nAnne, Springfield") == ("Thanks", "-- \nAnne, Springfield")
    assert fold("> only a quote") == ("> only a quote", "")
    assert fold("a > b is fine\nstill mine") == ("a > b is fine\nstill mine", "")


def test_a_message_without_an_id_gets_a_stable_one() -> None:
    raw = b"From: a@example.net\r\nSubject: x\r\n\r\nbody\r\n"
    first, again = read_message(raw), read_message(raw)
    assert first.message_id == again.message_id and "no Message-ID" in first.problems


def test_a_bounce_names_the_message_it_returns() -> None:
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.example.net"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<bounce-1@mx.example.net>"
    bounce.set_content("The mail could not be delivered.")
    returned = EmailMessage()
    returned["Message-ID"] = "<reply-7@safetydesk.example.org>"
    returned.set_content("Our reply.")
    bounce.add_attachment(returned)
    incoming = read_message(bytes(bounce))
    assert incoming.automatic == "bounce"
    assert "reply-7@safetydesk.example.org" in incoming.named_ids


def test_a_bad_team_address_stops_the_start_with_the_setting_named() -> None:
    from tools.base.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="SAFETYDESK_MAIL_ADDRESSES"):
        load_settings(mail_addresses={"not an address": {"category": "threat"}})
    with pytest.raises(SettingsError, match="SAFETYDESK_MAIL_ADDRESSES"):
        load_settings(mail_addresses={"a@example.org": {"category": "nonsense"}})
    with pytest.raises(SettingsError, match="SAFETYDESK_MAIL_REPLY_FROM"):
        load_settings(mail_reply_from="Team <nobody>")
    assert load_settings(mail_reply_from="Team <team@example.org>").team_address


def test_the_fetch_command_without_a_mailbox_says_what_to_set(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from flaskapp.cli import cli

    environment = {
        "SAFETYDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "SAFETYDESK_MAIL_IMAP_HOST": "",
    }
    result = CliRunner().invoke(cli, ["mail", "fetch", "--once"], env=environment)
    assert result.exit_code == 1 and "SAFETYDESK_MAIL_IMAP_HOST" in result.output
