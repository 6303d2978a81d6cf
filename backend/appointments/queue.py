"""The called queue at the hall (取号叫号): check-in by appointment code, walk-in tickets, call, recall,
serve, absent, transfer, the estimated wait, and the resident's place.

Ticket numbers come from ``TicketCounter`` by a conditional increment inside the transaction that
creates the ticket (``issued = issued + 1``, then read): the row stays locked until commit on
PostgreSQL, and SQLite runs one writing transaction at a time, so two tickets never share a
number. A ticket is taken by ``transition()`` whose UPDATE is conditional on the status read, so
two windows calling at once never call the same ticket: the loser takes the next one.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from auth import service as identity
from auth.errors import Forbidden
from auth.permissions import authorize
from auth.sessions import SessionInfo
from backend.applications.flows import APPLICATION
from backend.applications.models import Application
from backend.appointments.booking import HallNotFound, count_down
from backend.appointments.flows import APPOINTMENT, APPOINTMENT_LABELS, TICKET, TICKET_LABELS
from backend.appointments.models import Appointment, Ticket, TicketCounter, WindowGroup
from backend.catalog.models import Hall
from backend.kit import errors
from backend.kit.pii import mask_name
from backend.kit.resources import current
from backend.kit.transactions import after_commit, transaction
from backend.kit.workflow import transition
from notifications.outbox import notify

STAFF = ("staff", "approver", "admin")
DEFAULT_SERVICE_SECONDS = 300  # the estimate before a group has served anyone
RECENT_SERVED = 20  # served tickets the average is taken over
NEAR = 2  # a resident is told when this many (or fewer) are ahead
Day = date  # for fields named date


# ---- failures ------------------------------------------------------------------------------------


class CodeUnknown(errors.NotFound, code="queue.code_unknown"):
    zh = "预约码无效|没有找到这个预约码，请核对后重新输入，或请群众出示预约二维码。"
    en = "Unknown appointment code|No appointment has this code; check it or scan the QR code."


class WrongHall(errors.Conflict, code="queue.wrong_hall"):
    zh = "不是本大厅的预约|这个预约要到“{hall}”办理，请引导群众前往，或现场取号。"
    en = "Booked at another hall|This appointment is at another hall ({hall})."


class TooEarly(errors.Conflict, code="queue.too_early"):
    zh = "还没到签到时间|预约时间是 {date} {start}，请于 {opens} 以后签到。"
    en = "Too early to check in|The appointment is at {date} {start}; check-in opens at {opens}."


class TooLate(errors.Conflict, code="queue.too_late"):
    zh = "已过签到时间|预约时间是 {date} {start}，签到已于 {closes} 截止。请现场取号办理，或重新预约。"
    en = "Too late to check in|The appointment was at {date} {start}; check-in closed at {closes}. Take a ticket or book again."


class GroupNotFound(errors.NotFound, code="queue.group_not_found"):
    zh = "找不到该窗口组|本大厅没有这个窗口组。"
    en = "Window group not found|This hall has no such window group."


class NoWindowForService(errors.Conflict, code="queue.no_window_for_service"):
    zh = "本大厅没有办理该事项的窗口|本大厅目前没有窗口办理这个事项，请咨询工作人员。"
    en = "No window for this service|No window of this hall takes this service."


class UnknownWindow(errors.Invalid, code="queue.unknown_window"):
    zh = "没有这个窗口|请从本窗口组的窗口中选择：{windows}。"
    en = "Unknown window|Choose one of this group's windows: {windows}."


class QueueEmpty(errors.Conflict, code="queue.empty"):
    zh = "暂无等候的号|这个窗口组现在没有人在等候。"
    en = "Nobody is waiting|Nobody is waiting for this window group."


class QueueBusy(errors.Conflict, code="queue.busy"):
    zh = "叫号繁忙|其他窗口正在同时叫号，请稍后再试。"
    en = "Busy|Other windows are calling at the same moment; try again."


class NotCalledEnough(errors.Conflict, code="queue.not_called_enough"):
    zh = "还不能过号|这个号已叫 {calls} 次，叫满 {max_calls} 次仍未到才能过号，请先重呼。"
    en = "Call again first|Called {calls} times; a ticket is marked absent after {max_calls} calls."


class SameGroup(errors.Conflict, code="queue.same_group"):
    zh = "已在这个窗口组|这个号已经在该窗口组排队，请选择其他窗口组。"
    en = "Already in this group|The ticket already waits for this window group."


class TicketNotFound(errors.NotFound, code="queue.ticket_not_found"):
    zh = "找不到该排队号|没有找到这个排队号，或您无权查看。"
    en = "Ticket not found|There is no such ticket, or you may not see it."


# ---- answers --------------------------------------------------------------------------------------


class TicketPlace(BaseModel):
    """A resident's ticket: where they are in the queue (no other person's data)."""

    id: int
    label: str = Field(description="the number called out, e.g. A023")
    status: str
    status_label: str
    ahead: int = Field(description="waiting tickets called before this one (0 once it is called)")
    estimated_wait_minutes: int = Field(description="0 once it is called")
    window: str = Field(description="the window that called it, '' before")


class TicketOut(TicketPlace):
    """A ticket as the hall's staff see it."""

    hall_code: str
    group_id: int
    kind: str = Field(description="appointment or walk_in (取号)")
    service_code: str
    appointment_id: int | None
    application_id: int | None = Field(description="the linked case: the window opens it")
    due_at: datetime
    issued_at: datetime
    called_at: datetime | None
    calls: int
    can_mark_absent: bool


