"""Administrators manage people and roles: exact lookup, grants, withdrawals, disabled staff accounts."""

from __future__ import annotations

import asyncio
import time

import pytest

from auth import service as identity
from auth import sessions
from auth.models import Person, RoleGrant, Session
from backend.kit.models import AuditEntry
from backend.kit.resources import current
from tests.auth.conftest import bearer, sms_login

PASSWORD = "正确的密码-Correct1"
ADMIN_PHONE = "13600000010"
STAFF_PHONE = "13600000011"
PEOPLE = "/api/v1/admin/people"


async def enrol(phone: str, role: str, scope: str, name: str = "李窗口") -> Person:
    person = await identity.create_person(name=name, phone=phone, actor="test", password=PASSWORD)
    await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    return person


async def staff_login(client, sms, phone: str) -> dict:
    r = await client.post("/api/v1/auth/staff/login", json={"phone": phone, "password": PASSWORD})
    assert r.status_code == 202, r.text
    r = await client.post("/api/v1/auth/staff/verify", json={"phone": phone, "code": sms.codes_for(phone)[-1], "transport": "bearer"})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def admin(client, sms) -> tuple[Person, dict]:
    person = await enrol(ADMIN_PHONE, "admin", "", name="王管理")
    return person, await staff_login(client, sms, ADMIN_PHONE)


@pytest.fixture
async def staff(client, sms) -> tuple[Person, dict]:
    person = await enrol(STAFF_PHONE, "staff", "hall:1")
    return person, await staff_login(client, sms, STAFF_PHONE)


