"""Appointments and halls as the API shows them (batched: a list costs a few queries, not a few per row)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.appointments.booking import cutoff_passed, distance_m
from backend.appointments.flows import APPOINTMENT, APPOINTMENT_ACTIVE, APPOINTMENT_LABELS
from backend.appointments.models import Appointment, Slot, WindowGroup
from backend.appointments.queue import ticket_for
from backend.appointments.schemas import AppointmentOut, HallOut, HallRef, TicketBrief, TimelineEntry
from backend.catalog.models import Hall
from backend.kit.models import WorkflowEvent
from backend.kit.workflow import events_of_many

HELD_TEXT = "已选择预约时段，请在保留时间内确认"


def hall_out(hall: Hall, *, bookable: bool, lat: float | None = None, lng: float | None = None) -> HallOut:
    distance = None
    if lat is not None and lng is not None and hall.latitude is not None and hall.longitude is not None:
        distance = distance_m(lat, lng, hall.latitude, hall.longitude)
    return HallOut(
        code=hall.code,
        name=hall.name,
        address=hall.address,
        district=hall.district,
        township=hall.township,
        hours=hall.hours,
        phone=hall.phone,
        latitude=hall.latitude,
        longitude=hall.longitude,
        distance_m=distance,
        bookable=bookable,
    )


def appointment_out(
    appointment: Appointment,
    *,
    hall: Hall | None,
    group: WindowGroup | None,
    end: str,
    events: list[WorkflowEvent],
    now: datetime | None = None,
    ticket: dict | None = None,
) -> AppointmentOut:
    now = now or datetime.now(UTC)
    in_time = group is not None and not cutoff_passed(appointment, group, now)
    timeline = [TimelineEntry(at=appointment.created_at or now, text=HELD_TEXT)]
    for event in events:
        step = APPOINTMENT.steps.get(event.action)
        text = step.timeline if step else event.action
        timeline.append(TimelineEntry(at=event.at, text=f"{text}（{event.note}）" if event.note else text))
    return AppointmentOut(
        id=appointment.id,
        code=appointment.code,
        status=appointment.status,
        status_label=APPOINTMENT_LABELS.get(appointment.status, appointment.status),
        hall=HallRef(code=appointment.hall_code, name=hall.name if hall else "", address=hall.address if hall else ""),
        service_code=appointment.service_code,
        service_name=appointment.service_name,
        date=appointment.date,
        start=appointment.start,
        end=end,
        hold_until=appointment.hold_until,
        can_cancel=appointment.status in APPOINTMENT_ACTIVE and in_time,
        can_reschedule=appointment.status == "booked" and in_time,
        application_id=appointment.application_id,
        ticket=TicketBrief.model_validate(ticket) if ticket else None,  # the queue's, once checked in
        timeline=timeline,
    )


async def present_many(appointments: list[Appointment], *, now: datetime | None = None) -> list[AppointmentOut]:
    if not appointments:
        return []
    halls = {h.code: h for h in await Hall.filter(code__in={a.hall_code for a in appointments})}
    groups = {g.id: g for g in await WindowGroup.filter(id__in={a.group_id for a in appointments})}
    ends = dict(await Slot.filter(id__in={a.slot_id for a in appointments}).values_list("id", "end"))
    events = await events_of_many(APPOINTMENT, [a.id for a in appointments])
    tickets = {a.id: await ticket_for(a.id) for a in appointments if a.status == "checked_in"}
    return [
        appointment_out(
            a,
            hall=halls.get(a.hall_code),
            group=groups.get(a.group_id),
            end=str(ends.get(a.slot_id, "")),
            events=events[a.id],
            now=now,
            ticket=tickets.get(a.id),
        )
        for a in appointments
    ]


async def present(appointment: Appointment, *, now: datetime | None = None) -> AppointmentOut:
    return (await present_many([appointment], now=now))[0]
