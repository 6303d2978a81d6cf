"""The courier at the door: the pickup code and its limit, proxies and lockers only with consent, offline replays, other stations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from backend.applications.models import Application
from backend.delivery.models import DeliveryOrder, TrackingEvent
from backend.kit.models import AuditEntry, WorkflowEvent
from tests.delivery.conftest import confirm, order_of, out_for_delivery, with_carrier


@pytest.fixture
def auth_settings(auth_settings, ems):
    return with_carrier(auth_settings, ems)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_wrong_codes_are_counted_and_the_fifth_locks_until_a_clerk_sends_a_new_one(
    client, resident, approver, courier, ems, pickup_sms
):
    case, order, code = await out_for_delivery(client, resident, approver, ems)
    for left in (4, 3, 2, 1):
        r = await confirm(client, courier, order.id, wrong(code))
        assert r.status_code == 422 and r.json()["code"] == "delivery.wrong_code"
        assert f"{left} 次" in r.json()["detail"]
    fifth = await confirm(client, courier, order.id, wrong(code))
    assert fifth.status_code == 409 and fifth.json()["code"] == "delivery.code_locked"
    right = await confirm(client, courier, order.id, code)
    assert right.status_code == 409 and right.json()["code"] == "delivery.code_locked"  # locked even for the right code
    assert (await DeliveryOrder.get(id=order.id)).wrong_tries == 5
    assert await AuditEntry.filter(action="delivery.wrong_code").count() == 5
    trouble = (await client.get("/api/v1/staff/deliveries", headers=approver)).json()["items"]
    assert trouble[0]["id"] == order.id and trouble[0]["code_locked"] is True
    r = await client.post(f"/api/v1/staff/deliveries/{order.id}/new-code", headers=approver)
    assert r.status_code == 200 and r.json()["code_locked"] is False
    new = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()["pickup_code"]
    assert [m["params"]["code"] for m in pickup_sms.messages if "waybill" in m["params"]][-1] == new
    assert (await confirm(client, courier, order.id, new)).status_code == 200


async def test_a_proxy_signs_only_with_consent_and_only_the_named_one(client, resident, approver, courier, ems):
    case, order, code = await out_for_delivery(client, resident, approver, ems)
    refused = await confirm(client, courier, order.id, code, signer_kind="proxy", signer_name="李四", relation="邻居")
    assert refused.status_code == 409 and refused.json()["code"] == "delivery.proxy_not_allowed"
    locker = await confirm(client, courier, order.id, code, signer_kind="locker")
    assert locker.status_code == 409 and locker.json()["code"] == "delivery.locker_not_allowed"
    assert (await order_of(case["id"])).status == "out_for_delivery"


async def test_a_named_proxy_with_consent_signs_and_is_recorded(client, resident, approver, courier, ems):
    case, order, code = await out_for_delivery(client, resident, approver, ems, allow_proxy=True, proxy_name="张小三")
    stranger = await confirm(client, courier, order.id, code, signer_kind="proxy", signer_name="李四", relation="邻居")
    assert stranger.status_code == 409 and stranger.json()["code"] == "delivery.proxy_not_allowed"
    nameless = await confirm(client, courier, order.id, code, signer_kind="proxy")
    assert nameless.status_code == 422 and nameless.json()["code"] == "delivery.signer_name_required"
    r = await confirm(client, courier, order.id, code, signer_kind="proxy", signer_name="张小三", relation="儿子")
    assert r.status_code == 200, r.text
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert card["proof"]["signer_kind"] == "proxy" and card["proof"]["signer_name"] == "张**" and card["proof"]["relation"] == "儿子"
    stored = await DeliveryOrder.get(id=order.id)
    assert "张小三" not in stored.signer_name


async def test_one_offline_confirmation_replayed_three_times_is_one_delivery(client, resident, approver, courier, ems):
    case, order, code = await out_for_delivery(client, resident, approver, ems, allow_locker=True)
    offline = {"Idempotency-Key": uuid.uuid4().hex}
    answers = [await confirm(client, courier, order.id, code, headers=offline, signer_kind="locker") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true"]
    assert await WorkflowEvent.filter(object_type="delivery", action="deliver").count() == 1
    assert await WorkflowEvent.filter(object_type="application", action="deliver").count() == 1
    assert await TrackingEvent.filter(order_id=order.id, source="courier").count() == 1
    other_key = await confirm(client, courier, order.id, code)
    assert other_key.status_code == 409 and other_key.json()["code"] == "delivery.already_delivered"
    assert (await Application.get(id=case["id"])).status == "delivered"


async def test_replays_sent_at_once_still_give_one_delivery(client, resident, approver, courier, ems):
    _, order, code = await out_for_delivery(client, resident, approver, ems)
    offline = {"Idempotency-Key": uuid.uuid4().hex}
    answers = await asyncio.gather(*(confirm(client, courier, order.id, code, headers=offline) for _ in range(3)))
    assert {a.status_code for a in answers} <= {200, 409} and any(a.status_code == 200 for a in answers)
    assert await WorkflowEvent.filter(object_type="delivery", action="deliver").count() == 1


async def test_a_courier_of_another_station_can_neither_see_nor_confirm(client, resident, approver, courier, other_courier, ems):
    _, order, code = await out_for_delivery(client, resident, approver, ems)
    assert (await client.get("/api/v1/courier/parcels", headers=other_courier)).json()["items"] == []
    url = f"/api/v1/courier/parcels/by-waybill/{order.waybill_no}"
    assert (await client.get(url, headers=other_courier)).status_code == 404
    assert (await client.post(f"/api/v1/courier/parcels/{order.id}/call", headers=other_courier)).status_code == 404
    r = await confirm(client, other_courier, order.id, code)
    assert r.status_code == 404 and r.json()["code"] == "delivery.not_found"
    attempt = await client.post(
        f"/api/v1/courier/parcels/{order.id}/attempt",
        json={"reason": "not_home", "next_attempt": date.today().isoformat()},
        headers=other_courier | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert attempt.status_code == 404
    assert (await client.get("/api/v1/courier/parcels", headers=resident)).status_code == 403
    assert (await order_of(order.application_id)).status == "out_for_delivery"


async def test_a_failed_attempt_records_the_reason_and_the_next_day(client, resident, approver, courier, ems):
    case, order, code = await out_for_delivery(client, resident, approver, ems)
    tomorrow = date.today() + timedelta(days=1)
    r = await client.post(
        f"/api/v1/courier/parcels/{order.id}/attempt",
        json={"reason": "not_home", "note": "电话无人接听", "next_attempt": tomorrow.isoformat()},
        headers=courier | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200 and r.json()["status"] == "failed_attempt" and r.json()["next_attempt"] == tomorrow.isoformat()
    trouble = (await client.get("/api/v1/staff/deliveries", headers=approver)).json()["items"]
    assert [t["attempt_reason"] for t in trouble] == ["not_home"]
    # The same code still opens it the next day.
    assert (await confirm(client, courier, order.id, code)).status_code == 200
    assert (await order_of(case["id"])).status == "delivered"
