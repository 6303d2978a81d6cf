"""适老化 and WCAG 2.2 AA on every screen of every role, normal and large-text (pwa/e2e/a11y.mjs through nginx)."""

from __future__ import annotations

import os

from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("sqlite")
def test_every_screen_passes_axe_touch_targets_and_text_fit_in_both_text_sizes(stack: Stack, tmp_path):  # noqa: F811
    """axe-core (wcag2a/aa, 21a/aa, 22aa) finds nothing, no control under 44×44 px, no text out of its tag or button:
    as a visitor, a resident with a submitted case, a clerk, an administrator, a courier and a township worker (帮办代办)."""
    suffix = db_suffix(stack)
    password = "a11y-password-2026"
    # A clerk of the department and an administrator of their own (not the demo ones: other journeys on the
    # same Redis spend the demo phones' SMS budget).
    staff_phone, admin_phone, courier_phone = "1350006100" + suffix, "1350006400" + suffix, "1350006500" + suffix
    create_staff(stack, role="staff", scope="department:scjg", name="钱窗口", phone=staff_phone, password=password)
    create_staff(stack, role="admin", name="孙管理", phone=admin_phone, password=password)
    # A courier of the demo station (seed-demo puts the demo resident's certificate out for delivery there).
    create_staff(stack, role="courier", scope="station:S331002", name="冯投递", phone=courier_phone, password=password)
    worker_phone = "1350006600" + suffix  # 帮办代办: a township worker, who registers a villager of their own
    create_staff(stack, role="staff", scope="township:360426100", name="周代办", phone=worker_phone, password=password)
    output = run_journey(
        "a11y.mjs",
        stack,
        tmp_path,
        timeout=600,
        screenshots=os.environ.get("A11Y_SCREENSHOT_DIR"),  # set it to keep the screenshots
        RESIDENT_PHONE="1350006000" + suffix,
        VISITOR_PHONE="1350006200" + suffix,
        VISITOR_PHONE_LARGE="1350006300" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        ADMIN_PHONE=admin_phone,
        ADMIN_PASSWORD=password,
        COURIER_PHONE=courier_phone,
        WORKER_PHONE=worker_phone,
        WORKER_PASSWORD=password,
        VILLAGER_ID={"1": "360426193602020019", "2": "360426193602020027"}[suffix],
        VILLAGER_PHONE="1350006700" + suffix,
        COURIER_PASSWORD=password,
        PHOTO_PATH=photo_file(tmp_path),
    )
    print(output)  # the per-screen counts, shown with -s
