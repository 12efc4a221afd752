"""Evidence links: a pasted link to a diff, a revision, a log entry or a page of a Wikimedia wiki.

A functionary pastes links as their browser shows them, desktop or mobile, in any of the
shapes MediaWiki answers to. Each becomes an :class:`Evidence` that says what it points at
(wiki, revision ids, log id, title), so that a specialist sees the same thing whichever shape
was pasted, and :func:`canonical_url` gives one link for each.

Shapes read (``/w/index.php`` or the article path ``/wiki/``, ``http`` or ``https``):

- diffs: ``?diff=123&oldid=100``, ``?diff=prev&oldid=123``, ``?diff=next&oldid=100``,
  ``?diff=cur&oldid=100``, ``?title=T&diff=cur``, ``?diff=123``, ``Special:Diff/123``,
  ``Special:Diff/100/123``, ``Special:MobileDiff/123``, ``Special:MobileDiff/100...123``;
- revisions (permanent links): ``?oldid=123``, ``Special:PermanentLink/123`` (``Permalink``),
  ``Special:Redirect/revision/123``;
- log entries: ``Special:Log?logid=123``, ``?title=Special:Log&logid=123``,
  ``Special:Redirect/logid/123``;
- pages: ``/wiki/Title``, ``?title=Title`` (``action=history`` and the like included);
- other special pages (``Special:AbuseLog/123``, ``Special:Log?type=block``) and page-id links
  (``?curid=123``) are kept as they are, of kind ``other``.

Special page names are read in English and in the wiki's language (``Spécial:Diff/123``).
Titles are normalised as :func:`tools.wikis.parse_title` says: percent-decoded, underscores
as spaces, a known namespace prefix spelled the wiki's way, first letter upper case except on
case-sensitive wikis (Wiktionary). The ``#fragment`` is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tools.models import EvidenceKind
from tools.wiki import wikis

DiffTo = Literal["next", "cur"]


class InvalidEvidence(ValueError):
    """The text is not a link to a page, revision, diff or log entry of a Wikimedia wiki."""


@dataclass(frozen=True)
class Evidence:
    """What an evidence link points at."""

    url: str  # as pasted (trimmed)
    kind: EvidenceKind
    wiki: str  # database name
    page_title: str | None = None
    rev_id: int | None = None  # the revision shown; in a diff, the newer one
    old_rev_id: int | None = None  # in a diff, the older one
    log_id: int | None = None
    # A diff whose newer side is not a fixed revision: "next" after old_rev_id, or "cur",
    # the page's current revision (old_rev_id, or the revision before it, against it).
    diff_to: DiffTo | None = None


@dataclass(frozen=True)
class _Link:
    """The parts of a pasted link the parsers below share."""

    url: str
    wiki: wikis.Wiki
    params: dict[str, str]

    def fail(self, reason: str) -> InvalidEvidence:
        return InvalidEvidence(f'"{self.url}" {reason}')

    def evidence(
        self,
        kind: EvidenceKind,
        *,
        page_title: str | None = None,
        rev_id: int | None = None,
        old_rev_id: int | None = None,
        log_id: int | None = None,
        diff_to: DiffTo | None = None,
    ) -> Evidence:
        return Evidence(
            self.url, kind, self.wiki.dbname, page_title, rev_id, old_rev_id, log_id, diff_to
        )


def _id(link: _Link, value: str | None, what: str) -> int | None:
    """A revision or log id (a positive whole number); None if absent or 0."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit():
        raise link.fail(f"has {what} {value!r}, which is not a number")
    return int(value) or None


def _required_id(link: _Link, value: str | None, what: str) -> int:
    found = _id(link, value, what)
    if found is None:
        raise link.fail(f"has no {what.removeprefix('a ')}")
    return found


# --- diffs and revisions --------------------------------------------------------------------


def _diff(link: _Link, diff: str, oldid: str | None, title: str | None) -> Evidence:
    """``diff`` and ``oldid`` as MediaWiki's DifferenceEngine reads them."""
    new = diff.strip().lower()
    old = _id(link, oldid, "a revision id (oldid)")
    if new in ("prev", "next") and old is None:
        raise link.fail(f"is a diff without a revision (diff={new} needs oldid)")
    if new == "prev":
        return link.evidence(EvidenceKind.DIFF, page_title=title, rev_id=old)
    if new == "next":
        return link.evidence(EvidenceKind.DIFF, page_title=title, old_rev_id=old, diff_to="next")
    if new in ("cur", "0", ""):
        if old is None and title is None:
            raise link.fail("is a diff without a revision or a page")
        return link.evidence(EvidenceKind.DIFF, page_title=title, old_rev_id=old, diff_to="cur")
    rev = _required_id(link, diff.strip(), "a revision id (diff)")
    if old is None:
        return link.evidence(EvidenceKind.DIFF, page_title=title, rev_id=rev)
    # Revision ids grow with time: the newer revision is the larger id, whatever the order.
    return link.evidence(
        EvidenceKind.DIFF, page_title=title, rev_id=max(rev, old), old_rev_id=min(rev, old)
    )


def _revision(link: _Link, oldid: str, title: str | None) -> Evidence:
    direction = link.params.get("direction", "").lower()
    rev = _id(link, oldid, "a revision id (oldid)")
    if direction in ("prev", "next"):
        raise link.fail(
            f"shows the revision {direction} to {oldid}: open it and paste its permanent link"
        )
    if rev is None:  # oldid=0: the current revision, i.e. the page
        if title is None:
            raise link.fail("has no revision id")
        return link.evidence(EvidenceKind.PAGE, page_title=title)
    return link.evidence(EvidenceKind.PERMALINK, page_title=title, rev_id=rev)


