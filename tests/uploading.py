"""Images made with Pillow and uploaded to the local wiki through its API, for tests."""

from __future__ import annotations

import io
import json
import random
import secrets

import requests
from PIL import Image, ImageDraw

from devwiki import DevWiki
from devwiki.wiki import HERE

#: Uploading needs the rights to upload, to edit and to create the file page.
GRANTS = ["basic", "createeditmovepage", "uploadfile"]


def picture(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A photo-like image: overlapping shapes in many colours, the same for the same seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(20, 300), rng.randrange(20, 300)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour)
    return image


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


class Uploader:
    """A person of the local wiki who uploads through the API with a bot password."""

    def __init__(self, devwiki: DevWiki) -> None:
        self.api = devwiki.api_url
        self.name = f"Upload Tester {secrets.token_hex(3)}"
        secret = secrets.token_hex(16)
        spec = {
            "users": [{"name": self.name, "password": secrets.token_urlsafe(18), "groups": []}],
            "botPasswords": [
                {"user": self.name, "appId": "up", "password": secret, "grants": GRANTS}
            ],
            "blocks": [],
        }
        devwiki.run_maintenance(HERE / "setupDevWiki.php", stdin=json.dumps(spec))
        self.http = requests.Session()
        token = self._get(meta="tokens", type="login")["query"]["tokens"]["logintoken"]
        login = self.http.post(
            self.api,
            data={
                "action": "login",
                "lgname": f"{self.name}@up",
                "lgpassword": secret,
                "lgtoken": token,
                "format": "json",
            },
            timeout=30,
        ).json()
        assert login["login"]["result"] == "Success", login
        self.csrf = self._get(meta="tokens")["query"]["tokens"]["csrftoken"]

    def _get(self, **params: str) -> dict:
        return self.http.get(
            self.api, params={"action": "query", "format": "json", **params}, timeout=30
        ).json()

    def upload(self, filename: str, data: bytes) -> str:
        done = self.http.post(
            self.api,
            data={
                "action": "upload",
                "filename": filename,
                "ignorewarnings": "1",
                "token": self.csrf,
                "format": "json",
            },
            files={"file": (filename, data)},
            timeout=60,
        ).json()
        assert done.get("upload", {}).get("result") == "Success", json.dumps(done)[:600]
        return f"File:{done['upload']['filename'].replace('_', ' ')}"
