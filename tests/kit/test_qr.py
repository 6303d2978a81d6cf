"""QR codes the hall's scanners can read: a full QR code with its quiet zone, also for short data."""

from __future__ import annotations

import re

import segno

from backend.kit.qr import qr_png, qr_svg


def test_a_short_appointment_code_is_a_full_qr_code_with_a_four_module_quiet_zone():
    svg = qr_svg("K7M2Q9XHPR").decode()
    # Version 1 is 21 modules; segno would choose an 11-17 module Micro QR for these 10 characters.
    assert segno.make("K7M2Q9XHPR", error="m").is_micro  # what the default would have been
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    assert width == (21 + 2 * 4) * 4, svg[:120]


def test_png_is_a_full_qr_code_too():
    png = qr_png("K7M2Q9XHPR", scale=1)
    assert png.startswith(b"\x89PNG")
    assert int.from_bytes(png[16:20], "big") == 21 + 2 * 4  # IHDR width in pixels at scale 1
