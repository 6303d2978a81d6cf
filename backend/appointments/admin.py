"""Administrators: hall details, window groups, weekly schedules and date overrides (each change audited)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from starlette.requests import Request

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.appointments import booking, setup_cache, slots
from backend.appointments.models import DayOverride, Schedule, WindowGroup
from backend.appointments.present import hall_out
from backend.appointments.schemas import (
    AdminGroupOut,
    AdminHallOut,
    GroupIn,
    GroupOut,
    HallDetail,
    HallDetailsIn,
    OverrideIn,
    OverrideOut,
    ScheduleDay,
    ScheduleIn,
    ScheduleOut,
    ServiceRef,
)
from backend.catalog.models import Hall, ServiceItem
from backend.kit import audit, errors
from backend.kit.api import API
from backend.kit.transactions import transaction

api = API(prefix="/api/v1")
ADMIN = requires(roles=("admin",))


class GroupNotFound(errors.NotFound, code="appointments.group_not_found"):
    zh = "找不到该窗口组|没有找到这个窗口组。"
    en = "Window group not found|There is no such window group."


class UnknownItems(errors.Invalid, code="appointments.unknown_items"):
    zh = "事项不属于该大厅|窗口组只能办理该大厅受理的事项：{items}"
    en = "Items not taken at this hall|A window group can only serve the hall's items: {items}"


class ScheduleInvalid(errors.Invalid, code="appointments.schedule_invalid"):
    zh = "作息时间有误|{detail}"
    en = "The schedule is invalid|{detail_en}"


class OverrideRow(BaseModel):
    date: date
    closed: bool
    extra_capacity: int
    note: str


class AdminGroupDetail(AdminGroupOut):
    """A window group with its weekly schedule and its date changes from today on (administrator)."""

    schedule: list[ScheduleDay] = Field(description="by weekday; a weekday missing is closed")
    overrides: list[OverrideRow] = Field(description="from today on, by date (at most 200)")


async def hall_detail(hall: Hall, *, lat: float | None = None, lng: float | None = None) -> HallDetail:
    groups = await booking.groups_of(hall.code)
    scheduled = set(await Schedule.filter(group_id__in=[g.id for g in groups]).distinct().values_list("group_id", flat=True))
    codes = {code for g in groups for code in (g.items or hall.items)}
    names = dict(await ServiceItem.filter(code__in=codes, published=True).values_list("code", "name"))
    group_out = [
        GroupOut(id=g.id, name=g.name, items=[ServiceRef(code=c, name=str(names[c])) for c in (g.items or hall.items) if c in names])
        for g in groups
    ]
    bookable = sorted({c for g in groups if g.id in scheduled for c in (g.items or hall.items) if c in names})
    base = hall_out(hall, bookable=bool(scheduled), lat=lat, lng=lng)
    return HallDetail(**base.model_dump(), groups=group_out, services=[ServiceRef(code=c, name=str(names[c])) for c in bookable])


async def _hall(request: Request) -> Hall:
    return await booking.find_hall(request.path_params["code"])


async def _group(request: Request) -> WindowGroup:
    group = await WindowGroup.get_or_none(id=request.path_params["group_id"])
    if group is None:
        raise GroupNotFound()
    return group


def _group_out(group: WindowGroup) -> AdminGroupOut:
    return AdminGroupOut(
        id=group.id,
        hall_code=group.hall_code,
        name=group.name,
        items=group.items,
        windows=group.windows,
        ticket_prefix=group.ticket_prefix,
        horizon_days=group.horizon_days,
        cutoff_minutes=group.cutoff_minutes,
        active=group.active,
    )


@api.get(
    "/admin/halls/{code}",
    summary="A hall's details, groups and bookable items (administrator)",
    tags=["admin"],
    response=AdminHallOut,
    errors=[booking.HallNotFound],
    wrappers=[ADMIN],
)
async def admin_get_hall(request: Request, *, session: SessionInfo) -> AdminHallOut:
    hall = await _hall(request)
    return AdminHallOut(**(await hall_detail(hall)).model_dump(), region=hall.region)


@api.put(
    "/admin/halls/{code}",
    summary="Change a hall's details: address, district, region, hours, location, phone (administrator)",
    tags=["admin"],
    body=HallDetailsIn,
    response=AdminHallOut,
    errors=[booking.HallNotFound],
    wrappers=[ADMIN],
)
async def admin_put_hall(request: Request, *, body: HallDetailsIn, session: SessionInfo) -> AdminHallOut:
    hall = await _hall(request)
    values = body.model_dump()
    async with transaction():
        await Hall.filter(code=hall.code).update(**values)
        await audit.record(
            actor=session.official.actor,
            action="appointments.hall_saved",
            object_type="hall",
            object_id=hall.code,
            detail={"fields": sorted(k for k, v in values.items() if getattr(hall, k) != v)},
        )
    await setup_cache.changed()
    hall = await Hall.get(code=hall.code)
    return AdminHallOut(**(await hall_detail(hall)).model_dump(), region=hall.region)


@api.post(
    "/admin/halls/{code}/groups",
    summary="Add a window group to a hall (administrator)",
    tags=["admin"],
    body=GroupIn,
    response=AdminGroupOut,
    status=201,
    errors=[booking.HallNotFound, UnknownItems],
    wrappers=[ADMIN],
)
async def admin_add_group(request: Request, *, body: GroupIn, session: SessionInfo) -> AdminGroupOut:
    hall = await _hall(request)
    unknown = [c for c in body.items if c not in hall.items]
    if unknown:
        raise UnknownItems(items=", ".join(unknown[:10]))
    async with transaction():
        group = await WindowGroup.create(hall_code=hall.code, **body.model_dump())
        await audit.record(
            actor=session.official.actor,
            action="appointments.group_created",
            object_type="window_group",
            object_id=group.id,
            detail={"hall": hall.code, "items": len(body.items)},
        )
    await setup_cache.changed()
    return _group_out(group)


def _check_day(day: ScheduleDay) -> None:
    name = "星期" + "一二三四五六日"[day.weekday]
    if day.closes <= day.opens:
        raise ScheduleInvalid(detail=f"{name}的下班时间应晚于上班时间。", detail_en="Closing must follow opening.")
    if bool(day.lunch_from) != bool(day.lunch_to) or (day.lunch_from and not day.opens < day.lunch_from < day.lunch_to < day.closes):
        raise ScheduleInvalid(
            detail=f"{name}的午休时间应在上下班时间之间。",
            detail_en="The lunch break must lie within the hours.",
        )


@api.get(
    "/admin/groups/{group_id:int}",
    summary="A window group with its weekly schedule and its date changes from today on (administrator)",
    tags=["admin"],
    response=AdminGroupDetail,
    errors=[GroupNotFound],
    wrappers=[ADMIN],
)
async def admin_get_group(request: Request, *, session: SessionInfo) -> AdminGroupDetail:
    group = await _group(request)
    days = await Schedule.filter(group_id=group.id).order_by("weekday")
    today = slots.local_today()
    overrides = await DayOverride.filter(group_id=group.id, date__gte=today).order_by("date").limit(200)
    return AdminGroupDetail(
        **_group_out(group).model_dump(),
        schedule=[
            ScheduleDay(
                weekday=d.weekday,
                opens=d.opens,
                closes=d.closes,
                lunch_from=d.lunch_from,
                lunch_to=d.lunch_to,
                slot_minutes=d.slot_minutes,
                capacity=d.capacity,
            )
            for d in days
        ],
        overrides=[OverrideRow(date=o.date, closed=o.closed, extra_capacity=o.extra_capacity, note=o.note) for o in overrides],
    )


@api.put(
    "/admin/groups/{group_id:int}",
    summary="Change a window group: name, items, windows, ticket prefix, horizon, cut-off, active (administrator)",
    tags=["admin"],
    body=GroupIn,
    response=AdminGroupOut,
    errors=[GroupNotFound, booking.HallNotFound, UnknownItems],
    wrappers=[ADMIN],
)
async def admin_put_group(request: Request, *, body: GroupIn, session: SessionInfo) -> AdminGroupOut:
    group = await _group(request)
    hall = await booking.find_hall(group.hall_code)
    unknown = [c for c in body.items if c not in hall.items]
    if unknown:
        raise UnknownItems(items=", ".join(unknown[:10]))
    values = body.model_dump()
    async with transaction():
        await WindowGroup.filter(id=group.id).update(**values)
        await audit.record(
            actor=session.official.actor,
            action="appointments.group_saved",
            object_type="window_group",
            object_id=group.id,
            detail={"hall": hall.code, "fields": sorted(k for k, v in values.items() if getattr(group, k) != v)},
        )
    await setup_cache.changed()
    return _group_out(await WindowGroup.get(id=group.id))


@api.put(
    "/admin/groups/{group_id:int}/schedule",
    summary="Replace a window group's weekly schedule (administrator)",
    tags=["admin"],
    body=ScheduleIn,
    response=ScheduleOut,
    errors=[GroupNotFound, ScheduleInvalid],
    wrappers=[ADMIN],
)
async def admin_put_schedule(request: Request, *, body: ScheduleIn, session: SessionInfo) -> ScheduleOut:
    group = await _group(request)
    if len({d.weekday for d in body.days}) != len(body.days):
        raise ScheduleInvalid(detail="同一天只能有一条作息时间。", detail_en="One entry per weekday.")
    for day in body.days:
        _check_day(day)
    async with transaction():
        await Schedule.filter(group_id=group.id).delete()
        for day in body.days:
            await Schedule.create(group_id=group.id, **day.model_dump())
        await audit.record(
            actor=session.official.actor,
            action="appointments.schedule_saved",
            object_type="window_group",
            object_id=group.id,
            detail={"weekdays": sorted(d.weekday for d in body.days)},
        )
    await setup_cache.changed()
    return ScheduleOut(group_id=group.id, days=sorted(body.days, key=lambda d: d.weekday))


@api.put(
    "/admin/groups/{group_id:int}/overrides/{day}",
    summary="Close a date or change its places (administrator); existing slot counters follow",
    tags=["admin"],
    body=OverrideIn,
    response=OverrideOut,
    errors=[GroupNotFound, booking.HallNotFound],
    wrappers=[ADMIN],
)
async def admin_put_override(request: Request, *, body: OverrideIn, session: SessionInfo) -> OverrideOut:
    group = await _group(request)
    try:
        day = date.fromisoformat(request.path_params["day"])
    except ValueError:
        raise errors.ValidationFailed(
            errors=[{"field": "day", "code": "date", "message_zh": "日期应为 年-月-日", "message_en": "Use YYYY-MM-DD"}]
        ) from None
    hall = await booking.find_hall(group.hall_code)
    async with transaction():
        await DayOverride.update_or_create(group_id=group.id, date=day, defaults=body.model_dump())
        adjusted = await slots.adjust_capacity(group, hall, day)
        await audit.record(
            actor=session.official.actor,
            action="appointments.override_saved",
            object_type="window_group",
            object_id=group.id,
            detail={"date": day.isoformat(), "closed": body.closed, "extra_capacity": body.extra_capacity},
        )
    await setup_cache.changed()
    return OverrideOut(group_id=group.id, date=day, slots_adjusted=adjusted, **body.model_dump())
