"""No-shows (爽约) and the suspension of online booking they lead to.

Staff mark a booked appointment as a no-show once its slot has begun (the system never guesses).
The published rule: ``YIWANG_NO_SHOW_LIMIT`` no-shows within ``YIWANG_NO_SHOW_DAYS`` days suspend
online booking until today + ``YIWANG_SUSPENSION_DAYS`` (booking opens again on that date); the
resident is told the date and may appeal in writing; staff lift the suspension or refuse the
appeal. ``end_suspensions(today)`` ends the ones whose date has come.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from auth.errors import Forbidden
from auth.permissions import authorize
from auth.sessions import SessionInfo
from backend.appointments import notices
from backend.appointments.flows import APPOINTMENT, SUSPENSION
from backend.appointments.models import ActiveCount, Appointment, Suspension
from backend.kit import audit, errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, IllegalTransition, transition

log = logging.getLogger("yiwang.appointments")

STAFF_ROLES = ("staff", "approver", "admin")
IN_FORCE = ("active", "appealed")


class NotStarted(errors.Conflict, code="appointments.not_started"):
    zh = "预约时间还没到|预约时段 {start} 开始后才能登记爽约。"
    en = "The slot has not begun|A no-show can be recorded only once the slot has begun."


class Suspended(errors.Forbidden, code="appointments.suspended"):
    zh = "网上预约已暂停|因近期多次预约后未到场，网上预约暂停到 {until}，当天起可以重新预约。可以在“我的预约”里申诉，或到大厅现场取号。"
    en = "Online booking is suspended|After repeated no-shows, online booking is suspended until {until_iso}. You may appeal."


class NotSuspended(errors.Conflict, code="appointments.not_suspended"):
    zh = "没有需要申诉的暂停|您的网上预约没有被暂停，或申诉已经在处理中。"
    en = "Nothing to appeal|Online booking is not suspended, or an appeal is already being handled."


class SuspensionNotFound(errors.NotFound, code="appointments.suspension_not_found"):
    zh = "没有找到这条暂停记录|记录不存在，或不在您的办理范围内。"
    en = "Suspension not found|No such suspension, or it is not yours to handle."


def rule_text() -> str:
    """The published rule, in the words residents read."""
    s = current().settings
    return (
        f"{s.no_show_days}天内预约后未到场（爽约）累计{s.no_show_limit}次，将暂停网上预约{s.suspension_days}天；"
        "不能前往时请在预约时间前取消。暂停期间可以申诉，也可以到大厅现场取号办理。"
    )


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(current().settings.timezone)).date()


async def in_force(person_id: int, today: date) -> Suspension | None:
    """The person's suspension that is in force on ``today``, if any."""
    return await Suspension.filter(person_id=person_id, status__in=IN_FORCE, until__gt=today).order_by("-until").first()


async def check_not_suspended(person_id: int, today: date | None = None) -> None:
    """Booking's first step: 403 ``appointments.suspended`` naming the date while a suspension is in force."""
    suspension = await in_force(person_id, today or local_today())
    if suspension is not None:
        raise Suspended(until=notices.day_words(suspension.until), until_iso=suspension.until.isoformat())


async def lock_person(person_id: int) -> None:
    """Lock the person's counter row until the transaction ends (PostgreSQL), creating it if missing:
    two clerks marking the same person at once then count one after the other."""
    if not await ActiveCount.filter(person_id=person_id).exists():
        try:
            async with transaction():
                await ActiveCount.create(person_id=person_id, active=0)
        except IntegrityError:
            pass  # created by the other transaction, which has committed by now
    await ActiveCount.select_for_update().filter(person_id=person_id).first()


async def authorize_hall(session: SessionInfo, hall_code: str, *, action: str) -> None:
    """Staff, approvers and admins whose scope is this hall (``hall:<code>``) or everywhere."""
    await authorize(session, roles=STAFF_ROLES, scope=f"hall:{hall_code}", action=action)


