"""Waiting list, offers, no-shows and suspensions: the resident's and the staff's endpoints.

Included into ``backend.appointments.routes.api`` (``api.include(waiting_routes.api)``).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.appointments import booking, noshow, waiting
from backend.appointments.flows import APPOINTMENT, SUSPENSION, SUSPENSION_LABELS, WAITING, WAITING_LABELS
from backend.appointments.models import Appointment, Suspension, WindowGroup
from backend.appointments.notices import day_words
from backend.appointments.present import present, present_many
from backend.appointments.schemas import AppointmentOut, HallRef, SuspensionOut, WaitingOut
from backend.catalog.models import Hall
from backend.kit.acting import require_errand
from backend.kit.api import API

api = API(prefix="/api/v1")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WaitingJoin(_In):
    hall_code: str = Field(min_length=1, max_length=48, pattern=r"^[^\x00-\x1f]+$")
    service_code: str = Field(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f]+$")
    date: date


class AppealIn(_In):
    # Spaces around the reason are not part of it: "  " is no reason (checked after stripping).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=2, max_length=1000, description="why the no-shows should be forgiven (e.g. illness), read by staff")


class StaffNote(_In):
    note: str = Field("", max_length=500, description="what the resident reads with the decision")


class WaitingList(BaseModel):
    items: list[WaitingOut]


class SuspensionState(BaseModel):
    suspension: SuspensionOut | None = Field(description="the suspension in force, or null")
    rule: str = Field(description="the published no-show rule in words")


class StaffSuspensionOut(SuspensionOut):
    person_id: int
    created_at: str


class StaffSuspensionList(BaseModel):
    items: list[StaffSuspensionOut]


class NoShowOut(BaseModel):
    appointment_id: int
    status: str
    status_label: str
    suspended_until: date | None = Field(description="the date online booking opens again, when this no-show suspended the person")


async def present_entries(positions: list[waiting.Position]) -> list[WaitingOut]:
    """Entries with their place in line, the hall, and the offered appointment (as AppointmentOut) if any."""
    groups = {g.id: g for g in await WindowGroup.filter(id__in={p.entry.group_id for p in positions})}
    halls = {h.code: h for h in await Hall.filter(code__in={g.hall_code for g in groups.values()})}
    offered = [p.entry.offer_id for p in positions if p.entry.offer_id is not None and p.entry.status == "offered"]
    offers = {a.id: a for a in await present_many(list(await Appointment.filter(id__in=offered)))} if offered else {}
    names = await waiting.service_names({p.entry.service_code for p in positions})
    out = []
    for p in positions:
        entry, group = p.entry, groups.get(p.entry.group_id)
        hall = halls.get(group.hall_code) if group else None
        out.append(
            WaitingOut(
                id=entry.id,
                status=entry.status,
                status_label=WAITING_LABELS[entry.status],
                position=p.position,
                length=p.length,
                date=entry.date,
                hall=HallRef(code=hall.code, name=hall.name, address=hall.address) if hall else HallRef(code="", name="", address=""),
                service_code=entry.service_code,
                service_name=names.get(entry.service_code, entry.service_code),
                offer=offers.get(entry.offer_id) if entry.offer_id is not None else None,
            )
        )
    return out


async def my_entries(person_id: int) -> list[WaitingOut]:
    """My entries still waiting or offered a place (GET /appointments shows them as ``waiting``)."""
    return await present_entries(await waiting.mine(person_id))


def present_suspension(s: Suspension) -> SuspensionOut:
    return SuspensionOut(
        id=s.id,
        status=s.status,
        status_label=SUSPENSION_LABELS[s.status],
        until=s.until,
        until_text=day_words(s.until),
        no_shows=s.no_shows,
        appeal=s.appeal,
        can_appeal=s.status == "active",
        rule=noshow.rule_text(),
    )


async def my_suspension_out(person_id: int) -> SuspensionOut | None:
    """The suspension in force (GET /appointments shows it as ``suspension``), else None."""
    found = await noshow.in_force(person_id, noshow.local_today())
    return present_suspension(found) if found else None


# ---- the resident ----------------------------------------------------------------------------------


@api.post(
    "/appointments/waiting",
    summary="Join a full day's waiting list (候补)",
    tags=["appointments"],
    body=WaitingJoin,
    response=WaitingOut,
    status=201,
    errors=[
        booking.HallNotFound,
        booking.ServiceNotOffered,
        waiting.NotFull,
        booking.DateNotBookable,
        waiting.AlreadyWaiting,
        booking.AlreadyBooked,
        booking.TooManyActive,
        noshow.Suspended,
    ],
    wrappers=[requires(verified=True, acting=True)],
)
async def join_waiting(request: Request, *, body: WaitingJoin, session: SessionInfo) -> JSONResponse:
    require_errand(session, body.service_code)  # staff acting for a villager: only the errands delegated
    entry = await waiting.join(session=session, hall_code=body.hall_code, service_code=body.service_code, day=body.date)
    (out,) = await present_entries([await waiting.position_of(entry)])
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@api.get(
    "/appointments/waiting",
    summary="My waiting-list entries with my place in each line",
    tags=["appointments"],
    response=WaitingList,
    wrappers=[requires(verified=True, acting=True)],
)
async def my_waiting(request: Request, *, session: SessionInfo) -> WaitingList:
    assert session.person_id is not None
    return WaitingList(items=await present_entries(await waiting.mine(session.person_id)))


@api.delete(
    "/appointments/waiting/{entry_id:int}",
    summary="Leave a waiting list (an offered place goes to the next in line)",
    tags=["appointments"],
    response=WaitingOut,
    errors=[waiting.WaitingNotFound, WAITING.error, APPOINTMENT.error],
    wrappers=[requires(verified=True)],
)
async def leave_waiting(request: Request, *, session: SessionInfo) -> WaitingOut:
    entry = await waiting.leave(session=session, entry_id=request.path_params["entry_id"])
    (out,) = await present_entries([await waiting.position_of(entry)])
    return out


@api.post(
    "/appointments/{appointment_id:int}/accept",
    summary="Accept the place offered from the waiting list (offered → booked)",
    tags=["appointments"],
    response=AppointmentOut,
    errors=[booking.AppointmentNotFound, waiting.OfferLapsed, APPOINTMENT.error],
    wrappers=[requires(verified=True)],
)
async def accept_offer(request: Request, *, session: SessionInfo) -> AppointmentOut:
    return await present(await waiting.accept(session=session, appointment_id=request.path_params["appointment_id"]))


@api.get(
    "/appointments/suspension",
    summary="Whether my online booking is suspended (and until when), with the published no-show rule",
    tags=["appointments"],
    response=SuspensionState,
    wrappers=[requires(verified=True)],
)
async def my_suspension(request: Request, *, session: SessionInfo) -> SuspensionState:
    assert session.person_id is not None
    return SuspensionState(suspension=await my_suspension_out(session.person_id), rule=noshow.rule_text())


@api.post(
    "/appointments/suspension/appeal",
    summary="Appeal against my suspension (staff lift it or refuse)",
    tags=["appointments"],
    body=AppealIn,
    response=SuspensionOut,
    errors=[noshow.NotSuspended, SUSPENSION.error],
    wrappers=[requires(verified=True)],
)
async def appeal(request: Request, *, body: AppealIn, session: SessionInfo) -> SuspensionOut:
    return present_suspension(await noshow.appeal(session=session, text=body.text))


# ---- staff -------------------------------------------------------------------------------------------


@api.post(
    "/staff/appointments/{appointment_id:int}/no-show",
    summary="登记爽约: the resident did not come (only once the slot has begun)",
    tags=["staff"],
    response=NoShowOut,
    errors=[booking.AppointmentNotFound, noshow.NotStarted, APPOINTMENT.error],
    wrappers=[requires(roles=noshow.STAFF_ROLES)],
)
async def mark_no_show(request: Request, *, session: SessionInfo) -> NoShowOut:
    appointment, suspension = await noshow.mark(session=session, appointment_id=request.path_params["appointment_id"])
    return NoShowOut(
        appointment_id=appointment.id,
        status=appointment.status,
        status_label=APPOINTMENT.labels[appointment.status],
        suspended_until=suspension.until if suspension else None,
    )


@api.get(
    "/staff/suspensions",
    summary="Suspensions in force of people who missed appointments at my halls (appeals first)",
    tags=["staff"],
    response=StaffSuspensionList,
    wrappers=[requires(roles=noshow.STAFF_ROLES)],
)
async def staff_suspensions(request: Request, *, session: SessionInfo) -> StaffSuspensionList:
    found = await noshow.staff_list(session=session)
    return StaffSuspensionList(
        items=[
            StaffSuspensionOut(
                **present_suspension(s).model_dump(), person_id=s.person_id, created_at=s.created_at.isoformat().replace("+00:00", "Z")
            )
            for s in found
        ]
    )


@api.post(
    "/staff/suspensions/{suspension_id:int}/lift",
    summary="Lift a suspension (on appeal, or on the staff's own finding)",
    tags=["staff"],
    body=StaffNote,
    response=SuspensionOut,
    errors=[noshow.SuspensionNotFound, SUSPENSION.error],
    wrappers=[requires(roles=noshow.STAFF_ROLES)],
)
async def lift(request: Request, *, body: StaffNote, session: SessionInfo) -> SuspensionOut:
    return present_suspension(await noshow.lift(session=session, suspension_id=request.path_params["suspension_id"], note=body.note))


@api.post(
    "/staff/suspensions/{suspension_id:int}/refuse",
    summary="Refuse an appeal: the suspension stays until its date",
    tags=["staff"],
    body=StaffNote,
    response=SuspensionOut,
    errors=[noshow.SuspensionNotFound, SUSPENSION.error],
    wrappers=[requires(roles=noshow.STAFF_ROLES)],
)
async def refuse(request: Request, *, body: StaffNote, session: SessionInfo) -> SuspensionOut:
    return present_suspension(await noshow.refuse(session=session, suspension_id=request.path_params["suspension_id"], note=body.note))
