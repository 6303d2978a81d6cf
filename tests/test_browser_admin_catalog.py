"""事项管理 in a phone browser through nginx (issue 15): the administrator adds a material and a form field to an
item and saves it as a new version shown in the history; a form field key used twice is refused beside the field."""

from __future__ import annotations

from tests.journeys import create_staff, db_suffix, journey_on, run_journey
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401


@journey_on("postgres")
def test_admin_edits_an_item_into_a_new_version_and_a_duplicate_key_is_refused(stack: Stack, tmp_path):  # noqa: F811
    # An administrator of its own: other journeys on the same Redis spend the demo phones' SMS budget.
    phone, password = "1350007400" + db_suffix(stack), "catalog-password-2026"
    create_staff(stack, role="admin", name="周管理", phone=phone, password=password)
    run_journey("admin_catalog.mjs", stack, tmp_path, timeout=300, ADMIN_PHONE=phone, ADMIN_PASSWORD=password)
