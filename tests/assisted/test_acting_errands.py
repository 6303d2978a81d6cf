"""Booking a slot and asking for EMS delivery for a villager (帮办代办): the booking and the parcel are the
villager's, the villager is told, and a delegation for another errand reaches neither."""

from __future__ import annotations

from backend.appointments import demo as appointments_demo
from backend.appointments.models import Appointment, WaitingEntry
from backend.delivery.models import DeliveryOrder, SavedAddress, Station
from backend.kit.models import AuditEntry, WorkflowEvent
from notifications.models import Notification
from tests.applications.conftest import YYZZ
from tests.appointments.conftest import BOOK, FOOD, HALL, working_days
from tests.appointments.test_waiting import book as book_place
from tests.appointments.waitkit import FOOD_NAME, hall_with_one_slot, open_day
from tests.appointments.waitkit import resident as other_resident
from tests.assisted.conftest import key
from tests.assisted.test_acting import acting, consented, file_case, setup
from tests.assisted.test_villager_journey import VILLAGER_PHONE, texts
from tests.delivery.conftest import ADDRESS
from tests.notifications.conftest import dispatcher, drain


async def test_staff_book_a_slot_for_the_villager_who_is_told(client, resident, sms):
    await appointments_demo.seed()
    worker, session, villager, delegation = await setup(client, phone="13700000081")
    day = working_days(1)[0]
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": "09:00"}
    r = await client.post(BOOK, json=body, headers=acting(worker, delegation) | key())
    assert r.status_code == 201, r.text
    held = r.json()
    r = await client.post(f"{BOOK}/{held['id']}/confirm", headers=acting(worker, delegation))
    assert r.status_code == 200 and r.json()["status"] == "booked", r.text
    appointment = await Appointment.get(id=held["id"])
    assert appointment.person_id == villager["id"]
    event = await WorkflowEvent.get(object_type="appointment", object_id=held["id"], action="confirm")
    staff, them, under = f"person:{session.person_id}", f"person:{villager['id']}", f"delegation:{delegation['id']}"
    assert (event.actor, event.on_behalf_of, event.authorisation) == (staff, them, under)
    notice = await Notification.get(person_id=villager["id"], event="assist.booked")
    assert notice.data["authorisation"] == under and "代办员" in notice.body
    listed = await client.get(BOOK, headers=acting(worker, delegation))
    assert [a["id"] for a in listed.json()["items"]] == [held["id"]]
    await drain(dispatcher())
    [text] = texts(sms, VILLAGER_PHONE)
    assert text["params"] == {"subject": "食品经营许可（小餐饮）", "phrase": "已代办预约", "reference": "-"}

    # A delegation for the business licence only reaches neither this booking nor a new one of this errand.
    narrow = await consented(client, worker, villager, errands=(YYZZ,))
    r = await client.get(f"{BOOK}/{held['id']}", headers=acting(worker, narrow))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.post(f"{BOOK}/{held['id']}/cancel", headers=acting(worker, narrow))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    assert (await client.get(BOOK, headers=acting(worker, narrow))).json()["items"] == []
    r = await client.post(BOOK, json=body | {"start": "10:00"}, headers=acting(worker, narrow) | key())
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.post(
        f"{BOOK}/waiting", json={k: body[k] for k in ("hall_code", "service_code", "date")}, headers=acting(worker, narrow)
    )
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    assert (await Appointment.get(id=held["id"])).status == "booked"


async def test_staff_join_a_full_days_waiting_list_for_the_villager_who_is_told(client, resident, sms):
    await hall_with_one_slot()
    day = open_day(open_day())
    worker, session, villager, delegation = await setup(client, phone="13700000084")
    someone, _ = await other_resident("13700000284", "甲")
    await book_place(client, someone, day)  # the day's one place
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}
    r = await client.post(f"{BOOK}/waiting", json=body, headers=acting(worker, delegation))
    assert r.status_code == 201, r.text
    entry = await WaitingEntry.get(id=r.json()["id"])
    assert entry.person_id == villager["id"] and entry.status == "waiting"
    staff, them, under = f"person:{session.person_id}", f"person:{villager['id']}", f"delegation:{delegation['id']}"
    row = await AuditEntry.get(action="appointment.waiting_joined")
    assert (row.actor, row.subject, row.object_id, row.detail["authorisation"]) == (staff, them, str(entry.id), under)
    notice = await Notification.get(person_id=villager["id"], event="assist.waiting_joined")
    assert (notice.data["actor"], notice.data["authorisation"]) == (staff, under)
    assert "代办员" in notice.body and notice.link == "/appointments"
    await drain(dispatcher())
    [text] = texts(sms, VILLAGER_PHONE)
    assert text["params"] == {"subject": FOOD_NAME, "phrase": "已代办候补", "reference": "-"}
    # A join refused (already on the list) leaves no second record and tells nobody twice.
    again = await client.post(f"{BOOK}/waiting", json=body, headers=acting(worker, delegation))
    assert again.status_code == 409 and again.json()["code"] == "appointments.already_waiting"
    assert await AuditEntry.filter(action="appointment.waiting_joined").count() == 1
    assert await Notification.filter(person_id=villager["id"], event="assist.waiting_joined").count() == 1


async def test_staff_ask_for_ems_delivery_for_the_villager_who_is_told(client, resident, sms):
    await Station.create(code="S331002", name="蒲亭镇投递站", region_prefixes=["3310"], phone="0576-88000000")
    worker, session, villager, delegation = await setup(client, phone="13700000082")
    case = await file_case(client, acting(worker, delegation))
    body = {"application_id": case["id"], **ADDRESS, "save_address": True}
    narrow = await consented(client, worker, villager, errands=("000105002000",))
    r = await client.post("/api/v1/deliveries", json=body, headers=acting(worker, narrow) | key())
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"

    r = await client.post("/api/v1/deliveries", json=body, headers=acting(worker, delegation) | key())
    assert r.status_code == 201, r.text
    order = await DeliveryOrder.get(id=r.json()["id"])
    assert order.person_id == villager["id"]
    staff, them, under = f"person:{session.person_id}", f"person:{villager['id']}", f"delegation:{delegation['id']}"
    for action in ("delivery.requested", "delivery.address_saved"):
        entry = await AuditEntry.get(action=action)
        assert (entry.actor, entry.subject, entry.detail["authorisation"]) == (staff, them, under), action
    assert (await SavedAddress.get()).person_id == villager["id"]
    notice = await Notification.get(person_id=villager["id"], event="assist.delivery_requested")
    assert (notice.data["actor"], notice.data["authorisation"]) == (staff, under)
    card = await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=acting(worker, delegation))
    assert card.status_code == 200 and card.json()["id"] == order.id
    r = await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=acting(worker, narrow))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.post(f"/api/v1/deliveries/{order.id}/cancel", headers=acting(worker, narrow))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.post(f"/api/v1/deliveries/{order.id}/cancel", headers=acting(worker, delegation))
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    cancelled = await WorkflowEvent.get(object_type="delivery", object_id=order.id, action="cancel")
    assert (cancelled.actor, cancelled.authorisation) == (staff, under)
    assert (await Notification.get(person_id=villager["id"], event="assist.delivery_cancelled")).data["authorisation"] == under
    await drain(dispatcher())
    sent = {t["params"]["phrase"]: t["params"]["reference"] for t in texts(sms, VILLAGER_PHONE)}
    no = case["tracking_no"]
    assert sent == {"已代办开始": "-", "已代办提交": no, "已代办邮寄": no, "已代办取消": no}  # the draft had no number yet
