"""Reminders the evening before and an hour before, each written once whoever sweeps; the outside words stay impersonal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from backend.appointments import booking, notices
from backend.appointments.models import Appointment
from notifications import public
from notifications.models import Delivery, Notification
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, the wired client)
from tests.appointments.test_waiting import book, key
from tests.appointments.waitkit import FOOD_NAME, hall_with_one_slot, local_now, open_day, past_booking, resident


async def test_the_day_before_and_the_hour_before_reminders_are_written_once_each(client):
    group = await hall_with_one_slot()
    _, person = await resident("13700000101")
    day = open_day(open_day())
    booked = await past_booking(person, group, day)  # a booked row on a coming day
    eve = day - timedelta(days=1)
    assert await notices.remind(local_now(eve, "17:59")) == 0
    assert await notices.remind(local_now(eve, "18:00")) == 1
    assert await notices.remind(local_now(eve, "18:30")) == 0
    assert await notices.remind(local_now(day, "07:59")) == 0
    assert await notices.remind(local_now(day, "08:00")) == 1
    assert await notices.remind(local_now(day, "08:59")) == 0
    assert await notices.remind(local_now(day, "09:00")) == 0  # started: too late for any reminder
    sent = await Notification.filter(event="appointment.reminder").order_by("id")
    assert [n.title for n in sent] == [f"明天办事提醒：{FOOD_NAME}", f"一小时后办事：{FOOD_NAME}"]
    when = f"{day.year}年{day.month}月{day.day}日 09:00"
    assert sent[0].data["fields"] == {"subject": FOOD_NAME, "time": when, "place": "德安县政务服务中心"}
    assert booked.code in sent[0].body and sent[0].link == f"/appointments/{booked.id}"
    assert (await Appointment.get(id=booked.id)).reminded == "day,hour"
    # Critical: by SMS as well, whatever the hour; the text carries only the public words.
    assert await Delivery.filter(notification_id=sent[0].id, channel="sms").exists()
    words = public.outside(sent[0])
    assert booked.code not in words.body and not public.personal_data(words.title + words.body)


async def test_a_booking_made_late_the_evening_before_gets_the_nearer_reminder_only(client):
    group = await hall_with_one_slot()
    _, person = await resident("13700000102")
    day = open_day(open_day())
    booked = await past_booking(person, group, day)
    # The sweeper did not run the evening before (down, or the booking came after it): at 08:10 one reminder.
    assert await notices.remind(local_now(day, "08:10")) == 1
    assert await notices.remind(local_now(day, "08:20")) == 0
    assert [n.title for n in await Notification.filter(event="appointment.reminder")] == [f"一小时后办事：{FOOD_NAME}"]
    assert (await Appointment.get(id=booked.id)).reminded == "day,hour"


async def test_sweepers_reminding_at_once_write_each_reminder_once(client):
    group = await hall_with_one_slot(capacity=20)
    day = open_day(open_day())
    for i in range(5):
        _, person = await resident(f"1370000011{i}")
        await past_booking(person, group, day)
    eve = local_now(day - timedelta(days=1), "19:00")
    counts = await asyncio.gather(*(notices.remind(eve) for _ in range(4)))
    assert sum(counts) == 5, counts
    assert await Notification.filter(event="appointment.reminder").count() == 5
    hour = local_now(day, "08:30")
    counts = await asyncio.gather(*(notices.remind(hour) for _ in range(4)))
    assert sum(counts) == 5, counts
    assert await Notification.filter(event="appointment.reminder").count() == 10


async def test_only_booked_appointments_are_reminded(client):
    group = await hall_with_one_slot()
    _, person = await resident("13700000103")
    day = open_day(open_day())
    booked = await past_booking(person, group, day)
    await Appointment.filter(id=booked.id).update(status="cancelled")
    assert await notices.remind(local_now(day - timedelta(days=1), "19:00")) == 0


async def test_booked_rescheduled_cancelled_and_expired_are_told_with_impersonal_outside_words(client):
    await hall_with_one_slot(capacity=2)
    headers, person = await resident("13700000104")
    first, second = open_day(open_day()), open_day(open_day(open_day()))
    booked = await book(client, headers, first)
    told = await Notification.get(event="appointment.booked", person_id=person)
    assert booked["code"] in told.body and told.link == f"/appointments/{booked['id']}"
    assert not await Delivery.filter(notification_id=told.id).exists()  # they did it themselves: the inbox only
    r = await client.post(
        f"/api/v1/appointments/{booked['id']}/reschedule", json={"date": second.isoformat(), "start": "09:00"}, headers=headers | key()
    )
    assert r.status_code == 200, r.text
    moved = await Notification.get(event="appointment.rescheduled", person_id=person)
    assert moved.data["fields"]["time"] == f"{second.year}年{second.month}月{second.day}日 09:00"
    r = await client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=headers)
    assert r.status_code == 200, r.text
    cancelled = await Notification.get(event="appointment.cancelled", person_id=person)
    assert await Delivery.filter(notification_id=cancelled.id).exists()  # told outside too: a cancel they did not make shows
    for notice in (told, moved, cancelled):
        words = public.outside(notice)
        assert booked["code"] not in words.title + words.body
        assert not public.personal_data(words.title + words.body)
    r = await client.post(
        "/api/v1/appointments",
        json={"hall_code": "2", "service_code": "000105003000", "date": first.isoformat(), "start": "09:00"},
        headers=headers | key(),
    )
    assert r.status_code == 201, r.text
    assert await booking.expire_holds(datetime.now(UTC) + timedelta(minutes=6)) == 1
    assert await Notification.filter(event="appointment.expired", person_id=person).count() == 1
