"""The broker behaves the same in-process and on Redis."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
import redis

from backend.kit.broker import OPEN_AFTER, SOCKET_TIMEOUT, CircuitBreaker, RedisBroker, open_broker
from backend.kit.errors import BrokerUnavailable
from tests.conftest import REDIS_URL, require_postgres_and_redis
from tests.stack import OwnRedis, free_port


@pytest.fixture(params=["in-process", "redis"])
async def broker(request):
    if request.param == "redis":
        require_postgres_and_redis()
    b = open_broker(REDIS_URL if request.param == "redis" else None)
    await b.delete("k")
    await b.delete("counter")
    yield b
    await b.close()


async def test_set_get_delete(broker):
    await broker.set("k", b"v")
    assert await broker.get("k") == b"v"
    await broker.delete("k")
    assert await broker.get("k") is None


async def test_values_expire(broker):
    await broker.set("k", b"v", ttl=0.2)
    assert await broker.get("k") == b"v"
    await asyncio.sleep(0.35)
    assert await broker.get("k") is None


async def test_counter_window_starts_at_first_increment(broker):
    assert [await broker.incr("counter", ttl=0.4) for _ in range(3)] == [1, 2, 3]
    await asyncio.sleep(0.55)
    assert await broker.incr("counter", ttl=0.4) == 1


async def test_a_count_given_back_still_expires_with_its_window(broker):
    assert [await broker.incr("counter", ttl=0.4, amount=a) for a in (1, 1, -1)] == [1, 2, 1]
    await asyncio.sleep(0.55)
    # Given back after the window closed: the -1 must not outlive a window of its own.
    assert await broker.incr("counter", ttl=0.4, amount=-1) == -1
    await asyncio.sleep(0.55)
    assert await broker.incr("counter", ttl=0.4) == 1


async def test_publish_reaches_subscribers(broker):
    async with broker.subscribe("person:1") as messages:
        await asyncio.sleep(0.05)
        await broker.publish("person:1", b"hello")
        await broker.publish("person:2", b"not for you")
        await broker.publish("person:1", b"again")
        received = [await asyncio.wait_for(anext(messages), 2), await asyncio.wait_for(anext(messages), 2)]
    assert received == [b"hello", b"again"]


# The circuit breaker: a Redis that is down or frozen answers "unavailable" quickly, and a
# recovered one is noticed without a restart. Each test owns its redis-server.


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(free_port(), tmp_path)
    yield server
    server.stop()


async def _until(condition, timeout: float = 5) -> float:
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < timeout, "condition not met in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _answers(broker) -> bool:
    try:
        await broker.get("k")
    except BrokerUnavailable:
        return False
    return True


async def test_a_breaker_opens_after_failures_in_a_row_fails_fast_and_closes_on_a_good_probe():
    up = False

    async def probe() -> None:
        if not up:
            raise ConnectionRefusedError

    async def call() -> str:
        await probe()
        return "answer"

    breaker = CircuitBreaker(probe, open_after=2, probe_every=0.05)
    try:
        for _ in range(2):
            with pytest.raises(BrokerUnavailable):
                await breaker.call(call)
        assert breaker.is_open
        up = True  # the call would now succeed, but an open breaker does not try it
        with pytest.raises(BrokerUnavailable) as refused:
            await breaker.call(call)
        assert refused.value.headers["Retry-After"] == "5" and refused.value.status == 503
        await asyncio.sleep(0.2)  # the background probe sees the recovery
        assert not breaker.is_open
        assert await breaker.call(call) == "answer"
    finally:
        await breaker.close()


async def test_a_failure_that_is_not_an_outage_does_not_open_the_breaker():
    async def wrong() -> None:
        raise ValueError("a bug, not an outage")

    async def probe() -> None:
        return None

    breaker = CircuitBreaker(probe, open_after=1)
    with pytest.raises(ValueError):
        await breaker.call(wrong)
    assert not breaker.is_open


async def test_redis_down_answers_unavailable_at_once_and_a_restart_is_noticed(own_redis):
    broker = RedisBroker(own_redis.url)  # nothing listens on the port yet
    try:
        for _ in range(OPEN_AFTER):
            with pytest.raises(BrokerUnavailable):
                await broker.incr("counter", ttl=10)
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable):
            await broker.get("k")
        assert time.monotonic() - started < 0.05
        with pytest.raises(BrokerUnavailable):
            async with broker.subscribe("person:1"):
                pass
        own_redis.start()
        assert await _until(lambda: _answers(broker)) < 2
        assert await broker.incr("counter", ttl=10) == 1
    finally:
        await broker.close()


async def test_a_frozen_redis_costs_a_call_the_socket_timeout_then_nothing(own_redis):
    own_redis.start()
    broker = RedisBroker(own_redis.url)
    try:
        await broker.set("k", b"v")
        own_redis.signal(signal.SIGSTOP)
        started = time.monotonic()
        for _ in range(OPEN_AFTER):
            with pytest.raises(BrokerUnavailable):
                await broker.get("k")
        assert time.monotonic() - started < OPEN_AFTER * SOCKET_TIMEOUT + 0.5
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable):
            await broker.get("k")
        assert time.monotonic() - started < 0.05
        own_redis.signal(signal.SIGCONT)
        assert await _until(lambda: _answers(broker)) < 2
        assert await broker.get("k") == b"v"
    finally:
        await broker.close()


async def test_a_subscription_ends_with_unavailable_when_redis_dies(own_redis):
    own_redis.start()
    broker = RedisBroker(own_redis.url)
    try:
        async with broker.subscribe("person:1") as messages:
            own_redis.signal(signal.SIGKILL)
            with pytest.raises(BrokerUnavailable):
                await asyncio.wait_for(anext(messages), 5)
    finally:
        await broker.close()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((), "none"),
        (("--appendonly", "yes"), "aof"),
        (("--save", "900 1"), "rdb"),
        (("--rename-command", "CONFIG", ""), "unknown (CONFIG disabled)"),
    ],
)
async def test_persistence_says_whether_a_restart_keeps_the_counters(tmp_path, extra, expected):
    server = OwnRedis(free_port(), tmp_path, extra=extra)
    server.start()
    broker = RedisBroker(server.url)
    try:
        assert await broker.persistence() == expected
    finally:
        await broker.close()
        server.stop()


async def test_the_in_process_broker_says_it_keeps_nothing():
    assert await open_broker(None).persistence() == "none (in-process)"


async def test_a_busy_event_loop_is_not_a_redis_outage(own_redis):
    # A burst of requests on a loaded machine can keep the loop from reading Redis's answer for
    # longer than the deadline. The answer came in time; the call must not fail, nor the breaker open.
    own_redis.start()
    broker = RedisBroker(own_redis.url)
    try:
        await broker.set("k", b"v")
        loop = asyncio.get_running_loop()
        for _ in range(OPEN_AFTER + 1):
            # Redis answers after 0.1 s; from 0.02 s the loop is busy (time.sleep blocks it) until well past the deadline.
            redis.Redis(port=own_redis.port).execute_command("CLIENT", "PAUSE", 100, "ALL")
            loop.call_later(0.02, time.sleep, SOCKET_TIMEOUT * 2)
            assert await broker.get("k") == b"v"
        assert not broker.breaker.is_open
    finally:
        await broker.close()
