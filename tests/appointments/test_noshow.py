"""No-shows (staff mark them, only after the slot began), the published rule's suspension and its end, appeals."""

from __future__ import annotations

from datetime import timedelta

from backend.appointments import noshow
from backend.appointments.models import Suspension
from notifications.models import Notification
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, the wired client)
from tests.appointments.waitkit import FOOD, HALL, hall_with_one_slot, open_day, past_booking, resident, staff, today
from tests.races.conftest import race_with_inserts_held

NO_SHOW = "/api/v1/staff/appointments/{}/no-show"


async def _three_no_shows(client, clerk, person_id, group) -> dict:
    answers = []
    for days_ago in (3, 2, 1):
        appointment = await past_booking(person_id, group, today() - timedelta(days=days_ago))
        r = await client.post(NO_SHOW.format(appointment.id), headers=clerk)
        assert r.status_code == 200, r.text
        answers.append(r.json())
    assert [a["suspended_until"] for a in answers[:2]] == [None, None]
    return answers[-1]


async def test_staff_of_the_hall_mark_a_no_show_only_once_the_slot_began(client):
    group = await hall_with_one_slot()
    _, person = await resident("13700000001")
    clerk = await staff("staff", f"hall:{HALL}", "13600000101")
    elsewhere = await staff("staff", "hall:1", "13600000102")
    coming = await past_booking(person, group, open_day())
    r = await client.post(NO_SHOW.format(coming.id), headers=clerk)
    assert r.status_code == 409 and r.json()["code"] == "appointments.not_started", r.text
    missed = await past_booking(person, group, today() - timedelta(days=1))
    r = await client.post(NO_SHOW.format(missed.id), headers=elsewhere)
    assert r.status_code == 404 and r.json()["code"] == "appointments.not_found"  # another hall's: as if missing
    r = await client.post(NO_SHOW.format(missed.id), headers=clerk)
    assert r.status_code == 200, r.text
    assert r.json() == {"appointment_id": missed.id, "status": "no_show", "status_label": "爽约", "suspended_until": None}
    again = await client.post(NO_SHOW.format(missed.id), headers=clerk)
    assert again.status_code == 409 and again.json()["code"] == "appointment.illegal_transition"
    notice = await Notification.get(event="appointment.no_show")
    assert notice.person_id == person and notice.link == f"/appointments/{missed.id}"