async def test_an_exact_phone_finds_the_person_masked_with_roles(client, admin, staff):
    person, _ = staff
    r = await client.get(PEOPLE, params={"phone": STAFF_PHONE}, headers=bearer(admin[1]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == person.id and body["name"] == "李**" and body["phone"] == "136****0011" and body["disabled"] is False
    [grant] = body["roles"]
    assert (grant["role"], grant["scope"], grant["granted_by"]) == ("staff", "hall:1", "test") and grant["created_at"]


async def test_an_unknown_or_partial_phone_finds_nobody(client, admin):
    r = await client.get(PEOPLE, params={"phone": "13600000999"}, headers=bearer(admin[1]))
    assert r.status_code == 404 and r.json()["code"] == "admin.person_not_found"
    r = await client.get(PEOPLE, params={"phone": "1360000"}, headers=bearer(admin[1]))
    assert r.status_code == 422


async def test_staff_and_residents_are_refused_every_admin_route(client, sms, staff, phone):
    resident = await sms_login(client, sms, phone)
    for session in (staff[1], resident):
        calls = [
            client.get(PEOPLE, params={"phone": STAFF_PHONE}, headers=bearer(session)),
            client.get(f"{PEOPLE}/{staff[0].id}", headers=bearer(session)),
            client.get(f"{PEOPLE}/{staff[0].id}/history", headers=bearer(session)),
            client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": "admin", "scope": ""}, headers=bearer(session)),
            client.delete(f"{PEOPLE}/{staff[0].id}/roles/1", headers=bearer(session)),
            client.post(f"{PEOPLE}/{staff[0].id}/disable", headers=bearer(session)),
            client.post(f"{PEOPLE}/{staff[0].id}/enable", headers=bearer(session)),
        ]
        for r in [await c for c in calls]:
            assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", r.text
    assert await RoleGrant.filter(person_id=staff[0].id).count() == 1
    r = await client.get(PEOPLE, params={"phone": STAFF_PHONE})
    assert r.status_code == 401


async def test_a_grant_is_201_audited_and_reaches_the_open_session(client, admin, staff):
    person, session = staff
    r = await client.post(f"{PEOPLE}/{person.id}/roles", json={"role": "approver", "scope": "department:market"}, headers=bearer(admin[1]))
    assert r.status_code == 201, r.text
    granted = [g for g in r.json()["roles"] if g["role"] == "approver"]
    assert granted[0]["scope"] == "department:market" and granted[0]["granted_by"] == f"person:{admin[0].id}"
    roles = (await client.get("/api/v1/staff/me", headers=bearer(session))).json()["roles"]
    assert {"role": "approver", "scope": "department:market"} in roles
    row = await AuditEntry.get(action="role.granted", object_id=str(granted[0]["id"]))
    assert row.actor == f"person:{admin[0].id}" and row.subject == f"person:{person.id}"


@pytest.mark.parametrize(
    "role,scope",
    [
        ("staff", ""),  # everywhere is for admins only
        ("staff", "hall:"),
        ("staff", "township:12345"),
        ("staff", "township:1234567890"),
        ("courier", "carrier:ems"),
        ("staff", "hall:1 OR 1=1"),
        ("admin", "region:1"),
        ("auditor", "hall:1"),  # an auditor reads the whole log: everywhere or nothing
    ],
)
async def test_a_bad_scope_is_422(client, admin, staff, role, scope):
    r = await client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": role, "scope": scope}, headers=bearer(admin[1]))
    assert r.status_code == 422 and r.json()["code"] == "admin.invalid_scope", r.text


async def test_each_scope_form_is_taken(client, admin, staff):
    for role, scope in [
        ("staff", "township:360111001"),
        ("staff", "township:360111001001"),
        ("courier", "station:S331002"),
        ("approver", "hall:2"),
        ("admin", ""),
        ("auditor", ""),
    ]:
        r = await client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": role, "scope": scope}, headers=bearer(admin[1]))
        assert r.status_code == 201, r.text
    r = await client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": "resident", "scope": ""}, headers=bearer(admin[1]))
    assert r.status_code == 422


async def test_a_duplicate_grant_is_409(client, admin, staff):
    r = await client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": "staff", "scope": "hall:1"}, headers=bearer(admin[1]))
    assert r.status_code == 409 and r.json()["code"] == "admin.duplicate_grant"


async def test_fifty_racing_grants_make_one(client, admin, staff):
    async def one():
        return await client.post(f"{PEOPLE}/{staff[0].id}/roles", json={"role": "approver", "scope": "hall:1"}, headers=bearer(admin[1]))

    answers = await asyncio.gather(*(one() for _ in range(50)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 49, [r.text for r in answers if r.status_code not in (201, 409)]
    assert await RoleGrant.filter(person_id=staff[0].id, role="approver").count() == 1
    assert await AuditEntry.filter(action="role.granted", subject=f"person:{staff[0].id}", actor=f"person:{admin[0].id}").count() == 1


async def test_a_withdrawn_role_stops_working_in_an_open_session_within_a_second(client, admin, staff):
    person, session = staff
    assert (await client.get("/api/v1/staff/me", headers=bearer(session))).status_code == 200  # cached (Redis on PostgreSQL)
    grant = await RoleGrant.get(person_id=person.id, role="staff")
    r = await client.delete(f"{PEOPLE}/{person.id}/roles/{grant.id}", headers=bearer(admin[1]))
    assert r.status_code == 200 and r.json()["roles"] == []
    withdrawn = time.monotonic()
    r = await client.get("/api/v1/staff/me", headers=bearer(session))
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    assert time.monotonic() - withdrawn < 1
    row = await AuditEntry.get(action="role.withdrawn")
    assert row.actor == f"person:{admin[0].id}" and row.subject == f"person:{person.id}"
    assert row.detail == {"role": "staff", "scope": "hall:1", "granted_by": "test"}
    r = await client.delete(f"{PEOPLE}/{person.id}/roles/{grant.id}", headers=bearer(admin[1]))
    assert r.status_code == 404 and r.json()["code"] == "admin.grant_not_found"


async def test_another_persons_grant_is_not_found_under_this_person(client, admin, staff):
    grant = await RoleGrant.get(person_id=admin[0].id)
    r = await client.delete(f"{PEOPLE}/{staff[0].id}/roles/{grant.id}", headers=bearer(admin[1]))
    assert r.status_code == 404 and r.json()["code"] == "admin.grant_not_found"
    r = await client.post(f"{PEOPLE}/999999/roles", json={"role": "staff", "scope": "hall:1"}, headers=bearer(admin[1]))
    assert r.status_code == 404 and r.json()["code"] == "admin.person_not_found"


async def test_disabling_ends_every_session_within_a_second(client, sms, admin, staff, backend_kind):
    person, session = staff
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    second = {"token": token}
    for s in (session, second):
        assert (await client.get("/api/v1/staff/me", headers=bearer(s))).status_code == 200
    r = await client.post(f"{PEOPLE}/{person.id}/disable", headers=bearer(admin[1]))
    assert r.status_code == 200 and r.json()["disabled"] is True
    disabled = time.monotonic()
    for s in (session, second):
        r = await client.get("/api/v1/staff/me", headers=bearer(s))
        assert r.status_code == 401 and r.json()["code"] == "auth.not_authenticated"
    assert time.monotonic() - disabled < 1
    rows = await Session.filter(person_id=person.id)
    assert len(rows) == 2 and all(row.revoked_at and row.revoked_reason == "disabled" for row in rows)
    if backend_kind == "postgres":
        assert all([await current().broker.get(f"session:{row.token_hash}") is None for row in rows])
    entry = await AuditEntry.get(action="person.disabled")
    assert entry.actor == f"person:{admin[0].id}" and entry.subject == f"person:{person.id}"
    assert await AuditEntry.filter(action="session.revoked", subject=f"person:{person.id}").count() == 2


async def test_a_disabled_staff_member_cannot_log_in(client, sms, admin):
    person = await enrol(STAFF_PHONE, "staff", "hall:1")
    r = await client.post("/api/v1/auth/staff/login", json={"phone": STAFF_PHONE, "password": PASSWORD})
    assert r.status_code == 202  # a code on its way before the account is disabled
    code = sms.codes_for(STAFF_PHONE)[-1]
    assert (await client.post(f"{PEOPLE}/{person.id}/disable", headers=bearer(admin[1]))).status_code == 200
    r = await client.post("/api/v1/auth/staff/verify", json={"phone": STAFF_PHONE, "code": code, "transport": "bearer"})
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_credentials"
    sent = len(sms.codes_for(STAFF_PHONE))
    r = await client.post("/api/v1/auth/staff/login", json={"phone": STAFF_PHONE, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_credentials"
    assert len(sms.codes_for(STAFF_PHONE)) == sent
    assert not await Session.filter(person_id=person.id, revoked_at=None).exists()


async def test_an_enabled_account_logs_in_again(client, sms, admin):
    person = await enrol(STAFF_PHONE, "staff", "hall:1")
    await client.post(f"{PEOPLE}/{person.id}/disable", headers=bearer(admin[1]))
    r = await client.post(f"{PEOPLE}/{person.id}/enable", headers=bearer(admin[1]))
    assert r.status_code == 200 and r.json()["disabled"] is False
    session = await staff_login(client, sms, STAFF_PHONE)
    assert (await client.get("/api/v1/staff/me", headers=bearer(session))).status_code == 200
    assert await AuditEntry.filter(action="person.enabled", subject=f"person:{person.id}", actor=f"person:{admin[0].id}").count() == 1


async def test_an_admin_cannot_disable_themself(client, admin):
    r = await client.post(f"{PEOPLE}/{admin[0].id}/disable", headers=bearer(admin[1]))
    assert r.status_code == 409 and r.json()["code"] == "admin.self_disable"
    assert not (await Person.get(id=admin[0].id)).disabled


async def test_an_admin_cannot_withdraw_their_own_last_admin_grant(client, admin):
    person, session = admin
    only = await RoleGrant.get(person_id=person.id, role="admin")
    r = await client.delete(f"{PEOPLE}/{person.id}/roles/{only.id}", headers=bearer(session))
    assert r.status_code == 409 and r.json()["code"] == "admin.last_admin_grant"
    r = await client.post(f"{PEOPLE}/{person.id}/roles", json={"role": "admin", "scope": "township:360111001"}, headers=bearer(session))
    assert r.status_code == 201
    r = await client.delete(f"{PEOPLE}/{person.id}/roles/{only.id}", headers=bearer(session))
    assert r.status_code == 200 and [g["scope"] for g in r.json()["roles"]] == ["township:360111001"]


async def test_a_resident_account_is_not_disabled_here(client, sms, admin, phone):
    await sms_login(client, sms, phone)
    resident = await identity.create_person(name="张三", phone="13700000001", actor="test")
    r = await client.post(f"{PEOPLE}/{resident.id}/disable", headers=bearer(admin[1]))
    assert r.status_code == 409 and r.json()["code"] == "admin.not_staff"


async def test_a_person_is_found_by_id_masked(client, admin, staff):
    r = await client.get(f"{PEOPLE}/{staff[0].id}", headers=bearer(admin[1]))
    assert r.status_code == 200 and r.json()["name"] == "李**" and [g["role"] for g in r.json()["roles"]] == ["staff"]
    r = await client.get(f"{PEOPLE}/999999", headers=bearer(admin[1]))
    assert r.status_code == 404 and r.json()["code"] == "admin.person_not_found"


async def test_the_grant_history_comes_from_the_audit_log_newest_first_and_its_read_is_audited(client, admin, staff):
    person, _ = staff
    headers = bearer(admin[1])
    r = await client.post(f"{PEOPLE}/{person.id}/roles", json={"role": "auditor", "scope": ""}, headers=headers)
    granted = next(g for g in r.json()["roles"] if g["role"] == "auditor")
    await client.delete(f"{PEOPLE}/{person.id}/roles/{granted['id']}", headers=headers)
    await client.post(f"{PEOPLE}/{person.id}/disable", headers=headers)
    await client.post(f"{PEOPLE}/{person.id}/enable", headers=headers)
    r = await client.get(f"{PEOPLE}/{person.id}/history", headers=headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["action"], i["role"], i["scope"]) for i in items] == [
        ("person.enabled", None, None),
        ("person.disabled", None, None),
        ("role.withdrawn", "auditor", ""),
        ("role.granted", "auditor", ""),
        ("role.granted", "staff", "hall:1"),  # by the enrolment, actor "test"
    ]
    assert items[0]["actor"] == f"person:{admin[0].id}" and items[0]["actor_name"] == "王**"
    assert items[-1]["actor"] == "test" and items[-1]["actor_name"] is None
    read = await AuditEntry.get(action="audit.searched", subject=f"person:{person.id}")
    assert read.actor == f"person:{admin[0].id}" and read.detail == {"view": "grant_history", "rows": 5}
    r = await client.get(f"{PEOPLE}/999999/history", headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "admin.person_not_found"


async def test_an_auditor_signs_in_as_staff_with_the_second_factor(client, sms):
    await enrol("13600000019", "auditor", "", name="周审计")
    session = await staff_login(client, sms, "13600000019")
    r = await client.get("/api/v1/staff/me", headers=bearer(session))
    assert r.status_code == 200 and r.json()["roles"] == [{"role": "auditor", "scope": ""}]
