"""Races on hall appointments through the real app: a slot is never overbooked, a person never
holds two bookings of one item and day, and cancels, reopens, expiries and new bookings racing
each other keep the counter equal to the places really taken."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from auth import consent
from auth.models import Consent, Person, Session
from auth.sessions import RESIDENT_ABSOLUTE, RESIDENT_IDLE, hash_token
from backend.appointments import booking
from backend.appointments import demo as appointments_demo
from backend.appointments.flows import APPOINTMENT_ACTIVE
from backend.appointments.models import ActiveCount, Appointment, DayOverride, Release, Slot, WindowGroup
from backend.catalog import demo as catalog_demo
from tests.appointments.conftest import BOOK, FOOD, HALL, working_days
from tests.races.conftest import assert_no_5xx, outcome, race

CAPACITY = 10


@pytest.fixture
def auth_settings(auth_settings):
    """Every request of these races comes from one test address: the per-address burst limit is not what is tested."""
    return dataclasses.replace(auth_settings, booking_burst=1_000_000)


async def people(count: int) -> list[dict[str, str]]:
    """``count`` verified residents who agreed to the documents, each with a bearer session (rows written in bulk)."""
    now = datetime.now(UTC)
    first = (await Person.all().order_by("-id").first() or Person(id=0)).id + 1
    await Person.bulk_create([Person(verified_at=now) for _ in range(count)], batch_size=500)
    ids = list(await Person.filter(id__gte=first).order_by("id").values_list("id", flat=True))
    library = consent.load()
    await Consent.bulk_create(
        [Consent(person_id=i, document=d, version=library.current(d).version, accepted_at=now) for i in ids for d in consent.AT_LOGIN],
        batch_size=1000,
    )
    tokens = [secrets.token_urlsafe(24) for _ in ids]
    await Session.bulk_create(
        [
            Session(
                token_hash=hash_token(token),
                csrf_token=secrets.token_urlsafe(12),
                transport="bearer",
                person_id=i,
                mfa=False,
                created_at=now,
                last_seen_at=now,
                idle_seconds=int(RESIDENT_IDLE.total_seconds()),
                expires_at=now + RESIDENT_ABSOLUTE,
                user_agent="race",
                ip="203.0.113.7",
            )
            for i, token in zip(ids, tokens, strict=True)
        ],
        batch_size=500,
    )
    return [{"Authorization": f"Bearer {t}"} for t in tokens]


async def _slot_of(capacity: int) -> tuple[date, WindowGroup]:
    await catalog_demo.seed()
    await appointments_demo.seed()
    day = working_days(1)[0]
    group = await WindowGroup.get(hall_code=HALL, name="综合窗口")
    await DayOverride.create(group_id=group.id, date=day, extra_capacity=capacity - 4)  # the schedule's 4 places → capacity
    return day, group


def _post(client, headers, day: date, start: str = "09:00"):
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": start}
    return client.post(BOOK, json=body, headers=headers | {"Idempotency-Key": uuid.uuid4().hex})


async def _consistent(slot_id: int) -> Slot:
    """The counter equals the active appointments on the slot plus the cancelled places not yet reopened."""
    slot = await Slot.get(id=slot_id)
    active = await Appointment.filter(slot_id=slot_id, status__in=APPOINTMENT_ACTIVE).count()
    pending = await Release.filter(slot_id=slot_id, done=False).count()
    assert slot.taken == active + pending, (slot.taken, active, pending)
    assert slot.taken <= slot.capacity
    return slot


async def test_two_thousand_people_on_one_slot_of_ten_places_get_exactly_ten(client, settings):
    day, _ = await _slot_of(CAPACITY)
    # On SQLite the one connection serialises everything: fewer people show the same.
    count = 2000 if settings.database_url.startswith("postgres") else 200
    everyone = await people(count)
    answers = await race(_post(client, headers, day) for headers in everyone)
    assert_no_5xx(answers)
    counts = outcome(answers)
    assert counts == {"201": CAPACITY, "409 appointments.slot_full": count - CAPACITY}, counts
    slot = await _consistent((await Slot.get(date=day, start="09:00")).id)
    assert slot.taken == CAPACITY and await Appointment.filter(status="held").count() == CAPACITY
    assert await ActiveCount.filter(active=1).count() == CAPACITY and await ActiveCount.filter(active__gt=1).count() == 0


async def test_one_person_racing_fifty_times_gets_one_booking(client, settings):
    day, _ = await _slot_of(CAPACITY)
    (me,) = await people(1)
    starts = ["09:00", "09:30", "10:00", "10:30"]
    answers = await race(_post(client, me, day, starts[i % len(starts)]) for i in range(50))
    assert_no_5xx(answers)
    assert outcome(answers) == {"201": 1, "409 appointments.already_booked": 49}, outcome(answers)
    assert await Appointment.all().count() == 1
    assert sum(await Slot.all().values_list("taken", flat=True)) == 1
    assert (await ActiveCount.first()).active == 1


async def test_cancels_reopens_expiries_and_new_bookings_racing_never_exceed_the_capacity(client, settings):
    day, _ = await _slot_of(CAPACITY)
    holders = await people(CAPACITY)
    later = await people(40)
    first = await race(_post(client, h, day) for h in holders)
    assert [r.status_code for r in first] == [201] * CAPACITY
    ids = [r.json()["id"] for r in first]
    # Half confirm, half stay held; then at once: the confirmed cancel, the held ones expire or
    # confirm, the sweeps run, and forty others try to book the same slot.
    confirms = await race(client.post(f"{BOOK}/{i}/confirm", headers=h) for i, h in zip(ids[:5], holders[:5], strict=True))
    assert [r.status_code for r in confirms] == [200] * 5
    far = datetime.now(UTC) + timedelta(hours=1)
    slot_id = (await Slot.get(date=day, start="09:00")).id

    async def sweep() -> None:
        for _ in range(5):
            await booking.expire_holds(now=far)
            await booking.reopen_due(now=far)
            await asyncio.sleep(0)

    calls = [
        *(client.post(f"{BOOK}/{i}/cancel", headers=h) for i, h in zip(ids[:5], holders[:5], strict=True)),
        *(client.post(f"{BOOK}/{i}/confirm", headers=h) for i, h in zip(ids[5:8], holders[5:8], strict=True)),
        *(_post(client, h, day) for h in later),
        sweep(),
        sweep(),
    ]
    results = await asyncio.gather(*calls)
    answers = [r for r in results if r is not None]
    assert_no_5xx(answers)
    for r in answers:
        assert r.status_code in (200, 201) or r.json()["code"] in (
            "appointments.slot_full",
            "appointment.illegal_transition",
            "appointments.hold_expired",
        ), r.text
        slot = await Slot.get(id=slot_id)
        assert slot.taken <= slot.capacity
    await booking.expire_holds(now=far)
    await booking.reopen_due(now=far)
    slot = await _consistent(slot_id)
    active = await Appointment.filter(slot_id=slot_id, status__in=APPOINTMENT_ACTIVE).count()
    assert slot.taken == active <= CAPACITY
    # Each person's count of active appointments matches their appointments.
    for row in await ActiveCount.all():
        assert row.active == await Appointment.filter(person_id=row.person_id, status__in=APPOINTMENT_ACTIVE).count()
