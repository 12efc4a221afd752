"""The tool in English, French, Arabic and Portuguese: which language, and complete catalogues.

The catalogue tests are how a new string gets translated: extracting the code's messages as
``make translations`` does, they fail, naming each message, until every language has it.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tomllib
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import write_po
from flask import Flask, g, session
from flask.testing import FlaskClient

from flaskapp import auth, create_app, i18n, security
from tools.base.config import load_settings
from tools.base.db import make_engine, upgrade
from tools.people.roles import WikiAccount

ROOT = Path(__file__).parents[1]
# Babel's identifiers (pt_BR), as the catalogues' folders are named.
TRANSLATED = [i18n.babel_id(code) for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]
# The keywords `make translations` gives pybabel (see the Makefile), besides Babel's own
# (_, gettext, ngettext, N_, …).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "N_plural": (1, 2),
    "NP_": ((1, "c"), 2),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("i18n")
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'safetydesk.sqlite3'}",
        secret_key="i18n-test-key",
        instance_path=folder,
    )
    engine = make_engine(settings.database)
    upgrade(engine)
    engine.dispose()
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _page(client: FlaskClient, path: str = "/", **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.get_data(as_text=True)


def _language_of(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert match, html[:300]
    return match[1]


# --- which language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("fr", "fr"),
        ("AR", "ar"),
        ("pt-BR", "pt-br"),
        ("pt_br", "pt-br"),
        ("pt-PT", "pt"),
        ("en-GB", "en"),
        ("de", None),
        ("", None),
        (None, None),
    ],
)
def test_language_codes_are_matched_to_the_tools_languages(
    code: str | None, expected: str | None
) -> None:
    assert i18n.supported(code) == expected


def test_uselang_wins_over_the_session_the_account_and_the_browser(app: Flask) -> None:
    with app.test_request_context("/?uselang=ar", headers={"Accept-Language": "fr"}):
        session[i18n.SESSION_KEY] = "pt"
        g.user = SimpleNamespace(language="fr")
        assert i18n.select_locale() == "ar"


def test_switcher_choice_in_the_session_wins_over_the_account_and_the_browser(
    app: Flask,
) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        session[i18n.SESSION_KEY] = "pt"
        g.user = SimpleNamespace(language="ar")
        assert i18n.select_locale() == "pt"


def test_signed_in_persons_language_wins_over_the_browser(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        g.user = SimpleNamespace(language="ar")
        assert i18n.select_locale() == "ar"


def test_user_without_a_language_or_with_an_unknown_one_leaves_it_to_the_browser(
    app: Flask,
) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "pt-PT,pt;q=0.9,en;q=0.5"}):
        g.user = SimpleNamespace(username="No Language Attribute")
        assert i18n.select_locale() == "pt"
        g.user = SimpleNamespace(language="de")
        assert i18n.select_locale() == "pt"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr-CA,fr;q=0.9", "fr"),
        ("pt-BR,pt;q=0.9", "pt_BR"),
        ("pt-PT,pt;q=0.9", "pt"),
        ("de,ar;q=0.5", "ar"),
        ("de, ja", "en"),
        ("", "en"),
    ],
)
def test_browser_language_then_english(app: Flask, accept: str, expected: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": accept}):
        assert i18n.select_locale() == expected


def test_unknown_uselang_is_ignored_and_not_remembered(client: FlaskClient) -> None:
    html = _page(client, "/?uselang=xx", **{"Accept-Language": "pt"})

    assert _language_of(html) == "pt"
    with client.session_transaction() as cookie:
        assert i18n.SESSION_KEY not in cookie


def test_uselang_is_remembered_for_the_next_pages(client: FlaskClient) -> None:
    _page(client, "/?uselang=fr", **{"Accept-Language": "ar"})

    assert _language_of(_page(client, "/", **{"Accept-Language": "ar"})) == "fr"


def test_chosen_language_survives_signing_out(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        _page(client, "/?uselang=pt")
        response = client.post("/logout", follow_redirects=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True

    assert _language_of(response.get_data(as_text=True)) == "pt"
    assert "Sessão terminada." in response.get_data(as_text=True)


def test_templates_translate_with_flask_babel_not_the_fallback(app: Flask) -> None:
    assert app.jinja_env.globals["_"] is not security.gettext_fallback
    with app.test_request_context("/?uselang=fr"):
        assert app.jinja_env.from_string('{{ _("Sign out") }}').render() == "Se déconnecter"


def test_pages_vary_on_accept_language(client: FlaskClient) -> None:
    assert "Accept-Language" in client.get("/").headers["Vary"]


# --- pages in each language --------------------------------------------------------

HOME_PAGE = {
    "en": ("Sign in with your Wikimedia account", "Skip to main content"),
    "fr": ("Se connecter avec votre compte Wikimedia", "Aller au contenu principal"),
    "ar": ("سجّل الدخول بحساب ويكيميديا الخاص بك", "انتقل إلى المحتوى الرئيسي"),
    "pt": ("Iniciar sessão com a sua conta Wikimedia", "Ir para o conteúdo principal"),
    "pt-br": ("Entrar com sua conta Wikimedia", "Ir para o conteúdo principal"),
}


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_home_page_renders_in_each_language(client: FlaskClient, code: str) -> None:
    html = _page(client, f"/?uselang={code}")

    assert _language_of(html).lower() == code
    for text in HOME_PAGE[code]:
        assert text in html
    if code != "en":
        assert "Sign in with your Wikimedia account" not in html


def test_arabic_page_is_right_to_left_with_codex_right_to_left_stylesheet(
    client: FlaskClient,
) -> None:
    html = _page(client, "/", **{"Accept-Language": "ar"})

    assert '<html lang="ar" dir="rtl">' in html
    assert "/static/codex/codex.style-rtl.css?v=" in html
    assert "codex.style.css" not in html


@pytest.mark.parametrize("code", ["en", "fr", "pt"])
def test_other_languages_are_left_to_right(client: FlaskClient, code: str) -> None:
    html = _page(client, f"/?uselang={code}")

    assert f'<html lang="{code}" dir="ltr">' in html
    assert "/static/codex/codex.style.css?v=" in html


def test_switcher_links_this_page_in_each_language_named_in_itself(client: FlaskClient) -> None:
    html = _page(client, "/?q=a+b&uselang=fr")

    nav = html[html.index('<nav class="sd-languages"') : html.index("</nav>")]
    assert 'aria-label="Langue"' in nav
    links = re.findall(r'<a [^>]*href="([^"]+)" lang="([\w-]+)"[^>]*>([^<]+)</a>', nav)
    assert links == [
        ("/?q=a+b&amp;uselang=en", "en", "English"),
        ("/?q=a+b&amp;uselang=fr", "fr", "Français"),
        ("/?q=a+b&amp;uselang=ar", "ar", "العربية"),
        ("/?q=a+b&amp;uselang=pt", "pt", "Português"),
        ("/?q=a+b&amp;uselang=pt-br", "pt-br", "Português do Brasil"),
    ]
    assert nav.count("aria-current") == 1
    assert re.search(r'lang="fr"[^>]*aria-current="true"', nav)
    assert re.search(r'lang="ar" hreflang="ar" dir="rtl"', nav)


def test_error_pages_are_translated(client: FlaskClient) -> None:
    response = client.get("/no/such/page?uselang=fr")

    assert response.status_code == 404
    assert "<h1>Introuvable</h1>" in response.get_data(as_text=True)
    assert "Il n\u2019y a rien à cette adresse." in response.get_data(as_text=True)


def test_expired_form_is_explained_in_the_readers_language(client: FlaskClient) -> None:
    response = client.post("/logout", headers={"Accept-Language": "ar"})

    assert response.status_code == 400
    assert "انتهت صلاحية النموذج" in response.get_data(as_text=True)


def test_refusal_from_the_core_is_translated_with_its_reason_escaped(app: Flask) -> None:
    blocked = WikiAccount("Blocked <User>", blocked=True, block_reason="<b>Vandalisme</b>")
    with app.test_request_context("/oauth-callback?uselang=pt"):
        html, status = auth._finish_sign_in(blocked, "/")  # type: ignore[misc]

    assert status == 403
    assert "Esta conta está bloqueada na wiki central." in html
    assert "&lt;b&gt;Vandalisme&lt;/b&gt;" in html
    assert "Blocked &lt;User&gt; não pode usar o Safety Desk." in html


def test_role_and_permission_labels_are_translated(app: Flask) -> None:
    from flask import render_template

    from flaskapp.access import CurrentUser
    from tools.people.roles import Permission, Role

    user = CurrentUser(1, "Example", frozenset({Role.FUNCTIONARY}), frozenset())
    with app.test_request_context("/me?uselang=fr"):
        html = render_template(
            "auth/me.html", user=user, permissions=[Permission.FILE_REQUEST], current_user=user
        )

    assert '<li data-role="functionary">fonctionnaire</li>' in html
    assert '<li data-permission="file-request">Déposer des demandes</li>' in html


# --- the catalogues ------------------------------------------------------------------


@functools.cache
def _extracted() -> tuple[dict[str, set[str]], frozenset[str], frozenset[tuple[str, str]]]:
    """Every message of the code (as ``make translations`` finds them) -> its files; the
    msgids that have a plural; and the (msgid, context) pairs of messages in a context."""
    with (ROOT / "flaskapp" / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, set[str]] = defaultdict(set)
    plural: set[str] = set()
    in_context: set[tuple[str, str]] = set()
    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found[msgid].add(filename)
            if not isinstance(message, str) and len(message) > 1 and message[1]:
                plural.add(msgid)
            if context:
                in_context.add((msgid, context))
    return found, frozenset(plural), frozenset(in_context)


def _extract() -> dict[str, set[str]]:
    return _extracted()[0]


def _catalogue(code: str) -> Catalog:
    """The catalogue a language is served from (``pt_BR`` over ``pt``)."""
    return i18n.effective_catalogue(code)


def _untranslated(message: Message | None) -> str | None:
    if message is None:
        return "missing from the catalogue (run `make translations`)"
    if message.fuzzy:
        return "fuzzy (check the guess and remove the fuzzy flag)"
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    if not all(strings):
        return "not translated"
    return None


def test_every_message_is_translated_in_every_language() -> None:
    problems = []
    for code in TRANSLATED:
        catalogue = _catalogue(code)
        for msgid, files in sorted(_extract().items()):
            problem = _untranslated(catalogue.get(msgid))
            if problem:
                problems.append(f"  {code}: {msgid!r} ({', '.join(sorted(files))}): {problem}")
    assert not problems, (
        "Messages to translate in flaskapp/translations/<language>/LC_MESSAGES/messages.po"
        " (README: Translations):\n" + "\n".join(problems)
    )


def test_labels_of_data_files_are_extracted_with_their_line() -> None:
    toml = b'# categories\n[[category]]\nkey = "spam"\nlabel = "Spam and spambots"\n'

    found = list(i18n.extract_toml_labels(io.BytesIO(toml), {}, [], {}))

    assert found == [(4, None, "Spam and spambots", [])]


_FORMAT = re.compile(r"%(?:\(\w+\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def _placeholders(text: str) -> list[str]:
    """``%(name)s``-style placeholders (and ``%%``) in order of appearance; a stray % too."""
    found = _FORMAT.findall(text)
    if "%" in _FORMAT.sub("", text):
        found.append("% (stray: write %% for a percent sign)")
    return found


def test_messages_name_their_placeholders() -> None:
    positional = [
        msgid
        for msgid in _extract()
        if any(not token.startswith(("%(", "%%")) for token in _placeholders(msgid))
    ]
    assert not positional, f"use %(name)s placeholders, never %s or %d: {positional}"


def test_translations_keep_the_placeholders_of_their_message() -> None:
    problems = []
    for code in TRANSLATED:
        for message in _catalogue(code):
            if not message.id or not message.string:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else message.string
            expected = sorted(set().union(*(_placeholders(msgid) for msgid in ids)))
            for string in strings:
                found = sorted(set(_placeholders(string)))
                # A plural form may leave the number out ("one file"), nothing else.
                plural_ok = len(ids) > 1 and set(found) <= set(expected)
                if found != expected and not plural_ok:
                    problems.append(f"  {code}: {ids[0]!r}: {expected} but {found} in {string!r}")
    assert not problems, "Placeholders differ from their message:\n" + "\n".join(problems)


def test_catalogues_declare_their_language_and_compile(tmp_path: Path) -> None:
    compiled = i18n.compile_catalogues(i18n.CATALOGUES, tmp_path)

    for code in TRANSLATED:
        assert _catalogue(code).locale_identifier == code
        with (compiled / code / "LC_MESSAGES" / "messages.mo").open("rb") as mo_file:
            assert len(read_mo(mo_file)) == len(_catalogue(code))


def _write_po(path: Path, translation: str) -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Send", translation)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po_file:
        write_po(po_file, catalog)


def _compiled(mo_path: Path) -> str:
    with mo_path.open("rb") as mo_file:
        return read_mo(mo_file).get("Send").string


def test_catalogues_are_compiled_again_only_when_a_po_file_is_newer(tmp_path: Path) -> None:
    source, target = tmp_path / "translations", tmp_path / "cache"
    po_path = source / "fr" / "LC_MESSAGES" / "messages.po"
    _write_po(po_path, "Envoyer")

    mo_path = i18n.compile_catalogues(source, target) / "fr" / "LC_MESSAGES" / "messages.mo"
    compiled_at = mo_path.stat().st_mtime_ns
    assert _compiled(mo_path) == "Envoyer"

    i18n.compile_catalogues(source, target)
    assert mo_path.stat().st_mtime_ns == compiled_at  # up to date: left alone

    _write_po(po_path, "Expédier")
    later = compiled_at + 10**9
    os.utime(po_path, ns=(later, later))
    i18n.compile_catalogues(source, target)
    assert _compiled(mo_path) == "Expédier"


# --- Wikimedia's words, plurals ------------------------------------------------------

GLOSSARY = i18n.CATALOGUES / "glossary.toml"


def _glossary() -> list[dict]:
    with GLOSSARY.open("rb") as toml:
        return tomllib.load(toml)["term"]


def _forms(message: Message) -> tuple[list[str], list[str]]:
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return ids, strings


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogues_use_wikimedias_word_for_each_wiki_concept(code: str) -> None:
    """A msgid naming a concept of the glossary uses the glossary's word in its msgstr."""
    problems = []
    for term in _glossary():
        excepted = {exception["msgid"] for exception in term.get("exception", [])}
        for message in i18n.effective_catalogue(code):
            if not message.id:
                continue
            ids, strings = _forms(message)
            if ids[0] in excepted:
                continue
            named = [re.sub(term.get("ignore", "(?!)"), "", msgid) for msgid in ids]
            if not any(re.search(term["en"], msgid, re.IGNORECASE) for msgid in named):
                continue
            for string in strings:
                if not re.search(term[code.replace("-", "_")], string, re.IGNORECASE):
                    problems.append(
                        f"  {ids[0]!r}: {string!r} lacks /{term[code]}/ ({term['key']})"
                    )
    assert not problems, f"{code} departs from glossary.toml:\n" + "\n".join(problems)


def test_glossary_exceptions_name_real_messages_and_give_a_reason() -> None:
    known = {
        message.id if isinstance(message.id, str) else message.id[0] for message in _catalogue("fr")
    }
    for term in _glossary():
        assert {"en", "key", *TRANSLATED} <= set(term), term
        for exception in term.get("exception", []):
            assert exception["msgid"] in known and exception["reason"].strip(), exception


# Numbers that count nothing: a total in parentheses, a step and round of the policy.
NOT_A_COUNT = {
    "lock history (%(count)d)",
    "%(who)s called out %(names)s (step %(step)d, round %(round)d).",
    "%(who)s found nobody to call out (step %(step)d, round %(round)d).",
    "Emergencies are never held back by the hourly limit. These people filed more than "
    "%(count)d in the last 24 hours:",
}


def test_every_message_with_a_count_has_plural_forms() -> None:
    """ "1 minutes" and "10 دقيقة" come from a count put in a single message: use ngettext."""
    found, plural, _in_context = _extracted()
    singular = [
        msgid
        for msgid in found
        if re.search(r"%\(\w+\)d", msgid) and msgid not in NOT_A_COUNT | plural
    ]
    assert not singular, f"use ngettext (a singular and a plural) for: {singular}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_messages_have_every_form_of_the_language(code: str) -> None:
    catalogue = _catalogue(code)
    assert catalogue.num_plurals == {"ar": 6}.get(code, 2), catalogue.plural_forms
    for message in catalogue:
        if message.pluralizable:
            assert len(message.string) == catalogue.num_plurals, message.id
            assert all(message.string), message.id


