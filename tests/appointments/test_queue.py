"""The called queue at the hall: check-in, walk-ins, calling, estimates and the resident's ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from auth import sessions
from backend.applications.models import Application
from backend.appointments import queue
from backend.appointments.flows import APPOINTMENT
from backend.appointments.models import ActiveCount, Appointment, Ticket
from backend.kit.workflow import SYSTEM, transition
from notifications.models import Notification
from notifications.public import outside
from tests.applications.conftest import staff_headers
from tests.appointments.queue_setup import *  # noqa: F401,F403  (hall groups, clerk, fakes, client, resident)
from tests.appointments.queue_setup import HALL, OTHER_HALL, appointment, now
from tests.notifications.conftest import person_id, submitted_case

CHECK_IN = f"/api/v1/staff/halls/{HALL}/check-in"
TICKETS = f"/api/v1/staff/halls/{HALL}/tickets"
CALL = f"/api/v1/staff/halls/{HALL}/call-next"
QUEUE = f"/api/v1/staff/halls/{HALL}/queue"


def key() -> dict[str, str]:
    import uuid

    return {"Idempotency-Key": uuid.uuid4().hex}


async def session_of(headers: dict[str, str]) -> sessions.SessionInfo:
    info = await sessions.resolve(headers["Authorization"].split(" ", 1)[1])
    assert info is not None
    return info


async def walk_in(client, clerk, service_code: str = "000105001000", **extra) -> dict:
    r = await client.post(TICKETS, json={"service_code": service_code, **extra}, headers=clerk | key())
    assert r.status_code == 201, r.text
    return r.json()


async def call(client, clerk, group_id: int, window: str) -> dict:
    r = await client.post(CALL, json={"group_id": group_id, "window": window}, headers=clerk)
    assert r.status_code == 200, r.text
    return r.json()


# ---- check-in -------------------------------------------------------------------------------------


async def test_check_in_issues_a_ticket_counts_a_trip_and_opens_the_case(client, resident, groups, clerk):
    general, business = groups
    case = await submitted_case(client, resident)
    booked = await appointment(business, starts_at=now() + timedelta(minutes=20), application_id=case["id"])
    before = (await ActiveCount.get(person_id=booked.person_id)).active

    r = await client.post(CHECK_IN, json={"code": f"https://yiwang.example/a/{booked.code.lower()}"}, headers=clerk)
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["label"] == "B001" and ticket["status"] == "waiting" and ticket["status_label"] == "等候中"
    assert ticket["kind"] == "appointment" and ticket["application_id"] == case["id"] and ticket["group_id"] == business.id
    assert ticket["ahead"] == 0 and ticket["estimated_wait_minutes"] == 0
    assert (await Appointment.get(id=booked.id)).status == "checked_in"
    assert (await Application.get(id=case["id"])).trips == 1
    assert (await ActiveCount.get(person_id=booked.person_id)).active == before - 1
    stored = await Ticket.get(id=ticket["id"])
    assert stored.rank == 0 and stored.due_at == booked.starts_at

    again = await client.post(CHECK_IN, json={"code": booked.code}, headers=clerk)  # scanned twice: the same ticket
    assert again.status_code == 200 and again.json()["id"] == ticket["id"]
    assert await Ticket.filter(appointment_id=booked.id).count() == 1
    assert (await Application.get(id=case["id"])).trips == 1


async def test_check_in_window_edges(client, resident, groups, clerk):
    general, _ = groups
    session = await session_of(clerk)
    starts = now() + timedelta(hours=3)
    opens, closes = queue.check_in_window(starts)
    assert (opens, closes) == (starts - timedelta(minutes=60), starts + timedelta(minutes=30))

    early = await appointment(general, starts_at=starts)
    with pytest.raises(queue.TooEarly) as refused:
        await queue.check_in(session=session, hall_code=HALL, code=early.code, now=opens - timedelta(seconds=1))
    assert "以后签到" in refused.value.problem(english=False)["detail"]
    ticket, created = await queue.check_in(session=session, hall_code=HALL, code=early.code, now=opens)
    assert created and ticket.label == "A001"

    late = await appointment(general, starts_at=starts + timedelta(minutes=30))
    late_closes = late.starts_at + timedelta(minutes=30)
    with pytest.raises(queue.TooLate):
        await queue.check_in(session=session, hall_code=HALL, code=late.code, now=late_closes + timedelta(seconds=1))
    ticket, created = await queue.check_in(session=session, hall_code=HALL, code=late.code, now=late_closes)
    assert created and ticket.label == "A002"

    # Through the app, with the real clock: an hour and a bit ahead is too early, the answer says from when.
    ahead = await appointment(general, starts_at=now() + timedelta(minutes=75))
    r = await client.post(CHECK_IN, json={"code": ahead.code}, headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.too_early"
    assert queue.hhmm(ahead.starts_at - timedelta(minutes=60)) in r.json()["detail"]
    past = await appointment(general, starts_at=now() - timedelta(minutes=45))
    r = await client.post(CHECK_IN, json={"code": past.code}, headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.too_late"
    assert "截止" in r.json()["detail"] and queue.hhmm(past.starts_at + timedelta(minutes=30)) in r.json()["detail"]
    assert (await Appointment.get(id=past.id)).status == "booked"


async def test_check_in_refusals(client, resident, groups, clerk, other_clerk):
    general, _ = groups
    booked = await appointment(general, starts_at=now())
    r = await client.post(CHECK_IN, json={"code": "ZZZZZZZZZZ"}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "queue.code_unknown"
    r = await client.post(CHECK_IN, json={"code": "///"}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "queue.code_unknown"
    r = await client.post("/api/v1/staff/halls/nowhere/check-in", json={"code": booked.code}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "appointments.hall_not_found"
    r = await client.post(CHECK_IN, json={"code": booked.code}, headers=other_clerk)  # a clerk of another hall
    assert r.status_code == 403
    r = await client.post(CHECK_IN, json={"code": booked.code}, headers=resident)
    assert r.status_code == 403
    assert (await Appointment.get(id=booked.id)).status == "booked"

    # The code of hall 2 scanned at hall 1: the clerk there is told where it belongs.
    r = await client.post(f"/api/v1/staff/halls/{OTHER_HALL}/check-in", json={"code": booked.code}, headers=other_clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.wrong_hall" and "县" in r.json()["detail"]

    cancelled = await appointment(general, starts_at=now())
    await transition(APPOINTMENT, cancelled, action="cancel", by=SYSTEM)
    r = await client.post(CHECK_IN, json={"code": cancelled.code}, headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "appointment.illegal_transition" and "已取消" in r.json()["detail"]
    assert not await Ticket.exists()


# ---- walk-ins and order ---------------------------------------------------------------------------


async def test_walk_ins_queue_behind_appointments_due_at_the_same_time(client, resident, groups, clerk):
    general, business = groups
    session = await session_of(clerk)
    at = now()
    later = await queue.walk_in(session=session, hall_code=HALL, service_code="000105001000", group_id=general.id, now=at)
    booked = await appointment(general, starts_at=at)
    checked_in, _ = await queue.check_in(session=session, hall_code=HALL, code=booked.code, now=at)
    earlier_walk_in = await queue.walk_in(
        session=session, hall_code=HALL, service_code="000105001000", group_id=general.id, now=at - timedelta(seconds=1)
    )
    assert (later.label, checked_in.label, earlier_walk_in.label) == ("A001", "A002", "A003")

    r = await client.get(QUEUE, headers=clerk)
    assert r.status_code == 200, r.text
    [mine] = [g for g in r.json()["groups"] if g["id"] == general.id]
    # By due time, then appointments before walk-ins due at the same time, then by number.
    assert [t["label"] for t in mine["waiting"]] == ["A003", "A002", "A001"]
    assert [t["ahead"] for t in mine["waiting"]] == [0, 1, 2]
    assert [t["kind"] for t in mine["waiting"]] == ["walk_in", "appointment", "walk_in"]
    assert (await call(client, clerk, general.id, "1号窗口"))["label"] == "A003"
    assert (await call(client, clerk, general.id, "2号窗口"))["label"] == "A002"
    assert (await call(client, clerk, general.id, "1号窗口"))["label"] == "A001"

    # A walk-in for 营业执照 goes to its own window group; an item no window of the hall takes is refused.
    assert (await walk_in(client, clerk))["label"] == "B001"
    r = await client.post(TICKETS, json={"service_code": "000105001000", "group_id": 999}, headers=clerk | key())
    assert r.status_code == 404 and r.json()["code"] == "queue.group_not_found"
    r = await client.post(TICKETS, json={"service_code": "no-such-item"}, headers=clerk | key())
    assert r.status_code == 409 and r.json()["code"] == "queue.no_window_for_service"
    r = await client.post(TICKETS, json={"service_code": "no-such-item", "group_id": business.id}, headers=clerk | key())
    assert r.status_code == 409 and r.json()["code"] == "queue.no_window_for_service"
    r = await client.post(
        f"/api/v1/staff/halls/{OTHER_HALL}/tickets", json={"service_code": "000105001000"}, headers=clerk | key()
    )  # not this clerk's hall
    assert r.status_code == 403


# ---- calling --------------------------------------------------------------------------------------


async def test_call_recall_absent_serve_and_transfer(client, resident, groups, clerk, other_clerk):
    general, business = groups
    first, second, third = [await walk_in(client, clerk, group_id=general.id) for _ in range(3)]

    r = await client.post(CALL, json={"group_id": general.id, "window": "9号窗口"}, headers=clerk)
    assert r.status_code == 422 and r.json()["code"] == "queue.unknown_window"
    r = await client.post(CALL, json={"group_id": 999, "window": "1号窗口"}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "queue.group_not_found"

    called = await call(client, clerk, general.id, "1号窗口")
    assert called["id"] == first["id"] and called["status"] == "called" and called["window"] == "1号窗口" and called["calls"] == 1
    ticket = f"/api/v1/staff/tickets/{first['id']}"
    r = await client.post(f"{ticket}/absent", headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.not_called_enough" and "3" in r.json()["detail"]
    for calls in (2, 3):
        r = await client.post(f"{ticket}/recall", headers=clerk)
        assert r.status_code == 200 and r.json()["calls"] == calls
    assert r.json()["can_mark_absent"] is True
    r = await client.post(f"{ticket}/absent", headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "absent" and r.json()["status_label"] == "过号未到"
    r = await client.post(f"{ticket}/recall", headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "ticket.illegal_transition"

    # A waiting ticket cannot be served or marked absent; a called one is served.
    r = await client.post(f"/api/v1/staff/tickets/{second['id']}/serve", headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "ticket.illegal_transition" and "等候中" in r.json()["detail"]
    r = await client.post(f"/api/v1/staff/tickets/{second['id']}/absent", headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "ticket.illegal_transition"
    assert (await call(client, clerk, general.id, "2号窗口"))["id"] == second["id"]
    r = await client.post(f"/api/v1/staff/tickets/{second['id']}/serve", headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "served"
    served = await Ticket.get(id=second["id"])
    assert served.finished_at is not None and served.service_seconds is not None and served.service_seconds >= 0

    # Transfer: a waiting ticket and a called one go to the 营业执照 window, keeping their labels.
    r = await client.post(f"/api/v1/staff/tickets/{third['id']}/transfer", json={"group_id": general.id}, headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.same_group"
    r = await client.post(f"/api/v1/staff/tickets/{third['id']}/transfer", json={"group_id": 999}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "queue.group_not_found"
    r = await client.post(f"/api/v1/staff/tickets/{third['id']}/transfer", json={"group_id": business.id}, headers=clerk)
    assert r.status_code == 200 and r.json()["group_id"] == business.id and r.json()["label"] == third["label"]
    assert r.json()["status"] == "waiting"
    fourth = await walk_in(client, clerk, group_id=general.id)
    assert (await call(client, clerk, general.id, "1号窗口"))["id"] == fourth["id"]
    r = await client.post(f"/api/v1/staff/tickets/{fourth['id']}/transfer", json={"group_id": business.id}, headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "waiting" and r.json()["window"] == ""
    # Both wait for the 营业执照 window in their original order; nothing is left for the 综合窗口.
    assert (await call(client, clerk, business.id, "5号窗口"))["id"] == third["id"]
    assert (await call(client, clerk, business.id, "5号窗口"))["id"] == fourth["id"]
    r = await client.post(CALL, json={"group_id": general.id, "window": "1号窗口"}, headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "queue.empty"

    # Served, absent and transferred tickets stay with the hall: a clerk elsewhere finds none of them.
    r = await client.post(f"/api/v1/staff/tickets/{third['id']}/serve", headers=other_clerk)
    assert r.status_code == 404 and r.json()["code"] == "queue.ticket_not_found"
    r = await client.post("/api/v1/staff/tickets/999999/serve", headers=clerk)
    assert r.status_code == 404


async def test_estimated_wait_from_recent_service_times(client, resident, groups, clerk):
    general, _ = groups
    tickets = [await walk_in(client, clerk, group_id=general.id) for _ in range(4)]
    # Nobody served yet: 5 minutes each, two windows.
    r = await client.get(QUEUE, headers=clerk)
    [group] = [g for g in r.json()["groups"] if g["id"] == general.id]
    assert group["average_service_seconds"] == 300
    assert [t["estimated_wait_minutes"] for t in group["waiting"]] == [0, 3, 5, 8]
    assert group["estimated_wait_minutes"] == 10

    for window in ("1号窗口", "2号窗口"):
        called = await call(client, clerk, general.id, window)
        r = await client.post(f"/api/v1/staff/tickets/{called['id']}/serve", headers=clerk)
        assert r.status_code == 200
    # Their recorded times at the window (the clock is not waited for): 10 and 20 minutes.
    await Ticket.filter(id=tickets[0]["id"]).update(service_seconds=600)
    await Ticket.filter(id=tickets[1]["id"]).update(service_seconds=1200)
    assert await queue.average_service_seconds(general.id) == 900
    r = await client.get(QUEUE, headers=clerk)
    [group] = [g for g in r.json()["groups"] if g["id"] == general.id]
    assert [t["estimated_wait_minutes"] for t in group["waiting"]] == [0, 8]  # 900 s × 1 ahead ÷ 2 windows
    assert group["estimated_wait_minutes"] == 15
    assert queue.estimate_minutes(3, 300, 1) == 15 and queue.estimate_minutes(0, 300, 2) == 0


# ---- the resident's ticket ------------------------------------------------------------------------


async def test_resident_sees_place_and_wait_and_is_told_when_near_and_called(client, resident, groups, clerk, approver):
    general, _ = groups
    for _ in range(3):
        await walk_in(client, clerk, group_id=general.id)
    booked = await appointment(general, starts_at=now() + timedelta(minutes=10))
    r = await client.post(CHECK_IN, json={"code": booked.code}, headers=clerk)
    assert r.status_code == 201
    mine = r.json()
    # Three walk-ins arrived before the slot's start: they go first.
    r = await client.get(f"/api/v1/tickets/{mine['id']}", headers=resident)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": mine["id"],
        "label": "A004",
        "status": "waiting",
        "status_label": "等候中",
        "ahead": 3,
        "estimated_wait_minutes": 8,
        "window": "",
    }
    assert await queue.ticket_for(booked.id) == {k: v for k, v in r.json().items() if k != "id"}
    r = await client.get(f"/api/v1/appointments/{booked.id}", headers=resident)
    assert r.status_code == 200 and r.json()["ticket"]["ahead"] == 3 and r.json()["ticket"]["estimated_wait_minutes"] == 8
    assert await queue.ticket_for(booked.id + 1000) is None
    r = await client.get(f"/api/v1/tickets/{mine['id']}", headers=approver)  # someone else's ticket
    assert r.status_code == 404 and r.json()["code"] == "queue.ticket_not_found"
    walk_in_ticket = await Ticket.filter(appointment_id__isnull=True).first()
    assert walk_in_ticket is not None
    assert (await client.get(f"/api/v1/tickets/{walk_in_ticket.id}", headers=resident)).status_code == 404

    pid = await person_id()
    assert not await Notification.filter(person_id=pid, event="queue.near").exists()  # 3 ahead: not yet
    await call(client, clerk, general.id, "1号窗口")
    [near] = await Notification.filter(person_id=pid, event="queue.near")  # 2 ahead now
    assert (await client.get(f"/api/v1/tickets/{mine['id']}", headers=resident)).json()["ahead"] == 2
    await call(client, clerk, general.id, "2号窗口")
    await call(client, clerk, general.id, "1号窗口")
    assert await Notification.filter(person_id=pid, event="queue.near").count() == 1  # once
    called = await call(client, clerk, general.id, "2号窗口")
    assert called["id"] == mine["id"]
    r = await client.post(f"/api/v1/staff/tickets/{mine['id']}/recall", headers=clerk)
    assert r.status_code == 200
    notices = await Notification.filter(person_id=pid, event="queue.called").order_by("id")
    assert len(notices) == 2  # the call and the recall
    words = outside(notices[0])
    assert words.title == "请到2号窗口办理：A004" and words.body == "您的号码 A004 已叫号，请到 2号窗口 办理。"
    assert outside(near).title == "快到您了：A004"
    r = await client.get(f"/api/v1/tickets/{mine['id']}", headers=resident)
    assert r.json()["status"] == "called" and r.json()["window"] == "2号窗口" and r.json()["ahead"] == 0
    # The appointment answer carries the same block, for the resident's appointment page.
    r = await client.get(f"/api/v1/appointments/{booked.id}", headers=resident)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "checked_in"
    assert r.json()["ticket"] == {
        "label": "A004",
        "status": "called",
        "status_label": "已叫号",
        "ahead": 0,
        "estimated_wait_minutes": 0,
        "window": "2号窗口",
    }


async def test_staff_list_the_days_appointments_with_masked_names(client, resident, groups, clerk, other_clerk):
    general, business = groups
    starts = now() + timedelta(minutes=10)
    first = await appointment(general, starts_at=starts)
    second = await appointment(business, starts_at=starts)
    cancelled = await appointment(general, starts_at=starts)
    await transition(APPOINTMENT, cancelled, action="cancel", by=SYSTEM)
    r = await client.post(CHECK_IN, json={"code": first.code}, headers=clerk)
    assert r.status_code == 201

    r = await client.get(f"/api/v1/staff/halls/{HALL}/appointments", params={"date": first.date.isoformat()}, headers=clerk)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    items = r.json()["items"]
    assert [(a["id"], a["status_label"], a["ticket"], a["name_masked"]) for a in items] == [
        (first.id, "已签到", "A001", "张*"),
        (second.id, "已预约", None, "张*"),
    ]
    assert "张三" not in r.text
    r = await client.get(f"/api/v1/staff/halls/{HALL}/appointments", headers=other_clerk)
    assert r.status_code == 403


async def test_a_booking_made_online_is_checked_in_at_its_hall(client, resident, halls):
    """The whole path on book's endpoints: book, confirm, the QR code's text scanned at the slot's time."""
    from tests.appointments.conftest import book, working_days

    [day] = working_days(1)
    held = await book(client, resident, day=day, start="09:00")
    r = await client.post(f"/api/v1/appointments/{held['id']}/confirm", headers=resident)
    assert r.status_code == 200, r.text
    booked = await Appointment.get(id=held["id"])
    clerk = await staff_headers("staff", f"hall:{HALL}", "13600000023")
    session = await session_of(clerk)
    ticket, created = await queue.check_in(session=session, hall_code=HALL, code=held["code"], now=booked.starts_at - timedelta(minutes=20))
    assert created and ticket.rank == 0 and ticket.due_at == booked.starts_at and ticket.label.endswith("001")
    r = await client.get(f"/api/v1/appointments/{held['id']}", headers=resident)
    assert r.json()["status"] == "checked_in" and r.json()["ticket"]["label"] == ticket.label
    assert r.json()["ticket"]["status_label"] == "等候中" and r.json()["can_cancel"] is False