class CheckInIn(BaseModel):
    code: str = Field(min_length=1, max_length=200, description="the appointment code, as typed or as the QR code carries it")


class WalkInIn(BaseModel):
    service_code: str = Field(min_length=1, max_length=32)
    group_id: int | None = Field(None, ge=1, le=10**18 - 1, description="a window group of the hall; default: the one serving the item")


class CallNextIn(BaseModel):
    group_id: int = Field(ge=1, le=10**18 - 1)
    window: str = Field(min_length=1, max_length=32)


class TransferIn(BaseModel):
    group_id: int = Field(ge=1, le=10**18 - 1)


class GroupQueue(BaseModel):
    id: int
    name: str
    windows: list[str]
    waiting: list[TicketOut]
    called: list[TicketOut]
    served: int
    absent: int
    average_service_seconds: int
    estimated_wait_minutes: int


class DayQuery(BaseModel):
    date: Day | None = Field(None, description="the hall's local date; default today")


class HallAppointment(BaseModel):
    """One appointment of the day as the hall's staff see it (the name masked: 张*)."""

    id: int
    code: str
    start: str
    service_code: str
    service_name: str
    status: str
    status_label: str
    name_masked: str | None
    ticket: str | None = Field(description="the ticket label once checked in")
    application_id: int | None


class HallAppointments(BaseModel):
    hall_code: str
    date: Day
    items: list[HallAppointment]


class HallQueue(BaseModel):
    hall_code: str
    hall_name: str
    date: Day
    groups: list[GroupQueue]


# ---- helpers --------------------------------------------------------------------------------------


def board_channel(hall_code: str) -> str:
    """The broker channel the hall's board streams listen to."""
    return f"hall:{hall_code}:board"


def publish_after_commit(hall_code: str) -> None:
    """Tell the hall's open boards to look again, once the open transaction has committed."""
    broker = current().broker
    after_commit(lambda: broker.publish(board_channel(hall_code), b'{"type":"board"}'))


def _tz() -> ZoneInfo:
    return ZoneInfo(current().settings.timezone)


def local_today(now: datetime) -> date:
    return now.astimezone(_tz()).date()


def hhmm(moment: datetime) -> str:
    return moment.astimezone(_tz()).strftime("%H:%M")


def _day(moment: datetime) -> str:
    local = moment.astimezone(_tz())
    return f"{local.month}月{local.day}日"


def normalize_code(raw: str) -> str:
    """The code as stored: what follows the last '/', ':' or '=' of a scanned text, letters and digits, upper case."""
    tail = re.split(r"[/:=]", raw.strip())[-1]
    return re.sub(r"[^0-9A-Za-z]", "", tail).upper()[:16]


async def hall_for_staff(session: SessionInfo, code: str) -> Hall:
    """The hall if this clerk works there (``hall:<code>``, or a global role); 404 / 403 otherwise."""
    hall = await Hall.get_or_none(code=code)
    if hall is None:
        raise HallNotFound()
    await authorize(session, roles=STAFF, scope=f"hall:{hall.code}", action=f"queue:hall:{hall.code}")
    return hall


