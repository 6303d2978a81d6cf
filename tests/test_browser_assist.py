"""帮办代办 in phone browsers through nginx (issue 15, "A Playwright journey"): a township worker registers a
villager without a smartphone, records their consent with a photo of the signed 授权委托书, acts for them
(代办模式: the banner on every screen), applies with a photographed material and submits; the villager then
logs in by SMS on a browser of their own, verifies the same ID number (the fake carrier's three-factor check
makes it real-name, so the login joins the person staff registered) and sees the case with the 代办员 on its
timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.realname import FakeCarrier
from tests.fakes.server import serve
from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey, stack_with
from tests.test_nginx import Stack, push_service, sms_gateway, stack, vapid_private_key  # noqa: F401

TOWNSHIP = "360426100"  # 蒲亭镇, 德安县
VILLAGER = {"name": "孙秀英", "ids": {"1": "360426193805120116", "2": "360426193805120124"}}  # born 1938: 高龄津贴 fits


@pytest.fixture(scope="module")
def realname_stack(stack: Stack, pwa_dist, tmp_path_factory) -> Iterator[tuple[Stack, FakeCarrier]]:  # noqa: F811
    """The shared stack's database behind apps with a real-name source (a fake carrier three-factor check)."""
    carrier = FakeCarrier()
    with serve(carrier.app()) as carrier_url:
        with stack_with(
            stack,
            tmp_path_factory.mktemp("assist-stack"),
            pwa_dist,
            YIWANG_REALNAME_PROVIDER="aliyun",
            YIWANG_REALNAME_API_BASE=carrier_url,
            YIWANG_REALNAME_ACCESS_KEY_ID=carrier.access_key_id,
            YIWANG_REALNAME_ACCESS_KEY_SECRET=carrier.access_key_secret,
            YIWANG_REALNAME_AUTH_CODE=carrier.auth_code,
        ) as assist_stack:
            yield assist_stack, carrier


@journey_on("sqlite")
def test_worker_registers_records_consent_by_photo_applies_and_the_villager_sees_the_case(realname_stack, stack: Stack, tmp_path):  # noqa: F811
    assist_stack, carrier = realname_stack
    suffix = db_suffix(stack)
    password = "assist-journey-2026"
    worker_phone, villager_phone = "1350009100" + suffix, "1350009000" + suffix
    id_number = VILLAGER["ids"][suffix]
    create_staff(assist_stack, role="staff", scope=f"township:{TOWNSHIP}", name="周代办", phone=worker_phone, password=password)
    carrier.register(phone=villager_phone, name=VILLAGER["name"], id_number=id_number)
    run_journey(
        "assist.mjs",
        assist_stack,
        tmp_path,
        timeout=420,
        WORKER_PHONE=worker_phone,
        WORKER_PASSWORD=password,
        VILLAGER_PHONE=villager_phone,
        VILLAGER_NAME=VILLAGER["name"],
        VILLAGER_ID=id_number,
        PHOTO_PATH=photo_file(tmp_path),
        FORM_PATH=photo_file(tmp_path, "delegation_form.jpg"),
    )
