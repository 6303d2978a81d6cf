"""Township staff of two townships, an admin, a verified resident, and the delegation SMS template."""

from __future__ import annotations

import uuid

import pytest

from auth import service as identity
from auth import sessions
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, client, resident)
from tests.applications.conftest import staff_headers

TOWNSHIP = "331002001"
OTHER_TOWNSHIP = "331002002"
RESIDENT_ID = "11010519491231002X"  # the applications fixture's verified resident
VILLAGER_ID = "360402193901010071"


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
async def worker(resident) -> dict[str, str]:
    return await staff_headers("staff", f"township:{TOWNSHIP}", "13700000021")


@pytest.fixture
async def other_worker(resident) -> dict[str, str]:
    return await staff_headers("staff", f"township:{OTHER_TOWNSHIP}", "13700000022")


@pytest.fixture
async def clerk(resident) -> dict[str, str]:
    return await staff_headers("approver", "department:scjg", "13700000023")


async def staff_session(role: str, scope: str, phone: str):
    """Headers and the SessionInfo (for service.active_delegation) of a new staff member."""
    person = await identity.create_person(name="王代办", phone=phone, actor="test")
    await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    token, info = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    return {"Authorization": f"Bearer {token}"}, info
