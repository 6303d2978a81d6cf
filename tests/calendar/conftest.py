"""An administrator and a clerk (sessions made directly), and the shipped regional holidays on both databases."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from tortoise import connections

from auth import service as identity
from auth import sessions
from backend.calendar import service as calendar
from backend.kit import workdays

SHIPPED = importlib.import_module("backend.calendar.migrations.0002_regional_holidays")


async def headers_for(role: str, scope: str, phone: str) -> dict[str, str]:
    person = await identity.create_person(name="王管理", phone=phone, actor="test")
    await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def admin(app) -> dict[str, str]:
    return await headers_for("admin", "", "13700000001")


@pytest.fixture
async def clerk(app) -> dict[str, str]:
    return await headers_for("staff", "hall:1", "13700000002")


@pytest.fixture
async def shipped(app) -> None:
    """The migration's rows (PostgreSQL tests empty every table between tests; SQLite copies the migrated file)."""
    for statement in SHIPPED.statements():
        await connections.get("default").execute_script(statement)
    await calendar.refresh()


@pytest.fixture
def no_admin_days() -> Iterator[None]:
    """Pure calendar tests: no administrator's days from a test before."""
    workdays.load_overrides(())
    yield
    workdays.load_overrides(())
