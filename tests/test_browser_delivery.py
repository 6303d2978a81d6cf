"""证照寄递 in phone browsers through nginx and the fake EMS carrier (issue 14, "Courier mode" and
"Resident and clerk views"): the resident asks for delivery on the case page, the clerk's 出证
orders a waybill from the carrier, the carrier's pushes move it to 派送中 with a 签收码; the courier
(phone viewport) loses the signal, confirms with the code and a photo (待发送 1 条), gets it back and
the confirmation goes by itself; the resident sees 已签收 and the proof photo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.ems import make_fake_carrier
from tests.fakes.server import serve
from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey, stack_with
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401

DEMO_STATION = "S331002"
# A district the demo station serves (its division code starts with the station's prefix).
REGION = "江西省/九江市/德安县"


@pytest.fixture(scope="module")
def carrier_stack(stack: Stack, sms_gateway, pwa_dist, tmp_path_factory) -> Iterator[tuple[Stack, str]]:  # noqa: F811
    """The shared stack's database behind apps that order from a fake EMS (its pushes name our callback URL)."""
    # The shared stack's own apps have no carrier configured, so they leave this module's carrier calls to these.
    fake = make_fake_carrier()
    with serve(fake.app()) as carrier_url:
        with stack_with(
            stack,
            tmp_path_factory.mktemp("carrier-stack"),
            pwa_dist,
            YIWANG_EMS_API_BASE=carrier_url,
            YIWANG_EMS_SENDER_NO=fake.sender_no,
            YIWANG_EMS_AUTHORIZATION=fake.authorization,
            YIWANG_EMS_SIGN_KEY=fake.sign_key,
        ) as delivery_stack:
            yield delivery_stack, carrier_url


@journey_on("postgres")
def test_request_deliver_offline_confirm_and_proof_in_three_phone_browsers(carrier_stack, stack: Stack, tmp_path):  # noqa: F811
    delivery_stack, carrier_url = carrier_stack
    suffix = db_suffix(stack)
    password = "delivery-journey-2026"
    clerk_phone, courier_phone = "1350008100" + suffix, "1350008200" + suffix
    create_staff(delivery_stack, role="approver", scope="department:scjg", name="郑审批", phone=clerk_phone, password=password)
    create_staff(delivery_stack, role="courier", scope=f"station:{DEMO_STATION}", name="冯投递", phone=courier_phone, password=password)
    run_journey(
        "delivery.mjs",
        delivery_stack,
        tmp_path,
        timeout=420,
        CARRIER_URL=carrier_url,
        RESIDENT_PHONE="1350008000" + suffix,
        CLERK_PHONE=clerk_phone,
        CLERK_PASSWORD=password,
        COURIER_PHONE=courier_phone,
        COURIER_PASSWORD=password,
        PHOTO_PATH=photo_file(tmp_path),
        REGION=REGION,
    )
