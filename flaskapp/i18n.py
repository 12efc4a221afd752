"""The tool in each person's language: English, French, Arabic, Portuguese and Brazilian Portuguese.

Functionaries come from every wiki, and a person reporting a threat should not have to do
it in a second language. The language of a request is, in this order: ``?uselang=xx``
(MediaWiki's convention, so a link can name it; remembered in the session, which is how
the switcher in the header works), the language chosen before in this session, the
signed-in person's stored language (``g.user.language``, when the user object has one),
the browser's Accept-Language, and English.

Codes are MediaWiki's (``pt-br``); Flask-Babel gets Babel's (``pt_BR``). As on MediaWiki,
``pt-br`` falls back to ``pt``: its catalogue holds only what Brazil says differently, and
is compiled over the European one.

Catalogues live in ``translations/<code>/LC_MESSAGES/messages.po``; only the ``.po``
files are kept in git. :func:`compile_catalogues` turns them into ``.mo`` files in the
instance folder when the app starts (or whenever a ``.po`` is newer), so a fresh clone,
CI and Toolforge's build need no compile step. ``make translations`` extracts new
strings and updates the ``.po`` files; ``tests/test_i18n.py`` fails until each is translated.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations, gettext, ngettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from tools.base.messages import TranslatableError
from tools.base.translations import (
    CATALOGUES,
    addressed,
    babel_id,
    fallbacks,
    read_over_fallbacks,
)

log = logging.getLogger(__name__)

#: Every language of the tool, each named in itself (that is how a reader finds theirs).
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "pt": "Português",
    "pt-br": "Português do Brasil",
}
DEFAULT_LANGUAGE = "en"
USELANG = "uselang"  # query parameter, as on MediaWiki
SESSION_KEY = "lang"

#: The ``.po`` files, kept in git (``CATALOGUES``); the ``.mo`` files compiled from them are not.

babel = Babel()


def init_app(app: Flask) -> None:
    """Compile the catalogues, then bind Flask-Babel (it installs ``_`` and ``ngettext``)."""
    compiled = compile_catalogues(CATALOGUES, _cache_folder(app))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_remember_uselang)
    app.after_request(_vary_on_accept_language)
    app.context_processor(_page_language)
    app.jinja_env.globals["language_links"] = language_links
    app.jinja_env.filters["bdi"] = isolate
    app.jinja_env.globals["addressed"] = addressed_to


# --- which language --------------------------------------------------------------


def supported(code: str | None) -> str | None:
    """The tool's language for a code like ``pt``, ``pt-BR`` or ``PT_br``; None if it has none."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    for candidate in (code, code.split("-")[0]):
        if candidate in LANGUAGES:
            return candidate
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the first of the sources in the module docstring."""
    if not has_request_context():
        return DEFAULT_LANGUAGE  # mail and commands: the default, never the last request's
    user_language = getattr(g.get("user"), "language", None)
    for choice in (request.args.get(USELANG), session.get(SESSION_KEY), user_language):
        language = supported(choice)
        if language:
            return babel_id(language)
    return babel_id(request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE)


def _remember_uselang() -> None:
    """``?uselang=xx`` sticks for the rest of the session, as the switcher's choice."""
    language = supported(request.args.get(USELANG))
    if language and session.get(SESSION_KEY) != language:
        session[SESSION_KEY] = language


def clear_session_keeping_language() -> None:
    """Empty the session (sign-in, sign-out) but keep the language the person chose."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language


def _vary_on_accept_language(response: Response) -> Response:
    """A shared cache must not hand a French page to someone whose browser asks for Arabic."""
    if request.endpoint != "static":
        response.vary.add("Accept-Language")
    return response


def error_text(error: TranslatableError) -> str:
    """A core error in the reader's language, in the plural form its count needs."""
    if error.plural is not None and error.num is not None:
        return ngettext(error.message, error.plural, error.num, **error.variables)
    return gettext(error.message, **error.variables)


def isolate(value: object) -> Markup:
    """``<bdi>`` around a name, address, range or title, even inside a message: in Arabic,
    "2001:db8::/32" would otherwise show as "db8::/32:2001" and "Example!" as "!Example"."""
    return Markup("<bdi>{}</bdi>").format(value)


