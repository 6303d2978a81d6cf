"""The administrators' calendar: add and remove days, list a year, and keep every process's copy current.

The rows are few (tens a year), so each process holds all of them in ``backend.kit.workdays``
(``refresh()``). An edit refreshes the editing process at once and bumps a version key in the
broker; the other processes look at that key every couple of seconds (``watch()``) and reload
the whole table when it moved, and reload every minute anyway (a lost key, Redis down).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError

from backend.calendar.models import CalendarDay
from backend.kit import audit, errors, workdays
from backend.kit.resources import current
from backend.kit.transactions import transaction

log = logging.getLogger("yiwang.calendar")
VERSION_KEY = "calendar:version"
LOOK_EVERY = 2.0  # seconds between looks at the version key
RELOAD_EVERY = 60.0  # seconds between full reloads whatever the key says


class DayExists(errors.Conflict, code="calendar.day_exists"):
    zh = "该日期已有设置|这一天在该地区已经有一条设置，请先删除原设置再添加。"
    en = "Day already set|This day already has an entry for that region: delete it first."


class DayNotFound(errors.NotFound, code="calendar.day_not_found"):
    zh = "找不到该日期设置|这条日期设置不存在，或已被删除。"
    en = "Calendar day not found|There is no such calendar entry, or it was deleted."


def _override(row: CalendarDay) -> workdays.Override:
    return workdays.Override(day=row.date, kind=row.kind, name=row.name, region=row.region)


async def refresh() -> int:
    """Load every administrator's day into this process's working-day table; returns how many."""
    rows = await CalendarDay.all()
    workdays.load_overrides(_override(r) for r in rows)
    return len(rows)


async def refresh_at_start() -> bool:
    """``refresh()`` for the app's start: a database not reachable or not migrated yet (readyz says
    so) must not stop the process; ``watch(loaded=False)`` then tries again at every look."""
    try:
        await refresh()
        return True
    except Exception:
        log.warning("calendar days not loaded at start; trying again every few seconds")
        return False


def forget() -> None:
    """Drop this process's table (the app stopping: the next database may hold other days)."""
    workdays.load_overrides(())


async def _version() -> bytes | None:
    return await current().broker.get(VERSION_KEY)


async def _changed() -> None:
    """Tell the other processes (they reload within LOOK_EVERY seconds). The editor has already reloaded."""
    try:
        await current().broker.set(VERSION_KEY, str(time.time_ns()).encode())
    except Exception:  # the edit stands: the others reload within RELOAD_EVERY anyway
        log.warning("could not announce a calendar change; other processes reload within a minute")


async def watch(stop: asyncio.Event, *, look_every: float = LOOK_EVERY, reload_every: float = RELOAD_EVERY, loaded: bool = True) -> None:
    """Until ``stop``: reload when another process announced an edit, and every ``reload_every`` seconds
    (at every look while ``loaded`` is False: the days could not be read at start)."""
    seen: bytes | None = None
    try:
        seen = await _version()
    except Exception:
        log.warning("calendar version unreadable; reloading every minute")
    loaded_at = time.monotonic() if loaded else -math.inf
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), look_every)
            return
        except TimeoutError:
            pass
        try:
            version = await _version()
        except Exception:
            version = seen
        if version != seen or time.monotonic() - loaded_at >= reload_every:
            try:
                await refresh()
                seen, loaded_at = version, time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("calendar reload failed; keeping the days loaded before")


async def add_day(*, day: date, kind: str, name: str, region: str, actor: str) -> CalendarDay:
    """Add one day; a second entry for the same date and region is refused by the unique constraint."""
    source = "official" if region == "" else "regional"
    try:
        async with transaction():
            row = await CalendarDay.create(date=day, kind=kind, name=name, region=region, source=source, created_by=actor)
            await audit.record(
                actor=actor,
                action="calendar.day_added",
                object_type="calendar_day",
                object_id=row.id,
                detail={"date": day.isoformat(), "kind": kind, "region": region, "source": source},
            )
    except IntegrityError:
        raise DayExists() from None
    await refresh()
    await _changed()
    return row


async def remove_day(*, day_id: int, actor: str) -> None:
    async with transaction():
        row = await CalendarDay.get_or_none(id=day_id)
        if row is None or await CalendarDay.filter(id=day_id).delete() == 0:
            raise DayNotFound()
        await audit.record(
            actor=actor,
            action="calendar.day_removed",
            object_type="calendar_day",
            object_id=day_id,
            detail={"date": row.date.isoformat(), "kind": row.kind, "region": row.region, "source": row.source},
        )
    await refresh()
    await _changed()


def _applies(row_region: str, region: str | None) -> bool:
    return region is None or region.startswith(row_region)


async def year(*, year: int, region: str | None) -> dict[str, Any]:
    """The days of a year: the statutory layer and the administrators' rows (those applying to ``region``, or all)."""
    days: list[dict[str, Any]] = [
        {"id": None, "date": d, "kind": kind, "name": name, "source": "statutory", "region": ""}
        for d, kind, name in workdays.statutory_days(year)
    ]
    rows = await CalendarDay.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)).order_by("date", "region")
    days += [
        {"id": r.id, "date": r.date, "kind": r.kind, "name": r.name, "source": r.source, "region": r.region}
        for r in rows
        if _applies(r.region, region)
    ]
    days.sort(key=lambda d: (d["date"], d["source"] != "statutory", d["region"]))
    return {
        "year": year,
        "region": region,
        "known": workdays.calendar_known(year),
        "warning": workdays.year_warning(year),
        "days": days,
    }


def status_of(years: list[int]) -> list[dict[str, Any]]:
    """Known or not, and the warning to show, for each year."""
    return [{"year": y, "known": workdays.calendar_known(y), "warning": workdays.year_warning(y)} for y in years]


def status(*, today: date) -> list[dict[str, Any]]:
    """This year and next."""
    return status_of([today.year, today.year + 1])
