"""Short-lived shared state and pub/sub: Redis when configured, in-process otherwise.

Used for sessions, rate limits, token caches and the live stream. Nothing durable lives here:
what must not be lost is a database row.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, cast

import redis.asyncio as aioredis


class Broker(Protocol):
    async def ping(self) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, *, ttl: float, amount: int = 1) -> int: ...
    async def publish(self, channel: str, message: bytes) -> None: ...
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]: ...
    async def close(self) -> None: ...


class InProcessBroker:
    """A single-process broker for the embedded default (SQLite, no Redis)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._subscribers: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)

    def _live(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def ping(self) -> None:
        return None

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._data[key] = (value, None if ttl is None else time.monotonic() + ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, *, ttl: float, amount: int = 1) -> int:
        """Increment a counter (a negative amount gives back); its time-to-live starts with the first change (fixed window)."""
        current = self._live(key)
        if current is None:
            self._data[key] = (str(amount).encode(), time.monotonic() + ttl)
            return amount
        value = int(current) + amount
        self._data[key] = (str(value).encode(), self._data[key][1])
        return value

    async def publish(self, channel: str, message: bytes) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            queue.put_nowait(message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers[channel].add(queue)

        async def messages() -> AsyncIterator[bytes]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """The scale-out broker: every app process and worker shares one Redis."""

    def __init__(self, url: str, *, prefix: str = "yiwang:") -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=30)
        self._prefix = prefix
        # Pub/sub channels are not per database in Redis: name the database in them, so two
        # deployments (or a test run and a benchmark) sharing one Redis never hear each other.
        self._channels = f"{prefix}db{self._redis.connection_pool.connection_kwargs.get('db', 0)}:"

    async def ping(self) -> None:
        await self._redis.ping()

    async def get(self, key: str) -> bytes | None:
        # Without decode_responses the client answers bytes; its types allow str too.
        return cast(bytes | None, await self._redis.get(self._prefix + key))

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self._redis.set(self._prefix + key, value, px=None if ttl is None else int(ttl * 1000))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def incr(self, key: str, *, ttl: float, amount: int = 1) -> int:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.pexpire(name, int(ttl * 1000), nx=True)
            value, _ = await pipe.execute()
        return int(value)

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(self._channels + channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._channels + channel)
        # Wait for Redis to confirm: only then is a message published elsewhere sure to reach us
        # (callers read the database after subscribing and rely on that order).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            confirmation = await pubsub.get_message(timeout=1)
            if confirmation is not None and confirmation.get("type") == "subscribe":
                break

        async def messages() -> AsyncIterator[bytes]:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    yield item["data"]

        try:
            yield messages()
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


def open_broker(redis_url: str | None) -> InProcessBroker | RedisBroker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()
