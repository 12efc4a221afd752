"""Accounts, IP addresses and IP ranges involved in a request, in the form MediaWiki uses.

A functionary pastes what they have: ``jean_dupont``, ``User:Jean Dupont``,
``Special:Contributions/2001:db8::1``, a link to a user page or to contributions on any
Wikimedia wiki. Each becomes a :class:`Subject` whose value is what MediaWiki stores and shows,
so that the same person or address is always written the same way (and found by search):

- **IPv4**: dotted quad without leading zeros (``010.0.0.1`` -> ``10.0.0.1``).
- **IPv6**: all eight groups, upper case, no leading zeros, no ``::``
  (``2001:db8::1`` -> ``2001:DB8:0:0:0:0:0:1``): MediaWiki's ``IPUtils::sanitizeIP``, the form
  of IP "user names" in histories, contributions and block logs.
- **Ranges**: CIDR with the network address, host bits cleared (``10.1.2.3/16`` ->
  ``10.1.0.0/16``), as ``IPUtils::sanitizeRange`` gives block targets; no wider than
  MediaWiki's default ``$wgBlockCIDRLimit`` (/16 for IPv4, /19 for IPv6), the widest range a
  wiki can block or list contributions of.
- **Accounts**: ``UserNameUtils::getCanonical``: underscores and runs of white space as one
  space, trimmed, first letter upper case; refused when MediaWiki would not accept it as a
  user name (empty, longer than 255 bytes, an IP, ``/``, characters illegal in titles
  ``# < > [ ] | { }``, invisible and private-use characters), and also with ``@`` or ``:``,
  which no account created since 2015 can have (``$wgInvalidUsernameCharacters``) and
  which here mostly mean something else (``Name@enwiki``, an unknown namespace).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tools.models import SubjectKind
from tools.wiki import wikis

#: MediaWiki's default $wgBlockCIDRLimit: the widest ranges it blocks or lists.
BLOCK_CIDR_LIMIT = {4: 16, 6: 19}

#: Special pages whose subpage (or ``target`` parameter) names an account or an IP.
USER_PAGES_SPECIAL = ("Contributions", "DeletedContributions", "CentralAuth", "GlobalContributions")


class InvalidSubject(ValueError):
    """The text is not an account, an IP address or a range MediaWiki would accept."""


@dataclass(frozen=True)
class Subject:
    """An account or IP involved in a case, as MediaWiki writes it."""

    kind: SubjectKind
    value: str  # canonical user name, IP address or CIDR range
    wiki: str | None = None  # the wiki of the link it came from, if it came from a link


# --- IP addresses ---------------------------------------------------------------------------

_IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}|xxx)$", re.IGNORECASE)
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$")
_PREFIX_LENGTH = re.compile(r"^\d{1,3}$")


def _ipv4_text(address: str) -> str | None:
    """``010.0.0.1`` -> ``10.0.0.1`` (MediaWiki reads leading zeros as decimal); None if not."""
    match = _IPV4.match(address)
    if not match:
        return None
    if any(not part.isdigit() or int(part) > 255 for part in match.groups()):
        raise InvalidSubject(f'"{address}" is not a valid IP address')
    return ".".join(str(int(part)) for part in match.groups())


def _ipv6_words(address: ipaddress.IPv6Address) -> str:
    """MediaWiki's form: eight groups, upper case, no leading zeros (``IPUtils::sanitizeIP``)."""
    return ":".join(f"{int(group, 16):X}" for group in address.exploded.split(":"))


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``text`` means, None if it does not look like one; raises if it is broken."""
    ipv4 = _ipv4_text(text)
    if ipv4 is not None:
        return ipaddress.IPv4Address(ipv4)
    if text.count(":") < 2 or not _IPV6.match(text):  # no zone ids ("fe80::1%eth0") either
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ipaddress.AddressValueError:
        raise InvalidSubject(f'"{text}" is not a valid IP address') from None


def format_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """An address as MediaWiki writes it: ``10.0.0.1``, ``2001:DB8:0:0:0:0:0:1``."""
    if isinstance(address, ipaddress.IPv6Address):
        return _ipv6_words(address)
    return str(address)


def parse_ip(text: str) -> Subject | None:
    """An IP address or CIDR range in MediaWiki's form; None if ``text`` is not IP-like.

    Raises :class:`InvalidSubject` for a broken address (``300.1.1.1``) or a range wider than
    MediaWiki blocks.
    """
    value = text.strip()
    address_text, slash, bits = value.partition("/")
    address = _parse_address(address_text)
    if address is None:
        return None
    if not slash:
        return Subject(SubjectKind.IP, format_ip(address))
    if not _PREFIX_LENGTH.match(bits) or int(bits) > address.max_prefixlen:
        raise InvalidSubject(f'"{value}" is not a valid IP range')
    prefix = int(bits)
    limit = BLOCK_CIDR_LIMIT[address.version]
    if prefix < limit:
        raise InvalidSubject(
            f'"{value}" is wider than /{limit}, the widest IPv{address.version} range '
            "MediaWiki can block or list contributions of"
        )
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return Subject(SubjectKind.RANGE, f"{format_ip(network.network_address)}/{prefix}")


# --- user names -----------------------------------------------------------------------------

# UserNameUtils::isValid's extra "troublemaker" characters left after white space is folded:
# C1 controls, zero-width and bidi marks, separators, private use.
_INVISIBLE = re.compile(r"[\x80-\x9f\xa0\u2000-\u200f\u2028-\u202f\u3000\ue000-\uf8ff]")
_NEVER_IN_NAMES = {  # character -> what to say after "… is not allowed"
    "#": "",
    "@": " (for an account on one wiki, paste a link to its user page)",
    ":": " (of prefixes, only User: and Special:Contributions/ are understood)",
    "/": "",
}


def canonical_username(text: str) -> str:
    """A user name as MediaWiki stores it; raises :class:`InvalidSubject` naming the input."""
    original = text.strip()
    name = wikis.clean_spaces(text)
    if not name:
        raise InvalidSubject("the user name is empty")
    if _INVISIBLE.search(name):
        raise InvalidSubject(f'"{original}" has an invisible or private-use character')
    for char, hint in _NEVER_IN_NAMES.items():
        if char in name:
            reason = f"{char} is not allowed{hint}"
            raise InvalidSubject(f'"{original}" is not a valid user name: {reason}')
    problem = wikis.title_problem(name)
    if problem:
        raise InvalidSubject(f'"{original}" is not a valid user name: it {problem}')
    return wikis.ucfirst(name)


def _subject_from_name(text: str, *, from_page: bool) -> Subject:
    """An IP, a range or an account; a page's subpage (``User:Name/sandbox``) means its user."""
    name = wikis.clean_spaces(text)
    head, slash, tail = name.partition("/")
    if from_page and slash and not tail.isdigit():  # a subpage, not a range's prefix length
        name = head.rstrip(" ")
    found = parse_ip(name)
    if found is not None:
        return found
    if from_page and "/" in name:  # User:Name/2024
        return _subject_from_name(head, from_page=False)
    return Subject(SubjectKind.ACCOUNT, canonical_username(name))


