"""The carrier worker: carrier calls as durable rows, and the monitor of parcels gone quiet.

A ``CarrierCall`` is claimed by a conditional UPDATE that takes a lease (safe in any number of
processes: the app's lifespan runs one, so does ``yiwang worker``). A retryable failure (the
carrier down, a timeout, a 5xx, 系统繁忙) waits 10 s·2ⁿ with jitter and tries again, at most
``MAX_ATTEMPTS`` times, then the call is ``failed``: visible to clerks, who may retry it. A
refusal for a business reason fails at once with the carrier's code. Nothing is lost while
the carrier is down: the order waits in ``requested`` with its call pending.

The monitor: no carrier event for 3 days → ``escalated_at`` (staff see it, an audit row says
so); 60 days without a status change → ``stop_monitoring``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q

from backend.applications.models import Application
from backend.catalog.models import Department, Hall
from backend.delivery.flows import DELIVERY, MONITORED
from backend.delivery.models import CarrierCall, DeliveryOrder
from backend.delivery.notices import PHONE_PURPOSE
from backend.delivery.service import DETAIL_PURPOSE, NAME_PURPOSE, queue_call, unseal
from backend.kit import audit
from backend.kit.carrier import Carrier, CarrierRejected, Party, Tracker
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, transition

log = logging.getLogger("yiwang.delivery.jobs")
LEASE = timedelta(seconds=60)
BASE_DELAY = 10.0
MAX_ATTEMPTS = 8
QUIET = timedelta(days=3)
ABANDON = timedelta(days=60)
KUAIDI100_CALLBACK = "/api/v1/carrier/kuaidi100/callback"


def carrier() -> Carrier:
    """The carrier adapter the process opened (``NoCarrier`` without configuration: calls wait)."""
    return current().providers.carrier


def tracker() -> Tracker:
    return current().providers.tracker


def tracker_configured() -> bool:
    return bool(current().settings.kuaidi100_api_base)


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … with ±20 % jitter, so a carrier back from an outage is not hit by every call at once."""
    return timedelta(seconds=BASE_DELAY * 2 ** max(attempts - 1, 0) * random.uniform(0.8, 1.2))


async def claim(now: datetime, *, limit: int = 10) -> list[CarrierCall]:
    """Take up to ``limit`` due calls: pending ones, and running ones whose worker died (lease over)."""
    due = (
        await CarrierCall.filter(Q(state="pending") | Q(state="running", locked_until__lt=now), next_at__lte=now)
        .order_by("next_at", "id")
        .limit(limit)
    )
    taken = []
    for call in due:
        won = await CarrierCall.filter(id=call.id, state=call.state, attempts=call.attempts).update(
            state="running", attempts=F("attempts") + 1, locked_until=now + LEASE
        )
        if won == 1:
            call.state, call.attempts, call.locked_until = "running", call.attempts + 1, now + LEASE
            taken.append(call)
    return taken


async def _sender(application: Application, order: DeliveryOrder) -> Party:
    """The hall that issued the certificate; its province and city are taken as the recipient's (a county's own deliveries)."""
    hall = next((h for h in await Hall.all().order_by("code") if application.service_code in h.items), None)
    department = await Department.get_or_none(code=application.department_id)
    settings = current().settings
    return Party(
        name=department.name if department else "政务服务中心",
        phone=(hall.phone if hall and hall.phone else "") or "0000000",
        province=order.province,
        city=order.city,
        district=(hall.district if hall and hall.district else "") or order.district,
        address=hall.address if hall and hall.address else (hall.name if hall else "政务服务中心"),
        region_code=settings.region,
    )


async def _create_order(order: DeliveryOrder) -> None:
    if order.status != "requested":
        return  # cancelled meanwhile, or a retry after the waybill came: nothing to ask for
    application = await Application.get(id=order.application_id)
    receiver = Party(
        name=unseal(order.recipient_name, NAME_PURPOSE),
        phone=unseal(order.recipient_phone, PHONE_PURPOSE),
        province=order.province,
        city=order.city,
        district=order.district,
        address=" ".join(p for p in (order.street, unseal(order.detail, DETAIL_PURPOSE)) if p),
        region_code=order.region_code,
    )
    # The same order_ref twice gives the same waybill: a call retried after a lost answer makes one parcel.
    waybill = await carrier().create_order(
        order_ref=f"YW{order.id:010d}", sender=await _sender(application, order), receiver=receiver, cargo="证照"
    )
    async with transaction():
        fresh = await DeliveryOrder.get(id=order.id)
        if fresh.status != "requested":
            return
        await transition(DELIVERY, fresh, action="waybill", by=SYSTEM, note=waybill.waybill_no, changes={"waybill_no": waybill.waybill_no})
        if tracker_configured():
            await queue_call(order.id, "subscribe")


