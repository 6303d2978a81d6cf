"""An auditor and an administrator (staff sessions with the second factor), over the wired client of tests/auth."""

from __future__ import annotations

import pytest

from auth import service as identity
from auth import sessions
from tests.auth.conftest import *  # noqa: F401,F403  (fake WeChat/SMS servers and the wired client)


async def staff_headers(role: str, scope: str, phone: str, name: str = "周审计") -> tuple[int, dict[str, str]]:
    """(person id, bearer headers) of a new staff member holding ``role``."""
    person = await identity.create_person(name=name, phone=phone, actor="test")
    await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    return person.id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def auditor(client) -> tuple[int, dict[str, str]]:
    return await staff_headers("auditor", "", "13600000031")


@pytest.fixture
async def admin(client) -> tuple[int, dict[str, str]]:
    return await staff_headers("admin", "", "13600000032", name="王管理")