# --- special pages --------------------------------------------------------------------------


def _special(link: _Link, name: str, subpage: str, title: str) -> Evidence:
    """Diff, MobileDiff, PermanentLink, Log and Redirect; other special pages are "other"."""
    params = link.params
    if name == "Diff":
        if not subpage and "diff" in params:
            return _diff(link, params["diff"], params.get("oldid"), None)
        parts = subpage.split("/") if subpage else []
        if len(parts) == 1:
            return _diff(link, parts[0], None, None)
        if len(parts) == 2:
            return _diff(link, parts[1], parts[0], None)
        raise link.fail("is a diff without a revision")
    if name == "MobileDiff":
        old, dots, new = subpage.partition("...")
        return _diff(link, new, old, None) if dots else _diff(link, subpage, None, None)
    if name == "PermanentLink":
        rev = _required_id(link, subpage or None, "a revision id")
        return link.evidence(EvidenceKind.PERMALINK, rev_id=rev)
    if name == "Log" and "logid" in params:
        log_id = _required_id(link, params["logid"], "a log id (logid)")
        return link.evidence(EvidenceKind.LOG, log_id=log_id)
    if name == "Redirect":
        kind, _, value = subpage.partition("/")
        kind = kind or params.get("wptype", "")
        value = value or params.get("wpvalue", "")
        if kind == "logid":
            return link.evidence(EvidenceKind.LOG, log_id=_required_id(link, value, "a log id"))
        if kind == "revision":
            rev = _required_id(link, value, "a revision id")
            return link.evidence(EvidenceKind.PERMALINK, rev_id=rev)
    return link.evidence(EvidenceKind.OTHER, page_title=title)


# --- the entry points -----------------------------------------------------------------------


def _title(link: _Link, raw: str | None) -> wikis.Title | None:
    if raw is None:
        return None
    try:
        return wikis.parse_title(link.wiki, raw)
    except wikis.InvalidTitle as err:
        raise link.fail(f"is not a valid link: {err}") from None


def parse_evidence(text: str) -> Evidence:
    """What a pasted link points at; :class:`InvalidEvidence`, naming the link, if nothing."""
    value = text.strip()
    if not value:
        raise InvalidEvidence("no link given")
    try:
        parts = wikis.split_url(value)
    except ValueError as err:  # UnknownWiki included
        raise InvalidEvidence(str(err)) from None
    link = _Link(value, parts.wiki, dict(parts.params))
    parsed = _title(link, parts.title)
    title = None if parsed is None else str(parsed)
    if parsed is not None and parsed.namespace == wikis.SPECIAL:
        page, _, subpage = parsed.text.partition("/")
        name = wikis.special_page_name(link.wiki, page) or ""
        return _special(link, name, subpage.strip(" "), str(parsed))
    if "diff" in link.params:
        return _diff(link, link.params["diff"], link.params.get("oldid"), title)
    if "oldid" in link.params:
        return _revision(link, link.params["oldid"], title)
    if title is not None:
        return link.evidence(EvidenceKind.PAGE, page_title=title)
    if "curid" in link.params:
        _required_id(link, link.params["curid"], "a page id (curid)")
        return link.evidence(EvidenceKind.OTHER)
    raise link.fail("is not a link to a page, a revision, a diff or a log entry")


def parse_evidence_links(text: str) -> tuple[list[Evidence], list[str]]:
    """Evidence from a text area, one link per line: blank lines skipped, repeats dropped.

    A repeat is a link to the same thing (the same :func:`canonical_url`), however written.
    Returns the evidence in order and one readable message for each line that is not a link.
    """
    found: list[Evidence] = []
    seen: set[str] = set()
    errors: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            evidence = parse_evidence(line)
        except InvalidEvidence as err:
            errors.append(str(err))
            continue
        key = canonical_url(evidence)
        if key not in seen:
            seen.add(key)
            found.append(evidence)
    return found, errors


# --- showing it -----------------------------------------------------------------------------


def _query(title: str | None, **params: object) -> str:
    pairs = [] if title is None else [f"title={wikis.url_title(title)}"]
    pairs += [f"{key}={value}" for key, value in params.items() if value is not None]
    return "?" + "&".join(pairs)


def canonical_url(evidence: Evidence) -> str:
    """One https link for what the evidence points at, in the form MediaWiki itself links.

    Links of kind ``other`` are returned as pasted.
    """
    wiki = wikis.wiki_by_dbname(evidence.wiki)
    index, title = wiki.index_url, evidence.page_title
    if evidence.kind == EvidenceKind.DIFF:
        if evidence.rev_id is not None:
            diff = evidence.rev_id if evidence.old_rev_id is not None else "prev"
            oldid = evidence.old_rev_id or evidence.rev_id
            return index + _query(title, diff=diff, oldid=oldid)
        return index + _query(title, diff=evidence.diff_to or "cur", oldid=evidence.old_rev_id)
    if evidence.kind == EvidenceKind.PERMALINK:
        return index + _query(title, oldid=evidence.rev_id)
    if evidence.kind == EvidenceKind.LOG:
        return index + _query("Special:Log", logid=evidence.log_id)
    if evidence.kind == EvidenceKind.PAGE and title is not None:
        return wiki.page_url(title)
    return evidence.url
