"""A seeded catalog, a verified resident (through the real login and binding) and reviewers."""

from __future__ import annotations

import pytest

from auth import service as identity
from auth import sessions
from backend.catalog import demo
from tests.auth.conftest import *  # noqa: F401,F403  (fake WeChat/SMS servers and the wired client)
from tests.auth.conftest import bearer, sms_login
from tests.consents import agreed

YYZZ = "000105001000"
VALID_FORM = {
    "applicant_name": "张三",
    "applicant_id_number": "11010519491231002X",
    "contact_phone": "13912345678",
    "business_name": "张三小吃店",
    "business_scope": "餐饮服务",
    "address": "浙江省杭州市西湖区文三路100号",
}


@pytest.fixture
async def resident(client, sms) -> dict[str, str]:
    await demo.seed()
    session = await sms_login(client, sms, "13912345678")
    r = await client.post(
        "/api/v1/me/identity",
        json={"name": "张三", "id_number": "11010519491231002X", "accept": agreed("id_number")},
        headers=bearer(session),
    )
    assert r.status_code == 200, r.text
    return bearer(session)


async def staff_headers(role: str, scope: str, phone: str) -> dict[str, str]:
    person = await identity.create_person(name="李审批", phone=phone, actor="test")
    await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def approver(resident) -> dict[str, str]:
    return await staff_headers("approver", "department:scjg", "13600000011")


@pytest.fixture
async def other_department(resident) -> dict[str, str]:
    return await staff_headers("approver", "department:mzj", "13600000012")
