"""What the resident's inbox says about appointments, and the reminders before a visit.

The inbox words (title, body) are read in the app after login. Lock screens, WeChat cards and
text messages show the event's fixed words from notifications.events instead, filled with the
service item's name, the time and the hall only (nothing personal).

``remind(now)`` writes the day-before reminder (from 18:00 local time the evening before) and the
hour-before reminder of each booked appointment once: a conditional UPDATE of
``Appointment.reminded`` decides which process writes it, and the notice commits with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.appointments.models import Appointment, Suspension, WaitingEntry
from backend.catalog.models import Hall
from backend.kit.models import WorkflowEvent
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal
from notifications.outbox import notify

log = logging.getLogger("yiwang.appointments")

EVENING = 18  # the day-before reminder goes from this hour (local time) the evening before
HOUR_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    event: str
    title: str  # "{service}" is the service item's name
    body: str  # may use {when}, {hall}, {deadline}, {code}


NOTICES: dict[str, Notice] = {
    "confirm": Notice("appointment.booked", "预约成功：{service}", "请于 {when} 到 {hall} 办理，到场后出示预约码 {code} 签到取号。"),
    "accept": Notice("appointment.booked", "候补预约成功：{service}", "请于 {when} 到 {hall} 办理，到场后出示预约码 {code} 签到取号。"),
    "offer": Notice(
        "appointment.offer",
        "候补有名额了：{service}",
        "{when} 在 {hall} 空出一个名额，已为您保留到 {deadline}。请在此之前登录确认，过期将让给下一位。",
    ),
    "lapse": Notice("appointment.offer_lapsed", "候补名额已过期：{service}", "您没有在期限内确认 {when} 的候补名额，名额已让给下一位。"),
    "expire": Notice("appointment.expired", "预约未确认：{service}", "{when} 的名额没有在规定时间内确认，已释放。需要时请重新预约。"),
    "cancel": Notice("appointment.cancelled", "预约已取消：{service}", "{when} 在 {hall} 的预约已取消。"),
    "reschedule": Notice("appointment.rescheduled", "预约已改期：{service}", "已改到 {when}，请到 {hall} 办理，预约码 {code} 不变。"),
    "mark_no_show": Notice(
        "appointment.no_show", "未按预约到场：{service}", "{when} 在 {hall} 的预约登记为爽约。不能前往时请提前取消，把名额留给其他人。"
    ),
}

# A booking township staff made for a villager under a delegation (帮办代办) goes out by the villager's
# channel (by text when they have no WeChat or push): they did not book it themselves.
ACTED = {"appointment.booked": "assist.booked"}

SUSPENSION_NOTICES: dict[str, Notice] = {
    "suspend": Notice(
        "appointment.suspended",
        "网上预约已暂停",
        "因近期多次预约后未到场，网上预约暂停到 {until}（当天起可以重新预约）。如有特殊情况，可以在“我的预约”里提出申诉。"
        "暂停期间仍可到大厅现场取号办理。",
    ),
    "lift": Notice("appointment.suspension_lifted", "网上预约已恢复", "工作人员已解除暂停，现在可以重新网上预约。"),
    "refuse_appeal": Notice("appointment.appeal_refused", "申诉未通过", "网上预约仍暂停到 {until}。{note}"),
    "end": Notice("appointment.suspension_ended", "网上预约已恢复", "暂停期已满，现在可以重新网上预约。"),
}


def day_words(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def when(appointment: Appointment) -> str:
    """The appointment's time as people read it (the hall's local time): 2026年11月27日 09:00."""
    return f"{day_words(appointment.date)} {appointment.start}"


def local_words(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo(current().settings.timezone))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


async def hall_name(code: str) -> str:
    hall = await Hall.get_or_none(code=code)
    return hall.name if hall is not None else "办事大厅"


async def _write(appointment: Appointment, notice: Notice, *, dedupe_key: str, entry: WorkflowEvent | None = None) -> None:
    hall = await hall_name(appointment.hall_code)
    words = {
        "service": appointment.service_name,
        "when": when(appointment),
        "hall": hall,
        "code": appointment.code,
        "deadline": local_words(appointment.hold_until) if appointment.hold_until else "规定时间",
    }
    delegated = entry is not None and (entry.authorisation or "").startswith("delegation:")
    who = {"actor": entry.actor, "on_behalf_of": entry.on_behalf_of, "authorisation": entry.authorisation} if entry is not None else {}
    await notify(
        person_id=appointment.person_id,
        event=ACTED.get(notice.event, notice.event) if delegated else notice.event,
        dedupe_key=dedupe_key,
        title=notice.title.format(**words),
        body=("乡镇代办员受您委托办理。" if delegated else "") + notice.body.format(**words),
        link=f"/appointments/{appointment.id}",
        fields={"subject": appointment.service_name, "time": when(appointment), "place": hall},
        data={"appointment_id": appointment.id, "status": appointment.status, **who},
    )


async def tell_resident(appointment: Appointment, entry: WorkflowEvent) -> None:
    """The notice of one appointment step, in the transaction that took the step (APPOINTMENT.on_event)."""
    notice = NOTICES.get(entry.action)
    if notice is None:  # check_in: the queue ticket speaks for itself
        return
    await _write(appointment, notice, dedupe_key=f"appointment:{appointment.id}:event:{entry.id}", entry=entry)


async def tell_waiting_joined(entry: WaitingEntry, *, hall: str, service_name: str, by: Principal) -> None:
    """A waiting-list place township staff took for a villager (帮办代办): the villager hears of it, in the join's transaction."""
    await notify(
        person_id=entry.person_id,
        event="assist.waiting_joined",
        dedupe_key=f"waiting:{entry.id}:joined",
        title=f"代办员已为您登记候补：{service_name}",
        body=f"乡镇代办员受您委托办理。{day_words(entry.date)} 在 {hall} 已约满，已为您登记候补；有人取消时会通知您，请在期限内确认。",
        link="/appointments",
        fields={"subject": service_name, "place": hall},
        data={
            "waiting_id": entry.id,
            "status": entry.status,
            **by.notice_data(),
        },
    )


