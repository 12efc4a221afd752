"""Uploads as the upload watcher reads them, and the bounded fetch of their thumbnails.

Each entry of a wiki's upload log (``list=logevents&letype=upload``) is an
:class:`Upload`. Its image is never fetched whole: ``prop=imageinfo`` with
``iiurlwidth`` gives the URL of a thumbnail at most :data:`THUMB_WIDTH` pixels wide
(MediaWiki scales it), which is downloaded with a byte cap and a timeout into memory,
hashed and dropped. Files that are not images, or too big to be worth scaling, are
skipped with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

#: The thumbnail's width: PDQ works on 64x64 after its own downscaling; 512 keeps detail.
THUMB_WIDTH = 512
#: A thumbnail larger than this is not read to the end (bytes).
MAX_THUMB_BYTES = 4_000_000
#: Seconds to connect and to read each piece of the thumbnail.
FETCH_TIMEOUT = (5.0, 15.0)
#: Originals larger than this are skipped: the wiki may refuse to scale them anyway.
MAX_ORIGINAL_BYTES = 200_000_000
MAX_ORIGINAL_PIXELS = 100_000_000
#: MIME types that PDQ can hash (MediaWiki scales each of them to a PNG or JPEG thumbnail).
IMAGE_MIMES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp"}
)


class FetchError(Exception):
    """The thumbnail could not be read within its limits; the message says why."""


@dataclass(frozen=True)
class Upload:
    """One entry of the upload log: the file, who uploaded it, when."""

    wiki: str
    log_id: int
    title: str
    user: str | None
    timestamp: str
    action: str = "upload"  # upload, overwrite, revert

    @classmethod
    def of(cls, wiki: str, entry: Mapping[str, Any]) -> Upload:
        return cls(
            wiki=wiki,
            log_id=int(entry["logid"]),
            title=str(entry.get("title", "")),
            user=entry.get("user"),
            timestamp=str(entry.get("timestamp", "")),
            action=str(entry.get("action", "upload")),
        )

    @property
    def uploaded_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.timestamp.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None


@dataclass(frozen=True)
class FileInfo:
    """What ``prop=imageinfo`` says of a file's current version."""

    mime: str
    size: int
    width: int
    height: int
    sha1: str
    url: str
    thumb_url: str | None
    description_url: str


def file_info(page: Mapping[str, Any]) -> FileInfo | None:
    """The latest version of a ``prop=imageinfo`` page (``formatversion=2``); None if gone."""
    infos = page.get("imageinfo") or []
    if page.get("missing") or not infos:
        return None
    info = infos[0]
    return FileInfo(
        mime=str(info.get("mime", "")),
        size=int(info.get("size") or 0),
        width=int(info.get("width") or 0),
        height=int(info.get("height") or 0),
        sha1=str(info.get("sha1", "")),
        url=str(info.get("url", "")),
        thumb_url=info.get("thumburl"),
        description_url=str(info.get("descriptionurl", "")),
    )


def imageinfo_params(titles: str) -> dict[str, Any]:
    """The ``prop=imageinfo`` request for the thumbnail of ``titles`` ('|'-separated)."""
    return {
        "action": "query",
        "prop": "imageinfo",
        "titles": titles,
        "iiprop": "url|sha1|mime|size",
        "iiurlwidth": THUMB_WIDTH,
        "formatversion": "2",
    }


def skip_reason(info: FileInfo | None) -> str | None:
    """Why a file is not hashed (gone, not an image, too large), or None to hash it."""
    if info is None:
        return "the file is gone (deleted or renamed since)"
    if info.mime not in IMAGE_MIMES:
        return f"not an image PDQ hashes ({info.mime or 'unknown type'})"
    if info.size > MAX_ORIGINAL_BYTES or info.width * info.height > MAX_ORIGINAL_PIXELS:
        return f"too large to scale ({info.size} bytes, {info.width}x{info.height})"
    if not (info.thumb_url or info.url):
        return "the wiki gave no thumbnail URL"
    return None


def fetch_capped(
    url: str, user_agent: str, *, max_bytes: int = MAX_THUMB_BYTES, session: Any = None
) -> bytes:
    """The body at ``url``, in memory, refused past ``max_bytes``.

    :class:`FetchError` when it will not do (too large, gone, refused); a timeout, a
    dropped connection or a server error raise ``requests``' own errors: passing
    failures, after which the caller tries again.
    """
    getter = session or requests
    try:
        with getter.get(
            url,
            headers={"User-Agent": user_agent},
            stream=True,
            timeout=FETCH_TIMEOUT,
            allow_redirects=True,
        ) as response:
            if response.status_code in (403, 404, 410):
                raise FetchError(f"the wiki answered {response.status_code} for the thumbnail")
            response.raise_for_status()  # a server error passes: the caller tries again
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"the thumbnail is {declared} bytes, over {max_bytes}")
            body = bytearray()
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the thumbnail is over {max_bytes} bytes")
            return bytes(body)
    except requests.exceptions.ContentDecodingError as err:
        raise FetchError(f"cannot read the thumbnail: {type(err).__name__}") from None


def thumbnail_url(info: FileInfo) -> str:
    """The scaled version when the wiki made one, else the original (already small)."""
    return info.thumb_url or info.url