async def test_the_published_rule_suspends_until_a_date_the_resident_is_told_and_the_date_ends_it(client):
    group = await hall_with_one_slot()
    headers, person = await resident("13700000002")
    clerk = await staff("approver", f"hall:{HALL}", "13600000103")
    last = await _three_no_shows(client, clerk, person, group)
    until = today() + timedelta(days=30)
    assert last["suspended_until"] == until.isoformat()
    suspension = await Suspension.get(person_id=person)
    assert (suspension.status, suspension.until, suspension.no_shows) == ("active", until, 3)
    told = await Notification.get(event="appointment.suspended")
    assert f"{until.year}年{until.month}月{until.day}日" in told.body and told.person_id == person
    assert told.data["fields"]["time"] == f"{until.year}年{until.month}月{until.day}日 00:00"

    state = (await client.get("/api/v1/appointments/suspension", headers=headers)).json()
    assert state["suspension"]["until"] == until.isoformat() and state["suspension"]["can_appeal"] is True
    assert "30天内" in state["rule"] and "3次" in state["rule"]
    mine = (await client.get("/api/v1/appointments", headers=headers)).json()
    assert mine["suspension"]["until"] == until.isoformat() and mine["suspension"]["rule"] == state["rule"]
    # Suspended: no waiting list either, and the answer names the date.
    wanted = {"hall_code": HALL, "service_code": FOOD, "date": open_day().isoformat()}
    r = await client.post("/api/v1/appointments/waiting", json=wanted, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "appointments.suspended", r.text
    assert f"{until.year}年{until.month}月{until.day}日" in r.json()["detail"]

    assert await noshow.end_suspensions(until - timedelta(days=1)) == 0
    assert await noshow.end_suspensions(until) == 1
    assert (await Suspension.get(id=suspension.id)).status == "ended"
    assert await noshow.end_suspensions(until) == 0
    assert await Notification.filter(event="appointment.suspension_ended").count() == 1
    assert (await client.get("/api/v1/appointments/suspension", headers=headers)).json()["suspension"] is None
    # No-shows older than the rule's window do not count again.
    await noshow.check_not_suspended(person, until)


async def test_appeal_then_lift_and_refuse(client):
    group = await hall_with_one_slot()
    headers, person = await resident("13700000003")
    clerk = await staff("staff", f"hall:{HALL}", "13600000104")
    other_hall = await staff("staff", "hall:1", "13600000105")
    await _three_no_shows(client, clerk, person, group)
    suspension = await Suspension.get(person_id=person)

    for blank in ("  ", " 病 "):  # spaces are no reason: the length counts what is left
        r = await client.post("/api/v1/appointments/suspension/appeal", json={"text": blank}, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("text"), r.text
    r = await client.post("/api/v1/appointments/suspension/appeal", json={"text": " 那几天住院了，有病历 "}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "appealed", r.text
    again = await client.post("/api/v1/appointments/suspension/appeal", json={"text": "再申诉"}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "appointments.not_suspended"
    listed = (await client.get("/api/v1/staff/suspensions", headers=clerk)).json()["items"]
    assert [(s["id"], s["status"], s["appeal"]) for s in listed] == [(suspension.id, "appealed", "那几天住院了，有病历")]
    assert (await client.get("/api/v1/staff/suspensions", headers=other_hall)).json()["items"] == []
    r = await client.post(f"/api/v1/staff/suspensions/{suspension.id}/lift", json={"note": "x"}, headers=other_hall)
    assert r.status_code == 404 and r.json()["code"] == "appointments.suspension_not_found"

    r = await client.post(f"/api/v1/staff/suspensions/{suspension.id}/refuse", json={"note": "病历日期不符"}, headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    refused = await Notification.get(event="appointment.appeal_refused")
    assert "病历日期不符" in refused.body
    await client.post("/api/v1/appointments/suspension/appeal", json={"text": "补充了出院证明"}, headers=headers)
    r = await client.post(f"/api/v1/staff/suspensions/{suspension.id}/lift", json={"note": "已核实"}, headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "lifted", r.text
    assert await Notification.filter(event="appointment.suspension_lifted").count() == 1
    assert (await client.get("/api/v1/appointments/suspension", headers=headers)).json()["suspension"] is None
    await noshow.check_not_suspended(person)


async def test_staff_lift_without_an_appeal_and_an_appeal_still_open_ends_on_its_date(client):
    group = await hall_with_one_slot()
    clerk = await staff("admin", "", "13600000106")
    first_headers, first = await resident("13700000004")
    second_headers, second = await resident("13700000005", name="赵候补")
    await _three_no_shows(client, clerk, first, group)
    await _three_no_shows(client, clerk, second, group)
    lifted = await Suspension.get(person_id=first)
    r = await client.post(f"/api/v1/staff/suspensions/{lifted.id}/lift", json={"note": ""}, headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "lifted"
    appealed = await Suspension.get(person_id=second)
    await client.post("/api/v1/appointments/suspension/appeal", json={"text": "家里有急事"}, headers=second_headers)
    assert await noshow.end_suspensions(appealed.until) == 1
    assert (await Suspension.get(id=appealed.id)).status == "ended"
    assert (await Suspension.get(id=lifted.id)).status == "lifted"


async def test_two_clerks_marking_at_once_start_one_suspension(client, settings):
    group = await hall_with_one_slot()
    _, person = await resident("13700000006")
    clerks = [await staff("staff", f"hall:{HALL}", f"136000002{i:02d}") for i in range(2)]
    for days_ago in (5, 4):
        appointment = await past_booking(person, group, today() - timedelta(days=days_ago))
        assert (await client.post(NO_SHOW.format(appointment.id), headers=clerks[0])).status_code == 200
    third = await past_booking(person, group, today() - timedelta(days=2))
    fourth = await past_booking(person, group, today() - timedelta(days=1))
    # On PostgreSQL both requests count and look for a suspension before either may insert one.
    answers = await race_with_inserts_held(
        settings,
        "appointments_suspension",
        [client.post(NO_SHOW.format(third.id), headers=clerks[0]), client.post(NO_SHOW.format(fourth.id), headers=clerks[1])],
    )
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    assert await Suspension.filter(person_id=person).count() == 1
    assert await Notification.filter(event="appointment.suspended").count() == 1