def addressed_to(gender: str | None, message: str, **variables: object) -> Markup:
    """A message addressing the reader, in their gender's form (``{{GENDER:}}``), for a page.

    Like Jinja's ``_()``: the translation is the page's own text, the values are escaped.
    """
    text = Markup(addressed(get_translations(), gender, message))
    return text % variables if variables else text


# --- what templates get ----------------------------------------------------------


def _page_language() -> dict[str, str]:
    """``page_language`` and ``page_direction`` for the layout's ``<html lang dir>``.

    The direction is CLDR's (Babel), so Hebrew, Persian or Urdu would be right to left too.
    """
    locale = get_locale() or Locale.parse(DEFAULT_LANGUAGE)
    return {"page_language": language_tag(locale), "page_direction": locale.text_direction}


def language_tag(locale: Locale) -> str:
    """BCP 47 tag of a Babel locale, as ``lang`` wants it: ``pt-BR``, not ``pt_BR``."""
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the switcher: ``lang``/``dir`` let each name render in its own script."""

    code: str
    name: str
    direction: str
    url: str
    current: bool


def language_links() -> list[LanguageLink]:
    """This page in each language: same path and query, ``uselang`` set (the switcher)."""
    current = language_tag(get_locale() or Locale.parse(DEFAULT_LANGUAGE)).lower()
    links = []
    for code, name in LANGUAGES.items():
        query = [(k, v) for k, v in request.args.items(multi=True) if k != USELANG]
        query.append((USELANG, code))
        links.append(
            LanguageLink(
                code=code,
                name=name,
                direction=Locale.parse(code, sep="-").text_direction,
                url=f"{request.script_root}{request.path}?{urlencode(query)}",
                current=code == current,
            )
        )
    return links


# --- catalogues ------------------------------------------------------------------


def compile_catalogues(source: Path, target: Path) -> Path:
    """Compile every ``<code>/LC_MESSAGES/*.po`` under ``source`` into ``target``; return it.

    Only a ``.mo`` that is missing or older than its ``.po`` (or its fallback's) is written,
    atomically, so several processes starting at once never read half a file. Fuzzy entries
    are left out: until someone checks them, English is better than a wrong guess.
    """
    for po_path in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        sources = [po_path, *fallbacks(po_path)]
        newest = max(path.stat().st_mtime_ns for path in sources)
        if mo_path.exists() and mo_path.stat().st_mtime_ns >= newest:
            continue
        catalog = read_over_fallbacks(po_path)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        partial.write_bytes(compiled.getvalue())
        os.replace(partial, mo_path)
    return target


def effective_catalogue(code: str) -> Catalog:
    """The catalogue a language is served from (a regional one over its fallback)."""
    return read_over_fallbacks(CATALOGUES / babel_id(code) / "LC_MESSAGES" / "messages.po")


def _cache_folder(app: Flask) -> Path:
    """Where the ``.mo`` files go: the instance folder, or a temporary one if it is read-only."""
    folder = Path(app.instance_path) / "translations"
    with contextlib.suppress(OSError):  # read-only: checked just below
        folder.mkdir(parents=True, exist_ok=True)
    if os.access(folder, os.W_OK):
        return folder
    # One folder per checkout, so two checkouts never share (and mix up) compiled files.
    checkout = hashlib.sha256(str(CATALOGUES).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"safetydesk-translations-{checkout}"
    log.info("%s is not writable: translations are compiled in %s", folder, fallback)
    return fallback


def extract_toml_labels(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor for data files: each ``label = "…"`` of a TOML file is a message.

    The lock log's reason categories are named in ``tools/locks/data/lock_reasons.toml``, not in
    code; ``babel.cfg`` runs this on such files so their labels reach the catalogues too.
    """
    text = fileobj.read().decode("utf-8")
    labels: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("label"), str):
                labels.append(value["label"])
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(tomllib.loads(text))
    lines = text.splitlines()
    for label in labels:
        lineno = next((n for n, line in enumerate(lines, 1) if label in line), 0)
        yield lineno, None, label, []
