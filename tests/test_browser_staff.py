"""The clerk's desk in phone browsers through nginx (issue 12, points 2 and 14): the seeded demo
clerk's queue, confirmations, 不予受理 with a reason the resident reads, the 已办结 tab, no
resident tab bar on staff pages, 44 px targets, and resending the staff SMS code."""

from __future__ import annotations

from backend.demo import DEMO_PASSWORD
from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("sqlite")
def test_clerk_desk_journey_in_three_phone_browsers(stack: Stack, tmp_path):  # noqa: F811
    suffix = db_suffix(stack)
    resend_phone, password = "1350003009" + suffix, "clerk-password-2026"
    create_staff(stack, role="staff", scope="hall:1", name="周窗口", phone=resend_phone, password=password)
    run_journey(
        "staff.mjs",
        stack,
        tmp_path,
        timeout=300,
        CLERK_PHONE="13800000002",
        CLERK_PASSWORD=DEMO_PASSWORD,
        RESIDENT_PHONE="1350003000" + suffix,
        RESEND_PHONE=resend_phone,
        RESEND_PASSWORD=password,
        PHOTO_PATH=photo_file(tmp_path),
    )
