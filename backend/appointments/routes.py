"""Hall and appointment endpoints: halls, bookable days and slots, book, confirm, mine, QR, cancel, reschedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import Response

from auth.errors import TooManyRequests
from auth.otp import limit
from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.appointments import admin, booking, noshow, queue_routes, slots, waiting_routes
from backend.appointments.flows import APPOINTMENT
from backend.appointments.models import Appointment, Schedule, Slot, WaitingEntry, WindowGroup
from backend.appointments.present import appointment_out, hall_out, present, present_many
from backend.appointments.schemas import (
    AppointmentCreate,
    AppointmentList,
    AppointmentOut,
    DayList,
    DayOut,
    HallDetail,
    HallList,
    HallQuery,
    RescheduleIn,
    ServiceQuery,
    SlotList,
    SlotOut,
    SlotQuery,
    WaitingInfo,
)
from backend.catalog.models import Hall
from backend.kit.acting import require_errand
from backend.kit.api import API, anyone
from backend.kit.http import client_network
from backend.kit.idempotency import HEADER_PARAMETER, idempotent
from backend.kit.qr import qr_svg
from backend.kit.resources import current
from backend.kit.workdays import year_warning

api = API(prefix="/api/v1")
api.include(admin.api)
api.include(queue_routes.api)
api.include(waiting_routes.api)
NO_STORE = {"Cache-Control": "private, no-store"}


def _id(request: Request) -> int:
    return request.path_params["appointment_id"]


async def _burst(request: Request) -> None:
    """Bursts of booking requests from one address (bots hoarding places) are slowed down."""
    await limit(f"book-ip:{client_network(request)}", 60, current().settings.booking_burst)


async def _errand(session: SessionInfo, appointment_id: int) -> None:
    """Staff acting for a villager reach only the appointments of the errands delegated (others: 403)."""
    if session.acting is not None and session.person_id is not None:
        require_errand(session, (await booking.mine(session.person_id, appointment_id)).service_code)


# ---- halls -----------------------------------------------------------------------------------


async def _bookable_groups() -> dict[str, int]:
    """hall code → how many active window groups with a weekly schedule it has."""
    scheduled = set(await Schedule.all().distinct().values_list("group_id", flat=True))
    out: dict[str, int] = {}
    for group_id, hall_code in await WindowGroup.filter(active=True).values_list("id", "hall_code"):
        if group_id in scheduled:
            out[str(hall_code)] = out.get(str(hall_code), 0) + 1
    return out


@api.get(
    "/halls",
    summary="Service halls, nearest first when a location is given",
    tags=["halls"],
    query=HallQuery,
    response=HallList,
    wrappers=[anyone],
)
async def list_halls(request: Request, *, query: HallQuery) -> HallList:
    bookable = await _bookable_groups()
    items = [hall_out(h, bookable=h.code in bookable, lat=query.lat, lng=query.lng) for h in await Hall.all().order_by("code")]
    if query.lat is not None and query.lng is not None:
        items.sort(key=lambda h: (h.distance_m is None, h.distance_m or 0))
    return HallList(items=items)


@api.get(
    "/halls/{code}",
    summary="One hall: its window groups and the items that can be booked there",
    tags=["halls"],
    query=HallQuery,
    response=HallDetail,
    errors=[booking.HallNotFound],
    wrappers=[anyone],
)
async def get_hall(request: Request, *, query: HallQuery) -> HallDetail:
    return await admin.hall_detail(await booking.find_hall(request.path_params["code"]), lat=query.lat, lng=query.lng)


@api.get(
    "/halls/{code}/days",
    summary="The dates from tomorrow to the horizon: which can be booked for this item, and why not",
    tags=["halls"],
    query=ServiceQuery,
    response=DayList,
    errors=[booking.HallNotFound, booking.ServiceNotOffered],
    wrappers=[anyone],
)
async def hall_days(request: Request, *, query: ServiceQuery) -> DayList:
    t = await booking.target(request.path_params["code"], query.service)
    plans = await slots.plans(t.group, t.hall, today=slots.local_today())
    if not plans:
        return DayList(days=[])
    rows: dict[date, dict[str, Slot]] = {}
    for slot in await Slot.filter(group_id=t.group.id, date__gte=plans[0].day, date__lte=plans[-1].day):
        rows.setdefault(slot.date, {})[slot.start] = slot
    days = []
    for plan in plans:
        if not plan.open:
            days.append(DayOut(date=plan.day, bookable=False, full=False, reason=plan.reason))
            continue
        taken = rows.get(plan.day, {})
        remaining = sum(max(0, s.capacity - s.taken) if (s := taken.get(start)) else plan.capacity for start, _ in plan.times)
        full = remaining == 0
        days.append(DayOut(date=plan.day, bookable=not full, full=full, reason=slots.FULL if full else ""))
    # A year the calendar does not know (no 调休 notice yet) is said, not guessed silently.
    warnings = [w for year in sorted({p.day.year for p in plans}) if (w := year_warning(year))]
    return DayList(days=days, warning="；".join(warnings) or None)


@api.get(
    "/halls/{code}/slots",
    summary="The slots of one date for one item, with the places left",
    tags=["halls"],
    query=SlotQuery,
    response=SlotList,
    errors=[booking.HallNotFound, booking.ServiceNotOffered, booking.DateNotBookable],
    wrappers=[anyone],
)
async def hall_slots(request: Request, *, query: SlotQuery) -> SlotList:
    t = await booking.target(request.path_params["code"], query.service, named=False)
    group = t.group
    plan = booking.plan_of(t, query.date, slots.local_today())
    if not plan.open:
        raise booking.not_bookable(plan.reason or slots.REST_DAY)
    # The day's counters in one query (the hall's set-up comes from the process's copy).
    counters = await Slot.filter(group_id=group.id, date=query.date).values_list("start", "capacity", "taken")
    rows = {str(s): (int(c), int(n)) for s, c, n in counters}
    out = []
    for start, end in plan.times:
        capacity, taken = rows.get(start, (plan.capacity, 0))
        out.append(SlotOut(start=start, end=end, capacity=capacity, remaining=max(0, capacity - taken)))
    full = all(s.remaining == 0 for s in out)
    length = (
        await WaitingEntry.filter(group_id=group.id, date=query.date, service_code=query.service, status="waiting").count() if full else 0
    )
    return SlotList(date=query.date, group_id=group.id, slots=out, full=full, waiting=WaitingInfo(open=full, length=length))


# ---- appointments ----------------------------------------------------------------------------

BOOKING_ERRORS = [
    booking.HallNotFound,
    booking.ServiceNotOffered,
    booking.DateNotBookable,
    booking.SlotNotFound,
    booking.SlotFull,
    booking.TooManyActive,
    booking.AlreadyBooked,
    booking.Suspended,
    TooManyRequests,
]


@api.post(
    "/appointments",
    summary="Hold a slot for a few minutes (then confirm); one place, whatever the retries",
    tags=["appointments"],
    body=AppointmentCreate,
    response=AppointmentOut,
    status=201,
    headers=[HEADER_PARAMETER],
    errors=[*BOOKING_ERRORS, booking.ApplicationInvalid],
    wrappers=[requires(verified=True, acting=True), idempotent],
)
async def book(request: Request, *, body: AppointmentCreate, session: SessionInfo) -> AppointmentOut:
    await _burst(request)
    assert session.person_id is not None
    require_errand(session, body.service_code)  # staff acting for a villager: only the errands delegated
    appointment, t, end = await booking.hold(
        person_id=session.person_id,
        by=session.principal,
        hall_code=body.hall_code,
        service_code=body.service_code,
        day=body.date,
        start=body.start,
        application_id=body.application_id,
        join=True,  # the Idempotency-Key's transaction: any refusal rolls all of it back
    )
    return appointment_out(appointment, hall=t.hall, group=t.group, end=end, events=[])


@api.post(
    "/appointments/{appointment_id:int}/confirm",
    summary="Confirm a held slot (held → booked)",
    tags=["appointments"],
    response=AppointmentOut,
    errors=[booking.AppointmentNotFound, booking.HoldExpired, APPOINTMENT.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def confirm(request: Request, *, session: SessionInfo) -> AppointmentOut:
    assert session.person_id is not None
    await _errand(session, _id(request))
    return await present(await booking.confirm(person_id=session.person_id, by=session.principal, appointment_id=_id(request)))


@api.get(
    "/appointments",
    summary="My appointments",
    tags=["appointments"],
    response=AppointmentList,
    wrappers=[requires(verified=True, acting=True)],
)
async def my_appointments(request: Request, *, session: SessionInfo) -> Response:
    query = Appointment.filter(person_id=session.person_id)
    if session.acting is not None and "*" not in session.acting.errands:  # staff see the delegated errands only
        query = query.filter(service_code__in=list(session.acting.errands))
    rows = await query.order_by("-date", "-start", "-id").limit(100)
    assert session.person_id is not None
    body = AppointmentList(
        items=await present_many(list(rows)),
        waiting=await waiting_routes.my_entries(session.person_id),
        suspension=await waiting_routes.my_suspension_out(session.person_id),
        no_show_rule=noshow.rule_text(),
    )
    return Response(body.model_dump_json(), media_type="application/json", headers=NO_STORE)


@api.get(
    "/appointments/{appointment_id:int}",
    summary="One of my appointments with its timeline",
    tags=["appointments"],
    response=AppointmentOut,
    errors=[booking.AppointmentNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def get_appointment(request: Request, *, session: SessionInfo) -> Response:
    assert session.person_id is not None
    await _errand(session, _id(request))
    out = await present(await booking.mine(session.person_id, _id(request)))
    return Response(out.model_dump_json(), media_type="application/json", headers=NO_STORE)


@api.get(
    "/appointments/{appointment_id:int}/qr.svg",
    summary="The appointment's QR code (its code, scanned at the hall)",
    tags=["appointments"],
    content={"image/svg+xml": {"schema": {"type": "string"}}},
    errors=[booking.AppointmentNotFound],
    wrappers=[requires(verified=True)],
)
async def appointment_qr(request: Request, *, session: SessionInfo) -> Response:
    assert session.person_id is not None
    appointment = await booking.mine(session.person_id, _id(request))
    return Response(qr_svg(appointment.code), media_type="image/svg+xml", headers=NO_STORE)


@api.post(
    "/appointments/{appointment_id:int}/cancel",
    summary="Cancel (up to the cut-off); the place reopens after a short delay",
    tags=["appointments"],
    response=AppointmentOut,
    errors=[booking.AppointmentNotFound, booking.TooLate, APPOINTMENT.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def cancel(request: Request, *, session: SessionInfo) -> AppointmentOut:
    assert session.person_id is not None
    await _errand(session, _id(request))
    return await present(await booking.cancel(person_id=session.person_id, by=session.principal, appointment_id=_id(request)))


@api.post(
    "/appointments/{appointment_id:int}/reschedule",
    summary="Move a booked appointment to another slot (up to the cut-off), in one step",
    tags=["appointments"],
    body=RescheduleIn,
    response=AppointmentOut,
    headers=[HEADER_PARAMETER],
    errors=[
        booking.AppointmentNotFound,
        booking.TooLate,
        booking.SameSlot,
        APPOINTMENT.error,
        booking.HallNotFound,
        booking.ServiceNotOffered,
        booking.DateNotBookable,
        booking.SlotNotFound,
        booking.SlotFull,
        booking.AlreadyBooked,
        booking.Suspended,
        TooManyRequests,
    ],
    wrappers=[requires(verified=True, acting=True), idempotent],
)
async def reschedule(request: Request, *, body: RescheduleIn, session: SessionInfo) -> AppointmentOut:
    await _burst(request)
    assert session.person_id is not None
    await _errand(session, _id(request))
    appointment, _, _ = await booking.reschedule(
        person_id=session.person_id, by=session.principal, appointment_id=_id(request), day=body.date, start=body.start
    )
    return await present(appointment, now=datetime.now(UTC))
