"""Appointments: window groups, weekly schedules, derived slots, bookings, waiting lists, tickets.

Slots are derived from a window group's weekly schedule and the date's override. A ``Slot`` row
exists only once someone looked at or booked it: it holds the place counter (``taken``: held,
offered and booked places), raised by a conditional UPDATE ``taken < capacity`` so that no
amount of concurrency overbooks it.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WindowGroup(Model):
    """Windows of one hall that serve the same items (综合窗口 serves every item of the hall)."""

    id = fields.BigIntField(primary_key=True)
    hall_code = fields.CharField(max_length=48, db_index=True)  # catalog_hall.code
    name = fields.CharField(max_length=64)
    ticket_prefix = fields.CharField(max_length=2, default="A")  # A023
    items: fields.JSONField[list[str]] = fields.JSONField(default=list)  # empty: every item of the hall (综合窗口)
    windows: fields.JSONField[list[str]] = fields.JSONField(default=list)  # ["1号窗口", "2号窗口"]
    horizon_days = fields.IntField(default=14)  # bookable from the next working day up to this many days ahead
    cutoff_minutes = fields.IntField(default=120)  # cancel or reschedule up to this long before the slot
    active = fields.BooleanField(default=True)

    class Meta:
        table = "appointments_window_group"


class Schedule(Model):
    """A window group's weekly template for one weekday (0 Monday … 6 Sunday)."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[WindowGroup] = fields.ForeignKeyField(
        "appointments.WindowGroup", related_name="schedules", on_delete=fields.CASCADE
    )
    group_id: int  # the column tortoise adds for the relation, declared for the type checker
    weekday = fields.IntField()
    opens = fields.CharField(max_length=5)  # "08:30"
    closes = fields.CharField(max_length=5)  # "17:30"
    lunch_from = fields.CharField(max_length=5, default="")  # "" when there is no lunch break
    lunch_to = fields.CharField(max_length=5, default="")
    slot_minutes = fields.IntField(default=30)
    capacity = fields.IntField(default=4)  # places per slot

    class Meta:
        table = "appointments_schedule"
        unique_together = (("group", "weekday"),)


class DayOverride(Model):
    """One date of one window group: closed, or extra places in each slot."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[WindowGroup] = fields.ForeignKeyField(
        "appointments.WindowGroup", related_name="overrides", on_delete=fields.CASCADE
    )
    group_id: int
    date = fields.DateField()
    closed = fields.BooleanField(default=False)
    extra_capacity = fields.IntField(default=0)
    note = fields.CharField(max_length=100, default="")

    class Meta:
        table = "appointments_day_override"
        unique_together = (("group", "date"),)


class Slot(Model):
    """The place counter of one slot, created the first time it is needed."""

    id = fields.BigIntField(primary_key=True)
    group: fields.ForeignKeyRelation[WindowGroup] = fields.ForeignKeyField("appointments.WindowGroup", related_name="slots")
    group_id: int
    date = fields.DateField()
    start = fields.CharField(max_length=5)  # "09:00", the hall's local time
    end = fields.CharField(max_length=5)
    capacity = fields.IntField()
    taken = fields.IntField(default=0)  # held + offered + booked places, and cancelled ones not yet reopened

    class Meta:
        table = "appointments_slot"
        unique_together = (("group", "date", "start"),)


class Appointment(Model):
    """One person's place in one slot for one service item (held, offered, booked …)."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)  # what the QR code carries (and staff can type)
    person_id = fields.BigIntField(db_index=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField("appointments.Slot", related_name="appointments")
    slot_id: int
    group_id = fields.BigIntField()
    hall_code = fields.CharField(max_length=48)
    service_code = fields.CharField(max_length=32)
    service_name = fields.CharField(max_length=100)
    date = fields.DateField(db_index=True)
    start = fields.CharField(max_length=5)
    starts_at = fields.DatetimeField(db_index=True)  # the slot's start in UTC (reminders, cut-off, check-in window)
    status = fields.CharField(max_length=16, db_index=True)
    # "person:service:date" while the appointment is active (held, offered, booked), NULL after:
    # the unique index is the one-active-booking-per-person-per-item-per-day rule.
    active_key = fields.CharField(max_length=80, null=True, unique=True)
    hold_until = fields.DatetimeField(null=True)  # held or offered: released when this passes
    application_id = fields.BigIntField(null=True)  # the linked case, opened for the window at check-in
    reminded = fields.CharField(max_length=16, default="")  # "day", "hour": reminders already written
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "appointments_appointment"


class ActiveCount(Model):
    """How many active appointments a person holds: the anti-hoarding limit, by conditional UPDATE."""

    person_id = fields.BigIntField(primary_key=True)
    active = fields.IntField(default=0)

    class Meta:
        table = "appointments_active_count"


class Release(Model):
    """A cancelled place, reopened (or offered to the waiting list) once ``reopen_at`` passes."""

    id = fields.BigIntField(primary_key=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField("appointments.Slot", related_name="releases")
    slot_id: int
    reopen_at = fields.DatetimeField(db_index=True)
    done = fields.BooleanField(default=False)

    class Meta:
        table = "appointments_release"


class WaitingEntry(Model):
    """A person on a full day's waiting list (one group, one date, one item)."""

    id = fields.BigIntField(primary_key=True)  # the order of the list
    person_id = fields.BigIntField(db_index=True)
    group_id = fields.BigIntField()
    date = fields.DateField()
    service_code = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, db_index=True)
    active_key = fields.CharField(max_length=80, null=True, unique=True)  # once per person, item and day while waiting
    offer_id = fields.BigIntField(null=True)  # the offered appointment
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "appointments_waiting"


class Suspension(Model):
    """Online booking suspended after too many no-shows, until ``until`` (or lifted on appeal)."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField(db_index=True)
    until = fields.DateField()
    no_shows = fields.IntField()
    status = fields.CharField(max_length=16)  # active, appealed, lifted, ended
    appeal = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "appointments_suspension"


class TicketCounter(Model):
    """The last ticket number of one window group on one date (A001, A002 …)."""

    id = fields.BigIntField(primary_key=True)
    group_id = fields.BigIntField()
    date = fields.DateField()
    issued = fields.IntField(default=0)

    class Meta:
        table = "appointments_ticket_counter"
        unique_together = (("group_id", "date"),)


class Ticket(Model):
    """A queue ticket at the hall: from a checked-in appointment or a walk-in (取号)."""

    id = fields.BigIntField(primary_key=True)
    hall_code = fields.CharField(max_length=48, db_index=True)
    group_id = fields.BigIntField(db_index=True)
    date = fields.DateField()
    number = fields.IntField()
    label = fields.CharField(max_length=8)  # "A023"
    appointment_id = fields.BigIntField(null=True, unique=True)  # one ticket per appointment, however often scanned
    person_id = fields.BigIntField(null=True)  # walk-ins may be anonymous
    service_code = fields.CharField(max_length=32, default="")
    application_id = fields.BigIntField(null=True)
    # Order in the queue: the slot's start for appointments, the arrival for walk-ins; at the same
    # time an appointment goes first (rank 0 before 1).
    due_at = fields.DatetimeField()
    rank = fields.IntField(default=1)
    status = fields.CharField(max_length=16, db_index=True)
    window = fields.CharField(max_length=32, default="")
    calls = fields.IntField(default=0)
    issued_at = fields.DatetimeField()
    called_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    service_seconds = fields.IntField(null=True)  # called → served: the estimate's input

    class Meta:
        table = "appointments_ticket"
        unique_together = (("group_id", "date", "number"),)
