"""Helpers of the waiting-list, no-show and notice tests: a hall with one small slot a day, residents, staff."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from auth import service as identity
from auth import sessions
from backend.appointments.models import Appointment, Schedule, Slot, WindowGroup
from backend.catalog import demo
from backend.kit.workdays import is_working_day
from tests.applications.conftest import staff_headers as staff  # noqa: F401  (a clerk's bearer headers)
from tests.consents import agree

HALL = "2"  # the demo county centre: every item
FOOD = "000105003000"  # 食品经营许可（小餐饮）, 需预约
FOOD_NAME = "食品经营许可（小餐饮）"
ZONE = ZoneInfo("Asia/Shanghai")


async def hall_with_one_slot(*, capacity: int = 1, cutoff: int = 120, horizon: int = 14) -> WindowGroup:
    """The demo catalog, and at hall 2 a 综合窗口 open every weekday 09:00–09:30: one slot a day."""
    await demo.seed()
    group = await WindowGroup.create(
        hall_code=HALL, name="综合窗口", items=[], windows=["1号窗口"], horizon_days=horizon, cutoff_minutes=cutoff
    )
    for weekday in range(7):
        await Schedule.create(group=group, weekday=weekday, opens="09:00", closes="09:30", slot_minutes=30, capacity=capacity)
    return group


def local_now(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def today() -> date:
    return datetime.now(UTC).astimezone(ZONE).date()


def open_day(after: date | None = None) -> date:
    """The first working day after ``after`` (default today, local time)."""
    day = (after or today()) + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


async def resident(phone: str, name: str = "王候补") -> tuple[dict[str, str], int]:
    """A verified resident's bearer headers and person id (agreed to the current documents)."""
    person = await identity.create_person(name=name, phone=phone, actor="test")
    await agree(person_id=person.id)
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
    return {"Authorization": f"Bearer {token}"}, person.id


async def past_booking(person_id: int, group: WindowGroup, day: date, start: str = "09:00") -> Appointment:
    """A booked appointment on a past day, as booking left it (the row as it stands; booking is tested elsewhere)."""
    slot, _ = await Slot.get_or_create(group_id=group.id, date=day, start=start, defaults={"end": "09:30", "capacity": 1, "taken": 1})
    code = "".join(secrets.choice(string.ascii_uppercase) for _ in range(10))
    return await Appointment.create(
        code=code,
        person_id=person_id,
        slot_id=slot.id,
        group_id=group.id,
        hall_code=group.hall_code,
        service_code=FOOD,
        service_name=FOOD_NAME,
        date=day,
        start=start,
        starts_at=local_now(day, start),
        status="booked",
        active_key=None,
    )
