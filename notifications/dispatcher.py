"""The dispatcher: claims due deliveries, sends them, records the outcome, retries, falls back.

Several dispatchers may run (app processes, ``yiwang worker``): a claim is one conditional
UPDATE that stamps the rows with a unique token (``FOR UPDATE SKIP LOCKED`` on PostgreSQL so
workers never wait on each other). A claimed row's ``next_attempt_at`` is its lease end: if the
worker dies, the row is due again then, ahead of the backlog. An outcome is written only by the
claim's owner, the moment the provider answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from auth.service import contact_points
from backend.kit import audit
from backend.kit.resources import current
from backend.kit.transactions import transaction
from notifications import delivery_status
from notifications.channels import Channel, Job, Outcome, SmsChannel, WebPushChannel, WeChatChannel
from notifications.events import policy
from notifications.models import Delivery, Notification, PushSubscription
from notifications.outbox import WAKE_CHANNEL, preferences, wake_dispatchers_after_commit

log = logging.getLogger("yiwang.notifications")


class Claimed(NamedTuple):
    """A delivery this worker holds (the columns the send needs)."""

    id: int
    notification_id: int
    channel: str
    attempts: int


class _GroupCommit:
    """Writes items with one statement per group; callers wait until theirs is written.

    A write starts as soon as an item arrives (no timer): items that arrive while it runs go in
    the next one. So an outcome waits at most for the write in progress and its own.
    """

    def __init__(self, write, *, size: int = 128) -> None:
        self._write = write
        self._size = size
        self._items: list = []
        self._waiters: list[asyncio.Future] = []
        self._writer: asyncio.Task | None = None

    async def add(self, item) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await waiter

    async def _drain(self) -> None:
        while self._items:
            items, waiters = self._items[: self._size], self._waiters[: self._size]
            del self._items[: self._size], self._waiters[: self._size]
            try:
                await self._write(items)
            except Exception as exc:
                for w in waiters:
                    if not w.done():
                        w.set_exception(exc)
                continue
            for w in waiters:
                if not w.done():
                    w.set_result(None)

    async def flush(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)


# A repeat on these shows as a second message (a browser replaces a repeated Web Push by its
# tag): their sent outcome is written alone, the moment the provider answers.
SEEN_TWICE = frozenset({"wechat", "sms"})


class Dispatcher:
    def __init__(
        self,
        *,
        concurrency: int = 64,
        lease: float = 60.0,
        retry_base: float = 10.0,
        retry_max: float = 3600.0,
        max_attempts: int = 8,
        poll: float = 0.5,
        channels: dict[str, Channel] | None = None,
    ) -> None:
        self.worker = f"{socket.gethostname()[:16]}-{os.getpid()}"
        self.concurrency = concurrency
        self.lease = lease
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.max_attempts = max_attempts
        self.poll = poll
        self.webpush = WebPushChannel()
        self.channels: dict[str, Channel] = channels or {"wechat": WeChatChannel(), "webpush": self.webpush, "sms": SmsChannel()}
        self.sent = 0
        self._sent = _GroupCommit(self._record_sent)

    # ---- claiming -------------------------------------------------------------------------

    async def claim(self, limit: int) -> tuple[str, list[Claimed]]:
        """Take up to ``limit`` due deliveries for this worker; returns the claim token and the rows."""
        token = f"{self.worker}-{uuid.uuid4().hex[:12]}"
        now = datetime.now(UTC)
        lease_end = now + timedelta(seconds=self.lease)
        rows = await delivery_status.claim(token=token, lease_end=lease_end, now=now, limit=limit)
        return token, [Claimed(**r) for r in rows]

    # ---- one delivery ---------------------------------------------------------------------

    async def deliver(
        self,
        token: str,
        delivery: Claimed,
        notification: Notification,
        openid: str | None,
        phone: str | None,
        subscriptions: list[PushSubscription] | None = None,
    ) -> str:
        job = Job(
            delivery_id=delivery.id,
            notification=notification,
            policy=policy(notification.event),
            openid=openid,
            phone=phone,
            subscriptions=subscriptions,
        )
        channel = self.channels[delivery.channel]
        try:
            outcome = await channel.send(job)
        except Exception as exc:  # a bug in a channel must not kill the worker or lose the row
            log.exception("channel crashed", extra={"delivery": delivery.id, "channel": delivery.channel})
            outcome = Outcome("retry", error=f"internal error: {type(exc).__name__}")
        try:
            await self.record(token, delivery, notification, outcome)
        except Exception:  # the row stays claimed: when the lease ends it is sent again, not lost
            log.exception("recording an outcome failed", extra={"delivery": delivery.id})
        return outcome.kind

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter (half to full), capped; at least what the provider asked."""
        delay = min(self.retry_max, self.retry_base * 2 ** max(0, attempts - 1))
        delay = delay * (0.5 + random.random() / 2)
        return max(delay, retry_after or 0.0)

    async def record(self, token: str, delivery: Claimed, notification: Notification, outcome: Outcome) -> None:
        """Write the outcome if the claim is still ours: sent Web Pushes grouped, others one UPDATE each.

        Until a sent outcome is written, a kill means a second send when the lease runs out:
        nothing is awaited between the provider's answer and this write.
        """
        now = datetime.now(UTC)
        message_id = (outcome.message_id or "")[:200]
        if outcome.kind == "sent" and delivery.channel in SEEN_TWICE:
            updated = await delivery_status.move(
                "sent", delivery_id=delivery.id, token=token, sent_at=now, provider_message_id=message_id, last_error=None
            )
            self.sent += updated
            if not updated:
                log.warning("lease lost before the outcome was recorded", extra={"delivery": delivery.id})
            return
        if outcome.kind == "sent":
            await self._sent.add((delivery.id, token, message_id))
            return
        mine: dict[str, Any] = {"delivery_id": delivery.id, "token": token, "last_error": outcome.error[:300]}
        if outcome.kind == "retry" and outcome.throttled:  # told to wait: later, with the attempt given back
            updated = await delivery_status.move(
                "retry",
                **mine,
                attempts=F("attempts") - 1,
                next_attempt_at=now + timedelta(seconds=max(outcome.retry_after or 0, self.retry_base)),
            )
        elif outcome.kind == "retry" and delivery.attempts < self.max_attempts:
            updated = await delivery_status.move(
                "retry", **mine, next_attempt_at=now + timedelta(seconds=self.backoff(delivery.attempts, outcome.retry_after))
            )
        elif outcome.kind == "retry":
            updated = await delivery_status.move("dead", **mine)
            log.error("delivery gave up after retries", extra={"delivery": delivery.id, "channel": delivery.channel})
        else:
            async with transaction():
                updated = await delivery_status.move("failed", **mine)
                if updated and outcome.fallback:
                    await self.fall_back(notification, delivery.channel)
        if not updated:
            log.warning("lease lost before the outcome was recorded", extra={"delivery": delivery.id})

    async def _record_sent(self, items: list[tuple[int, str, str]]) -> None:
        updated = await delivery_status.record_sent(items, now=datetime.now(UTC))
        self.sent += updated
        if updated != len(items):
            log.warning("lease lost before the outcome was recorded", extra={"lost": len(items) - updated})

    async def fall_back(self, notification: Notification, failed_channel: str) -> None:
        """WeChat refused → Web Push if a browser is subscribed, else SMS; Web Push gone → SMS."""
        event_policy = policy(notification.event)
        prefs = await preferences(notification.person_id)
        order = ["webpush", "sms"] if failed_channel == "wechat" else ["sms"] if failed_channel == "webpush" else []
        for channel in order:
            if channel == "webpush" and not (prefs.webpush and await PushSubscription.filter(person_id=notification.person_id).exists()):
                continue
            if channel == "sms" and not (prefs.sms or event_policy.critical):
                continue
            if await Delivery.filter(notification_id=notification.id, channel=channel).exists():
                return  # already chosen (a critical SMS goes anyway)
            try:
                async with transaction():
                    await delivery_status.create(
                        notification_id=notification.id, channel=channel, next_attempt_at=datetime.now(UTC), created_at=datetime.now(UTC)
                    )
            except IntegrityError:
                return
            wake_dispatchers_after_commit()
            return

    # ---- batches and the loop -------------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> int:
        """Claim one batch and deliver it; returns how many deliveries were handled."""
        token, rows = await self.claim(limit or self.concurrency)
        if rows:
            await asyncio.gather(*(await self._jobs(token, rows)))
        return len(rows)

    async def _jobs(self, token: str, rows: list[Claimed]):
        notifications = {n.id: n for n in await Notification.filter(id__in={r.notification_id for r in rows})}
        persons = sorted({n.person_id for n in notifications.values()})
        needs_contacts = any(r.channel in ("wechat", "sms") for r in rows)  # Web Push needs no openid or phone
        contacts = await contact_points(person_ids=persons) if needs_contacts else {}
        subscriptions: dict[int, list[PushSubscription]] = {}
        if any(r.channel == "webpush" for r in rows):  # one query for the batch, not one per push
            for s in await PushSubscription.filter(person_id__in=persons):
                subscriptions.setdefault(s.person_id, []).append(s)
        jobs = []
        for r in rows:
            n = notifications[r.notification_id]
            contact = contacts.get(n.person_id)
            jobs.append(
                self.deliver(
                    token,
                    r,
                    n,
                    contact.openid if contact else None,
                    contact.phone if contact else None,
                    subscriptions.get(n.person_id, []),
                )
            )
        return jobs

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: keep up to ``concurrency`` sends in flight, wake on new work."""
        wake = asyncio.Event()
        listener = asyncio.create_task(self._listen(wake))
        inflight: set[asyncio.Task] = set()
        log.info("dispatcher started", extra={"worker": self.worker})
        try:
            while not stop.is_set():
                free = self.concurrency - len(inflight)
                claimed = 0
                if free >= max(1, self.concurrency // 4):
                    wake.clear()
                    try:
                        token, rows = await self.claim(free)
                        claimed = len(rows)
                        if rows:
                            for job in await self._jobs(token, rows):
                                task = asyncio.create_task(job)
                                inflight.add(task)
                                task.add_done_callback(inflight.discard)
                    except Exception:
                        log.exception("claiming deliveries failed; retrying")
                        await asyncio.sleep(1)
                        continue
                if claimed and claimed == free:
                    await asyncio.sleep(0)  # more may be due: claim again as soon as slots free up
                    if inflight and len(inflight) >= self.concurrency:
                        await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                waiters: list[asyncio.Task[Any]] = [asyncio.create_task(wake.wait()), asyncio.create_task(stop.wait())]
                if inflight:
                    waiters.append(asyncio.create_task(asyncio.wait(set(inflight), return_when=asyncio.FIRST_COMPLETED)))
                done, pending = await asyncio.wait(waiters, timeout=self.poll, return_when=asyncio.FIRST_COMPLETED)
                for waiter in pending:
                    waiter.cancel()
        finally:
            listener.cancel()
            if inflight:  # let sends in progress finish and record (a kill instead is covered by the lease)
                await asyncio.wait(inflight, timeout=15)
            await self._sent.flush()
            await self.webpush.close()
            log.info("dispatcher stopped", extra={"worker": self.worker, "sent": self.sent})

    async def _listen(self, wake: asyncio.Event) -> None:
        while True:
            try:
                async with current().broker.subscribe(WAKE_CHANNEL) as messages:
                    async for _ in messages:
                        wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: polling goes on, listen again soon
                log.warning("wake-up channel lost; polling until it is back")
                await asyncio.sleep(2)


async def retry_delivery(delivery_id: int, *, actor: str) -> bool:
    """An admin sends a dead (or failed) delivery again: back to pending, attempts reset."""
    async with transaction():
        updated = await delivery_status.move(
            "resend", delivery_id=delivery_id, attempts=0, next_attempt_at=datetime.now(UTC), claimed_by=None
        )
        if updated:
            await audit.record(
                actor=actor, action="notification.delivery_retried", object_type="notification_delivery", object_id=delivery_id
            )
            wake_dispatchers_after_commit()
    return bool(updated)
