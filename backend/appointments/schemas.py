"""Request and response bodies of halls and appointments (times "HH:MM" on the hall's clock, dates ISO)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HallQuery(_In):
    lat: float | None = Field(None, ge=-90, le=90, description="the resident's latitude, for the distance (optional)")
    lng: float | None = Field(None, ge=-180, le=180, description="the resident's longitude")


class ServiceQuery(_In):
    service: str = Field(min_length=1, max_length=32, description="the service item code")


class SlotQuery(_In):
    date: date
    service: str = Field(min_length=1, max_length=32, description="the service item code")


class HallOut(BaseModel):
    code: str
    name: str
    address: str
    district: str
    township: str
    hours: str
    phone: str
    latitude: float | None
    longitude: float | None
    distance_m: int | None = Field(description="straight-line distance from the given point, when one was given")
    bookable: bool = Field(description="some window group of the hall takes appointments")


class HallList(BaseModel):
    items: list[HallOut]


class ServiceRef(BaseModel):
    code: str
    name: str


class GroupOut(BaseModel):
    id: int
    name: str
    items: list[ServiceRef] = Field(description="the items its windows take (综合窗口: every item of the hall)")


class HallDetail(HallOut):
    groups: list[GroupOut]
    services: list[ServiceRef] = Field(description="the items that can be booked at this hall")


class DayOut(BaseModel):
    date: date
    bookable: bool
    full: bool
    reason: str = Field(description="why it cannot be booked: 节假日, 休息日, 闭厅, 已约满, or empty")


class DayList(BaseModel):
    days: list[DayOut]
    warning: str | None = Field(None, description="set when the calendar does not know a year of these dates")


class SlotOut(BaseModel):
    start: str
    end: str
    capacity: int
    remaining: int


class WaitingInfo(BaseModel):
    open: bool = Field(description="the day is full and its waiting list can be joined")
    length: int


class SlotList(BaseModel):
    date: date
    group_id: int
    slots: list[SlotOut]
    full: bool
    waiting: WaitingInfo


class AppointmentCreate(_In):
    hall_code: str = Field(min_length=1, max_length=48, pattern=r"^[^\x00-\x1f]+$")
    service_code: str = Field(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f]+$")
    date: date
    start: str = Field(pattern=HHMM, description="the slot's start, HH:MM")
    application_id: int | None = Field(None, ge=1, le=10**18 - 1, description="the case the visit is for (opened at the window)")


class RescheduleIn(_In):
    date: date
    start: str = Field(pattern=HHMM)


class HallRef(BaseModel):
    code: str
    name: str
    address: str


class TicketBrief(BaseModel):
    """The queue ticket of a checked-in appointment."""

    label: str
    status: str
    status_label: str
    ahead: int = Field(description="waiting tickets called before it (0 once called)")
    estimated_wait_minutes: int
    window: str = Field(description="the window that called it, '' before")


class TimelineEntry(BaseModel):
    at: datetime
    text: str


class AppointmentOut(BaseModel):
    id: int
    code: str = Field(description="what the QR code carries; staff may type it")
    status: str
    status_label: str
    hall: HallRef
    service_code: str
    service_name: str
    date: date
    start: str
    end: str
    hold_until: datetime | None = Field(description="held or offered: confirm before this, or the place is released")
    can_cancel: bool
    can_reschedule: bool
    application_id: int | None
    ticket: TicketBrief | None
    timeline: list[TimelineEntry]


class WaitingOut(BaseModel):
    id: int
    status: str
    status_label: str
    position: int = Field(description="place in the line, 1 = next; 0 once a place was offered or the entry ended")
    length: int = Field(description="people still waiting for this day at this window group")
    date: date
    hall: HallRef
    service_code: str
    service_name: str
    offer: AppointmentOut | None = Field(description="the place offered (status offered, accept before hold_until), else null")


class SuspensionOut(BaseModel):
    id: int
    status: str
    status_label: str
    until: date = Field(description="online booking opens again on this date")
    until_text: str
    no_shows: int
    appeal: str
    can_appeal: bool
    rule: str = Field(description="the published no-show rule in words")


class AppointmentList(BaseModel):
    items: list[AppointmentOut]
    waiting: list[WaitingOut]
    suspension: SuspensionOut | None = Field(description="the suspension of online booking in force, else null")
    no_show_rule: str = Field(description="the published no-show rule in words")


# ---- administrators -------------------------------------------------------------------------


class HallDetailsIn(_In):
    name: str = Field(min_length=2, max_length=64)
    address: str = Field("", max_length=200)
    district: str = Field("", max_length=32)
    township: str = Field("", max_length=32)
    region: str = Field("", pattern=r"^([0-9]{6})?$", description="6-digit division code, for regional holidays")
    hours: str = Field("", max_length=200)
    phone: str = Field("", max_length=60)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class AdminHallOut(HallDetail):
    region: str


class GroupIn(_In):
    name: str = Field(min_length=2, max_length=64)
    items: list[str] = Field(default_factory=list, max_length=500, description="empty: 综合窗口, every item of the hall")
    windows: list[str] = Field(default_factory=list, max_length=50)
    ticket_prefix: str = Field("A", pattern=r"^[A-Z]{1,2}$")
    horizon_days: int = Field(14, ge=1, le=90)
    cutoff_minutes: int = Field(120, ge=0, le=7 * 24 * 60)
    active: bool = True


class AdminGroupOut(BaseModel):
    id: int
    hall_code: str
    name: str
    items: list[str]
    windows: list[str]
    ticket_prefix: str
    horizon_days: int
    cutoff_minutes: int
    active: bool


class ScheduleDay(_In):
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday")
    opens: str = Field(pattern=HHMM)
    closes: str = Field(pattern=HHMM)
    lunch_from: str = Field("", pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9])?$")
    lunch_to: str = Field("", pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9])?$")
    slot_minutes: int = Field(30, ge=5, le=240)
    capacity: int = Field(4, ge=1, le=1000)


class ScheduleIn(_In):
    days: list[ScheduleDay] = Field(max_length=7, description="the weekdays the windows open; a weekday left out is closed")


class ScheduleOut(BaseModel):
    group_id: int
    days: list[ScheduleDay]


class OverrideIn(_In):
    closed: bool = False
    extra_capacity: int = Field(0, ge=-1000, le=1000, description="places added to (or taken from) every slot of the date")
    note: str = Field("", max_length=100)


class OverrideOut(BaseModel):
    group_id: int
    date: date
    closed: bool
    extra_capacity: int
    note: str
    slots_adjusted: int = Field(description="existing slot counters of the date that took the new capacity")
