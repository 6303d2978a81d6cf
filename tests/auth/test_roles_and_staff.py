"""Roles and the staff second factor: password + SMS code, residents kept out (throttling: test_staff_throttle.py)."""

from __future__ import annotations

from auth import service as identity
from backend.kit.models import AuditEntry
from tests.auth.conftest import bearer, sms_login

STAFF_PHONE = "13600000001"
PASSWORD = "正确的密码-Correct1"


async def make_staff(role: str = "staff") -> None:
    person = await identity.create_person(name="李窗口", phone=STAFF_PHONE, actor="test", password=PASSWORD)
    await identity.grant_role(person=person, role=role, scope="hall:1", actor="test")


async def staff_session(client, sms) -> dict:
    r = await client.post("/api/v1/auth/staff/login", json={"phone": STAFF_PHONE, "password": PASSWORD})
    assert r.status_code == 202, r.text
    code = sms.codes_for(STAFF_PHONE)[-1]
    r = await client.post("/api/v1/auth/staff/verify", json={"phone": STAFF_PHONE, "code": code, "transport": "bearer"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_staff_login_needs_password_and_sms_code(client, sms):
    await make_staff()
    session = await staff_session(client, sms)
    r = await client.get("/api/v1/staff/me", headers=bearer(session))
    assert r.status_code == 200
    assert r.json()["roles"] == [{"role": "staff", "scope": "hall:1"}]


async def test_staff_who_logs_in_by_sms_only_lacks_the_second_factor(client, sms):
    await make_staff()
    session = await sms_login(client, sms, STAFF_PHONE)
    r = await client.get("/api/v1/staff/me", headers=bearer(session))
    assert r.status_code == 403 and r.json()["code"] == "auth.second_factor_required"


async def test_resident_calling_a_staff_route_is_403_and_audited(client, sms, phone):
    session = await sms_login(client, sms, phone)
    r = await client.get("/api/v1/staff/me", headers=bearer(session))
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    assert await AuditEntry.filter(action="authz.denied", result="denied").exists()


async def test_wrong_password_is_401_without_saying_which_part_was_wrong(client, sms):
    await make_staff()
    wrong = await client.post("/api/v1/auth/staff/login", json={"phone": STAFF_PHONE, "password": "nope"})
    unknown = await client.post("/api/v1/auth/staff/login", json={"phone": "13600000999", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "auth.bad_credentials"
    assert sms.codes_for(STAFF_PHONE) == []


async def test_role_change_is_audited_and_reaches_open_sessions(client, sms):
    await make_staff("staff")
    session = await staff_session(client, sms)
    person = await identity.find_by_phone(phone=STAFF_PHONE)
    await identity.grant_role(person=person, role="approver", scope="department:market", actor="person:1")
    roles = (await client.get("/api/v1/me", headers=bearer(session))).json()["roles"]
    assert {"role": "approver", "scope": "department:market"} in roles
    assert await AuditEntry.filter(action="role.granted").count() == 2


async def test_staff_session_has_the_shorter_idle_timeout(client, sms):
    from auth.models import Session

    await make_staff()
    await staff_session(client, sms)
    row = await Session.get()
    assert row.mfa is True and row.idle_seconds == 15 * 60
