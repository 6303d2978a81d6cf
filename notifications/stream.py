"""The live stream (Server-Sent Events): a person's new notifications reach their open pages.

Any app process can serve it: notifications are published on the broker after commit (Redis
pub/sub across processes, in-process in the embedded default). A reconnecting browser sends
Last-Event-ID and first gets what it missed, from the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from backend.kit.resources import current

from notifications.models import Notification
from notifications.outbox import inbox_channel, present

REPLAY_LIMIT = 200


def _event(notification: dict) -> str:
    data = json.dumps(notification, ensure_ascii=False)
    return f"id: {notification['id']}\nevent: notification\ndata: {data}\n\n"


async def events(person_id: int, last_event_id: int | None) -> AsyncIterator[str]:
    resources = current()
    heartbeat = resources.settings.stream_heartbeat
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)
    async with resources.broker.subscribe(inbox_channel(person_id)) as messages:
        async def pump() -> None:
            async for message in messages:
                if queue.full():  # a stalled reader: drop the oldest, the replay on reconnect has them all
                    queue.get_nowait()
                queue.put_nowait(message)

        reader = asyncio.create_task(pump())
        try:
            # Subscribed first, then read the database: nothing can fall between the two.
            yield "retry: 3000\n: connected\n\n"
            if last_event_id is None:
                newest = await Notification.filter(person_id=person_id).order_by("-id").first().values_list("id", flat=True)
                last = newest or 0
            else:
                last = last_event_id
                for n in await Notification.filter(person_id=person_id, id__gt=last_event_id).order_by("id").limit(REPLAY_LIMIT):
                    last = n.id
                    yield _event(present(n))
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=heartbeat)
                except TimeoutError:
                    if reader.done():  # the broker connection ended: let the browser reconnect (and replay)
                        return
                    yield ": ping\n\n"
                    continue
                payload = json.loads(message)
                notification = payload.get("notification") or {}
                if notification.get("id", 0) <= last:
                    continue
                last = notification["id"]
                yield _event(notification)
        finally:
            reader.cancel()


def response(person_id: int, last_event_id: int | None) -> StreamingResponse:
    return StreamingResponse(
        events(person_id, last_event_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )
