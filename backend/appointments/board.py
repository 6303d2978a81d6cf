"""The hall's queue board (叫号屏): the numbers called and the wait, for the big screen, live.

Public: it shows ticket labels, windows, counts and estimates, never a name, a phone or a code
that would find an appointment. Every queue change publishes on the broker after commit
(``queue.publish_after_commit``); an open board then reads the table again and sends the new
state when it differs. Without a shared broker (in-process, several app processes) or while
Redis is down, the stream also looks at the table every second, so no change is missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from starlette.responses import StreamingResponse

from backend.appointments import booking, queue
from backend.appointments.models import Ticket, WindowGroup
from backend.catalog.models import Hall
from backend.kit.broker import RedisBroker
from backend.kit.errors import BrokerUnavailable
from backend.kit.resources import current

RECENT_CALLS = 8  # the called numbers a board shows
IN_PROCESS_LOOK = 1.0  # seconds


class BoardCall(BaseModel):
    label: str
    window: str
    at: str = Field(description="when it was called, HH:MM local time")
    current: bool = Field(description="still being called (not yet served or marked absent)")


class BoardGroup(BaseModel):
    id: int
    name: str
    windows: int
    waiting: int
    estimated_wait_minutes: int = Field(description="for someone taking a ticket now")


class BoardOut(BaseModel):
    hall_code: str
    hall_name: str
    date: str
    called: list[BoardCall]
    groups: list[BoardGroup]


async def hall_or_404(code: str) -> Hall:
    hall = await Hall.get_or_none(code=code)
    if hall is None:
        raise booking.HallNotFound()
    return hall


async def snapshot(hall: Hall, now: datetime | None = None) -> BoardOut:
    """What the board shows now: no personal data, only labels, windows, counts and estimates."""
    now = now or datetime.now(UTC)
    today = queue.local_today(now)
    called = (
        await Ticket.filter(hall_code=hall.code, date=today, called_at__isnull=False, status__in=("called", "served", "absent"))
        .order_by("-called_at", "-id")
        .limit(RECENT_CALLS)
    )
    groups: list[BoardGroup] = []
    for group in await WindowGroup.filter(hall_code=hall.code, active=True).order_by("id"):
        waiting = await Ticket.filter(group_id=group.id, date=today, status="waiting").count()
        average = await queue.average_service_seconds(group.id)
        windows = max(1, len(group.windows))
        groups.append(
            BoardGroup(
                id=group.id,
                name=group.name,
                windows=windows,
                waiting=waiting,
                estimated_wait_minutes=queue.estimate_minutes(waiting, average, windows),
            )
        )
    return BoardOut(
        hall_code=hall.code,
        hall_name=hall.name,
        date=today.isoformat(),
        called=[
            BoardCall(label=t.label, window=t.window, at=queue.hhmm(t.called_at), current=t.status == "called")
            for t in called
            if t.called_at is not None
        ],
        groups=groups,
    )


async def _no_messages() -> AsyncIterator[bytes]:
    await asyncio.Event().wait()
    yield b""  # never reached: only makes this an async generator


def _event(n: int, state: str) -> str:
    return f"id: {n}\nevent: board\ndata: {state}\n\n"


async def events(hall: Hall) -> AsyncIterator[str]:
    """The board's Server-Sent Events: the state at once, then each new state, with heartbeats."""
    resources = current()
    heartbeat = resources.settings.stream_heartbeat
    look_every = heartbeat if isinstance(resources.broker, RedisBroker) else IN_PROCESS_LOOK
    signals: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100)
    async with AsyncExitStack() as subscription:
        try:
            messages = await subscription.enter_async_context(resources.broker.subscribe(queue.board_channel(hall.code)))
        except BrokerUnavailable:  # no pub/sub now: look at the table instead
            messages, look_every = _no_messages(), IN_PROCESS_LOOK

        async def pump() -> None:
            async for message in messages:
                if not signals.full():  # each signal only says "look again": one waiting is enough
                    signals.put_nowait(message)

        reader = asyncio.create_task(pump())
        try:
            yield "retry: 3000\n: connected\n\n"
            # Subscribed first, then read: a change committed in between is in the first state or signalled.
            sent = 1
            last = json.dumps((await snapshot(hall)).model_dump(mode="json"), ensure_ascii=False)
            yield _event(sent, last)
            quiet_since = time.monotonic()
            while True:
                unheard = isinstance(resources.broker, RedisBroker) and resources.broker.breaker.is_open
                look = IN_PROCESS_LOOK if unheard else look_every
                try:
                    await asyncio.wait_for(signals.get(), timeout=min(heartbeat, look))
                    while not signals.empty():
                        signals.get_nowait()
                except TimeoutError:
                    if reader.done():  # the broker connection ended: let the browser reconnect
                        return
                state = json.dumps((await snapshot(hall)).model_dump(mode="json"), ensure_ascii=False)
                if state != last:
                    sent, last = sent + 1, state
                    quiet_since = time.monotonic()
                    yield _event(sent, state)
                elif time.monotonic() - quiet_since >= heartbeat:
                    quiet_since = time.monotonic()
                    yield ": ping\n\n"
        finally:
            reader.cancel()


def response(hall: Hall) -> StreamingResponse:
    return StreamingResponse(
        events(hall),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"},
    )