async def _ticket_for_staff(session: SessionInfo, ticket_id: int) -> tuple[Ticket, Hall]:
    """A ticket of a hall this clerk works at; any other is 404, like a missing one."""
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        raise TicketNotFound()
    try:
        hall = await hall_for_staff(session, ticket.hall_code)
    except (Forbidden, HallNotFound):
        raise TicketNotFound() from None
    return ticket, hall


async def _group_of(hall: Hall, group_id: int) -> WindowGroup:
    group = await WindowGroup.get_or_none(id=group_id, hall_code=hall.code, active=True)
    if group is None:
        raise GroupNotFound()
    return group


def _serves(group: WindowGroup, hall: Hall, service_code: str) -> bool:
    return service_code in group.items if group.items else service_code in hall.items


async def group_for_service(hall: Hall, service_code: str) -> WindowGroup:
    """The window group that takes the item: an item-specific one first, else the 综合窗口."""
    groups = await WindowGroup.filter(hall_code=hall.code, active=True).order_by("id")
    for group in sorted(groups, key=lambda g: not g.items):  # specific groups before the 综合窗口
        if _serves(group, hall, service_code):
            return group
    raise NoWindowForService()


async def _next_number(group_id: int, day: date) -> int:
    """The group's next ticket number of the day; call inside the transaction that creates the ticket."""
    counter = TicketCounter.filter(group_id=group_id, date=day)
    if not await counter.update(issued=F("issued") + 1):
        try:
            async with transaction():  # a savepoint: another first ticket of the day may insert the row meanwhile
                await TicketCounter.create(group_id=group_id, date=day, issued=1)
            return 1
        except IntegrityError:
            await counter.update(issued=F("issued") + 1)
    return (await TicketCounter.get(group_id=group_id, date=day)).issued


async def _issue(group: WindowGroup, *, now: datetime, rank: int, due_at: datetime, **columns: Any) -> Ticket:
    day = local_today(now)
    number = await _next_number(group.id, day)
    return await Ticket.create(
        hall_code=group.hall_code,
        group_id=group.id,
        date=day,
        number=number,
        label=f"{group.ticket_prefix}{number:03d}",
        due_at=due_at,
        rank=rank,
        issued_at=now,
        **columns,
        **TICKET.fields_for_create(),
    )


def _max_calls() -> int:
    return current().settings.queue_max_calls


def _before(ticket: Ticket) -> Q:
    """Waiting tickets of the same group and day that are called before ``ticket`` (due_at, rank, number)."""
    return (
        Q(due_at__lt=ticket.due_at)
        | Q(due_at=ticket.due_at, rank__lt=ticket.rank)
        | Q(due_at=ticket.due_at, rank=ticket.rank, number__lt=ticket.number)
    )


async def _ahead(ticket: Ticket) -> int:
    return await Ticket.filter(_before(ticket), group_id=ticket.group_id, date=ticket.date, status="waiting").exclude(id=ticket.id).count()


async def average_service_seconds(group_id: int) -> float:
    """The average time at the window of the group's last served tickets (5 minutes before any)."""
    recent = cast(
        list[int],
        await Ticket.filter(group_id=group_id, status="served", service_seconds__isnull=False)
        .order_by("-finished_at", "-id")
        .limit(RECENT_SERVED)
        .values_list("service_seconds", flat=True),
    )
    return sum(recent) / len(recent) if recent else float(DEFAULT_SERVICE_SECONDS)


def estimate_minutes(ahead: int, average_seconds: float, windows: int) -> int:
    """Minutes until ``ahead`` tickets are served by ``windows`` windows at the average pace."""
    return math.ceil(average_seconds * ahead / max(1, windows) / 60)


def _windows(group: WindowGroup | None) -> int:
    return max(1, len(group.windows)) if group is not None else 1


async def _place(
    ticket: Ticket, group: WindowGroup | None = None, average: float | None = None, ahead: int | None = None
) -> tuple[int, int]:
    """(tickets ahead, estimated minutes) of a waiting ticket; (0, 0) once it was called."""
    if ticket.status != "waiting":
        return 0, 0
    if ahead is None:
        ahead = await _ahead(ticket)
    if group is None:
        group = await WindowGroup.get_or_none(id=ticket.group_id)
    if average is None:
        average = await average_service_seconds(ticket.group_id)
    return ahead, estimate_minutes(ahead, average, _windows(group))


async def place(ticket: Ticket) -> TicketPlace:
    ahead, wait = await _place(ticket)
    return TicketPlace(
        id=ticket.id,
        label=ticket.label,
        status=ticket.status,
        status_label=TICKET_LABELS[ticket.status],
        ahead=ahead,
        estimated_wait_minutes=wait,
        window=ticket.window,
    )


async def present(ticket: Ticket, group: WindowGroup | None = None, average: float | None = None, ahead: int | None = None) -> TicketOut:
    """A ticket for the staff; ``group``, ``average`` and ``ahead`` when the caller knows them already."""
    ahead, wait = await _place(ticket, group, average, ahead)
    return TicketOut(
        id=ticket.id,
        label=ticket.label,
        status=ticket.status,
        status_label=TICKET_LABELS[ticket.status],
        ahead=ahead,
        estimated_wait_minutes=wait,
        window=ticket.window,
        hall_code=ticket.hall_code,
        group_id=ticket.group_id,
        kind="appointment" if ticket.appointment_id else "walk_in",
        service_code=ticket.service_code,
        appointment_id=ticket.appointment_id,
        application_id=ticket.application_id,
        due_at=ticket.due_at,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        calls=ticket.calls,
        can_mark_absent=ticket.status == "called" and ticket.calls >= _max_calls(),
    )


# ---- check-in and walk-ins ------------------------------------------------------------------------


def check_in_window(starts_at: datetime) -> tuple[datetime, datetime]:
    """From when until when an appointment starting at ``starts_at`` may be checked in."""
    settings = current().settings
    return starts_at - timedelta(minutes=settings.checkin_early_minutes), starts_at + timedelta(minutes=settings.checkin_late_minutes)


async def check_in(*, session: SessionInfo, hall_code: str, code: str, now: datetime) -> tuple[Ticket, bool]:
    """签到: the appointment's ticket (created, True) or the one it already has (False), however often scanned."""
    hall = await hall_for_staff(session, hall_code)
    normalized = normalize_code(code)
    appointment = await Appointment.get_or_none(code=normalized) if normalized else None
    if appointment is None:
        raise CodeUnknown()
    if appointment.hall_code != hall.code:
        other = await Hall.get_or_none(code=appointment.hall_code)
        raise WrongHall(hall=other.name if other else "其他大厅")
    if (existing := await Ticket.get_or_none(appointment_id=appointment.id)) is not None:
        return existing, False
    APPOINTMENT.require(appointment, "check_in")  # cancelled, no-show …: said in words before the time is
    opens, closes = check_in_window(appointment.starts_at)
    day, start = _day(appointment.starts_at), hhmm(appointment.starts_at)
    if now < opens:
        raise TooEarly(opens=hhmm(opens), date=day, start=start)
    if now > closes:
        raise TooLate(closes=hhmm(closes), date=day, start=start)
    group = await WindowGroup.get_or_none(id=appointment.group_id)
    if group is None:
        raise GroupNotFound()
    application = await Application.get_or_none(id=appointment.application_id) if appointment.application_id else None
    if application is not None and application.person_id != appointment.person_id:
        application = None  # only the person's own case is opened for the window
    try:
        async with transaction():
            await transition(APPOINTMENT, appointment, action="check_in", by=session.official, note=hall.name)
            await count_down(appointment.person_id)  # left the active statuses: a place under the limit again
            ticket = await _issue(
                group,
                now=now,
                rank=0,
                due_at=appointment.starts_at,
                appointment_id=appointment.id,
                person_id=appointment.person_id,
                service_code=appointment.service_code,
                application_id=application.id if application else None,
            )
            if application is not None and application.status in APPLICATION.allowed_in("record_trip"):
                try:  # a savepoint: a case withdrawn this very moment counts no trip, the check-in stands
                    await transition(APPLICATION, application, action="record_trip", by=session.official)
                except APPLICATION.error:
                    pass
            publish_after_commit(hall.code)
    except APPOINTMENT.error:
        # Scanned twice at once: the other scan checked it in; its ticket is committed with it.
        ticket_or_none = await Ticket.get_or_none(appointment_id=appointment.id)
        if ticket_or_none is None:
            raise
        return ticket_or_none, False
    return ticket, True


async def walk_in(*, session: SessionInfo, hall_code: str, service_code: str, group_id: int | None, now: datetime) -> Ticket:
    """取号: a ticket for someone without an appointment, behind the appointments due at the same time."""
    hall = await hall_for_staff(session, hall_code)
    if group_id is not None:
        group = await _group_of(hall, group_id)
        if not _serves(group, hall, service_code):
            raise NoWindowForService()
    else:
        group = await group_for_service(hall, service_code)
    async with transaction():
        ticket = await _issue(group, now=now, rank=1, due_at=now, service_code=service_code)
        publish_after_commit(hall.code)
    return ticket


# ---- the staff's queue ----------------------------------------------------------------------------


def _waiting_order(query: Any) -> Any:
    return query.order_by("due_at", "rank", "number")


async def hall_queue(*, session: SessionInfo, hall_code: str, now: datetime) -> HallQueue:
    hall = await hall_for_staff(session, hall_code)
    today = local_today(now)
    groups = await WindowGroup.filter(hall_code=hall.code, active=True).order_by("id")
    tickets = await _waiting_order(Ticket.filter(hall_code=hall.code, date=today))
    out: list[GroupQueue] = []
    for group in groups:
        mine = [t for t in tickets if t.group_id == group.id]
        average = await average_service_seconds(group.id)
        waiting = [t for t in mine if t.status == "waiting"]
        called = sorted((t for t in mine if t.status == "called"), key=lambda t: t.called_at or now, reverse=True)
        out.append(
            GroupQueue(
                id=group.id,
                name=group.name,
                windows=list(group.windows),
                waiting=[await present(t, group, average, ahead=i) for i, t in enumerate(waiting)],
                called=[await present(t, group, average) for t in called],
                served=sum(t.status == "served" for t in mine),
                absent=sum(t.status == "absent" for t in mine),
                average_service_seconds=round(average),
                estimated_wait_minutes=estimate_minutes(len(waiting), average, _windows(group)),
            )
        )
    return HallQueue(hall_code=hall.code, hall_name=hall.name, date=today, groups=out)


async def hall_appointments(*, session: SessionInfo, hall_code: str, day: date | None, now: datetime) -> HallAppointments:
    """The day's booked, checked-in and missed appointments of the hall, by time (names masked)."""
    hall = await hall_for_staff(session, hall_code)
    day = day or local_today(now)
    rows = (
        await Appointment.filter(hall_code=hall.code, date=day, status__in=("booked", "checked_in", "no_show"))
        .order_by("starts_at", "id")
        .limit(500)
    )
    labels = {t.appointment_id: t.label for t in await Ticket.filter(appointment_id__in=[a.id for a in rows])}
    names: dict[int, str | None] = {}
    for person in {a.person_id for a in rows}:
        name = (await identity.personal_details(person_id=person)).get("name")
        names[person] = mask_name(name) if name else None
    return HallAppointments(
        hall_code=hall.code,
        date=day,
        items=[
            HallAppointment(
                id=a.id,
                code=a.code,
                start=a.start,
                service_code=a.service_code,
                service_name=a.service_name,
                status=a.status,
                status_label=APPOINTMENT_LABELS[a.status],
                name_masked=names[a.person_id],
                ticket=labels.get(a.id),
                application_id=a.application_id,
            )
            for a in rows
        ],
    )


async def _tell_called(ticket: Ticket) -> None:
    if ticket.person_id is None:
        return
    await notify(
        person_id=ticket.person_id,
        event="queue.called",
        dedupe_key=f"ticket:{ticket.id}:called:{ticket.calls}",
        title=f"请到{ticket.window}办理",
        body=f"您的号码 {ticket.label} 已叫号，请到 {ticket.window} 办理。",
        link=f"/appointments/{ticket.appointment_id}" if ticket.appointment_id else None,
        fields={"reference": ticket.label, "place": ticket.window},
        data={"ticket_id": ticket.id, "appointment_id": ticket.appointment_id},
    )


