"""Residents ask for delivery: saved addresses, one delivery per case (also under a race), someone else's case, cancel."""

from __future__ import annotations

import asyncio

from backend.delivery.models import CarrierCall, DeliveryOrder, SavedAddress
from backend.kit.models import AuditEntry
from tests.applications.conftest import staff_headers
from tests.applications.test_applications import submitted
from tests.delivery.conftest import ADDRESS, STATION, issued_case, key, request_delivery

API = "/api/v1/deliveries"


async def test_a_delivery_asked_at_submission_waits_for_the_certificate(client, resident, approver, stations):
    case = await submitted(client, resident)
    out = await request_delivery(client, resident, case["id"], allow_proxy=True, proxy_name="张小三")
    assert out["status"] == "requested" and out["status_label"] == "已申请邮寄"
    assert out["recipient_name"] == "张*" and out["recipient_phone"] == "139****5678" and out["proxy_name"] == "张**"
    assert "文化路 8 号" in out["address"] and out["station"] == "蒲亭镇投递站" and out["pickup_code"] is None
    assert await CarrierCall.all().count() == 0  # nothing to send yet
    order = await DeliveryOrder.get(id=out["id"])
    assert "张三" not in order.recipient_name and "13912345678" not in order.recipient_phone and "文化路" not in order.detail
    card = await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)
    assert card.status_code == 200 and card.json()["id"] == out["id"] and card.headers["cache-control"] == "private, no-store"


async def test_issuing_the_certificate_queues_the_carrier_order(client, resident, approver, stations):
    case = await submitted(client, resident)
    out = await request_delivery(client, resident, case["id"])
    staff = f"/api/v1/staff/applications/{case['id']}"
    await client.post(f"{staff}/accept", json={}, headers=approver)
    await client.post(f"{staff}/approve", json={}, headers=approver)
    assert await CarrierCall.all().count() == 0
    r = await client.post(f"{staff}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert r.status_code == 200
    call = await CarrierCall.get(order_id=out["id"])
    assert call.kind == "create_order" and call.state == "pending"


async def test_asked_after_the_certificate_it_is_queued_at_once(client, resident, approver, stations):
    case = await issued_case(client, resident, approver)
    out = await request_delivery(client, resident, case["id"])
    assert await CarrierCall.filter(order_id=out["id"], kind="create_order", state="pending").exists()


async def test_someone_elses_case_reads_like_a_missing_one(client, resident, stations):
    from tests.appointments.conftest import person_headers

    case = await submitted(client, resident)
    stranger = await person_headers("13700000001")
    r = await client.post(API, json={"application_id": case["id"], **ADDRESS}, headers=stranger | key())
    assert r.status_code == 404 and r.json()["code"] == "application.not_found"
    missing = await client.post(API, json={"application_id": 999999, **ADDRESS}, headers=stranger | key())
    assert missing.json()["code"] == r.json()["code"]
    assert (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=stranger)).status_code == 404
    assert await DeliveryOrder.all().count() == 0


async def test_items_without_ems_drafts_and_unserved_regions_are_refused(client, resident, stations):
    other = await client.post("/api/v1/applications", json={"service_code": "000105002000", "form": {}}, headers=resident)
    assert other.status_code == 201, other.text
    r = await client.post(API, json={"application_id": other.json()["id"], **ADDRESS}, headers=resident | key())
    assert r.status_code == 409 and r.json()["code"] == "delivery.not_offered"
    case = await submitted(client, resident)
    r = await client.post(API, json={"application_id": case["id"], **ADDRESS, "region_code": "650102"}, headers=resident | key())
    assert r.status_code == 422 and r.json()["code"] == "delivery.no_station"
    r = await client.post(API, json={"application_id": case["id"]}, headers=resident | key())
    assert r.status_code == 422 and r.json()["code"] == "request.invalid"
    assert (await client.post(f"/api/v1/applications/{case['id']}/withdraw", headers=resident | key())).status_code == 200
    r = await client.post(API, json={"application_id": case["id"], **ADDRESS}, headers=resident | key())
    assert r.status_code == 409 and r.json()["code"] == "delivery.not_now"


async def test_one_delivery_per_case_even_when_fifty_ask_at_once(client, resident, stations):
    case = await submitted(client, resident)
    body = {"application_id": case["id"], **ADDRESS}
    answers = await asyncio.gather(*(client.post(API, json=body, headers=resident | key()) for _ in range(50)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 1 and statuses.count(409) == 49, statuses
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"delivery.already_requested"}
    assert await DeliveryOrder.all().count() == 1


async def test_the_same_key_replays_the_first_answer(client, resident, stations):
    case = await submitted(client, resident)
    headers = resident | key()
    first = await client.post(API, json={"application_id": case["id"], **ADDRESS}, headers=headers)
    again = await client.post(API, json={"application_id": case["id"], **ADDRESS}, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert await DeliveryOrder.all().count() == 1


async def test_cancel_before_pickup_frees_the_case_for_a_new_request(client, resident, approver, stations):
    case = await issued_case(client, resident, approver)
    out = await request_delivery(client, resident, case["id"])
    r = await client.post(f"{API}/{out['id']}/cancel", headers=resident)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await CarrierCall.get(order_id=out["id"])).state == "done"
    again = await request_delivery(client, resident, case["id"])
    assert again["id"] != out["id"]
    assert (await client.post(f"{API}/{out['id']}/cancel", headers=resident)).status_code == 409


async def test_saved_addresses_are_masked_reused_and_deleted(client, resident, stations):
    r = await client.post("/api/v1/me/addresses", json={**ADDRESS, "label": "家"}, headers=resident)
    assert r.status_code == 201 and r.json()["recipient_name"] == "张*" and r.json()["recipient_phone"] == "139****5678"
    assert r.json()["detail"] == ADDRESS["detail"]
    saved = r.json()["id"]
    case = await submitted(client, resident)
    used = await client.post(API, json={"application_id": case["id"], "address_id": saved, "allow_locker": True}, headers=resident | key())
    assert used.status_code == 201 and used.json()["allow_locker"] is True and "文化路" in used.json()["address"]
    listed = await client.get("/api/v1/me/addresses", headers=resident)
    assert [a["id"] for a in listed.json()["items"]] == [saved]
    assert (await client.delete(f"/api/v1/me/addresses/{saved}", headers=resident)).status_code == 204
    assert (await client.delete(f"/api/v1/me/addresses/{saved}", headers=resident)).status_code == 404
    assert await SavedAddress.all().count() == 0
    assert await AuditEntry.filter(action="delivery.address_saved").count() == 1


async def test_save_address_keeps_the_typed_one(client, resident, stations):
    case = await submitted(client, resident)
    await request_delivery(client, resident, case["id"], save_address=True)
    assert await SavedAddress.all().count() == 1


async def test_administrators_list_the_stations_couriers_are_scoped_to(client, resident, approver, stations, courier):
    admin = await staff_headers("admin", "", "13800000009")
    r = await client.get("/api/v1/admin/stations", headers=admin)
    assert r.status_code == 200, r.text
    assert [(s["code"], s["name"]) for s in r.json()["items"]] == [("S110105", "朝阳投递站"), (STATION, "蒲亭镇投递站")]
    assert "phone" not in r.json()["items"][0]
    for other in (approver, courier, resident):
        assert (await client.get("/api/v1/admin/stations", headers=other)).status_code == 403
