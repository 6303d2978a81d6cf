"""A Redis the test owns is killed, frozen and brought back under a real `yiwang serve` on PostgreSQL.

What only reads (the catalog, who I am) keeps answering from memory and the database; what must
not run unthrottled (SMS codes, staff passwords) is refused with 503 broker.unavailable, a Chinese
message and Retry-After; a frozen Redis costs a request a few hundred milliseconds, not seconds;
the app recovers without a restart once Redis answers again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from auth import service as identity
from auth import sessions
from auth.models import Session
from backend.kit.resources import opened
from backend.kit.transactions import transaction
from notifications.outbox import notify
from tests.conftest import _reset_postgres, make_settings
from tests.consents import agree
from tests.stack import OwnRedis, free_port, start_app

FROZEN_BOUND = 1.5  # seconds: a behaviour bound (the design is ~0.5 s at worst), not a benchmark
RECOVERY_BOUND = 5.0


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    r = OwnRedis(free_port(), tmp_path)
    r.start()
    yield r
    r.stop()


@pytest.fixture
def stack(postgres_database, own_redis, tmp_path):
    asyncio.run(_reset_postgres(postgres_database))
    settings = make_settings(postgres_database, own_redis.url, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | {
        "YIWANG_DATABASE_URL": settings.database_url,
        "YIWANG_REDIS_URL": own_redis.url,
        "YIWANG_MEDIA_DIR": str(settings.media_dir),
        "YIWANG_DATA_KEY": settings.data_key,
        "YIWANG_INDEX_KEY": settings.index_key,
        "YIWANG_PWA_DIR": str(tmp_path),
        "YIWANG_DISPATCHER": "off",
        "YIWANG_LOG_LEVEL": "WARNING",
    }

    async def resident() -> str:
        async with opened(settings):
            person = await identity.create_person(name="钱七", phone="13700000088", actor="test")
            await agree(person_id=person.id)
            # Created through Redis: the session has a cached copy there, as in production.
            token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
            return token

    token = asyncio.run(resident())
    app = start_app(env, tmp_path)
    app.settings = settings  # type: ignore[attr-defined]  (the test writes notifications as a worker would)
    yield app, own_redis, token
    app.stop()


def _answers(base: str, token: str) -> dict[str, tuple[httpx.Response, float]]:
    """Each probe of the outage, with how long it took to answer."""
    requests = {
        "services": ("GET", "/api/v1/services", None, {}),
        "me": ("GET", "/api/v1/me", None, {"Authorization": f"Bearer {token}"}),
        "sms_send": ("POST", "/api/v1/auth/sms/send", {"phone": "13700000099"}, {}),
        "sms_verify": ("POST", "/api/v1/auth/sms/verify", {"phone": "13700000099", "code": "123456"}, {}),
        "staff_login": ("POST", "/api/v1/auth/staff/login", {"phone": "13700000098", "password": "secret-password"}, {}),
        "readyz": ("GET", "/readyz", None, {}),
    }
    out = {}
    with httpx.Client(base_url=base, timeout=15) as http:
        for name, (method, path, body, headers) in requests.items():
            started = time.monotonic()
            response = http.request(method, path, json=body, headers=headers)
            out[name] = (response, time.monotonic() - started)
    return out


def _assert_degraded(answers: dict[str, tuple[httpx.Response, float]]) -> None:
    for name in ("services", "me"):
        response, _ = answers[name]
        assert response.status_code == 200, (name, response.text)
    for name in ("sms_send", "sms_verify", "staff_login"):
        response, _ = answers[name]
        assert response.status_code == 503, (name, response.text)
        problem = response.json()
        assert problem["code"] == "broker.unavailable"
        assert problem["title"] == "服务暂时不可用" and "秒后再试" in problem["detail"]
        assert int(response.headers["Retry-After"]) > 0
    ready, _ = answers["readyz"]
    assert ready.status_code == 503 and ready.json()["down"] == ["broker"]
    assert int(ready.headers["Retry-After"]) > 0


def _recovers(base: str) -> float:
    """Seconds until the app answers ready and sends SMS codes again (no restart)."""
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=5) as http:
        while time.monotonic() - started < RECOVERY_BOUND * 2:
            ready = http.get("/readyz")
            sent = http.post("/api/v1/auth/sms/send", json={"phone": "13700000097"}) if ready.status_code == 200 else None
            if sent is not None and sent.status_code == 202:
                return time.monotonic() - started
            time.sleep(0.05)
    raise AssertionError("the app did not recover")


def test_a_killed_redis_refuses_what_must_be_throttled_and_serves_the_rest_then_recovers(stack):
    app, own, token = stack
    base = f"http://127.0.0.1:{app.port}"
    ok = _answers(base, token)
    assert ok["me"][0].status_code == 200 and ok["sms_send"][0].status_code == 202 and ok["readyz"][0].status_code == 200

    own.signal(signal.SIGKILL)
    answers = _answers(base, token)
    _assert_degraded(answers)
    assert max(took for _, took in answers.values()) < FROZEN_BOUND

    own.start()  # the same port, empty: nothing persisted
    took = _recovers(base)
    assert took < RECOVERY_BOUND
    print(f"\nkilled redis: slowest answer {max(t for _, t in answers.values()):.3f} s; recovered {took:.2f} s after restart")


def test_a_frozen_redis_costs_each_request_at_most_a_few_hundred_milliseconds(stack):
    app, own, token = stack
    base = f"http://127.0.0.1:{app.port}"
    assert _answers(base, token)["me"][0].status_code == 200

    own.signal(signal.SIGSTOP)
    try:
        first = _answers(base, token)  # the breaker opens on these
        again = _answers(base, token)  # and answers at once while open
    finally:
        own.signal(signal.SIGCONT)
    _assert_degraded(first)
    _assert_degraded(again)
    times = {name: round(took, 3) for name, (_, took) in first.items()}
    assert max(times.values()) < FROZEN_BOUND, times
    assert max(took for _, took in again.values()) < FROZEN_BOUND
    took = _recovers(base)
    assert took < RECOVERY_BOUND
    print(
        f"\nfrozen redis: first answers {times}; while open {max(t for _, t in again.values()):.3f} s; recovered {took:.2f} s after SIGCONT"
    )


def test_without_redis_the_live_stream_looks_at_the_table_and_the_start_up_log_warns(stack):
    app, own, token = stack
    # The Redis in use keeps nothing over a restart: the operator is told at start-up.
    assert "redis persistence: none" in app.log_path.read_text(errors="replace")
    own.signal(signal.SIGKILL)

    async def scenario() -> float:
        async with opened(app.settings):
            person_id = (await Session.get(token_hash=sessions.hash_token(token))).person_id
            url = f"http://127.0.0.1:{app.port}/api/v1/stream"
            async with httpx.AsyncClient(timeout=httpx.Timeout(15)) as http:
                async with http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
                    assert response.status_code == 200
                    lines = response.aiter_lines()
                    while not (await anext(lines)).startswith(": connected"):
                        pass
                    async with transaction():  # its after-commit publish fails: only the row tells
                        sent = await notify(person_id=person_id, event="case.submitted", dedupe_key="r:1", title="已提交：测试", body="b")
                    started = time.monotonic()
                    async with asyncio.timeout(5):
                        while await anext(lines) != f"id: {sent.id}":
                            pass
                    return time.monotonic() - started

    took = asyncio.run(scenario())
    assert took < 3
    print(f"\nstream without redis: notification after {took:.2f} s")