@pytest.mark.parametrize(
    ("code", "counts"),
    [
        ("en", {1: "wait 1 minute.", 2: "wait 2 minutes."}),
        ("fr", {1: "attendre 1 minute.", 10: "attendre 10 minutes."}),
        ("pt", {1: "esperar 1 minuto.", 10: "esperar 10 minutos."}),
        (
            "ar",
            {1: "دقيقة واحدة.", 2: "دقيقتين.", 10: "10 دقائق.", 11: "11 دقيقة.", 100: "100 دقيقة."},
        ),
    ],
)
def test_counts_read_right_in_each_language(app: Flask, code: str, counts: dict) -> None:
    template = app.jinja_env.from_string(
        '{{ ngettext("Call out %(targets)s, then wait %(num)d minute.",'
        ' "Call out %(targets)s, then wait %(num)d minutes.", n, targets="X") }}'
    )
    for n, expected in counts.items():
        with app.test_request_context(f"/?uselang={code}"):
            assert template.render(n=n).endswith(expected), (n, template.render(n=n))


def test_french_has_its_typography() -> None:
    """A no-break space before : ; ! ? (not a plain one, not none); curly apostrophes."""
    problems = []
    for message in _catalogue("fr"):
        _ids, strings = _forms(message)
        for string in strings if message.id else []:
            if re.search(r" [:;!?]|[\w»)][;!?]|\w'\w", string):
                problems.append(f"  {string!r}")
    assert not problems, "French typography:\n" + "\n".join(problems)


