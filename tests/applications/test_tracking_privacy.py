"""Public tracking tells the status and nothing else, and the phone digits cannot be guessed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from backend.app import create_app
from backend.applications.models import Application
from backend.applications.tracking import (
    GUESSES_PER_NETWORK,
    GUESSES_PER_NUMBER,
    new_tracking_number,
    tracking_number_valid,
    unused_tracking_number,
)
from tests.applications.test_applications import submitted

RIGHT = "5678"  # the resident's phone is 13912345678


@pytest.fixture
async def app(auth_settings) -> AsyncIterator:
    application = create_app(auth_settings)
    async with application.router.lifespan_context(application):
        yield application


def from_address(app, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 50000)), base_url="http://testserver")


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with from_address(app, "203.0.113.7") as c:
        yield c


async def track(app, host: str, number: str, digits: str) -> httpx.Response:
    async with from_address(app, host) as c:
        return await c.get(f"/api/v1/track/{number}", params={"phone_last4": digits})


def unknown_number() -> str:
    return new_tracking_number()


async def test_tracking_shows_status_step_names_and_dates_but_no_staff_notes(app, client, resident, approver):
    case = await submitted(client, resident)
    reason = "与申请人李四（身份证440524188001010014）的登记信息冲突"
    r = await client.post(
        f"/api/v1/staff/applications/{case['id']}/request-correction",
        json={"items": [{"item": "premises", "reason": reason}]},
        headers=approver,
    )
    assert r.status_code == 200
    tracked = await track(app, "198.51.100.1", case["tracking_no"], RIGHT)
    assert tracked.status_code == 200
    body = tracked.json()
    assert body["status"] == "correction_requested"
    assert [step["text"] for step in body["timeline"]] == ["已提交申请", "需要补正材料"]
    assert all(set(step) == {"at", "status", "text"} for step in body["timeline"])
    for secret in ("李四", "440524188001010014", "张三", "11010519491231002X", "13912345678", "租赁"):
        assert secret not in tracked.text


async def test_wrong_digits_and_an_unknown_number_get_the_same_answer(app, client, resident):
    case = await submitted(client, resident)
    other = unknown_number()
    wrong = await track(app, "198.51.100.2", case["tracking_no"], "0000")
    missing = await track(app, "198.51.100.3", other, "0000")
    assert wrong.status_code == missing.status_code == 404
    # Identical but for the path each one asked about, which the problem echoes as its instance.
    assert wrong.content == missing.content.replace(other.encode(), case["tracking_no"].encode())
    same_headers = {k: v for k, v in wrong.headers.items() if k != "x-request-id"}
    assert same_headers == {k: v for k, v in missing.headers.items() if k != "x-request-id"}


async def test_wrong_digits_are_limited_per_tracking_number_whatever_the_address(app, client, resident):
    case = await submitted(client, resident)
    hourly = GUESSES_PER_NUMBER[0][1]
    for i in range(hourly):  # every guess from another address, as in the review
        assert (await track(app, f"198.51.{i}.9", case["tracking_no"], f"{i:04d}")).status_code == 404
    refused = await track(app, "192.0.2.200", case["tracking_no"], "9999")
    assert refused.status_code == 429 and refused.json()["code"] == "auth.rate_limited"
    assert int(refused.headers["retry-after"]) > 0
    # Not even the right digits: a 200 now would tell the guesser when they got it.
    assert (await track(app, "192.0.2.201", case["tracking_no"], RIGHT)).status_code == 429
    # Another number is not affected.
    assert (await track(app, "192.0.2.202", unknown_number(), "0000")).status_code == 404


async def test_parallel_guesses_cannot_slip_past_the_limit(app, client, resident):
    case = await submitted(client, resident)
    answers = await asyncio.gather(*(track(app, f"198.51.{i}.10", case["tracking_no"], f"{i:04d}") for i in range(40)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [404] * GUESSES_PER_NUMBER[0][1] + [429] * (40 - GUESSES_PER_NUMBER[0][1])


async def test_right_answers_do_not_use_up_the_guesses(app, client, resident):
    case = await submitted(client, resident)
    for _ in range(GUESSES_PER_NUMBER[0][1] + 5):
        assert (await track(app, "198.51.100.4", case["tracking_no"], RIGHT)).status_code == 200
    assert (await track(app, "198.51.100.4", case["tracking_no"], "0000")).status_code == 404


async def test_wrong_guesses_are_limited_per_ipv6_64_not_per_address(app, client, resident):
    hourly = GUESSES_PER_NETWORK[0][1]
    for i in range(hourly):  # a new address each time, all inside one /64
        assert (await track(app, f"2001:db8:1:2::{i + 1:x}", unknown_number(), "0000")).status_code == 404
    refused = await track(app, "2001:db8:1:2:ffff::1", unknown_number(), "0000")
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert (await track(app, "2001:db8:1:3::1", unknown_number(), "0000")).status_code == 404  # the next /64


async def test_tracking_numbers_are_random_not_derived_from_the_case_id(client, resident):
    first = await submitted(client, resident)
    second = await submitted(client, resident)
    numbers = [first["tracking_no"], second["tracking_no"]]
    assert all(len(n) == 14 and tracking_number_valid(n) for n in numbers)
    assert not any(f"{case['id']:07d}" in case["tracking_no"] for case in (first, second))
    assert abs(int(numbers[0][:-1]) - int(numbers[1][:-1])) > 1000  # not one after the other
    assert len({new_tracking_number() for _ in range(2000)}) == 2000


async def test_a_number_already_taken_is_drawn_again(client, resident):
    case = await submitted(client, resident)
    fresh = new_tracking_number()
    assert await unused_tracking_number(candidates=[case["tracking_no"], fresh]) == fresh
    assert await Application.filter(tracking_no=case["tracking_no"]).count() == 1
