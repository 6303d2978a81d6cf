"""The waiting list: join a full day, a freed place offered to the first in line, lapses to the next, accept, leave."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from backend.appointments import booking, waiting
from backend.appointments.models import ActiveCount, Appointment, Slot, WaitingEntry
from notifications.models import Notification
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, the wired client)
from tests.appointments.waitkit import FOOD, HALL, hall_with_one_slot, local_now, open_day, resident
from tests.races.conftest import race_with_inserts_held

WAITING = "/api/v1/appointments/waiting"


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def book(client, headers, day, start="09:00") -> dict:
    """Hold and confirm a place as the PWA does."""
    r = await client.post(
        "/api/v1/appointments",
        json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": start},
        headers=headers | key(),
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/appointments/{r.json()['id']}/confirm", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "booked", r.text
    return r.json()


async def join(client, headers, day) -> dict:
    r = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def cancel_and_reopen(client, headers, appointment_id: int) -> datetime:
    """Cancel a booked place and let its reopening delay pass; the moment it reopened."""
    r = await client.post(f"/api/v1/appointments/{appointment_id}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    later = datetime.now(UTC) + timedelta(minutes=11)
    await booking.reopen_due(later)
    return later


async def mine(client, headers) -> list[dict]:
    r = await client.get(WAITING, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_full_days_list_only_once_per_person_and_not_for_the_booked(client):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000201", "甲")
    b, _ = await resident("13700000202", "乙")
    c, _ = await resident("13700000203", "丙")
    r = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=b)
    assert r.status_code == 409 and r.json()["code"] == "appointments.not_full"
    await book(client, a, day)
    first = await join(client, b, day)
    second = await join(client, c, day)
    assert (first["position"], first["length"], first["status"], first["status_label"]) == (1, 1, "waiting", "候补中")
    assert (second["position"], second["length"]) == (2, 2)
    assert first["hall"]["code"] == HALL and first["service_name"] == "食品经营许可（小餐饮）" and first["offer"] is None
    again = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=b)
    assert again.status_code == 409 and again.json()["code"] == "appointments.already_waiting"
    booked = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=a)
    assert booked.status_code == 409 and booked.json()["code"] == "appointments.already_booked"
    assert [e["position"] for e in await mine(client, c)] == [2]
    listed = (await client.get("/api/v1/appointments", headers=c)).json()  # 我的预约 shows the lists too
    assert [(w["id"], w["position"], w["length"]) for w in listed["waiting"]] == [(second["id"], 2, 2)]
    assert listed["suspension"] is None and "爽约" in listed["no_show_rule"]
    # Leaving moves the next one up; a left entry can be joined again (at the end of the line).
    r = await client.delete(f"{WAITING}/{first['id']}", headers=b)
    assert r.status_code == 200 and r.json()["status"] == "left", r.text
    assert [e["position"] for e in await mine(client, c)] == [1]
    assert await mine(client, b) == []
    assert (await join(client, b, day))["position"] == 2
    assert (await client.delete(f"{WAITING}/{first['id']}", headers=c)).status_code == 404  # not theirs


async def test_the_active_limit_counts_waiting_entries_too(client):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000211", "甲")
    b, b_id = await resident("13700000212", "乙")
    await book(client, a, day)
    await ActiveCount.create(person_id=b_id, active=3)
    r = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=b)
    assert r.status_code == 409 and r.json()["code"] == "appointments.too_many"


async def test_a_freed_place_is_offered_lapses_to_the_next_who_accepts(client):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000221", "甲")
    b, b_id = await resident("13700000222", "乙")
    c, c_id = await resident("13700000223", "丙")
    held = await book(client, a, day)
    await join(client, b, day)
    await join(client, c, day)
    reopened = await cancel_and_reopen(client, a, held["id"])

    offer_b = await Appointment.get(person_id=b_id)
    assert offer_b.status == "offered" and offer_b.hold_until == reopened + timedelta(minutes=120)
    slot = await Slot.get(id=offer_b.slot_id)
    assert slot.taken == 1  # the place went from A to B without ever being free
    (entry_b,) = await mine(client, b)
    assert (
        entry_b["status"] == "offered"
        and entry_b["offer"]["id"] == offer_b.id
        and entry_b["offer"]["status"] == "offered"
        and entry_b["position"] == 0
    )
    told = await Notification.get(event="appointment.offer", person_id=b_id)
    assert "已为您保留到" in told.body and told.critical
    assert [e["position"] for e in await mine(client, c)] == [1]

    # B does not answer: at the deadline the place moves to C.
    assert await waiting.lapse_offers(offer_b.hold_until - timedelta(seconds=1)) == 0
    assert await waiting.lapse_offers(offer_b.hold_until) == 1
    assert (await Appointment.get(id=offer_b.id)).status == "lapsed"
    assert (await WaitingEntry.get(person_id=b_id)).status == "lapsed"
    assert await Notification.filter(event="appointment.offer_lapsed", person_id=b_id).count() == 1
    offer_c = await Appointment.get(person_id=c_id)
    assert offer_c.status == "offered" and (await Slot.get(id=slot.id)).taken == 1
    late = await client.post(f"/api/v1/appointments/{offer_b.id}/accept", headers=b)
    assert late.status_code == 409 and late.json()["code"] == "appointment.illegal_transition"
    assert (await client.post(f"/api/v1/appointments/{offer_c.id}/accept", headers=b)).status_code == 404

    r = await client.post(f"/api/v1/appointments/{offer_c.id}/accept", headers=c)
    assert r.status_code == 200 and r.json()["status"] == "booked", r.text
    assert (await WaitingEntry.get(person_id=c_id)).status == "accepted"
    assert await Notification.filter(event="appointment.booked", person_id=c_id).count() == 1
    assert await mine(client, c) == []
    assert (await ActiveCount.get(person_id=c_id)).active == 1 and (await ActiveCount.get(person_id=b_id)).active == 0


async def test_a_freed_place_with_nobody_waiting_reopens(client):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000231", "甲")
    b, b_id = await resident("13700000232", "乙")
    held = await book(client, a, day)
    entry = await join(client, b, day)
    await cancel_and_reopen(client, a, held["id"])
    offer = await Appointment.get(person_id=b_id)
    # B leaves while offered: nobody else waits, so the place is free again at once.
    r = await client.delete(f"{WAITING}/{entry['id']}", headers=b)
    assert r.status_code == 200 and r.json()["status"] == "left", r.text
    assert (await Appointment.get(id=offer.id)).status == "cancelled"
    assert (await Slot.get(id=offer.slot_id)).taken == 0
    assert (await ActiveCount.get(person_id=b_id)).active == 0
    r = await client.post(WAITING, json={"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}, headers=b)
    assert r.status_code == 409 and r.json()["code"] == "appointments.not_full"


async def test_a_lapsed_offer_with_nobody_next_frees_the_place(client):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000241", "甲")
    b, b_id = await resident("13700000242", "乙")
    held = await book(client, a, day)
    await join(client, b, day)
    await cancel_and_reopen(client, a, held["id"])
    offer = await Appointment.get(person_id=b_id)
    # Past the deadline but not yet swept: accepting is refused all the same.
    deadline = offer.hold_until
    await Appointment.filter(id=offer.id).update(hold_until=datetime.now(UTC) - timedelta(seconds=1))
    r = await client.post(f"/api/v1/appointments/{offer.id}/accept", headers=b)
    assert r.status_code == 409 and r.json()["code"] == "appointments.offer_lapsed", r.text
    await Appointment.filter(id=offer.id).update(hold_until=deadline)
    assert await waiting.lapse_offers(offer.hold_until + timedelta(minutes=1)) == 1
    assert (await Slot.get(id=offer.slot_id)).taken == 0
    assert (await client.post(f"/api/v1/appointments/{offer.id}/accept", headers=b)).status_code == 409


async def test_an_offer_never_outlasts_the_cut_off_and_too_late_a_place_simply_reopens(client):
    group = await hall_with_one_slot(cutoff=120)
    day = open_day(open_day())
    a, _ = await resident("13700000251", "甲")
    b, b_id = await resident("13700000252", "乙")
    held = await book(client, a, day)
    await join(client, b, day)
    slot = await Slot.get(group_id=group.id, date=day)
    starts = local_now(day, "09:00")
    evening = local_now(day - timedelta(days=1), "22:00")
    assert waiting.offer_deadline(group, starts, evening) == evening + timedelta(minutes=120)
    assert waiting.offer_deadline(group, starts, local_now(day, "06:00")) == local_now(day, "07:00")
    r = await client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=a)
    assert r.status_code == 200, r.text
    # The place reopens at 06:55 on the day: 5 minutes before the cut-off is no time to answer.
    await booking.reopen_due(local_now(day, "06:55"))
    assert not await Appointment.filter(person_id=b_id).exists()
    assert (await Slot.get(id=slot.id)).taken == 0
    assert (await WaitingEntry.get(person_id=b_id)).status == "waiting"


async def test_one_person_joining_fifty_times_at_once_is_on_the_list_once(client, settings):
    await hall_with_one_slot()
    day = open_day(open_day())
    a, _ = await resident("13700000261", "甲")
    b, b_id = await resident("13700000262", "乙")
    await book(client, a, day)
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat()}
    # On PostgreSQL every request has checked before any may insert: the unique key decides.
    answers = await race_with_inserts_held(
        settings, "appointments_waiting", [client.post(WAITING, json=body, headers=b) for _ in range(50)]
    )
    assert sorted(r.status_code for r in answers) == [201] + [409] * 49, [r.text for r in answers if r.status_code >= 500]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"appointments.already_waiting"}
    assert await WaitingEntry.filter(person_id=b_id).count() == 1
