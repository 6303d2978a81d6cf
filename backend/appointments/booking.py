"""Booking: hold a place, confirm, cancel, reschedule, and the sweeps that give places back.

The rules live in the database, never in a check-then-insert:

* a slot is never overbooked: ``UPDATE appointments_slot SET taken = taken + 1 WHERE id = ? AND
  taken < capacity`` (no row → ``appointments.slot_full``);
* a person holds at most ``YIWANG_BOOKING_ACTIVE_LIMIT`` active appointments: the same
  conditional UPDATE on ``appointments_active_count`` (→ ``appointments.too_many``);
* one active appointment per person, item and day: the unique ``active_key`` (→
  ``appointments.already_booked``).

All three happen in one transaction, so a refusal rolls back the others. The slot's counter is
raised last, so the row lock every booking of a hot slot waits for is held only until the commit.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend.appointments import noshow, slots, waiting
from backend.appointments.flows import APPOINTMENT, APPOINTMENT_ACTIVE
from backend.appointments.models import ActiveCount, Appointment, Release, Slot, WindowGroup
from backend.catalog.models import Hall, ServiceItem
from backend.kit import audit, errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, IllegalTransition, Principal, transition

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: staff type it from a phone screen
REASONS_EN = {
    slots.HOLIDAY: "a public holiday",
    slots.REST_DAY: "a rest day",
    slots.CLOSED: "the hall is closed",
    slots.FULL: "fully booked",
    slots.OUT_OF_RANGE: "outside the booking period",
}


class HallNotFound(errors.NotFound, code="appointments.hall_not_found"):
    zh = "找不到该大厅|没有找到这个办事大厅，请返回大厅列表重新选择。"
    en = "Hall not found|There is no such hall; choose one from the list."


class ServiceNotOffered(errors.Invalid, code="appointments.service_not_offered"):
    zh = "该大厅不能预约此事项|这个大厅暂不能预约办理该事项，请选择其他大厅。"
    en = "Not bookable at this hall|This service cannot be booked at this hall; choose another hall."


class DateNotBookable(errors.Invalid, code="appointments.date_not_bookable"):
    zh = "该日期不能预约|所选日期为{reason}，不能预约，请选择其他日期。"
    en = "That date cannot be booked|The chosen date cannot be booked: {reason_en}."


class SlotNotFound(errors.Invalid, code="appointments.slot_not_found"):
    zh = "没有这个时段|所选日期没有 {start} 开始的预约时段，请刷新后重新选择。"
    en = "No such time slot|There is no slot starting at {start} on that date; reload and choose again."


class SlotFull(errors.Conflict, code="appointments.slot_full"):
    zh = "该时段已约满|这个时段的名额刚刚被约完，请选择其他时段，或加入候补。"
    en = "This slot is full|The last place of this slot was just taken; choose another slot or join the waiting list."


class TooManyActive(errors.Conflict, code="appointments.too_many"):
    zh = "预约数量已达上限|每人同时最多保留 {limit} 个有效预约。请先办完或取消已有预约后再预约。"
    en = "Too many appointments|You may hold at most {limit} appointments at once; attend or cancel one first."


class AlreadyBooked(errors.Conflict, code="appointments.already_booked"):
    zh = "您已预约过|您在这一天已经预约了该事项，可在“我的预约”中查看或改约。"
    en = "Already booked|You already have an appointment for this service on that day; see My appointments."


class TooLate(errors.Conflict, code="appointments.too_late"):
    zh = "已过取消或改约时间|预约时间前 {minutes} 分钟内不能再取消或改约。如不能前往，请联系大厅。"
    en = "Too late to change|Appointments cannot be cancelled or moved within {minutes} minutes of the slot; call the hall."


class HoldExpired(errors.Conflict, code="appointments.hold_expired"):
    zh = "保留时间已过|该时段只为您保留几分钟，现已释放。请重新选择时段。"
    en = "The hold has expired|The place was held for a few minutes only and is released; choose a slot again."


class AppointmentNotFound(errors.NotFound, code="appointments.not_found"):
    zh = "找不到该预约|没有找到这个预约，或您无权查看。"
    en = "Appointment not found|There is no such appointment, or you may not see it."


Suspended = noshow.Suspended  # 403 appointments.suspended, the date in the detail (noshow.py owns the rule)


class SameSlot(errors.Invalid, code="appointments.same_slot"):
    zh = "时段未改变|新选的时段与原预约相同，请选择其他时段。"
    en = "Same slot|The new slot is the one already booked; choose another."


class ApplicationInvalid(errors.Invalid, code="appointments.application_invalid"):
    zh = "关联的办件有误|所选办件不是您本人该事项的办件，请重新选择。"
    en = "Wrong application|The linked application is not yours or not for this service."


@dataclass
class Target:
    """Where a booking goes: the hall, the window group serving the item there, the item's name."""

    hall: Hall
    group: WindowGroup
    service_name: str


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def active_key(person_id: int, service_code: str, day: date) -> str:
    return f"{person_id}:{service_code}:{day.isoformat()}"


