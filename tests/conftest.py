"""Shared fixtures: one per real component (settings, databases, the local wiki).

A test that needs a component it cannot find calls :func:`unavailable`: it skips
with the reason on a developer's machine and fails in CI, where
``SAFETYDESK_REQUIRE_INTEGRATION=1`` says every component must be there.
"""

from __future__ import annotations

import os

import pytest


def integration_required() -> bool:
    """CI sets this so that a missing component is an error, never a quiet skip."""
    return os.environ.get("SAFETYDESK_REQUIRE_INTEGRATION", "") not in ("", "0")


def unavailable(reason: str) -> None:
    """Skip (developer machine) or fail (CI) because a real component is missing."""
    if integration_required():
        pytest.fail(f"integration component missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)
