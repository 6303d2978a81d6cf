"""Each process's copy of the halls' booking set-up: hall, window groups, weekly templates, overrides, item names.

Booking and the slot listing read these on every request; they change only when an
administrator edits them. A copy is used while the broker's version keys (ours, and the
catalog's for items and halls) are the ones seen when it was loaded, looked at no more than
once every ``LOOK_EVERY`` seconds (as the catalog's own copy does), and for at most ``MAX_AGE``
seconds whatever the keys say (a lost key, the in-process broker of several processes on one
SQLite file, an edit made outside ``changed()``). Every edit calls ``changed()`` after its
commit: the editing process reads again at once, the others within ``LOOK_EVERY`` — as if their
request had begun a moment before the edit. While the broker cannot be read, the set-up is read
from the database on each request.

Nothing here decides a rule the database keeps: a slot's places, the person's active count and
the one-appointment-per-day key stay in the booking transaction's conditional UPDATEs and unique
index, whatever this copy says.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from backend.appointments.models import DayOverride, Schedule, WindowGroup
from backend.catalog import service as catalog
from backend.catalog.models import Hall
from backend.kit.resources import Resources, current

log = logging.getLogger("yiwang.appointments")
VERSION_KEY = "appointments:setup:version"
CATALOG_VERSION_KEY = "catalog:version"  # items and halls edited through the catalog (backend.catalog.service)
LOOK_EVERY = 1.0  # seconds between looks at the version keys
MAX_AGE = 30.0  # seconds a copy is trusted without a version key that moved
SLOT_IDS_MAX = 100_000  # counters remembered by (group, date, start); forgotten all at once beyond


@dataclass(frozen=True)
class HallSetup:
    """One hall as booking needs it. The model objects are shared: read them, never change them."""

    hall: Hall
    groups: list[WindowGroup]  # active, by id
    schedules: dict[int, dict[int, Schedule]]  # group id → weekday → template
    overrides: dict[int, dict[date, DayOverride]]  # group id → date → override (from yesterday on)


@dataclass
class _Copy:
    owner: Resources | None = None  # the process's resources the copy was read through (tests open new ones)
    version: bytes | None = None
    loaded_at: float = -1e18
    looked_at: float = -1e18
    halls: dict[str, HallSetup | None] | None = None


_copy = _Copy()
# (group id, date, start) → Slot id: a counter row is never deleted or moved once created.
_slot_ids: dict[tuple[int, date, str], int] = {}
_slot_owner: list[Resources | None] = [None]


async def _fresh() -> _Copy:
    """The current copy, emptied first when the key moved, it is too old, or the resources changed."""
    resources = current()
    c = _copy
    now = time.monotonic()
    if c.owner is resources and now - c.looked_at < LOOK_EVERY and now - c.loaded_at <= MAX_AGE:
        return c
    try:
        version = b"%s/%s" % (await resources.broker.get(VERSION_KEY) or b"", await resources.broker.get(CATALOG_VERSION_KEY) or b"")
    except Exception:  # broker down: no copy can be trusted
        log.warning("appointment set-up version unreadable; reading the set-up from the database")
        return _Copy(owner=resources, halls={})
    if c.owner is not resources or c.version != version or now - c.loaded_at > MAX_AGE:
        c.owner, c.version, c.loaded_at, c.halls = resources, version, now, {}
    c.looked_at = now
    return c


async def _load(code: str) -> HallSetup | None:
    hall = await Hall.get_or_none(code=code)
    if hall is None:
        return None
    groups = list(await WindowGroup.filter(hall_code=code, active=True).order_by("id"))
    ids = [g.id for g in groups]
    schedules: dict[int, dict[int, Schedule]] = {i: {} for i in ids}
    overrides: dict[int, dict[date, DayOverride]] = {i: {} for i in ids}
    if ids:
        for s in await Schedule.filter(group_id__in=ids):
            schedules[s.group_id][s.weekday] = s
        since = date.today() - timedelta(days=1)  # the hall's today is within a day of the server's
        for o in await DayOverride.filter(group_id__in=ids, date__gte=since):
            overrides[o.group_id][o.date] = o
    return HallSetup(hall, groups, schedules, overrides)


async def hall_setup(code: str) -> HallSetup | None:
    """The hall's set-up (None: no such hall)."""
    halls = (await _fresh()).halls
    assert halls is not None
    if code not in halls:
        # Into the dict of the version read before loading: an edit meanwhile empties the copy
        # with a new dict, so a load that began before it is never kept under the new version.
        halls[code] = await _load(code)
    return halls[code]


async def item_name(code: str) -> str | None:
    """The published item's name (None: no such published item), from the catalog's own copy."""
    return await catalog.published_name(code)


async def changed() -> None:
    """After an edit has committed: this process reads again at once, the others at their next request."""
    _copy.owner = None
    try:
        await current().broker.set(VERSION_KEY, str(time.time_ns()).encode())
    except Exception:  # the edit stands: the others read again within MAX_AGE
        log.warning("could not announce an appointment set-up change; other processes read it again within %ss", MAX_AGE)


def known_slot_id(group_id: int, day: date, start: str) -> int | None:
    if _slot_owner[0] is not current():
        _slot_ids.clear()
        _slot_owner[0] = current()
    return _slot_ids.get((group_id, day, start))


def remember_slot_id(group_id: int, day: date, start: str, slot_id: int) -> None:
    if len(_slot_ids) >= SLOT_IDS_MAX:
        _slot_ids.clear()
    _slot_ids[(group_id, day, start)] = slot_id
