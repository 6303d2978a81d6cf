"""Phone photos → safe, small, metadata-free JPEGs, with an instant quality check.

Only JPEG, PNG, WebP and HEIC/HEIF are opened, whatever the file is called; the pixel count
is checked from the header before any decoding (decompression bombs); EXIF orientation is
applied to the pixels and every other piece of metadata (GPS!) is dropped by re-encoding.
CPU-bound: call ``process`` in a thread.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, ImageFilter, ImageStat, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()  # adds the HEIF format to Pillow; we still name the formats we accept

FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]
MAX_PIXELS = 50_000_000  # a 48-MP phone photo still passes; bombs do not
MAX_SIDE = 1600
THUMB_SIDE = 320
JPEG_QUALITY = 85
MIN_SIDE = 600  # below this a document photo is unreadable
BLUR_THRESHOLD = 60.0  # variance of the Laplacian on the 512-px grey image
DARK_MEAN, BRIGHT_MEAN = 45, 235


class ImageRejected(ValueError):
    """Not an image we accept; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Processed:
    data: bytes
    thumbnail: bytes
    sha256: str
    width: int
    height: int
    source_format: str
    warnings: list[str] = field(default_factory=list)  # too_small | blurry | too_dark | overexposed


def _open(source: BinaryIO) -> Image.Image:
    source.seek(0, io.SEEK_END)
    if source.tell() == 0:
        raise ImageRejected("empty")
    source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source, formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageRejected("unsupported_type") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("too_many_pixels") from None
    except (OSError, ValueError, SyntaxError):
        raise ImageRejected("corrupt") from None
    width, height = image.size
    if width * height > MAX_PIXELS or width <= 0 or height <= 0:
        raise ImageRejected("too_many_pixels")
    return image


def quality_warnings(image: Image.Image, original_size: tuple[int, int]) -> list[str]:
    """Why a clerk might not be able to read this photo (answered before the resident leaves)."""
    warnings: list[str] = []
    if min(original_size) < MIN_SIDE:
        warnings.append("too_small")
    grey = image.convert("L")
    factor = max(1, max(grey.size) // 512)
    if factor > 1:
        grey = grey.reduce(factor)
    mean = ImageStat.Stat(grey).mean[0]
    if mean < DARK_MEAN:
        warnings.append("too_dark")
    elif mean > BRIGHT_MEAN:
        warnings.append("overexposed")
    edges = grey.filter(ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128))
    if ImageStat.Stat(edges).var[0] < BLUR_THRESHOLD and "too_dark" not in warnings:
        warnings.append("blurry")
    return warnings


# EXIF orientation → the transposition that shows the photo upright (as ImageOps.exif_transpose).
_ORIENT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    if scale >= 1:
        return size
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)  # no exif=, so no metadata at all
    return out.getvalue()


def process(source: BinaryIO | bytes) -> Processed:
    """Verify by decoding, orient, strip, downscale, re-encode, thumbnail, hash, check quality.

    ``source`` may be a file (a spooled upload): Pillow reads it as it decodes. Order matters
    for speed: decode at a reduced DCT scale, resize, and only then rotate the smaller image.
    """
    image = _open(io.BytesIO(source) if isinstance(source, bytes) else source)
    source_format = image.format or "?"
    original_size = image.size
    try:
        orientation = image.getexif().get(0x0112, 1)
        target = _fit(original_size, MAX_SIDE)
        if image.format == "JPEG" and target != original_size:
            # Asking draft for the target itself (not MAX_SIDE×MAX_SIDE): a 4:3 photo then decodes at 1/2.
            image.draft("RGB", target)
        image.load()
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        if image.size != target:
            image = image.resize(target, Image.Resampling.BILINEAR)  # antialiased downscale (support grows with the ratio)
        if orientation in _ORIENT:
            image = image.transpose(_ORIENT[orientation])
        image = image.convert("RGB")
        data = _jpeg(image, JPEG_QUALITY)
        factor = max(1, math.ceil(max(image.size) / THUMB_SIDE))
        thumb = image.reduce(factor) if factor > 1 else image.copy()
        thumbnail = _jpeg(thumb, 75)
        warnings = quality_warnings(image, original_size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageRejected("corrupt") from None
    return Processed(
        data=data,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(data).hexdigest(),
        width=image.width,
        height=image.height,
        source_format=source_format,
        warnings=warnings,
    )