async def _subscribe(order: DeliveryOrder) -> None:
    if not order.waybill_no:
        return
    base = current().settings.public_url.rstrip("/")
    await tracker().subscribe(
        waybill_no=order.waybill_no, callback_url=base + KUAIDI100_CALLBACK, phone=unseal(order.recipient_phone, PHONE_PURPOSE)
    )


async def run_call(call: CarrierCall, now: datetime) -> str:
    """Work one claimed call; returns its new state."""
    order = await DeliveryOrder.get(id=call.order_id)
    try:
        if call.kind == "create_order":
            await _create_order(order)
        elif call.kind == "subscribe":
            await _subscribe(order)
    except CarrierRejected as exc:
        return await _finish(call, "failed", error_code=(exc.code or "rejected")[:40], order=order)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # CarrierUnavailable, a timeout, anything else: retry later, boundedly
        code = type(exc).__name__[:40]
        if call.attempts >= MAX_ATTEMPTS:
            log.error("carrier call gave up", extra={"call": call.id, "kind": call.kind, "error": code})
            return await _finish(call, "failed", error_code=code, order=order)
        log.info("carrier call will be retried", extra={"call": call.id, "kind": call.kind, "error": code, "attempts": call.attempts})
        await CarrierCall.filter(id=call.id, state="running", attempts=call.attempts).update(
            state="pending", next_at=now + backoff(call.attempts), locked_until=None, error_code=code
        )
        return "pending"
    return await _finish(call, "done", error_code="", order=order)


async def _finish(call: CarrierCall, state: str, *, error_code: str, order: DeliveryOrder) -> str:
    async with transaction():
        await CarrierCall.filter(id=call.id, state="running", attempts=call.attempts).update(
            state=state, locked_until=None, error_code=error_code
        )
        if state == "failed":
            await audit.record(
                actor="system",
                subject=f"person:{order.person_id}",
                action="delivery.carrier_call_failed",
                object_type="delivery",
                object_id=order.id,
                result="error",
                detail={"kind": call.kind, "code": error_code, "attempts": call.attempts},
            )
    return state


async def work_once(now: datetime | None = None) -> int:
    """Claim and work the due calls once; returns how many were worked."""
    now = now or datetime.now(UTC)
    calls = await claim(now)
    for call in calls:
        try:
            await run_call(call, now)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database gone for a moment: the lease frees the call for a later round
            log.exception("carrier call crashed", extra={"call": call.id})
    return len(calls)


async def monitor(now: datetime | None = None) -> dict[str, int]:
    """Escalate parcels quiet for 3 days; stop monitoring those unchanged for 60 days."""
    now = now or datetime.now(UTC)
    escalated = stopped = 0
    quiet = await DeliveryOrder.filter(status__in=MONITORED, escalated_at__isnull=True).filter(
        Q(last_event_at__lt=now - QUIET) | Q(last_event_at__isnull=True, moved_at__lt=now - QUIET)
    )
    for order in quiet:
        async with transaction():
            if await DeliveryOrder.filter(id=order.id, escalated_at__isnull=True).update(escalated_at=now) == 1:
                await audit.record(
                    actor="system",
                    subject=f"person:{order.person_id}",
                    action="delivery.escalated",
                    object_type="delivery",
                    object_id=order.id,
                    detail={"status": order.status},
                )
                escalated += 1
    for order in await DeliveryOrder.filter(status__in=MONITORED, moved_at__lt=now - ABANDON):
        if order.last_event_at is not None and order.last_event_at >= now - ABANDON:
            continue
        try:
            await transition(DELIVERY, order, action="stop_monitoring", by=SYSTEM, note="60天无物流更新")
            stopped += 1
        except DELIVERY.error:  # another process, or an event, moved it first
            pass
    return {"escalated": escalated, "stopped": stopped}


class CarrierWorker:
    """Works carrier calls every ``interval`` seconds and runs the monitor every ``monitor_every``, until stopped."""

    def __init__(self, interval: float = 2.0, monitor_every: float = 300.0) -> None:
        self.interval = interval
        self.monitor_every = monitor_every
        self.failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        last_monitor = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
                return
            except TimeoutError:
                pass
            try:
                # A process without a carrier configured leaves the calls to those that have one: they wait, visibly.
                while carrier().configured and await work_once() and not stop.is_set():
                    pass
                if loop.time() - last_monitor >= self.monitor_every:
                    last_monitor = loop.time()
                    await monitor()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("carrier worker: the round failed; the next round tries again")
