"""The development OAuth provider's line to the real local wiki.

Meta-Wiki's OAuth extension reads the user from its own database; the provider
asks the local wiki's ``api.php`` at request time instead, so that a block, a
group change or a password set on the wiki shows at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

USER_AGENT = "SafetyDeskDevWikiOAuth/1.0 (tools/devwiki/oauth.py; development only)"
#: Everything the profile and globaluserinfo need about one account, in one request.
USER_PROPS = "groups|groupmemberships|blockinfo|editcount|registration|rights"


class WikiUnavailable(Exception):
    """The local wiki did not answer, or not in JSON."""


@dataclass(frozen=True)
class LoginResult:
    """The wiki's verdict on a username and password."""

    ok: bool
    username: str = ""
    message: str = ""


class WikiClient:
    """A few ``api.php`` calls; each uses a fresh session (the server is threaded)."""

    def __init__(self, api_url: str, timeout: float = 30.0) -> None:
        self.api_url = api_url
        self.timeout = timeout

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # the wiki is on this machine: no proxy from the environment
        session.headers["User-Agent"] = USER_AGENT
        return session

    def call(
        self,
        params: Mapping[str, str],
        *,
        method: str = "GET",
        session: requests.Session | None = None,
    ) -> dict[str, Any]:
        """One API request, answered in JSON; :class:`WikiUnavailable` when it is not."""
        session = session or self._session()
        try:
            if method == "POST":
                response = session.post(self.api_url, data=dict(params), timeout=self.timeout)
            else:
                response = session.get(self.api_url, params=dict(params), timeout=self.timeout)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise WikiUnavailable(f"{self.api_url} did not answer: {error}") from error

    def query(self, **params: str) -> dict[str, Any]:
        """``action=query`` in formatversion 2; the ``query`` member of the answer."""
        answer = self.call({"action": "query", "format": "json", "formatversion": "2", **params})
        if "error" in answer:
            raise WikiUnavailable(f"{self.api_url}: {answer['error'].get('info')}")
        return answer.get("query", {})

    def user(self, *, name: str | None = None, user_id: int | None = None) -> dict[str, Any] | None:
        """``list=users`` with :data:`USER_PROPS` for one account; None if it does not exist."""
        if user_id is not None:
            users = self.query(list="users", ususerids=str(user_id), usprop=USER_PROPS)["users"]
        else:
            users = self.query(list="users", ususers=name or "", usprop=USER_PROPS)["users"]
        user = users[0] if users else {}
        if user.get("missing") or user.get("invalid") or "userid" not in user:
            return None
        return user

    def check_password(self, username: str, password: str, return_url: str) -> LoginResult:
        """Log in with ``action=clientlogin`` in a throwaway session, as the wiki's form would."""
        session = self._session()
        tokens = self.call(
            {"action": "query", "meta": "tokens", "type": "login", "format": "json"},
            session=session,
        )
        answer = self.call(
            {
                "action": "clientlogin",
                "username": username,
                "password": password,
                "logintoken": tokens["query"]["tokens"]["logintoken"],
                "loginreturnurl": return_url,
                "format": "json",
                "formatversion": "2",
            },
            method="POST",
            session=session,
        )
        login = answer.get("clientlogin", {})
        if login.get("status") == "PASS":
            return LoginResult(True, login.get("username", username))
        message = login.get("message") or answer.get("error", {}).get("info", "Login failed.")
        return LoginResult(False, message=str(message))

    def forward(
        self, method: str, params: Mapping[str, str], cookie: str | None
    ) -> requests.Response:
        """Pass an ``api.php`` request on to the wiki (what the stand-in does not answer itself)."""
        session = self._session()
        headers = {"Cookie": cookie} if cookie else {}
        try:
            if method == "POST":
                return session.post(
                    self.api_url, data=dict(params), headers=headers, timeout=self.timeout
                )
            return session.get(
                self.api_url, params=dict(params), headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise WikiUnavailable(f"{self.api_url} did not answer: {error}") from error

    def forward_json(self, method: str, params: Mapping[str, str], cookie: str | None) -> Any:
        """:meth:`forward` for a JSON answer; :class:`WikiUnavailable` if it is not JSON."""
        response = self.forward(method, params, cookie)
        try:
            return response.json()
        except ValueError as error:
            raise WikiUnavailable(f"{self.api_url} answered no JSON: {error}") from error
