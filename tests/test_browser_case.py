"""Browser journey of issue 12 points 1, 3, 4, 5 and 10 (pwa/e2e/case.mjs) through the real nginx stack."""

from __future__ import annotations

from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("postgres")
def test_case_materials_corrections_and_read_only_journey_in_two_phone_browsers(stack: Stack, tmp_path):  # noqa: F811
    """Refused submit then submit on one page; retake replaces, remove; clerk sees one link; reasons by field; approved is read-only."""
    suffix = db_suffix(stack)
    staff_phone, password = "1350004001" + suffix, "case-clerk-password-2026"
    create_staff(stack, role="approver", scope="department:scjg", name="孙审批", phone=staff_phone, password=password)
    run_journey(
        "case.mjs",
        stack,
        tmp_path,
        timeout=240,
        RESIDENT_PHONE="1350004000" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        GOOD_PHOTO=photo_file(tmp_path, "good_photo.jpg"),
        DARK_PHOTO=photo_file(tmp_path, "dark_photo.jpg", color=(8, 8, 8), pattern=False),
        OTHER_PHOTO=photo_file(tmp_path, "other_photo.jpg", color=(215, 205, 185)),
    )
