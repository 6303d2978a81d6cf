"""A hall with two window groups, its clerk, and booked appointments starting when a test needs them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.appointments.flows import APPOINTMENT
from backend.appointments.models import ActiveCount, Appointment, Slot, WindowGroup
from backend.kit.workflow import SYSTEM, transition
from tests.applications.conftest import YYZZ, staff_headers
from tests.notifications.conftest import *  # noqa: F401,F403  (fake WeChat/SMS/Web Push, client, resident, approver)
from tests.notifications.conftest import person_id

HALL = "2"  # the county hall takes every item, YYZZ (营业执照) included
OTHER_HALL = "1"
TZ = ZoneInfo("Asia/Shanghai")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def groups(resident) -> tuple[WindowGroup, WindowGroup]:
    """The county hall's 综合窗口 (A, two windows) and a 营业执照 window (B, one window)."""
    general = await WindowGroup.create(hall_code=HALL, name="综合窗口", ticket_prefix="A", items=[], windows=["1号窗口", "2号窗口"])
    business = await WindowGroup.create(hall_code=HALL, name="商事登记窗口", ticket_prefix="B", items=[YYZZ], windows=["5号窗口"])
    return general, business


@pytest.fixture
async def clerk(groups) -> dict[str, str]:
    return await staff_headers("staff", f"hall:{HALL}", "13600000021")


@pytest.fixture
async def other_clerk(groups) -> dict[str, str]:
    return await staff_headers("staff", f"hall:{OTHER_HALL}", "13600000022")


async def appointment(
    group: WindowGroup,
    *,
    starts_at: datetime,
    person: int | None = None,
    service_code: str = YYZZ,
    application_id: int | None = None,
) -> Appointment:
    """A booked appointment at ``starts_at`` (as booking leaves it: slot place taken, active count raised)."""
    person = person if person is not None else await person_id()
    local = starts_at.astimezone(TZ)
    start = local.strftime("%H:%M")
    slot, _ = await Slot.get_or_create(
        group_id=group.id,
        date=local.date(),
        start=start,
        defaults={"end": (local + timedelta(minutes=30)).strftime("%H:%M"), "capacity": 50, "taken": 0},
    )
    await Slot.filter(id=slot.id).update(taken=slot.taken + 1)
    active, _ = await ActiveCount.get_or_create(person_id=person)
    await ActiveCount.filter(person_id=person).update(active=active.active + 1)
    created = await Appointment.create(
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(10)),
        person_id=person,
        slot_id=slot.id,
        group_id=group.id,
        hall_code=group.hall_code,
        service_code=service_code,
        service_name="个体工商户注册登记",
        date=local.date(),
        start=start,
        starts_at=starts_at,
        active_key=f"{person}:{service_code}:{local.date()}:{secrets.token_hex(4)}",
        hold_until=now() + timedelta(minutes=5),
        application_id=application_id,
        **APPOINTMENT.fields_for_create(),
    )
    return await transition(APPOINTMENT, created, action="confirm", by=SYSTEM)
