"""Issue 12 points 7, 8, 11, 12 and 13 in two phone browsers through nginx, on both databases:
search as you type, no red 0, /track without a QR code, the last known state offline, devices."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


def test_resident_search_bell_track_offline_and_devices_journey(stack: Stack, tmp_path):  # noqa: F811
    from tests.photos import photo

    suffix = "1" if "sqlite" in str(stack.nginx.workdir) else "2"
    photo_path = tmp_path / "id_card.jpg"
    photo_path.write_bytes(photo(1600, 1200))
    env = dict(
        os.environ,
        BASE_URL=stack.nginx.url,
        SMS_GATEWAY_URL=stack.sms_url,
        RESIDENT_PHONE="1350005000" + suffix,
        PHOTO_PATH=str(photo_path),
        SCREENSHOT_DIR=str(tmp_path),
    )
    result = subprocess.run(["node", "e2e/resident.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"journey failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout
