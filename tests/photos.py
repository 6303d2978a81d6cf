"""Phone-like test photos made with Pillow (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def photo(width=2000, height=1500, *, fmt="JPEG", orientation=None, gps=False, color=None, pattern=True) -> bytes:
    image = Image.new("RGB", (width, height), color or (200, 190, 170))
    if pattern:
        draw = ImageDraw.Draw(image)
        for x in range(0, width, 40):
            draw.line([(x, 0), (x, height)], fill=(20, 20, 20), width=3)
        for y in range(0, height, 55):
            draw.text((10, y), "居民身份证 ID 11010519491231002X", fill=(0, 0, 0))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    kwargs = {"exif": exif.tobytes()} if (orientation or gps) and fmt == "JPEG" else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()