async def find_hall(code: str) -> Hall:
    hall = await Hall.get_or_none(code=code)
    if hall is None:
        raise HallNotFound()
    return hall


def serves(group: WindowGroup, hall: Hall, service_code: str) -> bool:
    return service_code in group.items if group.items else service_code in hall.items


async def groups_of(hall_code: str) -> list[WindowGroup]:
    return list(await WindowGroup.filter(hall_code=hall_code, active=True).order_by("id"))


def group_for(groups: list[WindowGroup], hall: Hall, service_code: str) -> WindowGroup | None:
    """The item's own windows if the hall has them, else the 综合窗口."""
    specific = [g for g in groups if g.items and service_code in g.items]
    general = [g for g in groups if not g.items and service_code in hall.items]
    found = specific or general
    return found[0] if found else None


async def target(hall_code: str, service_code: str, *, named: bool = True) -> Target:
    """The hall and the window group that takes the item there (and the item's name, unless ``named=False``)."""
    hall = await find_hall(hall_code)
    group = group_for(await groups_of(hall.code), hall, service_code)
    if group is None:
        raise ServiceNotOffered()
    t = Target(hall, group, "")
    if named:
        await name(t, service_code)
    return t


async def name(t: Target, service_code: str) -> None:
    names = await ServiceItem.filter(code=service_code, published=True).values_list("name", flat=True)
    if not names:
        raise ServiceNotOffered()
    t.service_name = str(names[0])


def not_bookable(reason: str) -> DateNotBookable:
    return DateNotBookable(reason=reason, reason_en=REASONS_EN.get(reason, reason))


async def check_not_suspended(person_id: int, today: date) -> None:
    await noshow.check_not_suspended(person_id, today)


async def _day(t: Target, day: date, start: str, today: date) -> slots.DayPlan:
    plan = await slots.plan(t.group, t.hall, day, today=today)
    if not plan.open:
        raise not_bookable(plan.reason or slots.REST_DAY)
    if plan.end_of(start) is None:
        raise SlotNotFound(start=start)
    return plan


async def _check_application(person_id: int, service_code: str, application_id: int | None) -> None:
    if application_id is None:
        return
    from backend.applications.models import Application

    if not await Application.exists(id=application_id, person_id=person_id, service_code=service_code):
        raise ApplicationInvalid()


async def _ensure_counter(person_id: int) -> None:
    if await ActiveCount.exists(person_id=person_id):
        return
    try:
        async with transaction():  # a savepoint: a parallel first booking's row must not abort the caller's transaction
            await ActiveCount.create(person_id=person_id, active=0)
    except IntegrityError:  # a parallel first booking created it
        pass


async def take_place(slot_id: int) -> None:
    """Raise the slot's counter by one, or refuse: the rule that no slot is ever overbooked."""
    if not await Slot.filter(id=slot_id, taken__lt=F("capacity")).update(taken=F("taken") + 1):
        raise SlotFull()


async def count_down(person_id: int) -> None:
    """One active appointment fewer (call in the transaction of the step that leaves the active statuses)."""
    await ActiveCount.filter(person_id=person_id, active__gt=0).update(active=F("active") - 1)


async def hold(
    *,
    person_id: int,
    by: Principal,
    hall_code: str,
    service_code: str,
    day: date,
    start: str,
    application_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Appointment, Target, str]:
    """Hold a place for a few minutes (status held); returns the appointment, where, and the slot's end."""
    now = now or datetime.now(UTC)
    settings = current().settings
    today = slots.local_today(now)
    t = await target(hall_code, service_code, named=False)
    plan = await _day(t, day, start, today)
    slot = await slots.slot_row(t.group, plan, start)
    if slot.taken >= slot.capacity:
        # Only a shortcut for the crowd at a full slot (no transaction to roll back, fewer
        # queries): the conditional UPDATE below is what enforces the capacity.
        raise SlotFull()
    await check_not_suspended(person_id, today)
    await name(t, service_code)
    await _check_application(person_id, service_code, application_id)
    await _ensure_counter(person_id)
    limit = settings.booking_active_limit
    async with transaction():
        if not await ActiveCount.filter(person_id=person_id, active__lt=limit).update(active=F("active") + 1):
            raise TooManyActive(limit=limit)
        try:
            appointment = await Appointment.create(
                code=new_code(),
                person_id=person_id,
                slot_id=slot.id,
                group_id=t.group.id,
                hall_code=t.hall.code,
                service_code=service_code,
                service_name=t.service_name,
                date=day,
                start=start,
                starts_at=slots.starts_at(day, start),
                active_key=active_key(person_id, service_code, day),
                hold_until=now + timedelta(minutes=settings.booking_hold_minutes),
                application_id=application_id,
                **APPOINTMENT.fields_for_create(),
            )
        except IntegrityError:
            raise AlreadyBooked() from None
        await audit.record(
            actor=by.actor,
            subject=f"person:{person_id}",
            action="appointment.held",
            object_type="appointment",
            object_id=appointment.id,
            detail={"slot": slot.id, **by.detail()},
        )
        await take_place(slot.id)  # last: the hot row's lock is held only until the commit
    return appointment, t, slot.end


