"""Short-lived shared state and pub/sub: Redis when configured, in-process otherwise.

Used for sessions, rate limits, token caches and the live stream. Nothing durable lives here:
what must not be lost is a database row.

When Redis is down or frozen, every call raises ``BrokerUnavailable`` (503 with Retry-After)
within a few hundred milliseconds: a short deadline per call, no client retries, and a circuit
breaker that, once open, answers at once and probes in the background until Redis is back.
The deadline counts only time the event loop was free to read the answer: a burst of requests
on a loaded machine delays the loop, and that is not Redis's outage (see ``within``).
Callers that only use the broker as a copy (session cache, profile cache, catalog version)
catch it and go to the database; rate limits let it through, so they fail closed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress
from typing import Any, Protocol, TypeVar, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.kit.errors import BrokerUnavailable

log = logging.getLogger("yiwang.broker")

# A healthy Redis on the same network answers in well under a millisecond; a request that waited
# this long for one command is better answered from the database or refused.
SOCKET_TIMEOUT = 0.25
CONNECT_TIMEOUT = 0.25
# The longest a call may wait however busy the loop: also the client's own socket timeouts, so
# that they never cut a call short that ``within`` would still grant time.
BACKSTOP = 5.0
OPEN_AFTER = 2  # failures in a row that open the breaker
PROBE_EVERY = 0.5  # seconds between background pings while open
# Commands one process has at Redis at once. A burst of requests beyond it waits its turn before
# the deadline starts (a queue of our own is not Redis failing); subscriptions do not count.
IN_FLIGHT = 64
POOL_SIZE = 1000  # connections per process: the commands in flight plus the live subscriptions


class Broker(Protocol):
    async def ping(self) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, *, ttl: float, amount: int = 1) -> int: ...
    async def publish(self, channel: str, message: bytes) -> None: ...
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]: ...
    async def persistence(self) -> str: ...
    async def close(self) -> None: ...


T = TypeVar("T")
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


class LoopLag:
    """How long this event loop has been too busy to run what was due: a 10 ms ticker's lateness.

    It ticks only while some call is waiting (``watching``), so an idle process pays nothing.
    Lateness still pending (the loop is stuck right now, the ticker has not run yet) counts too.
    """

    TICK = 0.01

    def __init__(self) -> None:
        self._total = 0.0
        self._due: float | None = None
        self._waiting = 0
        self._task: asyncio.Task[None] | None = None

    def now(self, loop: asyncio.AbstractEventLoop) -> float:
        pending = max(0.0, loop.time() - self._due) if self._due is not None else 0.0
        return self._total + pending

    @contextmanager
    def watching(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        self._waiting += 1
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._due = loop.time() + self.TICK
            self._task = loop.create_task(self._tick(loop))
        try:
            yield
        finally:
            self._waiting -= 1

    async def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while self._waiting > 0 and self._due is not None:
                await asyncio.sleep(max(0.0, self._due - loop.time()))
                now = loop.time()
                self._total += max(0.0, now - self._due)
                self._due = now + self.TICK
        finally:
            self._due = None

    async def close(self) -> None:
        if self._task is not None and not self._task.done() and self._task.get_loop() is asyncio.get_running_loop():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task


async def within(budget: float, make: Callable[[], Awaitable[T]], lag: LoopLag) -> T:
    """Await ``make()`` for ``budget`` seconds of the event loop's attention, else TimeoutError.

    A plain timeout (``asyncio.timeout``, or the client's socket timeout) counts wall time: when a
    burst of requests keeps the loop busy (logins on two loaded cores), Redis's answer sits unread
    in the socket and the timeout still wins, blaming Redis for our own queue. Here the time the
    loop was too busy to run what was due is not counted; only a call that stays unanswered while
    the loop keeps up is Redis's fault. ``BACKSTOP`` bounds the wait however busy the loop is.
    """
    loop = asyncio.get_running_loop()
    task: asyncio.Future[T] = asyncio.ensure_future(make())
    started = loop.time()
    with lag.watching(loop):
        lagged_before = lag.now(loop)
        try:
            left = budget
            while True:
                done, _ = await asyncio.wait({task}, timeout=left)
                if done:
                    return task.result()
                waited = loop.time() - started
                left = budget - (waited - (lag.now(loop) - lagged_before))
                if left <= 0.001 or waited >= BACKSTOP:
                    raise TimeoutError(f"no answer in {budget} s")
        finally:
            if not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task


class CircuitBreaker:
    """Closed: calls go through. Open (after OPEN_AFTER outage failures in a row): calls fail at
    once while a background task pings every PROBE_EVERY seconds; the first good ping closes it."""

    def __init__(
        self,
        probe: Any,
        *,
        open_after: int = OPEN_AFTER,
        probe_every: float = PROBE_EVERY,
        deadline: float = SOCKET_TIMEOUT,
        in_flight: int | None = None,
    ) -> None:
        self._probe = probe
        self._gate = asyncio.Semaphore(in_flight) if in_flight else None
        self.open_after = open_after
        self.probe_every = probe_every
        self.deadline = deadline
        self.lag = LoopLag()
        self.failures = 0
        self.opened_at: float | None = None
        self._prober: asyncio.Task[None] | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    async def call(self, make: Any, *, bounded: bool = True) -> Any:
        """Run ``make()`` within the deadline; unbounded leaves the wait to the call itself (a subscription)."""
        if self.opened_at is not None:
            self._start_probing()
            raise BrokerUnavailable()
        if bounded and self._gate is not None:
            async with self._gate:
                return await self._call(make, bounded=True)
        return await self._call(make, bounded=bounded)

    async def _call(self, make: Any, *, bounded: bool) -> Any:
        if self.opened_at is not None:  # opened while this call waited its turn
            raise BrokerUnavailable()
        try:
            result = await (within(self.deadline, make, self.lag) if bounded else make())
        except _OUTAGE as exc:
            self._failed(exc)
            raise BrokerUnavailable() from exc
        self.failures = 0
        return result

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        if self.failures >= self.open_after and self.opened_at is None:
            self.opened_at = time.monotonic()
            log.warning("broker unavailable (%s): failing fast and probing for recovery", type(exc).__name__)
            self._start_probing()

    def _start_probing(self) -> None:
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(self._probing())

    async def _probing(self) -> None:
        while self.opened_at is not None:
            await asyncio.sleep(self.probe_every)
            try:
                await within(self.deadline, self._probe, self.lag)
            except Exception:
                continue
            log.warning("broker back after %.1f s", time.monotonic() - self.opened_at)
            self.opened_at, self.failures = None, 0

    async def close(self) -> None:
        await self.lag.close()
        if self._prober is not None:
            self._prober.cancel()
            if self._prober.get_loop() is asyncio.get_running_loop():
                with suppress(asyncio.CancelledError):
                    await self._prober


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

    async def persistence(self) -> str:
        return "none (in-process)"

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """The scale-out broker: every app process and worker shares one Redis."""

    def __init__(self, url: str, *, prefix: str = "yiwang:") -> None:
        # One immediate retry on a dropped connection (a stale pooled one after a Redis restart),
        # none on a timeout: a retry on a frozen server only doubles the wait.
        self._redis = aioredis.Redis.from_url(
            url,
            max_connections=POOL_SIZE,
            socket_timeout=BACKSTOP,
            socket_connect_timeout=BACKSTOP,
            health_check_interval=30,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self.breaker = CircuitBreaker(self._redis.ping, in_flight=IN_FLIGHT)
        self._prefix = prefix
        # Pub/sub channels are not per database in Redis: name the database in them, so two
        # deployments (or a test run and a benchmark) sharing one Redis never hear each other.
        self._channels = f"{prefix}db{self._redis.connection_pool.connection_kwargs.get('db', 0)}:"

    async def ping(self) -> None:
        await self.breaker.call(self._redis.ping)

    async def get(self, key: str) -> bytes | None:
        # Without decode_responses the client answers bytes; its types allow str too.
        return cast(bytes | None, await self.breaker.call(lambda: self._redis.get(self._prefix + key)))

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self.breaker.call(lambda: self._redis.set(self._prefix + key, value, px=None if ttl is None else int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self.breaker.call(lambda: self._redis.delete(self._prefix + key))

    async def incr(self, key: str, *, ttl: float, amount: int = 1) -> int:
        name = self._prefix + key

        async def run() -> int:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(name, amount)
                pipe.pexpire(name, int(ttl * 1000), nx=True)
                value, _ = await pipe.execute()
            return int(value)

        return cast(int, await self.breaker.call(run))

    async def publish(self, channel: str, message: bytes) -> None:
        await self.breaker.call(lambda: self._redis.publish(self._channels + channel, message))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        pubsub = self._redis.pubsub()

        async def confirmed() -> None:
            await pubsub.subscribe(self._channels + channel)
            # Wait for Redis to confirm: only then is a message published elsewhere sure to reach
            # us (callers read the database after subscribing and rely on that order).
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                confirmation = await pubsub.get_message(timeout=1)
                if confirmation is not None and confirmation.get("type") == "subscribe":
                    return

        try:
            await self.breaker.call(confirmed, bounded=False)
        except BaseException:
            await pubsub.aclose()
            raise

        async def messages() -> AsyncIterator[bytes]:
            # A subscription waits for messages without a timeout; a lost connection ends it
            # with BrokerUnavailable, and its holder falls back to polling.
            try:
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        yield item["data"]
            except _OUTAGE as exc:
                raise BrokerUnavailable() from exc

        try:
            yield messages()
        finally:
            try:
                async with asyncio.timeout(SOCKET_TIMEOUT * 2):
                    await pubsub.unsubscribe()
            except Exception:  # the connection is gone with the server: nothing left to unsubscribe
                pass
            await pubsub.aclose()

    async def persistence(self) -> str:
        """How this Redis keeps data over a restart: "aof", "rdb", "aof+rdb", "none" or "unknown".

        Without persistence a restart resets rate-limit counters (a fresh budget of SMS and
        password tries) and drops cached sessions and tokens (reloaded from the database).
        """
        try:
            config = await self.breaker.call(lambda: self._redis.config_get("appendonly", "save"))
        except BrokerUnavailable:
            return "unknown (unavailable)"
        except Exception:  # CONFIG renamed or disabled (managed Redis): the operator must check
            return "unknown (CONFIG disabled)"
        values = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v) for k, v in config.items()}
        kinds = [kind for kind, on in (("aof", values.get("appendonly") == "yes"), ("rdb", bool(values.get("save")))) if on]
        return "+".join(kinds) or "none"

    async def close(self) -> None:
        await self.breaker.close()
        await self._redis.aclose()


def open_broker(redis_url: str | None) -> InProcessBroker | RedisBroker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()
