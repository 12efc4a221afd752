"""Settings: environment over TOML file over defaults, and one clear line for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.config import DEFAULT_DATABASE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAFETYDESK_DATABASE_URL", "SAFETYDESK_CONFIG", "SAFETYDESK_SECRET_KEY"):
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
