"""The sweeper: sweeps running at once offer a place once and write each notice once; a database failure is survived."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import timedelta

import asyncpg
import pytest
from tortoise import connections

from backend.appointments.flows import SUSPENSION
from backend.appointments.models import Appointment, Slot, Suspension, WaitingEntry
from backend.appointments.sweeper import Sweeper
from notifications.models import Notification
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, the wired client)
from tests.appointments.test_waiting import book, join
from tests.appointments.waitkit import hall_with_one_slot, local_now, open_day, resident, today
from tests.faults.test_postgres_backends import TERMINATE


async def until(condition, *, timeout: float = 15.0) -> None:
    """Wait for the sweeper task to get somewhere (polling, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "the sweeper did not get there"
        await asyncio.sleep(0.01)


async def test_sweeps_at_once_offer_each_place_once_and_notify_once(client):
    await hall_with_one_slot(capacity=2)
    day = open_day(open_day())
    people = [await resident(f"137000003{i:02d}", f"候补{i}") for i in range(6)]
    (a, _), (a2, _) = people[0], people[1]
    first, second = await book(client, a, day), await book(client, a2, day)
    for headers, _ in people[2:]:
        await join(client, headers, day)
    for headers, appointment in ((a, first), (a2, second)):
        assert (await client.post(f"/api/v1/appointments/{appointment['id']}/cancel", headers=headers)).status_code == 200
    reopen = local_now(day, "09:00") - timedelta(hours=20)
    sweeps = [Sweeper(interval=60) for _ in range(4)]
    await asyncio.gather(*(s.sweep(reopen) for s in sweeps))
    assert all(s.failures == 0 for s in sweeps)
    offered = await Appointment.filter(status="offered").order_by("id")
    assert len(offered) == 2 and len({a.person_id for a in offered}) == 2
    assert {a.person_id for a in offered} == {people[2][1], people[3][1]}  # the first two in line
    assert await Notification.filter(event="appointment.offer").count() == 2
    assert (await Slot.get(id=offered[0].slot_id)).taken == 2
    # Both lapse; four sweeps at once move them to the next two, once each.
    lapse = offered[0].hold_until + timedelta(seconds=1)
    await asyncio.gather(*(s.sweep(lapse) for s in sweeps))
    now_offered = await Appointment.filter(status="offered")
    assert {a.person_id for a in now_offered} == {people[4][1], people[5][1]}
    assert await Appointment.filter(status="lapsed").count() == 2
    assert await Notification.filter(event="appointment.offer_lapsed").count() == 2
    assert await Notification.filter(event="appointment.offer").count() == 4
    assert await WaitingEntry.filter(status="offered").count() == 2
    assert (await Slot.get(id=offered[0].slot_id)).taken == 2


async def test_the_sweeper_survives_a_database_failure_and_goes_on(client, backend_kind, caplog):
    _, person = await resident("13700000401")
    suspension = await Suspension.create(person_id=person, until=today(), no_shows=3, **SUSPENSION.fields_for_create())
    conn = connections.get("default")
    if backend_kind == "postgres":
        await conn.execute_script(
            "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
            "CREATE TRIGGER refuse BEFORE UPDATE ON appointments_suspension FOR EACH ROW EXECUTE FUNCTION refuse();"
        )
        undo = "DROP TRIGGER refuse ON appointments_suspension; DROP FUNCTION refuse();"
    else:
        await conn.execute_script(
            "CREATE TRIGGER refuse BEFORE UPDATE ON appointments_suspension BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
        )
        undo = "DROP TRIGGER refuse;"
    sweeper = Sweeper(interval=0.01)
    stop = asyncio.Event()
    task = asyncio.create_task(sweeper.run(stop))
    try:
        with caplog.at_level(logging.ERROR, logger="yiwang.appointments.sweeper"):

            async def failed_twice() -> bool:
                return sweeper.failures >= 2 and sweeper.rounds >= 2

            await until(failed_twice)
        assert "end_suspensions failed" in caplog.text
        assert (await Suspension.get(id=suspension.id)).status == "active"
        assert not task.done()
    finally:
        await conn.execute_script(undo)

    async def ended() -> bool:
        return (await Suspension.get(id=suspension.id)).status == "ended"

    try:
        await until(ended)
    finally:
        stop.set()
        await task
    assert await Notification.filter(event="appointment.suspension_ended").count() == 1


@pytest.mark.parametrize("backend_kind", ["postgres"])
async def test_the_sweeper_goes_on_after_its_database_connections_are_ended(client, settings, caplog):
    """PostgreSQL backends ended under the sweeper (a failover): the round fails, a later one does the work."""
    _, person = await resident("13700000402")
    suspension = await Suspension.create(person_id=person, until=today(), no_shows=3, **SUSPENSION.fields_for_create())
    admin = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://", 1))
    sweeper = Sweeper(interval=0.01)
    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="yiwang.appointments.sweeper"):
        task = asyncio.create_task(sweeper.run(stop))
        try:
            deadline = time.monotonic() + 15
            while sweeper.failures == 0:  # end every backend but ours until a round has failed
                assert time.monotonic() < deadline, "no round failed"
                await admin.fetchval(TERMINATE)
                await asyncio.sleep(0.001)
            failed_at = sweeper.rounds

            async def ended_in_a_later_round() -> bool:
                try:
                    ended = (await Suspension.get(id=suspension.id)).status == "ended"
                except Exception:  # the test's own pooled connection was ended too
                    return False
                return ended and sweeper.rounds > failed_at

            await until(ended_in_a_later_round)
            assert not task.done()
        finally:
            stop.set()
            await task
            await admin.close()
    assert "failed; the next round tries again" in caplog.text


async def test_the_app_sweeps_in_its_lifespan(settings):
    """The app's own sweeper task (YIWANG_APPOINTMENT_SWEEP_SECONDS) does the work without being called."""
    from backend.app import create_app

    app = create_app(dataclasses.replace(settings, appointment_sweep_seconds=1.0))
    async with app.router.lifespan_context(app):
        _, person = await resident("13700000403")
        suspension = await Suspension.create(person_id=person, until=today(), no_shows=3, **SUSPENSION.fields_for_create())

        async def ended() -> bool:
            return (await Suspension.get(id=suspension.id)).status == "ended"

        await until(ended)
