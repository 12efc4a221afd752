"""PDQ hashing and bank matching (tools.patrol.image_hashes, hash_index, hash_banks).

Our hashes of PDQ's own reference images must equal the reference implementation's, or
lie within the 16 bits its own test allows (JPEG decoders round pixels differently);
copies of an image changed as re-uploads are (resized, re-encoded, mirrored, rotated)
must match it at PDQ's threshold while unrelated photos do not; the index must find
exactly what a brute-force scan finds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tools import cases
from tools.base.config import load_settings
from tools.base.db import session_factory
from tools.models import AdminEvent, AlertStatus, BankCategory, Case, Category, Severity, User
from tools.patrol import alerts, hash_banks, upload_matches
from tools.patrol.hash_index import HashIndex, brute_force, to_words
from tools.patrol.image_hashes import ImageHashError, hash_image
from tools.patrol.uploads import Upload

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pdq"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/pdq")
#: The reference test's own tolerance (pdq/python/pdqhashing/tests/pdq_test.py).
REFERENCE_TOLERANCE = 16

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"PDQ's reference images: {DATA}")


def expected() -> dict[str, str]:
    with (DATA / "expected_hashes.csv").open(encoding="utf-8") as handle:
        return {row["image"]: row["pdq_hash"] for row in csv.DictReader(handle)}


def bits_apart(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def image_bytes(name: str) -> bytes:
    return (DATA / "images" / name).read_bytes()


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@needs_data
def test_reference_images_hash_as_pdqs_reference_implementation() -> None:
    differences = {
        name: bits_apart(hash_image(image_bytes(name)).hash, pdq)
        for name, pdq in expected().items()
    }
    assert max(differences.values()) <= REFERENCE_TOLERANCE, differences
    # Most are bit for bit; only JPEG decoding differs, never the algorithm.
    assert sum(d == 0 for d in differences.values()) >= len(differences) // 2, differences


@needs_data
def test_the_eight_transforms_of_one_hash_are_pdqs_dihedral_hashes() -> None:
    wanted = expected()
    found = hash_image(image_bytes("bridge-1-original.jpg"), dihedral=True)
    assert len(found.dihedral) == 8
    for name in [n for n in wanted if n.startswith("bridge-")]:
        nearest = min(bits_apart(h, wanted[name]) for h in found.dihedral)
        assert nearest <= REFERENCE_TOLERANCE, name


@needs_data
def test_changed_copies_match_and_unrelated_photos_do_not() -> None:
    names = [n for n in expected() if n.startswith("q") or n == "bridge-1-original.jpg"]
    banked = {name: hash_image(image_bytes(name)) for name in names}
    usable = {name: h for name, h in banked.items() if h.usable}
    index = HashIndex.of([h.hash for h in usable.values()])
    order = list(usable)
    original = Image.open(io.BytesIO(image_bytes("bridge-1-original.jpg"))).convert("RGB")
    copies = {
        "resized and re-encoded": encode(original.resize((400, 251)), quality=60),
        "mirrored": encode(ImageOps.mirror(original), quality=85),
        "rotated": encode(original.rotate(90, expand=True), quality=85),
        "greyscale PNG": encode(ImageOps.grayscale(original), "PNG"),
    }
    for what, data in copies.items():
        query = hash_image(data, dihedral=True)
        found = [order[m.row] for m, _ in index.search_any(to_words(query.dihedral))]
        assert found == ["bridge-1-original.jpg"], what
    for name, image in usable.items():  # unrelated photos are far apart
        others = [m for m in index.search(to_words([image.hash])[0]) if order[m.row] != name]
        assert others == [], name


def test_not_an_image_is_refused_with_a_reason() -> None:
    with pytest.raises(ImageHashError):
        hash_image(b"%PDF-1.7 not an image")
    flat = hash_image(encode(Image.new("RGB", (300, 300), "white"), "PNG"))
    assert not flat.usable  # a single colour says nothing: never banked, never matched


@pytest.mark.parametrize("threshold", [0, 10, 31, 40])
def test_the_index_finds_exactly_what_brute_force_finds(threshold: int) -> None:
    rng = np.random.default_rng(threshold)
    bank = rng.integers(0, 2**64 - 1, size=(20_000, 4), dtype=np.uint64)
    # Clusters of near copies, as real banks hold, beside random hashes.
    bank[:2000] = bank[:20].repeat(100, axis=0)
    for row in range(2000):
        for _ in range(rng.integers(0, 30)):
            bank[row, rng.integers(0, 4)] ^= np.uint64(1) << np.uint64(rng.integers(0, 64))
    index = HashIndex(bank)
    for _ in range(60):
        query = bank[rng.integers(0, len(bank))].copy()
        for _ in range(rng.integers(0, 45)):
            query[rng.integers(0, 4)] ^= np.uint64(1) << np.uint64(rng.integers(0, 64))
        got = sorted(m.row for m in index.search(query, threshold))
        assert got == sorted(brute_force(bank, query, threshold).tolist())


def test_a_bank_file_reads_hashes_labels_and_names_its_bad_line() -> None:
    good = "0" * 63 + "1"
    text = f"# exported from HMA\n{good},case 12\n\n{'ab' * 32}\t label two\n{good.upper()}\n"
    assert hash_banks.parse_bank_file(text) == [(good, "case 12"), ("ab" * 32, "label two")]
    with pytest.raises(hash_banks.BankError) as err:
        hash_banks.parse_bank_file(f"{good}\nnot-a-hash\n")
    assert err.value.variables == {"line": "2"}


@pytest.fixture
def session(migrated: Engine) -> Iterator[Session]:
    with session_factory(migrated)() as session:
        yield session


@needs_data
def test_a_match_is_one_restricted_alert_and_child_safety_files_an_emergency(
    session: Session,
) -> None:
    bridge = hash_image(image_bytes("bridge-1-original.jpg"))
    child = hash_banks.load_bank(
        session, "NCMEC sample", "child_safety", [(bridge.hash, "x")], restricted=False
    )
    other = hash_banks.load_bank(session, "Doxxing photos", BankCategory.DOXXING, [])
    assert child.restricted and other.restricted  # child safety always; others by default
    assert [(b.name, b.size) for b in hash_banks.banks(session)] == [
        ("Doxxing photos", 0),
        ("NCMEC sample", 1),
    ]
    audit = session.scalars(select(AdminEvent).where(AdminEvent.action == "hash-bank-loaded"))
    assert all(bridge.hash not in str(event.data) for event in audit)  # names, sizes only

    matcher = hash_banks.BankMatcher.load(session)
    mirrored = Image.open(io.BytesIO(image_bytes("bridge-1-original.jpg"))).transpose(
        Image.Transpose.FLIP_LEFT_RIGHT
    )
    query = hash_image(encode(mirrored.resize((512, 321))), dihedral=True)
    matches = matcher.match(query)
    assert [(m.bank_id, m.transform) for m in matches] == [(child.id, "flip-horizontal")]

    upload = Upload("commonswiki", 77, "File:Bridge.jpg", "Uploader", "2026-12-03T08:00:00Z")
    banks = {bank.id: bank for bank in hash_banks.banks(session)}
    settings = load_settings(database_url="sqlite://")
    alert = upload_matches.raise_match_alert(session, upload, matches, banks, settings)
    assert alert is not None and alert.restricted and alerts.is_restricted(alert)
    assert alert.category == "hash_child_safety" and alert.status == AlertStatus.CASE
    case = session.get(Case, alert.case_id)
    assert case is not None
    assert (case.category, case.severity, case.restricted) == (
        Category.CHILD_PROTECTION,
        Severity.EMERGENCY,
        True,
    )
    assert upload_matches.raise_match_alert(session, upload, matches, banks, settings) is None
    listed = alerts.list_alerts(session, include_restricted=False)
    assert alert not in listed and alert in alerts.list_alerts(session)


def test_only_a_restricted_case_feeds_the_local_bank(session: Session) -> None:

    specialist = User(username="Restricted One")
    session.add(specialist)
    session.flush()
    settings = load_settings(database_url="sqlite://")
    request = cases.NewRequest(Category.HARASSMENT, "Harassment", "Photos of a house.")
    plain = cases.file_request(session, specialist, request, settings)
    image = hash_image(
        encode(
            ImageOps.grayscale(Image.effect_mandelbrot((256, 256), (-2, -1.5, 1, 1.5), 60)), "PNG"
        )
    )
    with pytest.raises(hash_banks.BankError):
        hash_banks.add_local_hash(session, plain, specialist, image, "File:House.jpg")
    restricted = cases.file_request(
        session, specialist, cases.NewRequest(Category.CHILD_PROTECTION, "CP", "x"), settings
    )
    bank = hash_banks.add_local_hash(session, restricted, specialist, image, "an uploaded file")
    assert (bank.name, bank.size, bank.local) == ("local: child_safety", 1, True)
    assert restricted.events[-1].kind == "hash-banked"
    assert image.hash not in (restricted.events[-1].body or "")
    hash_banks.add_local_hash(session, restricted, specialist, image, "again")
    assert bank.size == 1


def test_a_thumbnail_is_read_within_its_cap_and_a_server_error_is_tried_again() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import requests

    from tools.patrol.uploads import FetchError, fetch_capped

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            status = {"/gone": 404, "/broken": 503}.get(self.path, 200)
            self.send_response(status)
            self.end_headers()  # no Content-Length: the cap must hold while reading
            if status == 200:
                self.wfile.write(b"x" * (2000 if self.path == "/big" else 100))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert fetch_capped(f"{base}/small", "test", max_bytes=1000) == b"x" * 100
        with pytest.raises(FetchError):
            fetch_capped(f"{base}/big", "test", max_bytes=1000)
        with pytest.raises(FetchError):
            fetch_capped(f"{base}/gone", "test")
        with pytest.raises(requests.HTTPError):  # passing: the watcher keeps its checkpoint
            fetch_capped(f"{base}/broken", "test")
    finally:
        server.shutdown()
