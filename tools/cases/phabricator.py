"""A small client of Phabricator's Conduit API: enough to open a Maniphest task.

Wire format, as Arcanist's own ``ConduitClient`` sends it: ``POST
https://host/api/<method>`` with a form body of three fields, ``params`` (the
method's parameters as JSON, the API token inside under ``__conduit__.token``),
``output=json`` and ``__conduit__=1``. Phabricator answers HTTP 200 with
``{"result": …, "error_code": …, "error_info": …}``; a refused call has an
``error_code`` and a null result, and becomes a :class:`ConduitError` whose
message a specialist can read.

A 5xx answer or a broken connection is retried with a growing pause: a deploy
or an overloaded web server on Phabricator's side should not lose an escalation.
Refusals (``error_code``) are never retried: sending the same thing again would
be refused again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

#: Task fields of ``maniphest.edit`` this client sets (Phabricator knows many more).
TITLE, DESCRIPTION, PROJECTS_ADD, VIEW, EDIT = (
    "title",
    "description",
    "projects.add",
    "view",
    "edit",
)


class PhabricatorError(Exception):
    """Phabricator could not be reached or refused the call; the message says which."""


class ConduitError(PhabricatorError):
    """Conduit answered with an ``error_code`` (bad token, bad parameter…)."""

    def __init__(self, method: str, code: str, info: str | None) -> None:
        self.method = method
        self.code = code
        self.info = info or ""
        super().__init__(f"Phabricator refused {method}: {code}: {self.info}".rstrip(": "))


@dataclass(frozen=True)
class Task:
    """A Maniphest task as created: ``T123`` and its address."""

    id: int
    phid: str
    url: str

    @property
    def monogram(self) -> str:
        return f"T{self.id}"


class Conduit:
    """Calls Conduit methods on one Phabricator with one API token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        user_agent: str = "SafetyDesk",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise PhabricatorError("No Phabricator API token is configured.")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._http = requests.Session()
        self._http.headers["User-Agent"] = user_agent

    def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """Call ``method`` and return its ``result``; raise :class:`ConduitError` on refusal."""
        body = {
            "params": json.dumps({**params, "__conduit__": {"token": self._token}}),
            "output": "json",
            "__conduit__": "1",
        }
        answer = self._post(f"{self.base_url}/api/{method}", body, method)
        try:
            payload = answer.json()
        except ValueError:
            raise PhabricatorError(
                f"Phabricator answered {method} with something other than JSON "
                f"(HTTP {answer.status_code})."
            ) from None
        if not isinstance(payload, dict):
            raise PhabricatorError(f"Phabricator answered {method} in an unknown shape.")
        if payload.get("error_code"):
            raise ConduitError(method, str(payload["error_code"]), payload.get("error_info"))
        return payload.get("result")

    def _post(self, url: str, body: dict[str, str], method: str) -> requests.Response:
        """POST, retrying 5xx answers and network failures ``retries`` times with back-off."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                answer = self._http.post(url, data=body, timeout=self.timeout)
            except requests.RequestException as err:
                problem = f"cannot reach Phabricator: {type(err).__name__}"
                continue
            if answer.status_code >= 500:
                problem = f"Phabricator answered HTTP {answer.status_code}"
                continue
            if answer.status_code != 200:
                raise PhabricatorError(
                    f"Phabricator answered {method} with HTTP {answer.status_code}."
                )
            return answer
        raise PhabricatorError(f"{problem} ({self.retries + 1} attempts at {method}).")

    def create_task(
        self,
        title: str,
        description: str,
        projects: Sequence[str] = (),
        view_policy: str = "",
        edit_policy: str = "",
    ) -> Task:
        """Open a task through ``maniphest.edit`` (no ``objectIdentifier``: a new task)."""
        transactions: list[dict[str, Any]] = [
            {"type": TITLE, "value": title},
            {"type": DESCRIPTION, "value": description},
        ]
        if projects:
            transactions.append({"type": PROJECTS_ADD, "value": list(projects)})
        if view_policy:
            transactions.append({"type": VIEW, "value": view_policy})
        if edit_policy:
            transactions.append({"type": EDIT, "value": edit_policy})
        result = self.call("maniphest.edit", {"transactions": transactions})
        try:
            task = result["object"]
            task_id = int(task["id"])
            phid = str(task["phid"])
        except (TypeError, KeyError, ValueError):
            raise PhabricatorError("Phabricator created a task but did not say which.") from None
        return Task(task_id, phid, f"{self.base_url}/T{task_id}")
