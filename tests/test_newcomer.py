"""Small things a newcomer met on the way (issue #18): warnings, labels, pointers, logs."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import pytest
from conftest import signed_in_client
from flask import Flask


def test_a_deprecation_warning_from_our_code_fails_the_run() -> None:
    """pyproject's filterwarnings: ours are errors, a third party's are not."""
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit("old", DeprecationWarning, "x.py", 1, module="flaskapp.queue")
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit("old", DeprecationWarning, "x.py", 1, module="tools")
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn_explicit("old", DeprecationWarning, "x.py", 1, module="somelibrary.core")
    assert len(caught) == 1


def test_our_forms_build_without_warnings(make_app: Callable[..., Flask]) -> None:
    client = signed_in_client(make_app(), "Form Reader", ("user", "functionary"), ["specialist"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in ("/requests/new?category=harassment", "/queue", "/alerts"):
            assert client.get(path).status_code == 200, path
    assert [str(warning.message) for warning in caught] == []


def test_the_email_label_says_optional_once(make_app: Callable[..., Flask]) -> None:
    client = signed_in_client(make_app(), "Label Reader", ("user", "functionary"))
    for language, word in (("en", "(optional)"), ("ar", "(اختياري)")):
        page = client.get(f"/requests/new?category=harassment&uselang={language}").text
        label = page.split('for="email"', 1)[1].split("</label>", 1)[0]
        assert label.count(word) == 1, label


def test_api_root_points_at_its_documentation(make_app: Callable[..., Flask]) -> None:
    answer = make_app().test_client().get("/api/v1/")
    assert answer.status_code == 200 and answer.is_json
    assert answer.json["documentation"].endswith("/api/v1/docs")
    assert answer.json["openapi"].endswith("/api/v1/openapi.json")


def test_the_web_probe_writes_no_alembic_lines(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app().test_client()
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            assert client.get("/healthz/web").status_code == 200
    assert [record for record in caplog.records if record.name.startswith("alembic")] == []
