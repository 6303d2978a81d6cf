"""The waiting list (候补): a full day's list per window group, date and service item.

A resident joins only when that day is really full for the item at that hall, once per item and
day (the unique ``active_key``), and within the per-person limit of active bookings. When a place
is freed (``booking.free_place`` after a cancellation reopens, or an offer that lapsed),
``offer_freed_place(slot, now)`` gives it to the first in line: a held appointment created as
booking creates one (the slot's counter stays taken), moved to ``offered`` with a deadline
(``YIWANG_WAITING_OFFER_MINUTES``, never later than the group's cut-off before the slot), and a
notice. ``accept`` books it; ``lapse_offers(now)`` moves a lapsed offer to the next in line, or
frees the place when nobody waits.

Every step is a conditional update (the engine's status-guarded UPDATE, the counters' guarded
UPDATEs), so several processes may sweep at once without offering one place twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError

from auth.sessions import SessionInfo
from backend.appointments import noshow
from backend.appointments.flows import APPOINTMENT, WAITING
from backend.appointments.models import ActiveCount, Appointment, Slot, WaitingEntry, WindowGroup
from backend.catalog.models import Hall, ServiceItem
from backend.kit import errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, IllegalTransition, transition

log = logging.getLogger("yiwang.appointments")

MIN_OFFER = timedelta(minutes=10)  # a place that cannot be offered for this long before its cut-off simply reopens


class WaitingNotFound(errors.NotFound, code="appointments.waiting_not_found"):
    zh = "没有找到这条候补|候补记录不存在，或不是您的。"
    en = "Waiting-list entry not found|No such waiting-list entry, or it is not yours."


class NotFull(errors.Conflict, code="appointments.not_full"):
    zh = "这一天还有名额|这一天还有空余名额，请直接预约，不需要候补。"
    en = "Places are still free|This day still has free places: book one instead of waiting."


class DayNotOpen(errors.Conflict, code="appointments.day_not_open"):
    zh = "这一天不能预约|{reason}，不能候补。请选择其他日期。"
    en = "This day cannot be booked|This day cannot be booked ({reason}); choose another day."


class AlreadyWaiting(errors.Conflict, code="appointments.already_waiting"):
    zh = "已经在候补名单里|您已经在这一天这个事项的候补名单里了。"
    en = "Already on the list|You are already on this day's waiting list for this service."


class AlreadyBooked(errors.Conflict, code="appointments.already_booked"):
    zh = "已经有这一天的预约|您已经预约了这一天的这个事项，不需要候补。"
    en = "Already booked|You already have an appointment for this service on this day."


class TooMany(errors.Conflict, code="appointments.too_many"):
    zh = "预约和候补太多了|每人同时最多 {limit} 个有效预约或候补，请先办完或取消一些。"
    en = "Too many bookings|At most {limit} active bookings or waiting-list entries per person."


class NotBookable(errors.NotFound, code="appointments.not_bookable"):
    zh = "这个大厅不能预约这个事项|请换一个大厅，或查看办事指南。"
    en = "Not bookable here|This hall does not take appointments for this service."


class OfferLapsed(errors.Conflict, code="appointments.offer_lapsed"):
    zh = "候补名额已过期|确认期限已过，名额已让给下一位。需要时请重新预约或候补。"
    en = "The offer has lapsed|The deadline passed and the place went to the next person."


# ---- where a service is booked -----------------------------------------------------------------


async def group_for(hall_code: str, service_code: str) -> tuple[Hall, WindowGroup, ServiceItem]:
    """The hall, its active window group serving the item (item-specific windows before 综合窗口), and the item."""
    hall = await Hall.get_or_none(code=hall_code)
    item = await ServiceItem.get_or_none(code=service_code)
    if hall is None or item is None:
        raise NotBookable()
    groups = await WindowGroup.filter(hall_code=hall_code, active=True).order_by("id")
    specific = [g for g in groups if service_code in g.items]
    general = [g for g in groups if not g.items and service_code in hall.items]
    if not (specific or general):
        raise NotBookable()
    return hall, (specific or general)[0], item


async def day_full(group: WindowGroup, hall: Hall, day: date, *, today: date) -> tuple[bool, str]:
    """(every place of the day is taken, the reason the day cannot be booked or "")."""
    from backend.appointments import slots  # the slot derivation (schedule, override, calendar)

    plan = await slots.plan(group, hall, day, today=today)
    if not plan.open:
        return False, plan.reason or slots.CLOSED
    counters = {s.start: s for s in await Slot.filter(group_id=group.id, date=day)}
    if plan.capacity <= 0:
        return True, ""
    for start, _ in plan.times:
        counter = counters.get(start)
        if counter is None or counter.taken < counter.capacity:
            return False, ""
    return True, ""


def active_key(person_id: int, service_code: str, day: date) -> str:
    return f"{person_id}:{service_code}:{day.isoformat()}"


# ---- the resident's side -------------------------------------------------------------------------


async def join(*, session: SessionInfo, hall_code: str, service_code: str, day: date, now: datetime | None = None) -> WaitingEntry:
    """Join a full day's list (201); refused when places are free, when already on it or booked."""
    now = now or datetime.now(UTC)
    assert session.person_id is not None
    person_id = session.person_id
    today = noshow.local_today(now)
    await noshow.check_not_suspended(person_id, today)
    hall, group, item = await group_for(hall_code, service_code)
    full, reason = await day_full(group, hall, day, today=today)
    if reason:
        raise DayNotOpen(reason=reason)
    if not full:
        raise NotFull()
    key = active_key(person_id, service_code, day)
    if await Appointment.filter(active_key=key).exists():
        raise AlreadyBooked()
    limit = current().settings.booking_active_limit
    counter = await ActiveCount.get_or_none(person_id=person_id)
    waiting = await WaitingEntry.filter(person_id=person_id, status="waiting").count()
    if (counter.active if counter else 0) + waiting >= limit:
        raise TooMany(limit=limit)
    try:
        async with transaction():
            entry = await WaitingEntry.create(
                person_id=person_id,
                group_id=group.id,
                date=day,
                service_code=service_code,
                active_key=key,
                **WAITING.fields_for_create(),
            )
    except IntegrityError:
        raise AlreadyWaiting() from None
    return entry


async def leave(*, session: SessionInfo, entry_id: int, now: datetime | None = None) -> WaitingEntry:
    """Leave the list; an offer not yet accepted goes to the next in line at once."""
    now = now or datetime.now(UTC)
    entry = await WaitingEntry.get_or_none(id=entry_id, person_id=session.person_id)
    if entry is None:
        raise WaitingNotFound()
    async with transaction():
        offered = entry.status == "offered"
        await transition(WAITING, entry, action="leave", by=session.principal)
        if offered and entry.offer_id is not None:
            appointment = await Appointment.get(id=entry.offer_id)
            if appointment.status == "offered":
                await transition(APPOINTMENT, appointment, action="cancel", by=session.principal)
                await noshow.leave_active(appointment.person_id)
                await pass_on(await Slot.get(id=appointment.slot_id), now)
    return entry


async def accept(*, session: SessionInfo, appointment_id: int, now: datetime | None = None) -> Appointment:
    """Take the offered place (offered → booked) before its deadline."""
    now = now or datetime.now(UTC)
    appointment = await Appointment.get_or_none(id=appointment_id, person_id=session.person_id)
    if appointment is None:
        raise noshow.AppointmentNotFound()
    APPOINTMENT.require(appointment, "accept")
    if appointment.hold_until is not None and appointment.hold_until <= now:
        raise OfferLapsed()
    async with transaction():
        await transition(APPOINTMENT, appointment, action="accept", by=session.principal)
        entry = await WaitingEntry.filter(offer_id=appointment.id, status="offered").first()
        if entry is not None:
            await transition(WAITING, entry, action="accept", by=session.principal)
    return appointment


@dataclass
class Position:
    entry: WaitingEntry
    position: int  # 1 = first in line (0 once a place was offered or the entry ended)
    length: int


async def mine(person_id: int) -> list[Position]:
    """My entries still waiting or offered a place, with my place in each line."""
    entries = await WaitingEntry.filter(person_id=person_id, status__in=("waiting", "offered")).order_by("date", "id")
    return [await position_of(entry) for entry in entries]


async def position_of(entry: WaitingEntry) -> Position:
    line = WaitingEntry.filter(group_id=entry.group_id, date=entry.date, status="waiting")
    ahead = await line.filter(id__lt=entry.id).count()
    return Position(entry, ahead + 1 if entry.status == "waiting" else 0, await line.count())


async def line_length(group_id: int, day: date) -> int:
    return await WaitingEntry.filter(group_id=group_id, date=day, status="waiting").count()


# ---- places freed ----------------------------------------------------------------------------------


def offer_deadline(group: WindowGroup, slot_starts_at: datetime, now: datetime) -> datetime:
    """Now + YIWANG_WAITING_OFFER_MINUTES, never later than the group's cut-off before the slot."""
    return min(now + timedelta(minutes=current().settings.waiting_offer_minutes), slot_starts_at - timedelta(minutes=group.cutoff_minutes))


async def offer_freed_place(slot: Slot, now: datetime) -> bool:
    """Offer a freed place of ``slot`` to the first person waiting for its day (the counter stays taken).

    Returns False when nobody waits, or when it is too late to offer: the caller then frees the
    place. Runs inside the caller's transaction; each candidate in a savepoint of its own, so a
    person who cannot take it (booked that item meanwhile, at the limit, suspended) is passed over.
    """
    from backend.appointments import booking, slots

    group = await WindowGroup.get(id=slot.group_id)
    starts = slots.starts_at(slot.date, slot.start)
    deadline = offer_deadline(group, starts, now)
    if deadline - now < MIN_OFFER:
        return False
    today = noshow.local_today(now)
    passed: set[int] = set()
    while True:
        line = WaitingEntry.filter(group_id=slot.group_id, date=slot.date, status="waiting")
        entry = await line.exclude(id__in=passed).order_by("id").first()
        if entry is None:
            return False
        passed.add(entry.id)
        if await noshow.in_force(entry.person_id, today) is not None:
            continue
        item = await ServiceItem.get_or_none(code=entry.service_code)
        if item is None:
            continue
        try:
            async with transaction():
                # The entry first: of two processes offering places of one day, one takes this person.
                await transition(WAITING, entry, action="offer", by=SYSTEM)
                appointment = await booking.create_held(slot=slot, group=group, person_id=entry.person_id, item=item, now=now, counted=True)
                await transition(APPOINTMENT, appointment, action="offer", by=SYSTEM, changes={"hold_until": deadline})
                await WaitingEntry.filter(id=entry.id).update(offer_id=appointment.id)
        except IllegalTransition:
            continue  # another process offered this person a place a moment ago
        except booking.NotPlaced:
            continue  # booked the item that day meanwhile, or at the limit of active bookings
        return True


async def pass_on(slot: Slot, now: datetime) -> None:
    """A place of ``slot`` is free again at once: to the next in line, else back to the counter."""
    from backend.appointments import booking

    await booking.free_place(slot, now)


async def lapse_offers(now: datetime | None = None) -> int:
    """Offers past their deadline lapse; each place goes to the next in line or is freed."""
    now = now or datetime.now(UTC)
    lapsed = 0
    for appointment in await Appointment.filter(status="offered", hold_until__lte=now).order_by("hold_until").limit(500):
        try:
            async with transaction():
                await transition(APPOINTMENT, appointment, action="lapse", by=SYSTEM)
                await noshow.leave_active(appointment.person_id)
                entry = await WaitingEntry.filter(offer_id=appointment.id, status="offered").first()
                if entry is not None:
                    await transition(WAITING, entry, action="lapse", by=SYSTEM)
                await pass_on(await Slot.get(id=appointment.slot_id), now)
        except IllegalTransition:
            continue  # accepted, cancelled or lapsed by another process meanwhile
        lapsed += 1
    return lapsed
