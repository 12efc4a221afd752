"""README is true where a test can tell: the settings table, the paths and texts it names."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tools.base import config_table
from tools.base.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_settings_table_is_the_generated_one() -> None:
    held = config_table.current_block(README)
    assert held is not None, "README lost the markers of the settings table"
    assert held == config_table.block(), (
        "README's settings table differs from Settings: run "
        "`python -m tools.base.config_table README.md`"
    )


def test_every_setting_is_in_the_table_with_its_default() -> None:
    held = config_table.current_block(README) or ""
    rows = {line.split(" | ")[0].strip("| `"): line for line in held.splitlines()[3:-1]}
    assert set(rows) == {f"SAFETYDESK_{name.upper()}" for name in Settings.model_fields}
    assert "| `REQUESTS_PER_HOUR`" not in held  # full names only
    assert "`10`" in rows["SAFETYDESK_REQUESTS_PER_HOUR"]
    assert "`memory://`" in rows["SAFETYDESK_RATELIMIT_STORAGE_URL"]
    assert "`90`" in rows["SAFETYDESK_RETENTION_DAYS"]


def test_the_generator_renders_defaults_as_a_reader_types_them() -> None:
    fields = Settings.model_fields
    assert config_table.default_text("secret_key", fields["secret_key"]) == "empty"
    assert config_table.default_text("dev_login", fields["dev_login"]) == "`false`"
    assert "steward, checkuser" in config_table.default_text(
        "functionary_groups", fields["functionary_groups"]
    )
    assert '"delay_minutes": 10' in config_table.default_text(
        "oncall_policy", fields["oncall_policy"]
    )


def test_signing_in_is_explained_right_after_the_two_commands() -> None:
    two_commands = README.index("## Two commands")
    next_section = README.index("\n## ", two_commands + 1)
    section = " ".join(README[two_commands:next_section].split())
    assert "/login" in section and "demo people" in section
    assert "safetydesk devwiki start" in section
    for person in ("Dana Specialist", "Gus Blocked", "Hal Locked"):
        assert person in section


def test_what_ci_needs_and_the_paths_it_names_are_true() -> None:
    assert "root" in README and "mariadb-server" in README
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install" in run and "/usr/sbin/mariadbd" in run
    assert "`flaskapp/assets/vendor.sh`" in README
    assert (ROOT / "flaskapp" / "assets" / "vendor.sh").exists()


def test_the_integration_marker_names_every_component() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = pyproject["tool"]["pytest"]["ini_options"]["markers"]
    integration = next(marker for marker in markers if marker.startswith("integration:"))
    for component in ("MediaWiki", "MariaDB", "Chromium", "Redis"):
        assert component in integration