async def mine(person_id: int, appointment_id: int) -> Appointment:
    appointment = await Appointment.get_or_none(id=appointment_id, person_id=person_id)
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


async def _expire(appointment: Appointment, now: datetime) -> bool:
    """held → expired, the person's count and the place given back; False when it moved on meanwhile."""
    try:
        async with transaction():
            await transition(APPOINTMENT, appointment, action="expire", by=SYSTEM)
            await count_down(appointment.person_id)
            await free_place(await Slot.get(id=appointment.slot_id), now)
    except IllegalTransition:
        return False
    return True


async def confirm(*, person_id: int, by: Principal, appointment_id: int, now: datetime | None = None) -> Appointment:
    now = now or datetime.now(UTC)
    appointment = await mine(person_id, appointment_id)
    if appointment.status == "held" and appointment.hold_until is not None and appointment.hold_until <= now:
        await _expire(appointment, now)
        raise HoldExpired()
    return await transition(APPOINTMENT, appointment, action="confirm", by=by)


def cutoff_passed(appointment: Appointment, group: WindowGroup, now: datetime) -> bool:
    return now > appointment.starts_at - timedelta(minutes=group.cutoff_minutes)


async def _release(slot_id: int, now: datetime) -> None:
    """A cancelled or moved-away place reopens only after a delay, so it cannot be handed over."""
    await Release.create(slot_id=slot_id, reopen_at=now + timedelta(minutes=current().settings.booking_reopen_minutes))


async def cancel(*, person_id: int, by: Principal, appointment_id: int, now: datetime | None = None) -> Appointment:
    now = now or datetime.now(UTC)
    appointment = await mine(person_id, appointment_id)
    if appointment.status in APPOINTMENT_ACTIVE:
        group = await WindowGroup.get(id=appointment.group_id)
        if cutoff_passed(appointment, group, now):
            raise TooLate(minutes=group.cutoff_minutes)
    async with transaction():
        await transition(APPOINTMENT, appointment, action="cancel", by=by)
        await count_down(appointment.person_id)
        await _release(appointment.slot_id, now)
    return appointment


async def reschedule(
    *, person_id: int, by: Principal, appointment_id: int, day: date, start: str, now: datetime | None = None
) -> tuple[Appointment, Target, str]:
    """Move a booked appointment to another slot in one transaction: take the new place, move,
    release the old one (after the reopen delay)."""
    now = now or datetime.now(UTC)
    appointment = await mine(person_id, appointment_id)
    APPOINTMENT.require(appointment, "reschedule")
    old_group = await WindowGroup.get(id=appointment.group_id)
    if cutoff_passed(appointment, old_group, now):
        raise TooLate(minutes=old_group.cutoff_minutes)
    if (day, start) == (appointment.date, appointment.start):
        raise SameSlot()
    await check_not_suspended(person_id, slots.local_today(now))
    t = await target(appointment.hall_code, appointment.service_code)
    plan = await _day(t, day, start, slots.local_today(now))
    slot = await slots.slot_row(t.group, plan, start)
    old_slot_id = appointment.slot_id
    note = f"{appointment.date.isoformat()} {appointment.start} → {day.isoformat()} {start}"
    async with transaction():
        try:
            await transition(
                APPOINTMENT,
                appointment,
                action="reschedule",
                by=by,
                note=note,
                changes={
                    "slot_id": slot.id,
                    "group_id": t.group.id,
                    "date": day,
                    "start": start,
                    "starts_at": slots.starts_at(day, start),
                    "active_key": active_key(person_id, appointment.service_code, day),
                    "reminded": "",
                },
            )
        except IntegrityError:
            raise AlreadyBooked() from None
        await _release(old_slot_id, now)
        await take_place(slot.id)
    return appointment, t, slot.end


async def free_place(slot: Slot, now: datetime) -> str:
    """A place of ``slot`` is free again: offered to the first on the day's waiting list, else back on the counter."""
    if await waiting.offer_freed_place(slot, now):
        return "offered"
    await Slot.filter(id=slot.id, taken__gt=0).update(taken=F("taken") - 1)
    return "reopened"


async def expire_holds(now: datetime | None = None, *, batch: int = 500) -> int:
    """Release every hold whose time has passed (safe in many processes at once); how many."""
    now = now or datetime.now(UTC)
    done = 0
    for appointment in await Appointment.filter(status="held", hold_until__lte=now).order_by("id").limit(batch):
        done += await _expire(appointment, now)
    return done


async def reopen_due(now: datetime | None = None, *, batch: int = 500) -> int:
    """Reopen (or offer to the waiting list) the cancelled places whose delay has passed; how many."""
    now = now or datetime.now(UTC)
    done = 0
    for release in await Release.filter(done=False, reopen_at__lte=now).order_by("id").limit(batch):
        async with transaction():
            if not await Release.filter(id=release.id, done=False).update(done=True):
                continue  # another process took it
            await free_place(await Slot.get(id=release.slot_id), now)
        done += 1
    return done


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle (haversine) distance in metres."""
    radius = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * radius * math.asin(min(1.0, math.sqrt(a))))