def test_delivery_failures_the_desk_knows_are_said_in_the_readers_language(app: Flask) -> None:
    reason = app.jinja_env.globals["oncall_reason"]
    with app.test_request_context("/?uselang=fr"):
        assert reason("no e-mail address") == "pas d\u2019adresse électronique"
        # A mail server's own answer is shown as it came.
        assert reason("550 5.1.1 <a@example.org>: 100% full") == (
            "550 5.1.1 <a@example.org>: 100% full"
        )


# Words that tell European from Brazilian Portuguese (MediaWiki's pt and pt-br).
PORTUGUESE_OF = {
    "pt": r"\b(usuári\w*|registr(o|os|ou|ad\w*)|equipe|tela|arquivos?|contato|você"
    r"|aguardando|liber(ar|ou|ado|á-lo)|links?|entrar|sair)\b",
    "pt_BR": r"\b(utilizador\w*|registos?|regist(ou|ad\w*)|equipa|ecrã|ficheiros?"
    r"|(iniciar|terminar|inicie) sessão|ligaç(ão|ões)|receç(ão|ões)|contacto|facto"
    r"|(est(á|ão|ava|avam|ou)|estar) a \w+(ar|er|ir))\b",
}


@pytest.mark.parametrize("code", ["pt", "pt_BR"])
def test_portuguese_is_european_and_brazilian_is_brazilian(code: str) -> None:
    mixed = [
        string
        for message in _catalogue(code)
        if message.id
        for string in _forms(message)[1]
        if re.search(PORTUGUESE_OF[code], string, re.IGNORECASE)
    ]
    assert not mixed, f"{code} uses the other Portuguese's words:\n" + "\n".join(mixed)