# --- what people paste ----------------------------------------------------------------------

_PAGE_PREFIX = re.compile(r"^([^:/]+?)[ _]*:[ _]*(.*)$", re.DOTALL)


def _from_title(wiki: wikis.Wiki | None, title: str, params: Mapping[str, str]) -> str | None:
    """The user a title names: ``User:Name``, ``User talk:Name``, ``Special:Contributions/Name``.

    None when the title is no such page; the name is returned as written.
    """
    match = _PAGE_PREFIX.match(wikis.clean_spaces(title))
    if not match:
        return None
    namespace = wikis.namespace_index(wiki, match.group(1))
    rest = match.group(2)
    if namespace in (wikis.USER, wikis.USER_TALK):
        return rest
    if namespace == wikis.SPECIAL:
        page, _, target = rest.partition("/")
        if wikis.special_page_name(wiki, page) in USER_PAGES_SPECIAL:
            return target or params.get("target") or ""
    return None


def _from_link(text: str) -> Subject:
    try:
        link = wikis.split_url(text)
    except ValueError as err:  # UnknownWiki included
        raise InvalidSubject(str(err)) from None
    name = _from_title(link.wiki, link.title or "", link.params)
    if name is None:
        raise InvalidSubject(
            f'"{text}" is not a link to a user page or to contributions of an account or IP'
        )
    if not name.strip(" _"):
        raise InvalidSubject(f'"{text}" names no account or IP')
    subject = _named(text, name)
    return Subject(subject.kind, subject.value, link.wiki.dbname)


def _named(original: str, name: str) -> Subject:
    """The subject a page names, errors naming what was pasted."""
    try:
        return _subject_from_name(name, from_page=True)
    except InvalidSubject as err:
        if original.strip() == name.strip():
            raise
        raise InvalidSubject(f'"{original.strip()}": {err}') from None


def parse_subject(text: str) -> Subject:
    """An account, IP or range from a name, ``User:Name``, ``Special:Contributions/Name`` or link.

    Raises :class:`InvalidSubject` with a message that names the input.
    """
    value = text.strip()
    if not value:
        raise InvalidSubject("nothing given: an account name, an IP address or a range")
    if re.match(r"^https?://", value, re.IGNORECASE):
        return _from_link(value)
    if parse_ip(value) is not None:  # before prefixes: "2001:db8::1" is no namespace
        return _subject_from_name(value, from_page=False)
    name = _from_title(None, value, {})
    if name is not None:
        if not name.strip(" _"):
            raise InvalidSubject(f'"{value}" names no account or IP')
        return _named(value, name)
    return _subject_from_name(value, from_page=False)


def parse_subjects(text: str) -> tuple[list[Subject], list[str]]:
    """Subjects from a text area, one per line: blank lines skipped, repeats dropped, in order.

    A repeat is the same account or address, whichever wiki's link it came from (accounts are
    global). Returns the subjects and one readable message for each line that is not one.
    """
    subjects: list[Subject] = []
    seen: set[tuple[SubjectKind, str]] = set()
    errors: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            subject = parse_subject(line)
        except InvalidSubject as err:
            errors.append(str(err))
            continue
        if (subject.kind, subject.value) not in seen:
            seen.add((subject.kind, subject.value))
            subjects.append(subject)
    return subjects, errors
