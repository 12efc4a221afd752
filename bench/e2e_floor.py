"""The floor of bench/e2e_bench.py: the patrol's path with classifier and database taken out.

It follows the same stream the same way (bots.eventstreams' SSE reading, events of
other wikis skipped unparsed), fetches both revisions of a change to a watched board
from the wiki in one request, as the patrol does, and mails at once: no triage, no
alert, no case, no callout, no worker. What remains is the time the stream, the wiki
and the mail server take by themselves.

    python bench/e2e_floor.py STREAM_URL API_URL SMTP_PORT WIKI TITLE [TITLE …]
"""

from __future__ import annotations

import json
import smtplib
import sys
from email.message import EmailMessage

import requests

from bots.eventstreams import raw_lines, sse_messages


def main(stream_url: str, api_url: str, smtp_port: int, wiki: str, titles: list[str]) -> None:
    http = requests.Session()
    boards = set(titles)
    with requests.get(
        stream_url, headers={"Accept": "text/event-stream"}, stream=True, timeout=(10, 600)
    ) as response:
        for _, data in sse_messages(raw_lines(response.raw)):
            if f'"{wiki}"' not in data:  # the patrol's own test: no parsing for other wikis
                continue
            event = json.loads(data)
            if event.get("wiki") != wiki or event.get("title") not in boards:
                continue
            revision = event["revision"]
            ids = [str(revision["new"]), *([str(revision["old"])] if revision.get("old") else [])]
            http.get(
                api_url,
                params={
                    "action": "query",
                    "prop": "revisions",
                    "revids": "|".join(ids),
                    "rvprop": "ids|content|user|timestamp",
                    "rvslots": "main",
                    "format": "json",
                    "formatversion": "2",
                },
                timeout=30,
            ).raise_for_status()
            message = EmailMessage()
            message["From"], message["To"] = "floor@example.org", "oncall@example.org"
            message["Subject"] = f"[floor-{revision['new']}] edit on a watched board"
            message.set_content("floor")
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
                smtp.send_message(message)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
