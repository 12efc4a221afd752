"""PDQ perceptual hashes of images, computed in memory from their bytes.

PDQ (Meta's photo hash, the one HMA and ThreatExchange exchange) gives 256 bits that
change little when an image is resized, re-encoded or slightly edited; two copies of an
image lie within a few bits, unrelated images about 128 apart. The hash comes from
``pdqhash``, the Python bindings of Meta's reference C++ code, on Pillow's decoding of
the image (RGB). The image never touches the disk: bytes in, hash out.

Hashes are 64 lower-case hex digits, most significant bit first, as ThreatExchange
writes them. Compared with the hashes Meta's reference tools give for their own test
images (``../shared/data/pdq``), ours differ by at most 16 bits (the reference test's
own tolerance; 0 for most, up to 12 seen): JPEG decoders (Pillow's libjpeg-turbo
against ImageMagick's) round pixels a little differently.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

from tools.base.messages import N_, TranslatableError

#: PDQ's own quality scale, 0 to 100. Below this the image is too flat (a single
#: colour, a tiny icon) for its hash to say anything: HMA ignores such hashes.
MIN_QUALITY = 50
#: Pixels Pillow may decode at most (a decompression bomb is refused, not decoded).
MAX_PIXELS = 50_000_000
#: The eight transforms PDQ hashes at once (``pdqhash.compute_dihedral``'s order).
DIHEDRAL = (
    "original",
    "rotate-90",
    "rotate-180",
    "rotate-270",
    "flip-vertical",
    "flip-horizontal",
    "rotate-90-flip-vertical",
    "rotate-90-flip-horizontal",
)


class ImageHashError(TranslatableError):
    """The bytes are not an image Pillow can read, or one too large to decode."""


@dataclass(frozen=True)
class ImageHash:
    """An image's PDQ hash (hex) and quality, with the hashes of its seven transforms."""

    hash: str
    quality: int
    dihedral: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.quality >= MIN_QUALITY


def bits_to_hex(bits: np.ndarray) -> str:
    """PDQ's 256 bits (0/1, most significant first) as 64 hex digits."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _rgb(data: bytes) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageHashError(N_("The image is too large to hash."))
                return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageHashError(N_("The file is not an image that can be hashed.")) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageHashError(N_("The file is not an image that can be hashed.")) from None


def hash_image(data: bytes, *, dihedral: bool = False) -> ImageHash:
    """The PDQ hash of an image given as bytes (JPEG, PNG, GIF, WebP…), and its quality.

    ``dihedral`` also gives the hashes of its rotations and flips (one pass of PDQ's
    DCT, cheaper than eight hashes), to match a mirrored or rotated re-upload.
    """
    pixels = _rgb(data)
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(pixels)
        hexes = tuple(bits_to_hex(vector) for vector in vectors)
        return ImageHash(hexes[0], int(quality), hexes)
    vector, quality = pdqhash.compute(pixels)
    return ImageHash(bits_to_hex(vector), int(quality))


def hash_pixels(pixels: np.ndarray) -> str:
    """The PDQ hash of an RGB array (height x width x 3, uint8): for the bench and tests."""
    vector, _ = pdqhash.compute(np.ascontiguousarray(pixels, dtype=np.uint8))
    return bits_to_hex(vector)
