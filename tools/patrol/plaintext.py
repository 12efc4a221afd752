"""The words a reader sees in wikitext: what comments are compared and classified by."""

from __future__ import annotations

import re

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes import (
    Comment as CommentNode,
)
from mwparserfromhell.wikicode import Wikicode

#: Opening and closing quotation marks put around quoted text ({{tq}}, <blockquote>)
#: by :func:`plain_text`, so that the classifier can tell quoted words from the
#: writer's own.
OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"


#: Templates that show their first parameter as a quotation.
_QUOTE_TEMPLATES = {
    "tq",
    "talkquote",
    "talkquotation",
    "tqi",
    "quote",
    "quotation",
    "cquote",
    "citation",  # fr {{citation}}
    "citação",
    "quote box",
    "اقتباس",
    "تعليق مقتبس",
}
#: Templates that show a user name (pings and user links).
_PING_TEMPLATES = {"ping", "re", "reply to", "replyto", "mention", "notif", "notification"}
#: Templates that show a user name as a link.
_USER_TEMPLATES = {"u", "user", "util", "utilisateur", "usuário", "u2", "مس"}
#: Tags whose content a reader does not see in the running text.
_HIDDEN_TAGS = {"ref", "references", "gallery", "math", "score", "templatedata", "timeline"}
_QUOTE_TAGS = {"blockquote", "q"}
_HIDDEN_LINK_PREFIXES = re.compile(
    r"^\s*(?:file|image|category|fichier|catégorie|ficheiro|arquivo|imagem|categoria"
    r"|ملف|صورة|تصنيف)\s*:",
    re.IGNORECASE,
)


#: Indentation and list markup at the start of a line (":", "*", "#", ";").
_LIST_MARKUP = re.compile(r"^[:*#;]+[ \t]*", re.M)


def plain_text(wikitext: str) -> str:
    """The words a reader sees: markup, templates, references and comments removed.

    Links show their label (``[[a|b]]`` is ``b``), ``''italic''`` and ``'''bold'''``
    their words, ``<nowiki>`` its literal content. Quotation templates ({{tq}},
    {{quote}}…) and ``<blockquote>`` become the quoted words in quotation marks, so
    that the classifier can tell quoted speech; pings show ``@name``.
    """
    simple = _simple_plain_text(wikitext.replace("\r", ""))
    if simple is not None:
        return _LIST_MARKUP.sub("", simple)
    return _LIST_MARKUP.sub("", _render(mwparserfromhell.parse(wikitext)))


_SIMPLE_LINK = re.compile(r"\[\[([^\[\]{}|<>\n]*)(?:\|([^\[\]{}<>\n]*))?\]\]")
_SIMPLE_URL_LINK = re.compile(r"\[((?:https?:)?//[^\s\[\]<>\"]+)(?: ([^\[\]<>\n]*))?\]")


def _simple_plain_text(wikitext: str) -> str | None:
    """Plain text of wikitext holding only words, links and web links, without the parser.

    Most talk page comments are such text around a signature; parsing them with
    mwparserfromhell costs most of the time of reading a page. None when the text
    holds anything else (templates, tags, bold, headings…), which the parser reads.
    """
    if (
        any(mark in wikitext for mark in ("{", "<", "&", "''", "\n=", "\n;"))
        or wikitext[:1] in "=;"
    ):
        return None

    def link(match: re.Match[str]) -> str:
        if _HIDDEN_LINK_PREFIXES.match(match[1]):
            return ""
        return match[2] if match[2] is not None else match[1].lstrip(":")

    text = _SIMPLE_LINK.sub(link, wikitext)
    text = _SIMPLE_URL_LINK.sub(lambda m: m[2] if m[2] is not None else m[1], text)
    return None if "[" in text or "]" in text else text


def _render(code: Wikicode) -> str:
    return "".join(_render_node(node) for node in code.nodes)


def _render_node(node: Node) -> str:
    if isinstance(node, Text):
        return str(node.value)
    if isinstance(node, Wikilink):
        if _HIDDEN_LINK_PREFIXES.match(str(node.title)):
            return ""
        return _render(node.text) if node.text is not None else _render(node.title).lstrip(":")
    if isinstance(node, ExternalLink):
        return _render(node.title) if node.title is not None else str(node.url)
    if isinstance(node, Template):
        return _render_template(node)
    if isinstance(node, Tag):
        return _render_tag(node)
    if isinstance(node, HTMLEntity):
        return node.normalize()
    if isinstance(node, Heading):
        return _render(node.title).strip() + "\n"
    if isinstance(node, CommentNode | Argument):
        return ""
    return str(node)


def _render_template(template: Template) -> str:
    name = " ".join(str(template.name).replace("_", " ").split()).casefold()
    if name in _QUOTE_TEMPLATES and template.has("1"):
        quoted = _render(template.get("1").value).strip()
        return f"{OPEN_QUOTE}{quoted}{CLOSE_QUOTE}"
    if name in _PING_TEMPLATES or name in _USER_TEMPLATES:
        names = [
            _render(param.value).strip()
            for param in template.params
            if not param.showkey and _render(param.value).strip()
        ]
        mark = "@" if name in _PING_TEMPLATES else ""
        return ", ".join(f"{mark}{user}" for user in names)
    return ""


def _render_tag(tag: Tag) -> str:
    name = str(tag.tag).strip().casefold()
    if name in _HIDDEN_TAGS:
        return ""
    if name == "br":
        return "\n"
    if tag.contents is None:
        return ""
    if name == "nowiki":
        return str(tag.contents)
    inner = _render(tag.contents)
    if name in _QUOTE_TAGS:
        return f"{OPEN_QUOTE}{inner.strip()}{CLOSE_QUOTE}"
    return inner
