"""The live stream (Server-Sent Events): a person's new notifications reach their open pages.

Any app process can serve it: notifications are published on the broker after commit (Redis
pub/sub across processes, in-process in the embedded default, where the stream also looks at
the table every second so several processes on one SQLite file still hear each other). A
reconnecting browser sends Last-Event-ID and first gets what it missed, from the database.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import cast

from starlette.responses import StreamingResponse

from backend.kit.broker import RedisBroker
from backend.kit.errors import BrokerUnavailable
from backend.kit.resources import current
from notifications.models import Notification
from notifications.outbox import inbox_channel, present

REPLAY_LIMIT = 200
IN_PROCESS_LOOK = 1.0  # seconds


def _event(notification: dict) -> str:
    data = json.dumps(notification, ensure_ascii=False)
    return f"id: {notification['id']}\nevent: notification\ndata: {data}\n\n"


async def _no_messages() -> AsyncIterator[bytes]:
    await asyncio.Event().wait()
    yield b""  # never reached: only makes this an async generator


async def events(person_id: int, last_event_id: int | None) -> AsyncIterator[str]:
    resources = current()
    heartbeat = resources.settings.stream_heartbeat
    # Redis reaches every process; the in-process broker only this one, so look at the table often.
    look_every = heartbeat if isinstance(resources.broker, RedisBroker) else IN_PROCESS_LOOK
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)
    if last_event_id is None:  # a fresh page: from now on (it loads the inbox itself)
        # first().values_list(flat=True) gives the value or None; tortoise types it as a tuple
        newest = cast(int | None, await Notification.filter(person_id=person_id).order_by("-id").first().values_list("id", flat=True))
        last_event_id = newest or 0
    async with AsyncExitStack() as subscription:
        try:
            messages = await subscription.enter_async_context(resources.broker.subscribe(inbox_channel(person_id)))
        except BrokerUnavailable:  # no pub/sub now: this stream looks at the table instead
            messages, look_every = _no_messages(), IN_PROCESS_LOOK

        async def pump() -> None:
            async for message in messages:
                if queue.full():  # a stalled reader: drop the oldest, the replay on reconnect has them all
                    queue.get_nowait()
                queue.put_nowait(message)

        reader = asyncio.create_task(pump())
        try:
            yield "retry: 3000\n: connected\n\n"
            # Subscribed, then read the database: whatever committed in between comes from one or
            # the other (or both: the id check drops the second copy).
            last = last_event_id
            sent: deque[int] = deque(maxlen=REPLAY_LIMIT)  # ids already on this stream (ids may commit out of order)
            for n in await Notification.filter(person_id=person_id, id__gt=last_event_id).order_by("id").limit(REPLAY_LIMIT):
                last = n.id
                sent.append(n.id)
                yield _event(present(n))
            quiet_since = time.monotonic()
            while True:
                try:
                    # While Redis is unavailable nobody else's news is heard: look at the table as often
                    # as without Redis.
                    unheard = isinstance(resources.broker, RedisBroker) and resources.broker.breaker.is_open
                    look = IN_PROCESS_LOOK if unheard else look_every
                    message = await asyncio.wait_for(queue.get(), timeout=min(heartbeat, look))
                except TimeoutError:
                    if reader.done():  # the broker connection ended: let the browser reconnect (and replay)
                        return
                    # A look at the database: what another process wrote when the broker cannot tell us
                    # (in-process broker, several app processes), or a message the broker lost.
                    for n in await Notification.filter(person_id=person_id, id__gt=last).order_by("id").limit(REPLAY_LIMIT):
                        last = n.id
                        if n.id in sent:
                            continue
                        sent.append(n.id)
                        quiet_since = time.monotonic()
                        yield _event(present(n))
                    if time.monotonic() - quiet_since >= heartbeat:
                        quiet_since = time.monotonic()
                        yield ": ping\n\n"
                    continue
                quiet_since = time.monotonic()
                payload = json.loads(message)
                notification = payload.get("notification") or {}
                nid = notification.get("id", 0)
                if nid <= last_event_id or nid in sent:  # older than where the page started, or already sent
                    continue
                sent.append(nid)
                last = max(last, nid)
                yield _event(notification)
        finally:
            reader.cancel()


def response(person_id: int, last_event_id: int | None) -> StreamingResponse:
    return StreamingResponse(
        events(person_id, last_event_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )
