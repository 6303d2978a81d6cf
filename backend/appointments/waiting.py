"""The waiting list (候补): a full day's list per window group and date.

A resident joins only when that day is really full for the item at that hall, once per item and
day (the unique ``active_key``), and within the per-person limit of active bookings. When a place
is freed (``booking.free_place`` after a cancellation reopens, or an offer that lapsed),
``offer_freed_place(slot, now)`` gives it to the first in line: a held appointment created as
booking creates one (the slot's counter stays taken), moved to ``offered`` with a deadline
(``YIWANG_WAITING_OFFER_MINUTES``, never later than the group's cut-off before the slot), and a
notice. ``accept`` books it; ``lapse_offers(now)`` moves a lapsed offer to the next in line, or
frees the place when nobody waits. The line is the group's day whatever item each person waits
for: a freed place of those windows serves any item they take, so whoever joined first gets it.

Every step is a conditional update (the engine's status-guarded UPDATE, the counters' guarded
UPDATEs), so several processes may sweep at once without offering one place twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from auth.sessions import SessionInfo
from backend.appointments import noshow, notices, slots
from backend.appointments.flows import APPOINTMENT, WAITING
from backend.appointments.models import ActiveCount, Appointment, Slot, WaitingEntry, WindowGroup
from backend.catalog.models import Hall, ServiceItem
from backend.kit import audit, errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, IllegalTransition, transition

MIN_OFFER = timedelta(minutes=10)  # a place that cannot be offered for this long before its cut-off simply reopens


class WaitingNotFound(errors.NotFound, code="appointments.waiting_not_found"):
    zh = "没有找到这条候补|候补记录不存在，或不是您的。"
    en = "Waiting-list entry not found|No such waiting-list entry, or it is not yours."


class NotFull(errors.Conflict, code="appointments.not_full"):
    zh = "这一天还有名额|这一天还有空余名额，请直接预约，不需要候补。"
    en = "Places are still free|This day still has free places: book one instead of waiting."


class AlreadyWaiting(errors.Conflict, code="appointments.already_waiting"):
    zh = "已经在候补名单里|您已经在这一天这个事项的候补名单里了。"
    en = "Already on the list|You are already on this day's waiting list for this service."


class OfferLapsed(errors.Conflict, code="appointments.offer_lapsed"):
    zh = "候补名额已过期|确认期限已过，名额已让给下一位。需要时请重新预约或候补。"
    en = "The offer has lapsed|The deadline passed and the place went to the next person."


# ---- where a service is booked -----------------------------------------------------------------


async def day_full(group: WindowGroup, hall: Hall, day: date, *, today: date) -> bool:
    """Every place of the day is taken (a day that cannot be booked at all is refused as booking refuses it)."""
    from backend.appointments import booking  # booking imports this module

    plan = await slots.plan(group, hall, day, today=today)
    if not plan.open:
        raise booking.not_bookable(plan.reason or slots.REST_DAY)
    if plan.capacity <= 0:
        return True
    counters = {s.start: s for s in await Slot.filter(group_id=group.id, date=day)}
    return all(start in counters and counters[start].taken >= counters[start].capacity for start, _ in plan.times)


async def service_names(codes: set[str]) -> dict[str, str]:
    return {i.code: i.name for i in await ServiceItem.filter(code__in=codes)}


# ---- the resident's side -------------------------------------------------------------------------


async def join(*, session: SessionInfo, hall_code: str, service_code: str, day: date, now: datetime | None = None) -> WaitingEntry:
    """Join a full day's list (201); refused when places are free, when already on it or booked."""
    from backend.appointments import booking

    now = now or datetime.now(UTC)
    assert session.person_id is not None
    person_id = session.person_id
    today = noshow.local_today(now)
    await noshow.check_not_suspended(person_id, today)
    target = await booking.target(hall_code, service_code)
    if not await day_full(target.group, target.hall, day, today=today):
        raise NotFull()
    key = booking.active_key(person_id, service_code, day)
    if await Appointment.filter(active_key=key).exists():
        raise booking.AlreadyBooked()
    # The limit of active bookings counts the entries still waiting too (each may become a booking).
    limit = current().settings.booking_active_limit
    counter = await ActiveCount.get_or_none(person_id=person_id)
    waiting = await WaitingEntry.filter(person_id=person_id, status="waiting").count()
    if (counter.active if counter else 0) + waiting >= limit:
        raise booking.TooManyActive(limit=limit)
    try:
        async with transaction():
            entry = await WaitingEntry.create(
                person_id=person_id,
                group_id=target.group.id,
                date=day,
                service_code=service_code,
                active_key=key,
                **WAITING.fields_for_create(),
            )
            if session.acting is not None:  # a join staff made for a villager (帮办代办): on the record, and the villager is told
                await audit.record(
                    actor=session.principal.actor,
                    subject=f"person:{person_id}",
                    action="appointment.waiting_joined",
                    object_type="waiting_entry",
                    object_id=entry.id,
                    detail={"service": service_code, **session.principal.detail()},
                )
                await notices.tell_waiting_joined(entry, hall=target.hall.name, service_name=target.service_name, by=session.principal)
    except IntegrityError:
        raise AlreadyWaiting() from None
    return entry


async def leave(*, session: SessionInfo, entry_id: int, now: datetime | None = None) -> WaitingEntry:
    """Leave the list; an offer not yet accepted goes to the next in line at once."""
    from backend.appointments import booking

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
                await booking.count_down(appointment.person_id)
                await pass_on(await Slot.get(id=appointment.slot_id), now)
    return entry


async def accept(*, session: SessionInfo, appointment_id: int, now: datetime | None = None) -> Appointment:
    """Take the offered place (offered → booked) before its deadline."""
    from backend.appointments import booking

    now = now or datetime.now(UTC)
    assert session.person_id is not None
    appointment = await booking.mine(session.person_id, appointment_id)
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
    group = await WindowGroup.get(id=slot.group_id)
    deadline = offer_deadline(group, slots.starts_at(slot.date, slot.start), now)
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
        try:
            async with transaction():
                # The entry first: of two processes offering places of one day, one takes this person.
                await transition(WAITING, entry, action="offer", by=SYSTEM)
                appointment = await _held_for(entry, slot, group, deadline)
                await transition(APPOINTMENT, appointment, action="offer", by=SYSTEM)
                await WaitingEntry.filter(id=entry.id).update(offer_id=appointment.id)
        except IllegalTransition:
            continue  # another process offered this person a place a moment ago
        except NotPlaced:
            continue  # booked the item that day meanwhile, at the limit of active bookings, or the item is gone
        return True


class NotPlaced(Exception):
    """The first in line cannot take the freed place (passed over)."""


async def _held_for(entry: WaitingEntry, slot: Slot, group: WindowGroup, deadline: datetime) -> Appointment:
    """A held appointment in ``slot`` for the entry's person, as booking creates one, except that the
    slot's counter is not raised: the freed place is still counted. Raises NotPlaced."""
    from backend.appointments import booking

    name = await ServiceItem.filter(code=entry.service_code).values_list("name", flat=True)
    if not name:
        raise NotPlaced()
    await noshow.lock_person(entry.person_id)  # the counter row exists (and is ours) from here
    limit = current().settings.booking_active_limit
    if not await ActiveCount.filter(person_id=entry.person_id, active__lt=limit).update(active=F("active") + 1):
        raise NotPlaced()
    try:
        appointment = await Appointment.create(
            code=booking.new_code(),
            person_id=entry.person_id,
            slot_id=slot.id,
            group_id=group.id,
            hall_code=group.hall_code,
            service_code=entry.service_code,
            service_name=str(name[0]),
            date=slot.date,
            start=slot.start,
            starts_at=slots.starts_at(slot.date, slot.start),
            active_key=booking.active_key(entry.person_id, entry.service_code, slot.date),
            hold_until=deadline,
            **APPOINTMENT.fields_for_create(),
        )
    except IntegrityError:
        raise NotPlaced() from None
    await audit.record(
        actor=SYSTEM.actor,
        subject=f"person:{entry.person_id}",
        action="appointment.held",
        object_type="appointment",
        object_id=appointment.id,
        detail={"slot": slot.id, "waiting_entry": entry.id},
    )
    return appointment


async def pass_on(slot: Slot, now: datetime) -> None:
    """A place of ``slot`` is free again at once: to the next in line, else back to the counter."""
    from backend.appointments import booking

    await booking.free_place(slot, now)


async def lapse_offers(now: datetime | None = None) -> int:
    """Offers past their deadline lapse; each place goes to the next in line or is freed."""
    from backend.appointments import booking

    now = now or datetime.now(UTC)
    lapsed = 0
    for appointment in await Appointment.filter(status="offered", hold_until__lte=now).order_by("hold_until").limit(500):
        try:
            async with transaction():
                await transition(APPOINTMENT, appointment, action="lapse", by=SYSTEM)
                await booking.count_down(appointment.person_id)
                entry = await WaitingEntry.filter(offer_id=appointment.id, status="offered").first()
                if entry is not None:
                    await transition(WAITING, entry, action="lapse", by=SYSTEM)
                await pass_on(await Slot.get(id=appointment.slot_id), now)
        except IllegalTransition:
            continue  # accepted, cancelled or lapsed by another process meanwhile
        lapsed += 1
    return lapsed
