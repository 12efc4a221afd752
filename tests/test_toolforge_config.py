"""toolforge.yaml is what the Toolforge components API accepts (issue #25).

The schema, ``tests/toolforge_config_schema.json``, mirrors the API's own (its
source is named in the file). Unknown fields fail it: the API would only warn and
drop them, and a misspelt limit would silently become the default one.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

REPOSITORY = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).with_name("toolforge_config_schema.json")).read_text())


def config() -> dict[str, Any]:
    return yaml.safe_load((REPOSITORY / "toolforge.yaml").read_text())


def problems(document: dict[str, Any]) -> list[str]:
    """Every schema violation, as ``path: message``."""
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    )


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


def test_toolforge_yaml_passes_the_components_api_schema() -> None:
    assert problems(config()) == []


def test_the_web_component_is_continuous_published_on_a_port_with_a_health_check() -> None:
    web = config()["components"]["web"]
    assert web["component_type"] == "continuous"
    assert (web["run"]["publish"], web["run"]["port"]) == ("/", 8000)
    assert web["run"]["health_check_http"] == "/healthz/web"


def test_every_component_has_a_memory_limit() -> None:
    assert {name: "memory" in c["run"] for name, c in config()["components"].items()} == {
        name: True for name in config()["components"]
    }


def _changed(component: str, **run: Any) -> dict[str, Any]:
    document = copy.deepcopy(config())
    document["components"][component]["run"].update(run)
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            {
                **config(),
                "components": {
                    "web": {**config()["components"]["web"], "component_type": "webservice"}
                },
            },
            "components/web/component_type: 'webservice' is not one of",
            id="webservice-type",
        ),
        pytest.param(_changed("oncall", mem="256Mi"), "'mem' was unexpected", id="run.mem"),
        pytest.param(
            {
                **config(),
                "components": {
                    "web": {
                        **config()["components"]["web"],
                        "run": {"command": "web", "publish": "/"},
                    }
                },
            },
            "'port' is a dependency of 'publish'",
            id="publish-without-port",
        ),
        pytest.param(
            {
                **config(),
                "components": {
                    "retention": {
                        **config()["components"]["retention"],
                        "run": {"command": "retention"},
                    }
                },
            },
            "'schedule' is a required property",
            id="scheduled-without-schedule",
        ),
        pytest.param(
            _changed("patrol", schedule="@daily"),
            "'schedule' was unexpected",
            id="schedule-on-continuous",
        ),
        pytest.param(
            {"config_version": "v1beta1", "components": {}},
            "should be non-empty",
            id="no-components",
        ),
    ],
)
def test_the_schema_refuses_what_the_api_refuses_or_ignores(
    document: dict[str, Any], expected: str
) -> None:
    found = problems(document)
    assert any(expected in problem for problem in found), found
