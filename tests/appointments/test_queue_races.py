"""Races at the hall: one ticket per appointment however often scanned, one window per call, unique numbers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.applications.models import Application
from backend.appointments.models import Ticket, TicketCounter
from tests.appointments.queue_setup import *  # noqa: F401,F403  (hall groups, clerk, fakes, client, resident)
from tests.appointments.queue_setup import appointment, now
from tests.appointments.test_queue import CALL, CHECK_IN, TICKETS, key
from tests.notifications.conftest import submitted_case
from tests.races.conftest import assert_no_5xx, outcome


async def test_fifty_scans_at_once_give_one_ticket_and_one_trip(client, resident, groups, clerk):
    _, business = groups
    case = await submitted_case(client, resident)
    booked = await appointment(business, starts_at=now() + timedelta(minutes=5), application_id=case["id"])
    answers = await asyncio.gather(*(client.post(CHECK_IN, json={"code": booked.code}, headers=clerk) for _ in range(50)))
    assert_no_5xx(answers)
    assert sorted(r.status_code for r in answers) == [200] * 49 + [201], outcome(answers)
    assert len({r.json()["id"] for r in answers}) == 1
    assert await Ticket.filter(appointment_id=booked.id).count() == 1
    assert (await Application.get(id=case["id"])).trips == 1
    assert (await TicketCounter.get(group_id=business.id)).issued == 1


async def test_windows_calling_at_once_never_get_the_same_ticket(client, resident, groups, clerk):
    general, _ = groups
    walk_ins = await asyncio.gather(
        *(client.post(TICKETS, json={"service_code": "000105001000", "group_id": general.id}, headers=clerk | key()) for _ in range(10))
    )
    assert_no_5xx(walk_ins)
    assert sorted(r.json()["label"] for r in walk_ins) == [f"A{n:03d}" for n in range(1, 11)]  # numbers never shared

    windows = ["1号窗口", "2号窗口"] * 8
    answers = await asyncio.gather(*(client.post(CALL, json={"group_id": general.id, "window": w}, headers=clerk) for w in windows))
    assert_no_5xx(answers)
    called = [r.json() for r in answers if r.status_code == 200]
    assert len(called) == 10, outcome(answers)
    assert len({t["id"] for t in called}) == 10
    assert all(r.json()["code"] in ("queue.empty", "queue.busy") for r in answers if r.status_code != 200), outcome(answers)
    assert all(t.calls == 1 for t in await Ticket.all())
