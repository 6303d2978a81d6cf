"""Demo halls with window groups and schedules, a verified resident, an administrator, dates that can be booked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.appointments import demo as appointments_demo
from backend.appointments.slots import local_today
from backend.kit.workdays import is_working_day
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, client, resident, approver)
from tests.applications.conftest import staff_headers

HALL = "2"  # the county hall: 综合窗口 takes every item, 公安户政窗口 the police items
TOWN_HALL = "1"
FOOD = "000105003000"  # 食品经营许可（小餐饮）, 需预约, served by hall 2's 综合窗口
ID_CARD = "000111002000"  # 居民身份证换领、补领, 需预约, hall 2's 公安户政窗口
BOOK = "/api/v1/appointments"


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def working_days(count: int = 3, *, after: date | None = None) -> list[date]:
    """The first ``count`` Monday–Friday working days after today (the demo schedules open Monday to Friday)."""
    day, out = after or local_today(datetime.now(UTC)), []
    while len(out) < count:
        day += timedelta(days=1)
        if is_working_day(day) and day.weekday() < 5:
            out.append(day)
    return out


def a_rest_day() -> date:
    """A weekend day within the horizon that is not a make-up working day."""
    day = local_today(datetime.now(UTC))
    while True:
        day += timedelta(days=1)
        if day.weekday() >= 5 and not is_working_day(day):
            return day


@pytest.fixture
async def halls(resident) -> None:
    await appointments_demo.seed()


@pytest.fixture
async def admin(resident) -> dict[str, str]:
    return await staff_headers("admin", "", "13600000031")


async def book(client, headers, *, day: date, start: str = "09:00", service: str = FOOD, hall: str = HALL, **extra) -> dict:
    body = {"hall_code": hall, "service_code": service, "date": day.isoformat(), "start": start, **extra}
    r = await client.post(BOOK, json=body, headers=headers | key())
    assert r.status_code == 201, r.text
    return r.json()


async def person_headers(phone: str, name: str = "王五") -> dict[str, str]:
    """Another verified resident who agreed to the documents, with a bearer session."""
    from auth import service as identity
    from auth import sessions
    from auth.models import Person
    from tests.consents import agree

    person = await identity.create_person(name=name, phone=phone, actor="test")
    await Person.filter(id=person.id).update(verified_at=datetime.now(UTC))
    await agree(person_id=person.id)
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
    return {"Authorization": f"Bearer {token}"}
