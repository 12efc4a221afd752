"""A local Phabricator, as far as Conduit's ``maniphest.edit`` goes, for the tests.

A real HTTP server in a thread that checks each call as Phabricator does: the
``/api/<method>`` path, the API token (inside ``params`` as ``__conduit__.token``,
or the flattened ``api.token`` field that curl examples use), the parameters and
the transaction types. It answers in Conduit's JSON shape and keeps the tasks it
created in ``tasks`` for the tests to look at.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

#: Transaction types of maniphest.edit as Phabricator lists them in its API console.
TRANSACTION_TYPES = frozenset(
    {
        "parent", "column", "space", "title", "owner", "status", "priority", "description",
        "parents.add", "parents.remove", "parents.set", "subtasks.add", "subtasks.remove",
        "subtasks.set", "view", "edit", "projects.add", "projects.remove", "projects.set",
        "subscribers.add", "subscribers.remove", "subscribers.set", "subtype", "comment", "mfa",
    }
)  # fmt: skip
METHODS = frozenset({"maniphest.edit"})


@dataclass
class ConduitTask:
    id: int
    phid: str
    fields: dict[str, Any] = field(default_factory=dict)
    projects: list[str] = field(default_factory=list)


class ConduitServer:
    """``url`` (base, no slash), ``token`` (the valid one), ``tasks``, ``calls``, ``fail_next``."""

    def __init__(self, token: str = "api-" + "a" * 28) -> None:
        self.token = token
        self.tasks: list[ConduitTask] = []
        self.calls: list[str] = []  # method names, including refused and failed calls
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP ``status``, as an overloaded host does."""
        self._failures.extend([status] * times)

    # --- the server side ---

    @Request.application
    def _app(self, request: Request) -> Response:
        method = request.path.removeprefix("/api/")
        with self._lock:
            self.calls.append(method)
            if self._failures:
                return Response("Service Unavailable", status=self._failures.pop(0))
        if request.method != "POST" or not request.path.startswith("/api/"):
            return Response("Not Found", status=404)
        if method not in METHODS:
            return _error("ERR-CONDUIT-CALL", f'Conduit method "{method}" does not exist.')
        try:
            params, token = _read_params(request)
        except ValueError as err:
            return _error("ERR-CONDUIT-CORE", str(err))
        if not token:
            return _error("ERR-INVALID-SESSION", "Session key is not present.")
        if token != self.token:
            return _error("ERR-INVALID-AUTH", "API token does not exist.")
        try:
            with self._lock:
                result = self._maniphest_edit(params)
        except ValueError as err:
            return _error("ERR-CONDUIT-CORE", str(err))
        return _answer(result)

    def _maniphest_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        transactions = params.get("transactions")
        if not isinstance(transactions, list) or not transactions:
            raise ValueError('Parameter "transactions" is not a list of transactions.')
        if params.get("objectIdentifier") is not None:
            raise ValueError("This local server only creates tasks.")
        task = ConduitTask(id=len(self.tasks) + 1, phid=f"PHID-TASK-{len(self.tasks) + 1:020d}")
        applied = []
        for index, xaction in enumerate(transactions):
            if not isinstance(xaction, dict) or "type" not in xaction or "value" not in xaction:
                raise ValueError(f"Parameter transactions[{index}] needs a type and a value.")
            kind = xaction["type"]
            if kind not in TRANSACTION_TYPES:
                raise ValueError(f'Transaction with key "{index}" has invalid type "{kind}".')
            value = xaction["value"]
            if kind.startswith("projects."):
                if not isinstance(value, list) or not all(
                    isinstance(p, str) and p.startswith("PHID-PROJ-") for p in value
                ):
                    raise ValueError(f'Transaction "{kind}" needs a list of project PHIDs.')
                task.projects.extend(value)
            else:
                task.fields[kind] = value
            applied.append({"phid": f"PHID-XACT-TASK-{index:016d}"})
        if not str(task.fields.get("title", "")).strip():
            raise ValueError("Validation errors:\n  - Tasks must have a title.")
        self.tasks.append(task)
        return {"object": {"id": task.id, "phid": task.phid}, "transactions": applied}


_FLAT_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _read_params(request: Request) -> tuple[dict[str, Any], str]:
    """The call's parameters and token, from a JSON ``params`` field or flattened fields."""
    form = request.form
    if "params" in form:
        try:
            params = json.loads(form["params"])
        except json.JSONDecodeError:
            raise ValueError('Parameter "params" is not valid JSON.') from None
        if not isinstance(params, dict):
            raise ValueError('Parameter "params" is not a JSON object.')
        meta = params.pop("__conduit__", None) or {}
        return params, str(meta.get("token", "")) if isinstance(meta, dict) else ""
    params: dict[str, Any] = {}
    for key, value in form.items(multi=True):
        if key in ("api.token", "output", "__conduit__"):
            continue
        match = _FLAT_KEY.match(key)
        if not match:
            raise ValueError(f"Parameter {key!r} cannot be read.")
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        _put(params, path, value)
    return _lists(params), form.get("api.token", "")


def _put(tree: dict[str, Any], path: list[str], value: str) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _lists(tree: Any) -> Any:
    """PHP's arrays with keys 0, 1, 2… are lists."""
    if not isinstance(tree, dict):
        return tree
    tree = {key: _lists(value) for key, value in tree.items()}
    if tree and all(key.isdigit() for key in tree):
        return [tree[key] for key in sorted(tree, key=int)]
    return tree


def _answer(result: Any) -> Response:
    body = {"result": result, "error_code": None, "error_info": None}
    return Response(json.dumps(body), mimetype="application/json")


def _error(code: str, info: str) -> Response:
    body = {"result": None, "error_code": code, "error_info": info}
    return Response(json.dumps(body), mimetype="application/json")
