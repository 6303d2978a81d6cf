"""QR codes (segno, pure Python) as SVG or PNG bytes.

Always a full QR code, never a Micro QR (segno picks one for short data such as a 10-letter
appointment code, and phone cameras, BarcodeDetector and jsQR cannot read it), with the quiet
zone of four modules that the standard asks for (scanners miss codes printed closer to an edge).
"""

from __future__ import annotations

import io

import segno


def qr_svg(data: str) -> bytes:
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="svg", scale=4, border=4, xmldecl=False)
    return out.getvalue()


def qr_png(data: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
