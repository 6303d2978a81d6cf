"""A disabled person gets no session on any channel, and a login racing the 停用 does not survive it."""

from __future__ import annotations

import asyncio

from auth import service as identity
from auth import sessions
from auth.errors import AccountDisabled
from auth.models import Person, Session
from tests.auth.conftest import bearer
from tests.consents import agreed

PASSWORD = "正确的密码-Correct1"
ADMIN_PHONE = "13600000020"
STAFF_PHONE = "13600000021"


async def _staff_session(client, sms, phone: str) -> dict:
    r = await client.post("/api/v1/auth/staff/login", json={"phone": phone, "password": PASSWORD})
    assert r.status_code == 202, r.text
    r = await client.post("/api/v1/auth/staff/verify", json={"phone": phone, "code": sms.codes_for(phone)[-1], "transport": "bearer"})
    assert r.status_code == 200, r.text
    return r.json()


async def _enrol(phone: str, role: str, name: str) -> Person:
    person = await identity.create_person(name=name, phone=phone, actor="test", password=PASSWORD)
    await identity.grant_role(person=person, role=role, scope="" if role == "admin" else "hall:1", actor="test")
    return person


async def test_a_disabled_staff_member_cannot_come_in_through_the_resident_sms_login(client, sms):
    admin = await _staff_session(client, sms, (await _enrol(ADMIN_PHONE, "admin", "王管理")) and ADMIN_PHONE)
    staff = await _enrol(STAFF_PHONE, "staff", "李窗口")
    r = await client.post(f"/api/v1/admin/people/{staff.id}/disable", headers=bearer(admin))
    assert r.status_code == 200, r.text
    assert (await client.post("/api/v1/auth/sms/send", json={"phone": STAFF_PHONE})).status_code == 202
    code = sms.codes_for(STAFF_PHONE)[-1]
    body = {"phone": STAFF_PHONE, "code": code, "transport": "bearer", "accept": agreed()}
    r = await client.post("/api/v1/auth/sms/verify", json=body)
    assert r.status_code == 403 and r.json()["code"] == "auth.account_disabled", r.text
    assert "停用" in r.json()["title"]
    assert not await Session.filter(person_id=staff.id).exists()
    # Enabled again, the same phone logs in (the code was not spent by the refusal).
    assert (await client.post(f"/api/v1/admin/people/{staff.id}/enable", headers=bearer(admin))).status_code == 200
    r = await client.post("/api/v1/auth/sms/verify", json=body)
    assert r.status_code == 200, r.text


async def test_logins_racing_the_disable_end_with_no_live_session(client, sms):
    admin = await _staff_session(client, sms, (await _enrol(ADMIN_PHONE, "admin", "王管理")) and ADMIN_PHONE)
    staff = await _enrol(STAFF_PHONE, "staff", "李窗口")

    async def login(i: int) -> str | None:
        await asyncio.sleep(i * 0.01)  # spread over the disable, before, during and after it
        try:
            token, _ = await sessions.create(account_id=None, person_id=staff.id, transport="bearer", mfa=True, user_agent="t", ip="t")
        except AccountDisabled:
            return None
        return token

    async def disable() -> int:
        await asyncio.sleep(0.005)
        return (await client.post(f"/api/v1/admin/people/{staff.id}/disable", headers=bearer(admin))).status_code

    *tokens, status = await asyncio.gather(*(login(i) for i in range(50)), disable())
    assert status == 200
    opened = [t for t in tokens if t]
    refused = len(tokens) - len(opened)
    assert refused  # the later ones came after the flag
    assert await Person.filter(id=staff.id, disabled=True).exists()
    for token in opened:
        r = await client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (r.status_code, r.text)
    assert not await Session.filter(person_id=staff.id, revoked_at=None).exists()
