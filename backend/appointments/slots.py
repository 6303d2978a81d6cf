"""Slots derived from a window group's weekly schedule, the date's override and the calendar.

Nothing here is stored one by one for ever: a day's slots are computed from ``Schedule`` (the
weekday's template), ``DayOverride`` (closed, extra places) and the working-day calendar. A
``Slot`` row (the place counter) is created the first time a slot is booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from backend.appointments.models import DayOverride, Schedule, Slot, WindowGroup
from backend.catalog.models import Hall
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workdays import is_working_day

HOLIDAY = "节假日"
REST_DAY = "休息日"
CLOSED = "闭厅"
FULL = "已约满"
OUT_OF_RANGE = "不在可预约范围"


def hall_zone() -> ZoneInfo:
    """The halls' local time (Asia/Shanghai by default): slot times are read on the hall's clock."""
    return ZoneInfo(current().settings.timezone)


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(hall_zone()).date()


def starts_at(day: date, start: str) -> datetime:
    """A slot's start as an aware UTC datetime."""
    hour, minute = (int(p) for p in start.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=hall_zone()).astimezone(UTC)


def _minutes(hhmm: str) -> int:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return hour * 60 + minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def times_of(schedule: Schedule) -> list[tuple[str, str]]:
    """(start, end) of each slot of a weekday template; no slot overlaps the lunch break."""
    opens, closes, step = _minutes(schedule.opens), _minutes(schedule.closes), max(5, schedule.slot_minutes)
    lunch = (_minutes(schedule.lunch_from), _minutes(schedule.lunch_to)) if schedule.lunch_from and schedule.lunch_to else None
    out: list[tuple[str, str]] = []
    start = opens
    while start + step <= closes:
        end = start + step
        if lunch is not None and start < lunch[1] and end > lunch[0]:
            start = lunch[1]  # the first slot after lunch starts when the windows reopen
            continue
        out.append((_hhmm(start), _hhmm(end)))
        start = end
    return out


def working(hall: Hall, day: date) -> bool:
    """The calendar of the hall's region: national holidays, 调休 make-up days, regional holidays."""
    return is_working_day(day, region=hall.region)


@dataclass
class DayPlan:
    """One date of one window group: whether it can be booked, why not, and its slots."""

    day: date
    reason: str = ""  # "" when bookable, else 节假日 / 休息日 / 闭厅 / 不在可预约范围
    capacity: int = 0
    times: list[tuple[str, str]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.reason and bool(self.times)

    def end_of(self, start: str) -> str | None:
        return next((end for s, end in self.times if s == start), None)


def template_for(schedules: dict[int, Schedule], hall: Hall, day: date) -> tuple[Schedule | None, str]:
    """The weekday template a working day uses (a make-up working day on a weekend uses its own
    weekday's template if there is one, else Monday's), or the reason the day has none."""
    if not working(hall, day):
        return None, REST_DAY if day.weekday() >= 5 else HOLIDAY
    schedule = schedules.get(day.weekday())
    if schedule is None and day.weekday() >= 5:  # 调休上班: a weekend day made a working day
        schedule = schedules.get(0)
    return schedule, "" if schedule is not None else REST_DAY


def bookable_range(group: WindowGroup, today: date) -> tuple[date, date]:
    """From the day after today (the next working day is the first that can open) to the horizon."""
    return today + timedelta(days=1), today + timedelta(days=group.horizon_days)


def plan_day(
    group: WindowGroup, hall: Hall, day: date, *, today: date, schedules: dict[int, Schedule], override: DayOverride | None
) -> DayPlan:
    first, last = bookable_range(group, today)
    if not first <= day <= last:
        return DayPlan(day, OUT_OF_RANGE)
    schedule, reason = template_for(schedules, hall, day)
    if schedule is None:
        return DayPlan(day, reason)
    if override is not None and override.closed:
        return DayPlan(day, CLOSED)
    extra = override.extra_capacity if override is not None else 0
    return DayPlan(day, "", max(0, schedule.capacity + extra), times_of(schedule))


async def schedules_of(group_id: int) -> dict[int, Schedule]:
    return {s.weekday: s for s in await Schedule.filter(group_id=group_id)}


async def plan(group: WindowGroup, hall: Hall, day: date, *, today: date) -> DayPlan:
    override = await DayOverride.get_or_none(group_id=group.id, date=day)
    return plan_day(group, hall, day, today=today, schedules=await schedules_of(group.id), override=override)


async def plans(group: WindowGroup, hall: Hall, *, today: date) -> list[DayPlan]:
    """Every date from tomorrow to the group's horizon."""
    first, last = bookable_range(group, today)
    schedules = await schedules_of(group.id)
    overrides = {o.date: o for o in await DayOverride.filter(group_id=group.id, date__gte=first, date__lte=last)}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [plan_day(group, hall, d, today=today, schedules=schedules, override=overrides.get(d)) for d in days]


async def slot_row(group: WindowGroup, day_plan: DayPlan, start: str) -> Slot:
    """The place counter of one slot, created on first use (a parallel creator's row is read back)."""
    end = day_plan.end_of(start)
    assert end is not None
    slot = await Slot.get_or_none(group_id=group.id, date=day_plan.day, start=start)
    if slot is not None:
        return slot
    try:
        async with transaction():  # a savepoint inside the request's transaction: a collision must not abort it
            return await Slot.create(group_id=group.id, date=day_plan.day, start=start, end=end, capacity=day_plan.capacity)
    except IntegrityError:
        return await Slot.get(group_id=group.id, date=day_plan.day, start=start)


async def adjust_capacity(group: WindowGroup, hall: Hall, day: date) -> int:
    """After an override or schedule edit: the existing counters of that date take the new capacity."""
    schedules = await schedules_of(group.id)
    override = await DayOverride.get_or_none(group_id=group.id, date=day)
    schedule, _ = template_for(schedules, hall, day)
    if schedule is None:
        return 0
    extra = override.extra_capacity if override is not None else 0
    return await Slot.filter(group_id=group.id, date=day).update(capacity=max(0, schedule.capacity + extra))
