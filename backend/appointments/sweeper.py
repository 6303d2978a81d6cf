"""The appointments sweeper: one periodic task per app process (started in the app's lifespan).

Every ``YIWANG_APPOINTMENT_SWEEP_SECONDS`` it expires unconfirmed holds, reopens cancelled places
that are due (or offers them to the waiting list), lapses unanswered offers, ends suspensions whose
date has come and writes the reminders that are due. Each step is a conditional update, so any
number of processes may sweep at once: a hold expires once, a place is offered once, a reminder is
written once. A failing step (the database gone for a moment) is logged and the round goes on;
the next round tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

log = logging.getLogger("yiwang.appointments.sweeper")


def steps() -> list[tuple[str, Callable[[datetime], Awaitable[int | None]]]]:
    """(name, step) in the order a round takes them: places come back before they are offered."""
    from backend.appointments import booking, noshow, notices, waiting

    return [
        ("expire_holds", booking.expire_holds),
        ("reopen_due", booking.reopen_due),
        ("lapse_offers", waiting.lapse_offers),
        ("end_suspensions", lambda now: noshow.end_suspensions(noshow.local_today(now))),
        ("remind", notices.remind),
    ]


class Sweeper:
    """Runs the steps every ``interval`` seconds until stopped; counts rounds and failed steps."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.rounds = 0
        self.failures = 0
        self.done: dict[str, int] = {}  # step → what it handled in the last round

    async def sweep(self, now: datetime | None = None) -> dict[str, int]:
        """One round: every step, each on its own (one failing does not stop the others)."""
        now = now or datetime.now(UTC)
        done: dict[str, int] = {}
        for name, step in steps():
            try:
                done[name] = int(await step(now) or 0)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("appointments sweeper: %s failed; the next round tries again", name)
        self.rounds += 1
        self.done = done
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every ``interval`` seconds (the first round after one interval) until ``stop``."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
                return
            except TimeoutError:
                pass
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. the step table itself could not be read: never end the task
                self.failures += 1
                log.exception("appointments sweeper: the round failed; the next round tries again")
