"""Response headers that hold every page to a strict policy, and the template helpers it needs.

Cases hold the most sensitive data the movement has, so the browser is told to run no
script but ours, load nothing from another host and never frame the tool. Templates
stay within that policy with a few globals registered here: :func:`asset_url` (our own
static files, versioned so they can be cached for a year), ``has_endpoint`` (render a
control only once its blueprint exists) and a stand-in for ``_`` in an app without
Flask-Babel (``flaskapp.i18n`` installs the real one first; the stand-in never replaces it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

# Everything from our own origin and nothing else: no inline script or style, no CDN.
# Codex's CSS draws its icons as data: SVG background images, hence img-src data:.
# form-action 'self' also applies to the redirects that follow a form submission
# (CSP Level 3; Chromium and Firefox enforce it): signing in is a GET link to /login,
# so the redirect to the wiki's OAuth page is not a form navigation. Should sign-in
# ever become a POST form, the wiki's origin must be added to form-action.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Only features Chromium and Firefox know: an unknown one is reported as a console error.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

SECURITY_HEADERS = {
    "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in CONTENT_SECURITY_POLICY.items()),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # case URLs must not reach the wikis linked from a case
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",  # no window opened by a link can reach ours
}

ONE_YEAR = 365 * 24 * 3600
VERSION_PARAMETER = "v"


def init_app(app: Flask) -> None:
    """Add the headers to every response and the helpers to every template."""
    app.after_request(add_security_headers)
    app.after_request(cache_versioned_static_files)
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    app.jinja_env.globals.setdefault("_", gettext_fallback)
    # Flask-WTF's CSRFProtect registers the same function; the layout needs it either way.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)


#: ``g`` key: origins one response may add to img-src, for itself only. Set only by
#: flaskapp.wellness, on a case page showing evidence thumbnails: the evidence's wiki and
#: upload.wikimedia.org, where its Special:FilePath redirects. Never any other host.
EXTRA_IMG_SRC = "csp_extra_img_src"


def add_security_headers(response: Response) -> Response:
    """Set the policy on every response, error pages and static files included."""
    response.headers.update(SECURITY_HEADERS)
    if current_app.config.get("HSTS"):
        response.headers["Strict-Transport-Security"] = f"max-age={ONE_YEAR}"
    extra = sorted(g.get(EXTRA_IMG_SRC, ()))
    if extra:
        policy = CONTENT_SECURITY_POLICY | {
            "img-src": " ".join([CONTENT_SECURITY_POLICY["img-src"], *extra])
        }
        response.headers["Content-Security-Policy"] = "; ".join(
            f"{k} {v}" for k, v in policy.items()
        )
    return response


def cache_versioned_static_files(response: Response) -> Response:
    """Let browsers keep a static file for a year when its URL names its current content.

    A URL from :func:`asset_url` changes when the file does, so a long cache never serves
    stale CSS; a bare or outdated URL keeps Flask's default (revalidate every time).
    """
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get(VERSION_PARAMETER)
    filename = (request.view_args or {}).get("filename", "")
    if version and version == _file_version(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


def asset_url(filename: str) -> str:
    """URL of a static file with its content hash, e.g. ``asset_url("safetydesk.css")``."""
    version = _file_version(filename)
    if version is None:
        raise FileNotFoundError(f"no static file {filename!r}")
    return url_for("static", filename=filename, **{VERSION_PARAMETER: version})


_versions: dict[str, tuple[int, int, str]] = {}


def _file_version(filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, recomputed only when the file changes."""
    static_folder = current_app.static_folder
    path = safe_join(static_folder, filename) if static_folder else None
    if path is None or not Path(path).is_file():
        return None
    stat = Path(path).stat()
    cached = _versions.get(path)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    _versions[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def has_endpoint(endpoint: str) -> bool:
    """Whether the app has this endpoint, so the layout can link to blueprints added later."""
    return endpoint in current_app.view_functions


def gettext_fallback(text: str, **variables: Any) -> str:
    """``_()`` where Flask-Babel is not set up (bare test apps): the text, with its variables."""
    return text % variables if variables else text
