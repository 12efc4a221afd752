"""Reading the local OAuth provider's pages as a browser would, for tests that sign in."""

from __future__ import annotations

from html.parser import HTMLParser

import requests


class FormParser(HTMLParser):
    """The authorization page's form: its action and its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and "name" in values:
            self.fields[values["name"]] = values.get("value", "")


def read_form(page: requests.Response) -> FormParser:
    parser = FormParser()
    parser.feed(page.text)
    assert parser.action, page.text
    return parser


def browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # everything here is on 127.0.0.1
    return session
