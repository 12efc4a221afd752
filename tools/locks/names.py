"""Accounts, IPs, ranges and block ids written as MediaWiki writes them.

Log titles and search boxes name the same account in many ways (``User:Name@global``,
``some_name``, ``192.000.002.010``); both are put in one form so that they meet.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from tools.models import LockTargetKind


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form (NFC), as MediaWiki stores every title and name.

    ``José`` typed as ``e`` + a combining acute then meets the stored ``José``.
    """
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def canonical_username(name: str) -> str:
    """A user name as MediaWiki stores it: NFC, spaces for underscores, first letter upper case."""
    name = " ".join(nfc(name).replace("_", " ").split())
    if not name:
        return name
    first = name[0].upper()
    return (first if len(first) == 1 else name[0]) + name[1:]


def canonical_ip(text: str) -> tuple[str, LockTargetKind] | None:
    """An IP or range in MediaWiki's form (``IPUtils::sanitizeIP``), or None if not one.

    IPv4 loses leading zeros; IPv6 is upper case with every word written out; a range
    is named by its first address (``192.0.2.7/24`` is ``192.0.2.0/24``).
    """
    text = text.strip()
    if "." not in text and ":" not in text:
        return None  # most names: no need to ask ipaddress
    address, slash, bits = text.partition("/")
    try:
        if slash:
            network = ipaddress.ip_network(f"{_plain_ip(address)}/{bits}", strict=False)
            return f"{_mediawiki_ip(network.network_address)}/{bits}", LockTargetKind.RANGE
        return _mediawiki_ip(ipaddress.ip_address(_plain_ip(address))), LockTargetKind.IP
    except ValueError:
        return None


def covering_ranges(target: str) -> list[str]:
    """Every range containing an IP or range, as stored (``1.2.3.4`` -> ``1.2.3.0/24``, …).

    Shortest prefix first; not the target itself. Empty for what is not an IP or range.
    Looking each up by the target index (``target IN (...)``) finds the blocks that
    cover an address with one index probe per prefix length, never a scan.
    """
    found = canonical_ip(target)
    if found is None:
        return []
    address, _, bits = found[0].partition("/")
    network = ipaddress.ip_network(f"{address}/{bits or 128 if ':' in address else bits or 32}")
    return [
        f"{_mediawiki_ip(network.supernet(new_prefix=length).network_address)}/{length}"
        for length in range(network.prefixlen)
    ]


def _plain_ip(address: str) -> str:
    """IPv4 without leading zeros, which Python refuses and MediaWiki accepts."""
    parts = address.split(".")
    if len(parts) == 4 and all(part.isdigit() for part in parts):
        return ".".join(str(int(part)) for part in parts)
    return address


def _mediawiki_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.version == 4:
        return str(address)
    return ":".join(f"{int(word, 16):X}" for word in address.exploded.split(":"))


#: A name already in canonical form that cannot be an IP, a range or a block id.
_PLAIN_NAME = re.compile(r"[^\W\d_][^:/@#._\s]*(?: [^:/@#._\s]+)*")


def canonical_target(text: str) -> tuple[str, LockTargetKind]:
    """What a log title or a search box names: an account, an IP, a range or a block id.

    ``User:Name@global``, ``User:Name``, ``Special:Contributions/192.0.2.1``, ``User:#12``
    and plain ``Name`` or ``192.0.2.1`` are all understood.
    """
    text = nfc(text)
    if text.startswith("User:") and text.endswith("@global"):
        name = text[5:-7]  # how CentralAuth names every account it logs
        if name[:1].isupper() and _PLAIN_NAME.fullmatch(name):
            return name, LockTargetKind.ACCOUNT
    if text[:1].isupper() and _PLAIN_NAME.fullmatch(text):
        return text, LockTargetKind.ACCOUNT  # already canonical: the common case, made quick
    text = text.strip()
    namespace, colon, rest = text.partition(":")
    namespace = namespace.strip().lower() if colon else ""
    if namespace == "user":
        text = rest
    elif namespace == "special" and rest.lower().startswith("contributions/"):
        text = rest.partition("/")[2]  # very old global blocks name Special:Contributions/IP
    text = text.strip()
    if text.endswith("@global"):
        return canonical_username(text.removesuffix("@global")), LockTargetKind.ACCOUNT
    if text.startswith("#") and text[1:].isdigit():
        return text, LockTargetKind.BLOCK_ID
    return canonical_ip(text) or (canonical_username(text), LockTargetKind.ACCOUNT)


def canonical_prefix(text: str) -> str:
    """The start of a name as stored: IPv6 prefixes upper case, names with a capital."""
    text = nfc(text).strip().replace("_", " ")
    if ":" in text and re.fullmatch(r"[0-9A-Fa-f:./]+", text):
        return text.upper()
    return canonical_username(text) if text else text
