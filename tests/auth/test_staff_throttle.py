"""Staff password throttling: growing waits per phone and address, no lockout an outsider can
trigger, the same answer whoever the number belongs to, and scrypt off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from auth import service as identity
from auth.models import Person
from backend.app import create_app
from backend.kit.models import AuditEntry

LOGIN = "/api/v1/auth/staff/login"
STAFF_PHONE, RESIDENT_PHONE, DISABLED_PHONE, UNKNOWN_PHONE = "13600000001", "13600000002", "13600000003", "13600000004"
PASSWORD = "正确的密码-Correct1"
CLERK_DESK, ATTACKER = "203.0.113.7", "198.51.100.66"


@pytest.fixture
async def staff_app(auth_settings) -> AsyncIterator:
    app = create_app(auth_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def from_address(staff_app) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """A client of the same app seen as coming from a given address."""
    clients: dict[str, httpx.AsyncClient] = {}

    def make(ip: str) -> httpx.AsyncClient:
        if ip not in clients:
            transport = httpx.ASGITransport(app=staff_app, client=(ip, 50000))
            clients[ip] = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        return clients[ip]

    yield make
    for c in clients.values():
        await c.aclose()


async def make_staff(phone: str = STAFF_PHONE) -> Person:
    person = await identity.create_person(name="李窗口", phone=phone, actor="test", password=PASSWORD)
    await identity.grant_role(person=person, role="staff", scope="hall:1", actor="test")
    return person


async def attempt(client: httpx.AsyncClient, phone: str = STAFF_PHONE, password: str = "wrong-password") -> httpx.Response:
    return await client.post(LOGIN, json={"phone": phone, "password": password})


async def sign_in(client: httpx.AsyncClient, sms) -> None:
    r = await attempt(client, password=PASSWORD)
    assert r.status_code == 202, r.text
    r = await client.post(
        "/api/v1/auth/staff/verify", json={"phone": STAFF_PHONE, "code": sms.codes_for(STAFF_PHONE)[-1], "transport": "bearer"}
    )
    assert r.status_code == 200, r.text


def answer(r: httpx.Response) -> tuple:
    return r.status_code, r.headers.get("content-type"), r.headers.get("retry-after"), r.json()


async def test_residents_disabled_staff_and_unknown_numbers_are_answered_like_a_wrong_password(from_address, sms):
    await make_staff()
    resident = await identity.create_person(name="王居民", phone=RESIDENT_PHONE, actor="test", password=PASSWORD)
    await identity.grant_role(person=resident, role="resident", actor="test")
    disabled = await make_staff(DISABLED_PHONE)
    await Person.filter(id=disabled.id).update(disabled=True)
    by_phone = {}
    for phone, password in (
        (STAFF_PHONE, "wrong-password"),
        (RESIDENT_PHONE, PASSWORD),
        (DISABLED_PHONE, PASSWORD),
        (UNKNOWN_PHONE, PASSWORD),
    ):
        # Fresh addresses: the old lock told registered numbers apart after five misses.
        spread = [answer(await attempt(from_address(f"192.0.2.{i}"), phone, password)) for i in range(1, 7)]
        # One address: the wait starts after the same number of misses for every kind of number.
        same_place = [answer(await attempt(from_address("192.0.2.100"), phone, password)) for _ in range(4)]
        by_phone[phone] = (spread, same_place)
    expected = by_phone[STAFF_PHONE]
    assert expected[0][0][0] == 401 and expected[0][0][3]["code"] == "auth.bad_credentials"
    assert [a[0] for a in expected[1]] == [401, 401, 401, 429]
    assert by_phone[RESIDENT_PHONE] == by_phone[DISABLED_PHONE] == by_phone[UNKNOWN_PHONE] == expected
    assert sms.messages == []


async def test_unknown_numbers_cost_a_password_hash_too(from_address, monkeypatch):
    # Counted, not timed: a wall-clock comparison fails on a loaded machine. The same scrypt work
    # (one call, same cost parameters) for a number nobody has as for a clerk's wrong password.
    await make_staff()
    calls = []
    real = hashlib.scrypt

    def counted(*args, **kwargs):
        calls.append((kwargs["n"], kwargs["r"], kwargs["p"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    assert (await attempt(from_address(ATTACKER), UNKNOWN_PHONE)).status_code == 401
    unknown, calls[:] = list(calls), []
    assert (await attempt(from_address(CLERK_DESK))).status_code == 401
    assert unknown == calls and len(calls) == 1


async def test_an_outsiders_wrong_passwords_do_not_keep_the_clerk_out(from_address, sms):
    await make_staff()
    attacker = [(await attempt(from_address(ATTACKER))).status_code for _ in range(8)]
    assert attacker[:3] == [401] * 3 and set(attacker[3:]) == {429}
    r = await attempt(from_address(CLERK_DESK), password=PASSWORD)
    assert r.status_code == 202, r.text
    assert len(sms.codes_for(STAFF_PHONE)) == 1


async def test_wrong_passwords_from_one_address_wait_longer_each_time(from_address):
    await make_staff()
    desk = from_address(CLERK_DESK)
    assert [(await attempt(desk)).status_code for _ in range(3)] == [401] * 3
    r = await attempt(desk, password=PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "auth.login_throttled" and r.headers["retry-after"] == "1"
    await asyncio.sleep(1.1)
    assert (await attempt(desk)).status_code == 401
    r = await attempt(desk)
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert "2 秒" in r.json()["detail"]
    assert await AuditEntry.filter(action="login.failed").count() == 4
    throttled = await AuditEntry.filter(action="login.throttled").values_list("detail", flat=True)
    assert len(throttled) == 1 and throttled[0]["scope"] == "address"


async def test_the_right_password_clears_the_wait(from_address, sms):
    await make_staff()
    desk = from_address(CLERK_DESK)
    for _ in range(3):
        await attempt(desk)
    await asyncio.sleep(1.1)
    assert (await attempt(desk, password=PASSWORD)).status_code == 202
    # Three free tries again, not a wait that goes on growing from before.
    assert [(await attempt(desk)).status_code for _ in range(4)] == [401, 401, 401, 429]


async def test_parallel_guesses_get_no_more_tries_than_patient_ones(from_address):
    await make_staff()
    answers = await asyncio.gather(*(attempt(from_address(ATTACKER)) for _ in range(10)))
    assert sorted(r.status_code for r in answers) == [401] * 3 + [429] * 7


async def test_a_distributed_attack_is_limited_per_phone_but_not_at_the_clerks_own_desk(from_address, sms):
    await make_staff()
    await sign_in(from_address(CLERK_DESK), sms)
    statuses = []
    for i in range(identity.ACCOUNT_LIMITS[0][1] // identity.FREE_TRIES + 1):
        for _ in range(identity.FREE_TRIES):
            statuses.append((await attempt(from_address(f"198.51.100.{i + 1}"))).status_code)
    # The clerk's first sign-in, from a desk not yet known, counted as one of the phone's tries.
    assert statuses.count(401) == identity.ACCOUNT_LIMITS[0][1] - 1 and statuses[-1] == 429
    r = await attempt(from_address("198.51.100.200"), password=PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "auth.login_throttled" and int(r.headers["retry-after"]) > 0
    assert "account" in [d["scope"] for d in await AuditEntry.filter(action="login.throttled").values_list("detail", flat=True)]
    # Still checked at the desk (a wrong password is 401, not 429): the clerk can sign in there.
    r = await attempt(from_address(CLERK_DESK))
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_credentials"


async def test_password_checks_over_the_global_budget_are_429(from_address, monkeypatch):
    # The same budget over a longer window: on a loaded machine the burst may take longer than the
    # real 10 s window, which would then start afresh halfway and refuse nobody.
    monkeypatch.setattr(identity, "GLOBAL_LIMITS", ((600, identity.GLOBAL_LIMITS[0][1]), *identity.GLOBAL_LIMITS[1:]))
    burst = identity.GLOBAL_LIMITS[0][1] + 20
    answers = []
    for start in range(0, burst, 30):  # in waves, so the test stays within Redis's connection pool
        # Each from its own address and for its own number: no other limit applies.
        answers += await asyncio.gather(
            *(attempt(from_address(f"10.0.{i // 200}.{i % 200 + 1}"), f"1370000{i:04d}") for i in range(start, min(start + 30, burst)))
        )
    refused = [r for r in answers if r.status_code == 429]
    assert len(refused) >= 20 and sum(r.status_code == 401 for r in answers) + len(refused) == burst
    assert {r.json()["code"] for r in refused} == {"auth.rate_limited"} and all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert "global" in [d["scope"] for d in await AuditEntry.filter(action="login.throttled").values_list("detail", flat=True)]


async def test_passwords_are_hashed_and_checked_off_the_event_loop_thread(from_address, sms):
    on_loop_thread = []

    def watch(frame, event, arg) -> None:
        # sys.setprofile sees only this (the event loop's) thread: a scrypt call here is on the loop.
        if event == "c_call" and arg is hashlib.scrypt:
            on_loop_thread.append(frame.f_code.co_name)

    sys.setprofile(watch)
    try:
        await make_staff()
        answers = await asyncio.gather(
            *(attempt(from_address(f"192.0.2.{i}"), password=PASSWORD if i == 1 else "wrong") for i in range(1, 5))
        )
    finally:
        sys.setprofile(None)
    assert sorted(r.status_code for r in answers) == [202, 401, 401, 401], [r.text for r in answers]
    assert on_loop_thread == []