async def tell_suspension(suspension: Suspension, entry: WorkflowEvent | None, *, action: str | None = None) -> None:
    """The notice of a suspension step (SUSPENSION.on_event), or of the suspension itself (``action="suspend"``)."""
    action = action or (entry.action if entry is not None else "")
    notice = SUSPENSION_NOTICES.get(action)
    if notice is None:  # appeal: the resident did it themself
        return
    until = day_words(suspension.until)
    note = entry.note.strip() if entry is not None else ""
    await notify(
        person_id=suspension.person_id,
        event=notice.event,
        dedupe_key=f"suspension:{suspension.id}:{entry.id if entry is not None else action}",
        title=notice.title,
        body=notice.body.format(until=until, note=f"说明：{note}" if note else "").strip(),
        link="/appointments",
        # The outside words say until when: booking opens again at the start of that day.
        fields={"subject": "网上预约", "time": f"{until} 00:00"},
        data={"suspension_id": suspension.id, "status": suspension.status, "until": suspension.until.isoformat()},
    )


# ---- reminders -------------------------------------------------------------------------------

REMINDERS = {
    "day": ("明天办事提醒：{service}", "请于 {when} 到 {hall} 办理，记得带齐材料，到场后出示预约码 {code} 签到取号。不能前往请提前取消。"),
    "hour": ("一小时后办事：{service}", "请于 {when} 到 {hall} 办理，到场后出示预约码 {code} 签到取号。"),
}


def due_reminders(appointment: Appointment, now: datetime) -> list[str]:
    """Which reminders of this booked appointment are due at ``now`` and not yet written."""
    sent = set(filter(None, appointment.reminded.split(",")))
    local = now.astimezone(ZoneInfo(current().settings.timezone))
    due = []
    if "day" not in sent and appointment.date == local.date() + timedelta(days=1) and local.hour >= EVENING:
        due.append("day")
    if "hour" not in sent and appointment.starts_at - HOUR_BEFORE <= now < appointment.starts_at:
        due.append("hour")
    return due


async def remind(now: datetime | None = None) -> int:
    """Write the reminders due at ``now``; each appointment gets each reminder once, whichever process runs this."""
    now = now or datetime.now(UTC)
    local_today = now.astimezone(ZoneInfo(current().settings.timezone)).date()
    candidates = await Appointment.filter(
        status="booked", date__gte=local_today, date__lte=local_today + timedelta(days=1), starts_at__gt=now
    ).order_by("starts_at")
    written = 0
    for appointment in candidates:
        due = due_reminders(appointment, now)
        if not due:
            continue
        if "hour" in due:
            due = ["hour"]  # booked late in the evening before an early slot: the nearer reminder is enough
            marks = ",".join(sorted({*filter(None, appointment.reminded.split(",")), "day", "hour"}))
        else:
            marks = ",".join(sorted({*filter(None, appointment.reminded.split(",")), *due}))
        async with transaction():
            # Conditional on what this process read: of two sweepers only one writes the reminder.
            claimed = await Appointment.filter(id=appointment.id, status="booked", reminded=appointment.reminded).update(reminded=marks)
            if claimed != 1:
                continue
            kind = due[0]
            title, body = REMINDERS[kind]
            await _write(
                appointment,
                Notice("appointment.reminder", title, body),
                dedupe_key=f"appointment:{appointment.id}:remind:{kind}:{appointment.date.isoformat()}:{appointment.start}",
            )
            written += 1
    return written
