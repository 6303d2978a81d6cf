"""Races on identity: one account per channel, a code used once, one owner of an ID number, one grant."""

from __future__ import annotations

from auth import service as identity
from auth.models import Account, Person, RoleGrant, Session
from tests.consents import agreed
from tests.races.conftest import N, assert_no_5xx, assert_one_winner, outcome, race, race_with_inserts_held

WX = "/api/v1/auth/wechat/miniprogram"


async def test_fifty_first_wechat_logins_of_one_user_make_one_account(client, wechat, settings):
    codes = [wechat.issue_login_code("o-first-login") for _ in range(N)]
    answers = await race_with_inserts_held(settings, "auth_account", (client.post(WX, json={"code": code}) for code in codes))
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)  # logging in is no conflict: everyone gets a session
    assert await Account.filter(kind="wechat_mp").count() == 1
    assert await Session.all().count() == N
    assert len({r.json()["token"] for r in answers}) == N


async def test_fifty_verifies_of_one_sms_code_log_in_once(client, sms, phone):
    r = await client.post("/api/v1/auth/sms/send", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = sms.codes_for(phone)[-1]
    answers = await race(
        client.post("/api/v1/auth/sms/verify", json={"phone": phone, "code": code, "transport": "bearer"}) for _ in range(N)
    )
    spent = {"auth.code_invalid", "auth.code_locked", "auth.code_expired"}
    assert_one_winner(answers, status=200, losers={401: spent, 429: {"auth.rate_limited"}})
    assert await Account.filter(kind="phone").count() == 1
    assert await Session.all().count() == 1


async def test_fifty_grants_of_one_role_make_one_grant(resources, settings):
    person = await identity.create_person(name="李审批", phone="13600000021", actor="test")
    outcomes = await race_with_inserts_held(
        settings, "role_grant", (identity.grant_role(person=person, role="staff", scope="department:scjg", actor="test") for _ in range(N))
    )
    assert len({grant.id for grant in outcomes}) == 1
    assert await RoleGrant.filter(person_id=person.id).count() == 1


async def test_fifty_bindings_of_one_id_number_leave_one_owner(client, wechat):
    """The same check as tests/auth/test_identity_assurance.py, kept here with the other races."""
    sessions = []
    for i in range(N):
        r = await client.post(WX, json={"code": wechat.issue_login_code(f"o-bind-{i}"), "accept": agreed()})
        sessions.append({"Authorization": f"Bearer {r.json()['token']}"})
    answers = await race(
        client.post(
            "/api/v1/me/identity", json={"name": "张三", "id_number": "11010519491231002X", "accept": agreed("id_number")}, headers=s
        )
        for s in sessions
    )
    assert_no_5xx(answers)
    assert {r.status_code for r in answers} <= {200, 429}, outcome(answers)
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in answers if r.status_code != 200)
    assert await Person.filter(id_number_idx__not_isnull=True).count() == 1
