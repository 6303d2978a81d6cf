"""Booking a hall slot: halls, days, slots, hold, confirm, cancel, reschedule, and every refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from backend.appointments import booking, slots
from backend.appointments.models import ActiveCount, Appointment, Release, Slot, Suspension, WindowGroup
from backend.catalog.models import Hall
from backend.kit.models import AuditEntry
from tests.appointments.conftest import (
    BOOK,
    FOOD,
    HALL,
    ID_CARD,
    TOWN_HALL,
    a_rest_day,
    book,
    key,
    person_headers,
    working_days,
)


def problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.json()["code"] == code, r.text
    return r.json()


async def confirmed(client, headers, **kwargs) -> dict:
    held = await book(client, headers, **kwargs)
    r = await client.post(f"{BOOK}/{held['id']}/confirm", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_book_confirm_and_see_it_with_its_qr_code(client, resident, halls):
    day = working_days(1)[0]
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": FOOD})
    assert r.status_code == 200, r.text
    listing = r.json()
    assert listing["slots"][0] == {"start": "08:30", "end": "09:00", "capacity": 4, "remaining": 4}
    assert all(not ("12:00" <= s["start"] < "14:00") for s in listing["slots"])  # the lunch break
    assert listing["full"] is False and listing["waiting"] == {"open": False, "length": 0}
    held = await book(client, resident, day=day, start="09:00")
    assert held["status"] == "held" and held["hold_until"] and held["end"] == "09:30"
    assert held["hall"]["name"] == "德安县政务服务中心" and held["service_name"].startswith("食品经营许可")
    assert len(held["code"]) == 10 and held["can_cancel"] and not held["can_reschedule"]
    r = await client.post(f"{BOOK}/{held['id']}/confirm", headers=resident)
    assert r.status_code == 200, r.text
    booked = r.json()
    assert booked["status"] == "booked" and booked["status_label"] == "已预约" and booked["hold_until"] is None
    assert booked["can_cancel"] and booked["can_reschedule"]
    assert [e["text"] for e in booked["timeline"]][-1] == "已确认预约"
    r = await client.get(BOOK, headers=resident)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    assert [a["id"] for a in r.json()["items"]] == [held["id"]] and r.json()["waiting"] == [] and r.json()["suspension"] is None
    r = await client.get(f"{BOOK}/{held['id']}", headers=resident)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store" and r.json()["status"] == "booked"
    r = await client.get(f"{BOOK}/{held['id']}/qr.svg", headers=resident)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content
    assert r.headers["cache-control"] == "private, no-store"
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": FOOD})
    assert next(s for s in r.json()["slots"] if s["start"] == "09:00")["remaining"] == 3
    assert await ActiveCount.get(person_id=(await Appointment.get(id=held["id"])).person_id).values_list("active", flat=True) == 1


async def test_halls_with_distance_details_and_days(client, halls):
    r = await client.get("/api/v1/halls", params={"lat": 29.3136, "lng": 115.7671})  # standing at hall 1
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [h["code"] for h in items] == [TOWN_HALL, HALL]
    assert items[0]["distance_m"] == 0 and 1500 < items[1]["distance_m"] < 2500 and all(h["bookable"] for h in items)
    r = await client.get("/api/v1/halls")
    assert all(h["distance_m"] is None for h in r.json()["items"])
    r = await client.get(f"/api/v1/halls/{HALL}")
    assert r.status_code == 200, r.text
    detail = r.json()
    assert {g["name"] for g in detail["groups"]} == {"综合窗口", "公安户政窗口"}
    assert {FOOD, ID_CARD} <= {s["code"] for s in detail["services"]} and detail["phone"] and detail["hours"]
    r = await client.get(f"/api/v1/halls/{HALL}/days", params={"service": FOOD})
    assert r.status_code == 200, r.text
    days = {date.fromisoformat(d["date"]): d for d in r.json()["days"]}
    assert len(days) == 14 and min(days) == slots.local_today() + timedelta(days=1)
    assert days[working_days(1)[0]] == {"date": working_days(1)[0].isoformat(), "bookable": True, "full": False, "reason": ""}
    rest = a_rest_day()
    assert days[rest]["bookable"] is False and days[rest]["reason"] == "休息日"


async def test_unknown_hall_service_and_slot_are_refused(client, resident, halls):
    day = working_days(1)[0]
    problem(await client.get("/api/v1/halls/nowhere"), 404, "appointments.hall_not_found")
    problem(await client.get("/api/v1/halls/nowhere/days", params={"service": FOOD}), 404, "appointments.hall_not_found")
    problem(await client.get(f"/api/v1/halls/{HALL}/days", params={"service": "999"}), 422, "appointments.service_not_offered")
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": "09:00"}
    r = await client.post(BOOK, json=body | {"hall_code": "nowhere"}, headers=resident | key())
    problem(r, 404, "appointments.hall_not_found")
    r = await client.post(BOOK, json=body | {"service_code": "000000000000"}, headers=resident | key())
    problem(r, 422, "appointments.service_not_offered")
    # The township centre does not take 食品经营许可 (a county matter).
    r = await client.post(BOOK, json=body | {"hall_code": TOWN_HALL}, headers=resident | key())
    problem(r, 422, "appointments.service_not_offered")
    for start in ("09:10", "12:30", "18:00"):  # not a slot start, the lunch break, after closing
        r = await client.post(BOOK, json=body | {"start": start}, headers=resident | key())
        assert start in problem(r, 422, "appointments.slot_not_found")["detail"]
    r = await client.post(BOOK, json=body | {"start": "9:00"}, headers=resident | key())
    problem(r, 422, "request.invalid")
    r = await client.post(BOOK, json=body | {"application_id": 123456}, headers=resident | key())
    problem(r, 422, "appointments.application_invalid")
    r = await client.post(BOOK, json=body, headers=resident)
    problem(r, 400, "idempotency.key_missing")
    assert await Appointment.all().count() == 0 and await Slot.filter(taken__gt=0).count() == 0


async def test_dates_outside_the_horizon_rest_days_and_closed_days_are_refused(client, resident, admin, halls):
    today = slots.local_today()
    body = {"hall_code": HALL, "service_code": FOOD, "start": "09:00"}
    for day, reason in ((today, "不在可预约范围"), (today + timedelta(days=15), "不在可预约范围"), (a_rest_day(), "休息日")):
        r = await client.post(BOOK, json=body | {"date": day.isoformat()}, headers=resident | key())
        assert reason in problem(r, 422, "appointments.date_not_bookable")["detail"]
        r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": FOOD})
        problem(r, 422, "appointments.date_not_bookable")
    day = working_days(2)[1]
    group = await WindowGroup.get(hall_code=HALL, name="综合窗口")
    r = await client.put(
        f"/api/v1/admin/groups/{group.id}/overrides/{day.isoformat()}", json={"closed": True, "note": "停电"}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = await client.post(BOOK, json=body | {"date": day.isoformat()}, headers=resident | key())
    assert "闭厅" in problem(r, 422, "appointments.date_not_bookable")["detail"]
    r = await client.get(f"/api/v1/halls/{HALL}/days", params={"service": FOOD})
    assert next(d for d in r.json()["days"] if d["date"] == day.isoformat())["reason"] == "闭厅"
    # The police windows of the same hall keep their own calendar.
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": ID_CARD})
    assert r.status_code == 200 and r.json()["group_id"] != group.id


def test_holidays_and_make_up_working_days_follow_the_calendar():
    group = WindowGroup(id=1, hall_code=HALL, name="综合窗口", items=[], horizon_days=14)
    hall = Hall(code=HALL, name="x", items=[FOOD])
    schedules = {d: slots.Schedule(group_id=1, weekday=d, opens="08:30", closes="12:00", slot_minutes=30, capacity=4) for d in range(5)}
    national_day = slots.plan_day(group, hall, date(2026, 10, 1), today=date(2026, 9, 28), schedules=schedules, override=None)
    assert national_day.reason == "节假日" and not national_day.open
    # Saturday 2026-10-10 is a make-up working day (调休上班): it opens with Monday's template.
    make_up = slots.plan_day(group, hall, date(2026, 10, 10), today=date(2026, 10, 8), schedules=schedules, override=None)
    assert make_up.open and make_up.times[0] == ("08:30", "09:00") and make_up.capacity == 4
    weekend = slots.plan_day(group, hall, date(2026, 10, 17), today=date(2026, 10, 8), schedules=schedules, override=None)
    assert weekend.reason == "休息日"


async def test_one_appointment_per_item_and_day_and_a_limit_of_active_ones(client, resident, halls):
    days = working_days(3)
    await book(client, resident, day=days[0], start="09:00")
    r = await client.post(
        BOOK, json={"hall_code": HALL, "service_code": FOOD, "date": days[0].isoformat(), "start": "10:00"}, headers=resident | key()
    )
    problem(r, 409, "appointments.already_booked")
    assert sum(await Slot.filter(start="10:00").values_list("taken", flat=True)) == 0  # rolled back with the insert
    await book(client, resident, day=days[1], start="09:00")
    await book(client, resident, day=days[2], start="09:00")
    r = await client.post(
        BOOK, json={"hall_code": HALL, "service_code": ID_CARD, "date": days[0].isoformat(), "start": "09:00"}, headers=resident | key()
    )
    assert "3" in problem(r, 409, "appointments.too_many")["detail"]
    assert await Appointment.all().count() == 3
    assert sum(await Slot.all().values_list("taken", flat=True)) == 3


async def test_a_full_slot_refuses_and_the_day_shows_full(client, resident, admin, halls):
    day = working_days(1)[0]
    group = await WindowGroup.get(hall_code=HALL, name="公安户政窗口")
    r = await client.put(f"/api/v1/admin/groups/{group.id}/overrides/{day.isoformat()}", json={"extra_capacity": -3}, headers=admin)
    assert r.status_code == 200 and r.json()["slots_adjusted"] == 0
    await book(client, resident, day=day, start="09:00", service=ID_CARD)
    other = await person_headers("13700000101")
    r = await client.post(
        BOOK, json={"hall_code": HALL, "service_code": ID_CARD, "date": day.isoformat(), "start": "09:00"}, headers=other | key()
    )
    problem(r, 409, "appointments.slot_full")
    assert await ActiveCount.filter(active__gt=0).count() == 1  # the refused booking counted nothing
    # More places for the date: the existing counter follows.
    r = await client.put(f"/api/v1/admin/groups/{group.id}/overrides/{day.isoformat()}", json={"extra_capacity": 1}, headers=admin)
    assert r.json()["slots_adjusted"] == 1
    assert (await Slot.get(group_id=group.id, date=day, start="09:00")).capacity == 5
    await book(client, other, day=day, start="09:00", service=ID_CARD)
    # A day with every place taken is full.
    await Slot.filter(group_id=group.id).update(capacity=1)
    for start, _ in slots.times_of(await slots.Schedule.get(group_id=group.id, weekday=day.weekday())):
        row = await slots.slot_row(group, await slots.plan(group, await Hall.get(code=HALL), day, today=slots.local_today()), start)
        await Slot.filter(id=row.id).update(capacity=row.taken or 0)
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": ID_CARD})
    assert r.json()["full"] is True and r.json()["waiting"] == {"open": True, "length": 0}
    r = await client.get(f"/api/v1/halls/{HALL}/days", params={"service": ID_CARD})
    assert next(d for d in r.json()["days"] if d["date"] == day.isoformat()) == {
        "date": day.isoformat(),
        "bookable": False,
        "full": True,
        "reason": "已约满",
    }


async def test_booking_is_idempotent(client, resident, halls):
    day = working_days(1)[0]
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": "09:00"}
    headers = resident | {"Idempotency-Key": "book-once"}
    first = await client.post(BOOK, json=body, headers=headers)
    again = await client.post(BOOK, json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert first.content == again.content
    assert await Appointment.all().count() == 1 and (await Slot.get(start="09:00")).taken == 1


async def test_other_peoples_appointments_are_not_found(client, resident, halls):
    held = await book(client, resident, day=working_days(1)[0])
    other = await person_headers("13700000102")
    for method, path in (
        ("GET", ""),
        ("GET", "/qr.svg"),
        ("POST", "/confirm"),
        ("POST", "/cancel"),
    ):
        problem(await client.request(method, f"{BOOK}/{held['id']}{path}", headers=other), 404, "appointments.not_found")
    r = await client.post(
        f"{BOOK}/{held['id']}/reschedule", json={"date": working_days(2)[1].isoformat(), "start": "10:00"}, headers=other | key()
    )
    problem(r, 404, "appointments.not_found")
    r = await client.get(BOOK, headers=other)
    assert r.json()["items"] == []
    assert (await Appointment.get(id=held["id"])).status == "held"


async def test_holds_expire_and_give_the_place_back(client, resident, halls):
    held = await book(client, resident, day=working_days(1)[0])
    now = datetime.now(UTC)
    assert await booking.expire_holds(now=now) == 0  # still within its five minutes
    assert await booking.expire_holds(now=now + timedelta(minutes=6)) == 1
    appointment = await Appointment.get(id=held["id"])
    assert appointment.status == "expired" and appointment.active_key is None and appointment.hold_until is None
    assert (await Slot.get(id=appointment.slot_id)).taken == 0
    assert (await ActiveCount.get(person_id=appointment.person_id)).active == 0
    r = await client.post(f"{BOOK}/{held['id']}/confirm", headers=resident)
    problem(r, 409, "appointment.illegal_transition")
    assert await booking.expire_holds(now=now + timedelta(minutes=6)) == 0
    # The same slot can be booked again at once.
    again = await book(client, resident, day=working_days(1)[0])
    assert again["id"] != held["id"]


async def test_confirming_after_the_hold_ran_out_releases_it(client, resident, halls):
    held = await book(client, resident, day=working_days(1)[0])
    await Appointment.filter(id=held["id"]).update(hold_until=datetime.now(UTC) - timedelta(seconds=1))
    problem(await client.post(f"{BOOK}/{held['id']}/confirm", headers=resident), 409, "appointments.hold_expired")
    assert (await Appointment.get(id=held["id"])).status == "expired"
    assert (await Slot.get(start="09:00")).taken == 0


async def test_cancel_reopens_the_place_only_after_the_delay(client, resident, halls):
    booked = await confirmed(client, resident, day=working_days(1)[0])
    r = await client.post(f"{BOOK}/{booked['id']}/cancel", headers=resident)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and not r.json()["can_cancel"]
    cancelled_at = datetime.now(UTC)
    slot = await Slot.get(start="09:00")
    assert slot.taken == 1 and (await ActiveCount.get(person_id=(await Appointment.get(id=booked["id"])).person_id)).active == 0
    assert await booking.reopen_due(now=cancelled_at + timedelta(minutes=5)) == 0
    assert (await Slot.get(id=slot.id)).taken == 1
    assert await booking.reopen_due(now=cancelled_at + timedelta(minutes=11)) == 1
    assert (await Slot.get(id=slot.id)).taken == 0 and await Release.filter(done=False).count() == 0
    assert await booking.reopen_due(now=cancelled_at + timedelta(minutes=11)) == 0
    problem(await client.post(f"{BOOK}/{booked['id']}/cancel", headers=resident), 409, "appointment.illegal_transition")
    # A held place cancelled before confirming reopens after the same delay.
    held = await book(client, resident, day=working_days(1)[0], start="10:00")
    r = await client.post(f"{BOOK}/{held['id']}/cancel", headers=resident)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert await Release.filter(done=False).count() == 1


async def test_reschedule_moves_in_one_step_and_frees_the_old_place_later(client, resident, halls):
    days = working_days(2)
    booked = await confirmed(client, resident, day=days[0], start="09:00")
    headers = resident | {"Idempotency-Key": "move-1"}
    body = {"date": days[1].isoformat(), "start": "14:30"}
    r = await client.post(f"{BOOK}/{booked['id']}/reschedule", json=body, headers=headers)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["status"] == "booked" and moved["date"] == days[1].isoformat() and moved["start"] == "14:30" and moved["end"] == "15:00"
    assert "改约" in moved["timeline"][-1]["text"]
    again = await client.post(f"{BOOK}/{booked['id']}/reschedule", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    old = await Slot.get(date=days[0], start="09:00")
    new = await Slot.get(date=days[1], start="14:30")
    assert (old.taken, new.taken) == (1, 1) and await Release.filter(slot_id=old.id, done=False).count() == 1
    appointment = await Appointment.get(id=booked["id"])
    assert appointment.slot_id == new.id and appointment.active_key.endswith(days[1].isoformat())
    assert (await ActiveCount.get(person_id=appointment.person_id)).active == 1
    problem(await client.post(f"{BOOK}/{booked['id']}/reschedule", json=body, headers=resident | key()), 422, "appointments.same_slot")
    # Onto a day with the same item booked already: refused, nothing moved.
    other = await book(client, resident, day=days[0], start="10:00")
    r = await client.post(
        f"{BOOK}/{booked['id']}/reschedule", json={"date": days[0].isoformat(), "start": "11:00"}, headers=resident | key()
    )
    problem(r, 409, "appointments.already_booked")
    assert sum(await Slot.filter(date=days[0], start="11:00").values_list("taken", flat=True)) == 0
    # Only a booked appointment moves.
    r = await client.post(
        f"{BOOK}/{other['id']}/reschedule", json={"date": days[1].isoformat(), "start": "11:00"}, headers=resident | key()
    )
    problem(r, 409, "appointment.illegal_transition")


async def test_cancel_and_reschedule_stop_at_the_cut_off(client, resident, halls):
    booked = await confirmed(client, resident, day=working_days(1)[0])
    await WindowGroup.filter(hall_code=HALL).update(cutoff_minutes=60 * 24 * 30)
    r = await client.get(f"{BOOK}/{booked['id']}", headers=resident)
    assert r.json()["can_cancel"] is False and r.json()["can_reschedule"] is False
    problem(await client.post(f"{BOOK}/{booked['id']}/cancel", headers=resident), 409, "appointments.too_late")
    r = await client.post(
        f"{BOOK}/{booked['id']}/reschedule", json={"date": working_days(2)[1].isoformat(), "start": "10:00"}, headers=resident | key()
    )
    problem(r, 409, "appointments.too_late")
    assert (await Appointment.get(id=booked["id"])).status == "booked"


async def test_a_suspended_resident_is_told_until_when(client, resident, halls):
    await book(client, resident, day=working_days(1)[0])
    person_id = (await Appointment.first()).person_id
    until = slots.local_today() + timedelta(days=20)
    await Suspension.create(person_id=person_id, until=until, no_shows=3, status="active")
    r = await client.post(
        BOOK,
        json={"hall_code": HALL, "service_code": ID_CARD, "date": working_days(1)[0].isoformat(), "start": "09:00"},
        headers=resident | key(),
    )
    assert f"{until.year}年{until.month}月{until.day}日" in problem(r, 403, "appointments.suspended")["detail"]
    mine = (await client.get(BOOK, headers=resident)).json()
    assert mine["suspension"]["until"] == until.isoformat() and mine["suspension"]["status_label"] == "暂停网上预约"


async def test_bursts_from_one_address_are_limited(client, resident, halls):
    body = {"hall_code": "nowhere", "service_code": FOOD, "date": working_days(1)[0].isoformat(), "start": "09:00"}
    for _ in range(30):
        assert (await client.post(BOOK, json=body, headers=resident | key())).status_code == 404
    r = await client.post(BOOK, json=body, headers=resident | key())
    problem(r, 429, "auth.rate_limited")
    assert int(r.headers["retry-after"]) > 0


async def test_demo_halls_take_every_item_that_needs_an_appointment(client, halls):
    from backend.appointments import demo
    from backend.catalog.models import ServiceItem

    assert (await demo.seed())["groups_created"] == 0  # idempotent
    assert await WindowGroup.all().count() == 3
    bookable: set[str] = set()
    for code in (TOWN_HALL, HALL):
        bookable |= {s["code"] for s in (await client.get(f"/api/v1/halls/{code}")).json()["services"]}
    needed = set(await ServiceItem.filter(appointment_needed=True).values_list("code", flat=True))
    assert needed and needed <= bookable
    for code in needed:
        r = await client.get(f"/api/v1/halls/{HALL}/days", params={"service": code})
        assert any(d["bookable"] for d in r.json()["days"]), code
    hall = await Hall.get(code=TOWN_HALL)
    assert hall.region == "360426" and hall.township == "蒲亭镇" and hall.latitude


async def test_admin_edits_halls_groups_schedules_and_overrides(client, resident, admin, halls):
    r = await client.get(f"/api/v1/admin/halls/{TOWN_HALL}", headers=resident)
    problem(r, 403, "auth.forbidden")
    r = await client.get(f"/api/v1/admin/halls/{TOWN_HALL}", headers=admin)
    assert r.status_code == 200 and r.json()["region"] == "360426"
    details = {
        "name": "蒲亭镇便民服务中心",
        "address": "蒲亭镇人民政府一楼",
        "district": "德安县",
        "township": "蒲亭镇",
        "region": "360426",
        "hours": "周一至周五",
        "phone": "0792-1",
        "latitude": 29.3,
        "longitude": 115.7,
    }
    r = await client.put(f"/api/v1/admin/halls/{TOWN_HALL}", json=details, headers=admin)
    assert r.status_code == 200 and r.json()["phone"] == "0792-1"
    problem(await client.put(f"/api/v1/admin/halls/{TOWN_HALL}", json=details | {"region": "36"}, headers=admin), 422, "request.invalid")
    r = await client.post(f"/api/v1/admin/halls/{TOWN_HALL}/groups", json={"name": "市场监管专窗", "items": [FOOD]}, headers=admin)
    problem(r, 422, "appointments.unknown_items")
    town_item = (await Hall.get(code=TOWN_HALL)).items[0]
    r = await client.post(
        f"/api/v1/admin/halls/{TOWN_HALL}/groups", json={"name": "民政专窗", "items": [town_item], "ticket_prefix": "C"}, headers=admin
    )
    assert r.status_code == 201, r.text
    group_id = r.json()["id"]
    bad = {"days": [{"weekday": 0, "opens": "17:00", "closes": "08:00"}]}
    problem(await client.put(f"/api/v1/admin/groups/{group_id}/schedule", json=bad, headers=admin), 422, "appointments.schedule_invalid")
    lunch = {"days": [{"weekday": 0, "opens": "08:00", "closes": "12:00", "lunch_from": "13:00", "lunch_to": "14:00"}]}
    problem(await client.put(f"/api/v1/admin/groups/{group_id}/schedule", json=lunch, headers=admin), 422, "appointments.schedule_invalid")
    week = {"days": [{"weekday": d, "opens": "09:00", "closes": "11:00", "slot_minutes": 60, "capacity": 2} for d in range(5)]}
    r = await client.put(f"/api/v1/admin/groups/{group_id}/schedule", json=week, headers=admin)
    assert r.status_code == 200 and len(r.json()["days"]) == 5
    r = await client.get(f"/api/v1/halls/{TOWN_HALL}/slots", params={"date": working_days(1)[0].isoformat(), "service": town_item})
    assert r.json()["group_id"] == group_id and r.json()["slots"] == [
        {"start": "09:00", "end": "10:00", "capacity": 2, "remaining": 2},
        {"start": "10:00", "end": "11:00", "capacity": 2, "remaining": 2},
    ]
    problem(await client.put("/api/v1/admin/groups/999999/schedule", json=week, headers=admin), 404, "appointments.group_not_found")
    r = await client.put(f"/api/v1/admin/groups/{group_id}/overrides/not-a-date", json={"closed": True}, headers=admin)
    problem(r, 422, "request.invalid")
    actions = set(await AuditEntry.filter(action__startswith="appointments.").values_list("action", flat=True))
    assert actions == {"appointments.hall_saved", "appointments.group_created", "appointments.schedule_saved"}
