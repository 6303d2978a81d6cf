"""The broker behaves the same in-process and on Redis."""

from __future__ import annotations

import asyncio

import pytest

from backend.kit.broker import open_broker
from tests.conftest import REDIS_URL, require_postgres_and_redis


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
