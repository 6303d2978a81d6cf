"""Issue 12 points 7, 8, 11, 12 and 13 in two phone browsers through nginx, on both databases:
search as you type, no red 0, /track without a QR code, the last known state offline, devices."""

from __future__ import annotations

from tests.journeys import db_suffix, journey_on, photo_file, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("postgres")
def test_resident_search_bell_track_offline_and_devices_journey(stack: Stack, tmp_path):  # noqa: F811
    run_journey(
        "resident.mjs", stack, tmp_path, timeout=300, RESIDENT_PHONE="1350005000" + db_suffix(stack), PHOTO_PATH=photo_file(tmp_path)
    )
