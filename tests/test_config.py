"""Settings: environment over TOML file over defaults, and one clear line for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.base.config import DEFAULT_DATABASE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SAFETYDESK_DATABASE_URL",
        "SAFETYDESK_CONFIG",
        "SAFETYDESK_SECRET_KEY",
        "TOOL_TOOLSDB_USER",
        "TOOL_TOOLSDB_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_to_sqlite_under_instance_folder() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == "instance/safetydesk.sqlite3"


def test_environment_variable_chooses_mariadb(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "mysql+pymysql://s12345:pw@tools.db.svc.wikimedia.cloud/s12345__safetydesk"
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", url)
    assert load_settings().database.get_backend_name() == "mysql"


def test_on_toolforge_the_default_is_toolsdb_from_the_tools_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOOL_TOOLSDB_USER", "s54321")
    monkeypatch.setenv("TOOL_TOOLSDB_PASSWORD", "p@ss/word")
    database = load_settings().database
    assert (database.host, database.database) == (
        "tools.db.svc.wikimedia.cloud",
        "s54321__safetydesk",  # ToolsDB's naming rule: <credential user>__<name>
    )
    assert (database.username, database.password) == ("s54321", "p@ss/word")
    assert "p@ss" not in database.render_as_string(hide_password=True)
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", "sqlite:///chosen.db")
    assert load_settings().database_url == "sqlite:///chosen.db"  # an explicit URL wins


def test_toml_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "safetydesk.toml"
    config.write_text('secret_key = "from-file"\ndatabase_url = "sqlite:///from-file.db"\n')
    monkeypatch.setenv("SAFETYDESK_CONFIG", str(config))
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", "sqlite:///from-env.db")
    settings = load_settings()
    assert settings.secret_key.get_secret_value() == "from-file"
    assert settings.database_url == "sqlite:///from-env.db"


def test_secret_key_is_not_shown_in_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYDESK_SECRET_KEY", "hunter2-very-secret")
    assert "hunter2" not in repr(load_settings())


def test_unparseable_database_url_names_the_setting_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", "mysql//s1:secretpw@host/db")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("bad setting SAFETYDESK_DATABASE_URL: cannot parse")
    assert "secretpw" not in message
    assert "\n" not in message


def test_unsupported_database_driver_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYDESK_DATABASE_URL", "postgresql://localhost/safetydesk")
    with pytest.raises(SettingsError, match=r"SAFETYDESK_DATABASE_URL: driver 'postgresql'"):
        load_settings()


def test_badly_typed_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYDESK_DEBUG", "perhaps")
    with pytest.raises(SettingsError, match=r"^bad setting SAFETYDESK_DEBUG: "):
        load_settings()


def test_unknown_key_in_toml_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "safetydesk.toml"
    config.write_text("databse_url = 'sqlite:///typo.db'\n")
    monkeypatch.setenv("SAFETYDESK_CONFIG", str(config))
    with pytest.raises(SettingsError, match="SAFETYDESK_DATABSE_URL: unknown setting"):
        load_settings()


def test_missing_or_broken_toml_file_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAFETYDESK_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(SettingsError, match="SAFETYDESK_CONFIG: cannot read"):
        load_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("database_url = \n")
    monkeypatch.setenv("SAFETYDESK_CONFIG", str(broken))
    with pytest.raises(SettingsError, match="is not TOML"):
        load_settings()


PRODUCTION = {
    "environment": "production",
    "secret_key": "k" * 40,
    "oauth_client_id": "abc",
    "oauth_client_secret": "def",
}


def test_production_settings_are_accepted_when_complete() -> None:
    settings = load_settings(**PRODUCTION)
    assert settings.oauth_configured and not settings.development_sign_in


def test_development_sign_in_cannot_be_enabled_in_production() -> None:
    with pytest.raises(SettingsError, match="SAFETYDESK_DEV_LOGIN: development sign-in cannot"):
        load_settings(**PRODUCTION, dev_login=True)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key": ""}, "SAFETYDESK_SECRET_KEY"),
        ({"oauth_client_secret": ""}, "SAFETYDESK_OAUTH_CLIENT_ID"),
        ({"oauth_base_url": "http://meta.example/w/rest.php"}, "SAFETYDESK_OAUTH_BASE_URL"),
    ],
)
def test_production_refuses_development_conveniences(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^bad setting {named}: "):
        load_settings(**(PRODUCTION | change))


def test_development_sign_in_gives_way_to_a_configured_consumer() -> None:
    assert load_settings(dev_login=True).development_sign_in
    assert not load_settings(
        dev_login=True, oauth_client_id="a", oauth_client_secret="b"
    ).development_sign_in


def test_list_settings_read_comma_separated_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYDESK_FUNCTIONARY_GROUPS", "steward, ombuds")
    monkeypatch.setenv("SAFETYDESK_BOOTSTRAP_ADMINS", "Lead One")
    settings = load_settings()
    assert settings.functionary_groups == ("steward", "ombuds")
    assert settings.bootstrap_admins == ("Lead One",)
