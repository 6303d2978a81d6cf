"""Administrator endpoints of the calendar: a year's days, add and remove a day, what the calendar knows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from starlette.requests import Request

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.calendar import service
from backend.calendar.schemas import (
    CalendarDayIn,
    CalendarDayOut,
    CalendarQuery,
    CalendarStatusOut,
    CalendarYearOut,
    StatusQuery,
    YearStatus,
)
from backend.kit.api import API
from backend.kit.resources import current

api = API(prefix="/api/v1")
ADMIN = requires(roles=("admin",))


class OkOut(BaseModel):
    ok: bool = True


@api.get(
    "/admin/calendar",
    summary="A year's holidays and make-up working days: statutory, official notices and regional (administrator)",
    tags=["admin"],
    query=CalendarQuery,
    response=CalendarYearOut,
    wrappers=[ADMIN],
)
async def calendar_year(request: Request, *, query: CalendarQuery, session: SessionInfo) -> CalendarYearOut:
    return CalendarYearOut.model_validate(await service.year(year=query.year, region=query.region))


@api.post(
    "/admin/calendar/days",
    summary="Add a holiday or a make-up working day, nationally (调休 notice) or for a region (administrator)",
    tags=["admin"],
    body=CalendarDayIn,
    response=CalendarDayOut,
    status=201,
    errors=[service.DayExists],
    wrappers=[ADMIN],
)
async def add_day(request: Request, *, body: CalendarDayIn, session: SessionInfo) -> CalendarDayOut:
    row = await service.add_day(day=body.date, kind=body.kind, name=body.name, region=body.region, actor=f"person:{session.person_id}")
    return CalendarDayOut(id=row.id, date=row.date, kind=row.kind, name=row.name, source=row.source, region=row.region)


@api.delete(
    "/admin/calendar/days/{day_id:int}",
    summary="Remove an administrator's calendar day (administrator)",
    tags=["admin"],
    response=OkOut,
    errors=[service.DayNotFound],
    wrappers=[ADMIN],
)
async def remove_day(request: Request, *, session: SessionInfo) -> OkOut:
    await service.remove_day(day_id=request.path_params["day_id"], actor=f"person:{session.person_id}")
    return OkOut()


@api.get(
    "/admin/calendar/status",
    summary="Whether the calendar knows this year and next, with the warning to show (administrator)",
    tags=["admin"],
    query=StatusQuery,
    response=CalendarStatusOut,
    wrappers=[ADMIN],
)
async def calendar_status(request: Request, *, query: StatusQuery, session: SessionInfo) -> CalendarStatusOut:
    today = datetime.now(ZoneInfo(current().settings.timezone)).date()
    years = service.status(today=today)
    if query.year is not None and query.year not in (y["year"] for y in years):
        years += service.status_of([query.year])
    return CalendarStatusOut(years=[YearStatus.model_validate(y) for y in years])