async def mark(*, session: SessionInfo, appointment_id: int, now: datetime | None = None) -> tuple[Appointment, Suspension | None]:
    """登记爽约: a booked appointment whose slot has begun; may suspend the person by the published rule
    (the suspension it started, if any, comes back with it)."""
    from backend.appointments.booking import AppointmentNotFound, count_down  # booking imports this module

    now = now or datetime.now(UTC)
    appointment = await Appointment.get_or_none(id=appointment_id)
    if appointment is None:
        raise AppointmentNotFound()
    try:
        await authorize_hall(session, appointment.hall_code, action=f"appointment:{appointment.id}")
    except Forbidden:  # audited as denied; the answer does not tell the clerk the appointment exists
        raise AppointmentNotFound() from None
    APPOINTMENT.require(appointment, "mark_no_show")
    if now < appointment.starts_at:
        raise NotStarted(start=notices.when(appointment))
    async with transaction():
        await transition(APPOINTMENT, appointment, action="mark_no_show", by=session.official)
        await count_down(appointment.person_id)
        suspension = await apply_rule(appointment.person_id, today=local_today(now))
    return appointment, suspension


async def apply_rule(person_id: int, *, today: date) -> Suspension | None:
    """Suspend the person when the published rule says so and no suspension is in force already."""
    await lock_person(person_id)
    s = current().settings
    since = today - timedelta(days=s.no_show_days)
    count = await Appointment.filter(person_id=person_id, status="no_show", date__gt=since, date__lte=today).count()
    if count < s.no_show_limit or await in_force(person_id, today) is not None:
        return None
    suspension = await Suspension.create(
        person_id=person_id, until=today + timedelta(days=s.suspension_days), no_shows=count, **SUSPENSION.fields_for_create()
    )
    await audit.record(
        actor=SYSTEM.actor,
        subject=f"person:{person_id}",
        action="suspension.create",
        object_type="suspension",
        object_id=suspension.id,
        detail={"until": suspension.until.isoformat(), "no_shows": count},
    )
    await notices.tell_suspension(suspension, None, action="suspend")
    return suspension


async def appeal(*, session: SessionInfo, text: str, today: date | None = None) -> Suspension:
    """The resident explains (e.g. illness): staff then lift the suspension or refuse the appeal."""
    assert session.person_id is not None
    suspension = await in_force(session.person_id, today or local_today())
    if suspension is None or suspension.status != "active":
        raise NotSuspended()
    return await transition(SUSPENSION, suspension, action="appeal", by=session.principal, changes={"appeal": text.strip()})


async def scoped(session: SessionInfo) -> Q | None:
    """Which suspensions this clerk handles: everyone's for a global scope, else those of people who
    missed an appointment at a hall of theirs (None: none at all)."""
    scopes = [s for r, s in session.roles if r in STAFF_ROLES]
    if "" in scopes:
        return Q()
    halls = [s.split(":", 1)[1] for s in scopes if s.startswith("hall:")]
    if not halls:
        return None
    people = await Appointment.filter(status="no_show", hall_code__in=halls).distinct().values_list("person_id", flat=True)
    return Q(person_id__in=list(people))


async def staff_list(*, session: SessionInfo) -> list[Suspension]:
    """Suspensions in force (appeals first) of the people this clerk's halls saw."""
    await authorize(session, roles=STAFF_ROLES)
    where = await scoped(session)
    if where is None:
        return []
    found = await Suspension.filter(where, status__in=IN_FORCE).order_by("-id").limit(200)
    return sorted(found, key=lambda s: (s.status != "appealed", -s.id))


async def _for_staff(session: SessionInfo, suspension_id: int) -> Suspension:
    await authorize(session, roles=STAFF_ROLES)
    where = await scoped(session)
    suspension = await Suspension.filter(where, id=suspension_id).first() if where is not None else None
    if suspension is None:
        raise SuspensionNotFound()
    return suspension


async def lift(*, session: SessionInfo, suspension_id: int, note: str) -> Suspension:
    suspension = await _for_staff(session, suspension_id)
    return await transition(SUSPENSION, suspension, action="lift", by=session.official, note=note.strip())


async def refuse(*, session: SessionInfo, suspension_id: int, note: str) -> Suspension:
    suspension = await _for_staff(session, suspension_id)
    return await transition(SUSPENSION, suspension, action="refuse_appeal", by=session.official, note=note.strip())


async def end_suspensions(today: date | None = None) -> int:
    """End every suspension whose date has come; safe in many processes (the step is conditional)."""
    today = today or local_today()
    ended = 0
    for suspension in await Suspension.filter(status__in=IN_FORCE, until__lte=today).order_by("id").limit(500):
        try:
            await transition(SUSPENSION, suspension, action="end", by=SYSTEM, today=today)
        except IllegalTransition:  # another process ended it, or staff lifted it meanwhile
            continue
        ended += 1
    return ended
