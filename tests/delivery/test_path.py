"""The whole path through the fake carrier: waybill, pushes, courier at the door, the case delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.applications.models import Application
from backend.delivery import jobs
from backend.delivery.flows import DELIVERY
from backend.delivery.models import CarrierCall, DeliveryOrder, TrackingEvent
from backend.kit.models import AuditEntry, WorkflowEvent
from notifications.models import Notification
from tests.delivery.conftest import confirm, order_of, push, shipped, with_carrier


@pytest.fixture
def auth_settings(auth_settings, ems):
    return with_carrier(auth_settings, ems)


@pytest.fixture(autouse=True)
def _stations(stations) -> None:
    """Every test here has the delivery stations."""


async def test_the_whole_path_ends_with_the_case_delivered(client, resident, approver, courier, other_courier, ems, pickup_sms):
    case, order = await shipped(client, resident, approver, ems)
    assert order.status == "waybill_created" and order.waybill_no and order.waybill_no.startswith("1100")
    assert list(ems.subscriptions) == [order.waybill_no]
    assert ems.subscriptions[order.waybill_no]["callbackurl"] == "http://testserver/api/v1/carrier/kuaidi100/callback"
    assert {c.state for c in await CarrierCall.filter(order_id=order.id)} == {"done"}
    for op in ("203", "306", "702"):
        assert (await push(client, ems, order.waybill_no, op)).json()["code"] == "00000"
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert card["status"] == "out_for_delivery" and len(card["pickup_code"]) == 6
    assert [e["kind"] for e in card["events"]] == ["out_for_delivery", "in_transit", "picked_up"]
    texted = [m for m in pickup_sms.messages if m["phone"] == "13912345678" and "waybill" in m["params"]]
    assert texted and texted[-1]["params"] == {"code": card["pickup_code"], "waybill": order.waybill_no}
    parcels = (await client.get("/api/v1/courier/parcels", headers=courier)).json()["items"]
    assert [p["id"] for p in parcels] == [order.id] and parcels[0]["recipient_phone"] == "139****5678"
    assert parcels[0]["recipient_name"] == "张*" and "文化路" in parcels[0]["address"]
    scanned = await client.get(f"/api/v1/courier/parcels/by-waybill/{order.waybill_no}", headers=courier)
    assert scanned.status_code == 200 and scanned.json()["id"] == order.id
    call = await client.post(f"/api/v1/courier/parcels/{order.id}/call", headers=courier)
    assert call.json()["phone"] == "13912345678" and call.headers["cache-control"] == "private, no-store"
    assert await AuditEntry.filter(action="delivery.phone_revealed").count() == 1
    done = await confirm(client, courier, order.id, card["pickup_code"])
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "delivered"
    assert (await Application.get(id=case["id"])).status == "delivered"
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert card["status_label"] == "已签收" and card["pickup_code"] is None
    assert card["proof"]["signer_kind"] == "self" and card["proof"]["photo_url"] == f"/api/v1/deliveries/{order.id}/proof.jpg"
    assert (await client.get(card["proof"]["photo_url"], headers=resident)).content[:2] == b"\xff\xd8"
    assert (await client.get(card["proof"]["photo_url"], headers=approver)).status_code == 200
    assert (await client.get(card["proof"]["photo_url"], headers=other_courier)).status_code == 404
    steps = [s["action"] for s in card["steps"]]
    assert steps == ["waybill", "pick_up", "transit", "dispatch", "deliver"]
    # The case's own timeline carries the parcel's steps too, in time order, ending with the case's 已送达.
    timeline = (await client.get(f"/api/v1/applications/{case['id']}", headers=resident)).json()["timeline"]
    parcel = [s for s in timeline if s["action"].startswith("delivery.")]
    assert [s["action"] for s in parcel][-5:] == [f"delivery.{a}" for a in steps]
    assert parcel[-1]["text"] == "邮寄：" + DELIVERY.steps["deliver"].timeline and all(s["note"] == "" for s in parcel)
    assert {s["action"] for s in timeline[-2:]} == {"deliver", "delivery.deliver"}  # one transaction, one moment
    assert [s["at"] for s in timeline] == sorted(s["at"] for s in timeline)
    assert await WorkflowEvent.filter(object_type="application", action="deliver").count() == 1
    assert await AuditEntry.filter(action="delivery.deliver").count() == 1
    assert await Notification.filter(event="certificate.delivered").count() == 1
    stored = await DeliveryOrder.get(id=order.id)
    assert stored.code_hash == stored.code_sealed == ""  # the code is erased once delivered
    # EMS's own 704 afterwards changes nothing.
    late = await push(client, ems, order.waybill_no, "704")
    assert late.json()["code"] == "00000" and (await order_of(case["id"])).status == "delivered"


async def test_the_carrier_alone_can_end_the_path(client, resident, approver, ems):
    case, order = await shipped(client, resident, approver, ems)
    start = datetime.now(UTC) - timedelta(minutes=5)
    for minute, op in enumerate(("203", "702", "705", "702")):  # a second round out after a failed one
        await push(client, ems, order.waybill_no, op, at=start + timedelta(minutes=minute))
    assert (await order_of(case["id"])).status == "out_for_delivery"
    await push(client, ems, order.waybill_no, "704", op_desc="已签收，他人代签（家人）")
    order = await order_of(case["id"])
    assert order.status == "delivered" and order.signer_kind == "proxy"
    assert (await Application.get(id=case["id"])).status == "delivered"


async def test_kuaidi100_is_a_second_source(client, resident, approver, ems):
    case, order = await shipped(client, resident, approver, ems)
    form = ems.kuaidi100_form(waybill_no=order.waybill_no, state="5")
    r = await client.post("/api/v1/carrier/kuaidi100/callback", data=form)
    assert r.status_code == 200 and r.json()["result"] is True
    assert (await order_of(case["id"])).status == "out_for_delivery"
    again = await client.post("/api/v1/carrier/kuaidi100/callback", data=form)
    assert again.status_code == 200
    bad = ems.kuaidi100_form(waybill_no=order.waybill_no, state="3", bad_sign=True)
    refused = await client.post("/api/v1/carrier/kuaidi100/callback", data=bad)
    assert refused.status_code == 400 and refused.json()["result"] is False
    assert (await order_of(case["id"])).status == "out_for_delivery"
    signed = await client.post(
        "/api/v1/carrier/kuaidi100/callback", data=ems.kuaidi100_form(waybill_no=order.waybill_no, state="3", status_code="301")
    )
    assert signed.status_code == 200 and (await order_of(case["id"])).status == "delivered"


async def test_forged_stale_replayed_duplicated_and_out_of_order_pushes(client, resident, approver, ems):
    from datetime import timedelta

    case, order = await shipped(client, resident, approver, ems)
    forged = await push(client, ems, order.waybill_no, "704", forged=True)
    assert forged.status_code == 400 and forged.json()["code"] == "S00001"
    stale = await push(client, ems, order.waybill_no, "704", stale=True)
    assert stale.status_code == 400 and stale.json()["code"] == "S00001"
    assert (await order_of(case["id"])).status == "waybill_created"
    assert await AuditEntry.filter(action="delivery.callback_refused").count() == 2
    form = ems.push_form(waybill_no=order.waybill_no, op_code="702")
    first = await client.post("/api/v1/carrier/ems/push", data=form)
    replayed = await client.post("/api/v1/carrier/ems/push", data=form)
    assert first.json()["code"] == replayed.json()["code"] == "00000"
    assert first.json()["serialNo"] == form["serialNo"]
    assert await TrackingEvent.filter(order_id=order.id).count() == 1
    assert await WorkflowEvent.filter(object_type="delivery", action="dispatch").count() == 1
    # An older event arriving late (picked up, in transit) is kept for the timeline and moves nothing back.
    earlier = (await order_of(case["id"])).last_event_at - timedelta(hours=5)
    for op in ("203", "306"):
        await push(client, ems, order.waybill_no, op, at=earlier)
    order = await order_of(case["id"])
    assert order.status == "out_for_delivery"
    assert await TrackingEvent.filter(order_id=order.id, applied=False).count() == 2
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert len(card["events"]) == 3
    unknown = await push(client, ems, "1100999999999", "704")
    assert unknown.status_code == 200  # not ours: acknowledged, nothing recorded


async def test_a_flood_of_forged_callbacks_is_recorded_twenty_times_a_minute_then_refused_with_429(client, resident, approver, ems):
    import asyncio
    import time

    from backend.delivery.routes import REFUSED_PER_MINUTE

    case, order = await shipped(client, resident, approver, ems)
    if time.time() % 60 > 50:  # the count is per minute: all of it in one
        await asyncio.sleep(61 - time.time() % 60)
    answers = [await push(client, ems, order.waybill_no, "704", forged=True) for _ in range(REFUSED_PER_MINUTE)]
    assert {(r.status_code, r.json()["code"]) for r in answers} == {(400, "S00001")}
    over = await push(client, ems, order.waybill_no, "704", forged=True)
    assert over.status_code == 429 and over.json()["code"] == "delivery.callbacks_refused_too_often", over.text
    assert 0 < int(over.headers["Retry-After"]) <= 60
    bad = ems.kuaidi100_form(waybill_no=order.waybill_no, state="3", bad_sign=True)
    assert (await client.post("/api/v1/carrier/kuaidi100/callback", data=bad)).status_code == 429  # one count per address
    assert await AuditEntry.filter(action="delivery.callback_refused").count() == REFUSED_PER_MINUTE  # no more rows
    # The carrier's real pushes are never counted nor refused: checked first, they go through meanwhile.
    real = await push(client, ems, order.waybill_no, "203")
    assert real.status_code == 200 and real.json()["code"] == "00000"
    assert (await order_of(case["id"])).status == "picked_up"


async def test_the_carrier_down_for_a_while_then_back_loses_nothing(client, resident, approver, ems):
    from datetime import UTC, datetime, timedelta

    import httpx

    from tests.delivery.conftest import issued_case, request_delivery

    case = await issued_case(client, resident, approver)
    await request_delivery(client, resident, case["id"])
    async with httpx.AsyncClient() as http:
        await http.post(f"{ems.base_url}/_fake/outage", json={"on": True})
    now = datetime.now(UTC)
    assert await jobs.work_once(now) == 1
    call = await CarrierCall.get(kind="create_order")
    assert call.state == "pending" and call.attempts == 1 and call.next_at > now and call.error_code == "CarrierUnavailable"
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert card["status"] == "requested" and card["carrier_waiting"] is True
    for _ in range(3):  # a few more failures, each waiting longer
        now = (await CarrierCall.get(id=call.id)).next_at
        await jobs.work_once(now)
    waits = (await CarrierCall.get(id=call.id)).attempts
    assert waits == 4 and not ems.orders
    async with httpx.AsyncClient() as http:
        await http.post(f"{ems.base_url}/_fake/outage", json={"on": False})
    await jobs.work_once((await CarrierCall.get(id=call.id)).next_at + timedelta(seconds=1))
    order = await order_of(case["id"])
    assert order.status == "waybill_created" and len(ems.orders) == 1


async def test_after_eight_failures_the_call_is_failed_and_a_clerk_retries_it(client, resident, approver, ems):
    from datetime import timedelta

    import httpx

    from tests.delivery.conftest import issued_case, request_delivery

    case = await issued_case(client, resident, approver)
    await request_delivery(client, resident, case["id"])
    async with httpx.AsyncClient() as http:
        await http.post(f"{ems.base_url}/_fake/outage", json={"on": True})
    call = await CarrierCall.get(kind="create_order")
    for _ in range(jobs.MAX_ATTEMPTS):
        await jobs.work_once((await CarrierCall.get(id=call.id)).next_at + timedelta(seconds=1))
    call = await CarrierCall.get(id=call.id)
    assert call.state == "failed" and call.attempts == jobs.MAX_ATTEMPTS
    trouble = (await client.get("/api/v1/staff/deliveries", headers=approver)).json()["items"]
    assert trouble[0]["call_failed"] == "create_order: CarrierUnavailable"
    async with httpx.AsyncClient() as http:
        await http.post(f"{ems.base_url}/_fake/outage", json={"on": False})
    r = await client.post(f"/api/v1/staff/deliveries/{trouble[0]['id']}/retry", headers=approver)
    assert r.status_code == 200 and r.json()["call_failed"] is None
    assert (await client.post(f"/api/v1/staff/deliveries/{trouble[0]['id']}/retry", headers=approver)).json()[
        "code"
    ] == "delivery.nothing_to_retry"
    await jobs.work_once()
    assert (await order_of(case["id"])).status == "waybill_created"


async def test_a_business_refusal_fails_at_once_with_the_carriers_code(client, resident, approver, ems):
    import httpx

    from tests.delivery.conftest import issued_case, request_delivery

    case = await issued_case(client, resident, approver)
    await request_delivery(client, resident, case["id"])
    async with httpx.AsyncClient() as http:
        await http.post(f"{ems.base_url}/_fake/fail", json={"ret_code": "B00009"})
    await jobs.work_once()
    call = await CarrierCall.get(kind="create_order")
    assert call.state == "failed" and call.attempts == 1 and call.error_code == "B00009"
    assert await AuditEntry.filter(action="delivery.carrier_call_failed").count() == 1