async def _tell_near(group_id: int, day: date) -> None:
    """The residents with at most NEAR tickets ahead hear that their number is close (once each)."""
    first = await _waiting_order(Ticket.filter(group_id=group_id, date=day, status="waiting")).limit(NEAR + 1)
    for ticket in first:
        if ticket.person_id is None:
            continue
        await notify(
            person_id=ticket.person_id,
            event="queue.near",
            dedupe_key=f"ticket:{ticket.id}:near",
            title=f"快到您了：{ticket.label}",
            body=f"您的号码 {ticket.label} 前面已不超过 {NEAR} 位，请到窗口附近留意叫号。",
            link=f"/appointments/{ticket.appointment_id}" if ticket.appointment_id else None,
            fields={"reference": ticket.label},
            data={"ticket_id": ticket.id, "appointment_id": ticket.appointment_id},
        )


async def call_next(*, session: SessionInfo, hall_code: str, group_id: int, window: str, now: datetime) -> Ticket:
    """叫号: the first waiting ticket of the group (due_at, rank, number) to this window."""
    hall = await hall_for_staff(session, hall_code)
    group = await _group_of(hall, group_id)
    if group.windows and window not in group.windows:
        raise UnknownWindow(windows="、".join(group.windows))
    today = local_today(now)
    for _ in range(10):
        ticket = await _waiting_order(Ticket.filter(group_id=group.id, date=today, status="waiting")).first()
        if ticket is None:
            raise QueueEmpty()
        try:
            async with transaction():
                await transition(TICKET, ticket, action="call", by=session.official, changes={"window": window})
                await _tell_called(ticket)
                await _tell_near(group.id, today)
                publish_after_commit(hall.code)
        except TICKET.error:  # another window called it first: take the next one
            continue
        return ticket
    raise QueueBusy(headers={"Retry-After": "1"})


async def recall(*, session: SessionInfo, ticket_id: int) -> Ticket:
    """重呼: call the same ticket again (counts towards marking it absent)."""
    ticket, hall = await _ticket_for_staff(session, ticket_id)
    async with transaction():
        await transition(TICKET, ticket, action="recall", by=session.official)
        await _tell_called(ticket)
        publish_after_commit(hall.code)
    return ticket


async def serve(*, session: SessionInfo, ticket_id: int) -> Ticket:
    """办结: served at the window (the time since the call feeds the estimate)."""
    ticket, hall = await _ticket_for_staff(session, ticket_id)
    async with transaction():
        await transition(TICKET, ticket, action="serve", by=session.official)
        publish_after_commit(hall.code)
    return ticket


async def mark_absent(*, session: SessionInfo, ticket_id: int) -> Ticket:
    """过号: only after the ticket was called YIWANG_QUEUE_MAX_CALLS times."""
    ticket, hall = await _ticket_for_staff(session, ticket_id)
    TICKET.require(ticket, "mark_absent")
    if ticket.calls < _max_calls():
        raise NotCalledEnough(calls=ticket.calls, max_calls=_max_calls())
    async with transaction():
        await transition(TICKET, ticket, action="mark_absent", by=session.official)
        publish_after_commit(hall.code)
    return ticket


async def transfer(*, session: SessionInfo, ticket_id: int, group_id: int) -> Ticket:
    """转窗口: the ticket waits for another group of the hall, keeping its label and its place in time.

    It takes a number of the new group (numbers are unique per group and day) but keeps the label
    the person holds, and its due time and rank, so it is not sent to the back of the queue.
    """
    ticket, hall = await _ticket_for_staff(session, ticket_id)
    target = await _group_of(hall, group_id)
    if target.id == ticket.group_id:
        raise SameGroup()
    TICKET.require(ticket, "transfer")
    async with transaction():
        number = await _next_number(target.id, ticket.date)
        await transition(
            TICKET,
            ticket,
            action="transfer",
            by=session.official,
            note=target.name,
            changes={"group_id": target.id, "number": number, "window": ""},
        )
        await _tell_near(target.id, ticket.date)
        publish_after_commit(hall.code)
    return ticket


# ---- the resident's place -------------------------------------------------------------------------


async def ticket_for(appointment_id: int) -> dict | None:
    """The ``ticket`` block of an appointment answer: label, status, place and wait (None before check-in)."""
    ticket = await Ticket.get_or_none(appointment_id=appointment_id)
    if ticket is None:
        return None
    return (await place(ticket)).model_dump(mode="json", exclude={"id"})


async def my_ticket(*, session: SessionInfo, ticket_id: int) -> TicketPlace:
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None or ticket.person_id is None or ticket.person_id != session.person_id:
        raise TicketNotFound()
    return await place(ticket)


def utcnow() -> datetime:
    return datetime.now(UTC)
