"""Settings of the new-account watcher (bots/account_watcher.py), a group of :class:`Settings`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from tools.base.config_groups import NameList


class AccountWatchSettings(BaseModel):
    """New-account watcher: protected names, first patterns, how many names a trial reads."""

    account_protected_names: NameList = Field(
        (),
        description="Names new accounts must not imitate, besides the wikis' functionaries "
        "and the desk's own people (comma-separated).",
    )
    account_patterns_file: str = Field(
        "",
        description="TOML file of the first name patterns; empty: the shipped "
        "tools/patrol/data/account_patterns.toml.",
    )
    account_trial_names: int = Field(
        5000,
        ge=100,
        le=100_000,
        description="Newest stored names a pattern is tried on before it is saved.",
    )

    @field_validator("account_protected_names", mode="before")
    @classmethod
    def _split_protected_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value