def test_a_core_error_with_a_count_takes_the_plural_form_it_needs(app: Flask) -> None:
    from tools.base.messages import N_plural, TranslatableError

    message = N_plural(
        "A token needs a name of at most %(num)d character.",
        "A token needs a name of at most %(num)d characters.",
    )
    assert str(TranslatableError(message, num=1)).endswith("at most 1 character.")
    with app.test_request_context("/?uselang=ar"):
        assert i18n.error_text(TranslatableError(message, num=100)).endswith("100 حرف.")
        assert i18n.error_text(TranslatableError(message, num=11)).endswith("11 حرفًا.")


def test_every_gendered_form_is_translated_in_every_language() -> None:
    """Messages in a context (``NP_``: the reader's gender, as ``{{GENDER:}}``) need their
    own entry; a missing one would address the reader in English."""
    contexts = _extracted()[2]
    assert ("You were called out for the emergency %(reference)s (%(category)s).", "female") in (
        contexts
    )
    problems = [
        f"  {code}: {msgid!r} ({context}): {problem}"
        for code in TRANSLATED
        for msgid, context in sorted(contexts)
        if (problem := _untranslated(_catalogue(code).get(msgid, context)))
    ]
    assert not problems, "Gendered forms to translate:\n" + "\n".join(problems)
