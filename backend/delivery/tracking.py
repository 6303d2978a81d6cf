"""Carrier events (EMS pushes, Kuaidi100 callbacks, track queries) applied to delivery orders.

Idempotent by the event's key (a duplicate records nothing), never backwards: an event whose
step leads to a lower rank than the current status, or that is older than the last applied
event, is kept on the carrier timeline and moves nothing. Each move is a workflow step
(timeline, audit, notice); 已签收 also ends the case (``notices.on_event``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from backend.delivery.flows import DELIVERY, KIND_STEPS, RANK
from backend.delivery.models import DeliveryOrder, TrackingEvent
from backend.delivery.service import TEXT_PURPOSE, seal
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal, transition

log = logging.getLogger("yiwang.delivery")


def event_key(event: Any) -> str:
    return event.key or f"{event.source}:{event.waybill_no}:{event.code}:{event.at.isoformat()}"


def _move_for(order: DeliveryOrder, kind: str, at: datetime, last_applied: datetime | None) -> str | None:
    """The step this event takes, or None when it would go backwards, sideways or is older than what we applied."""
    action = KIND_STEPS.get(kind)
    if action is None:
        return None
    target = DELIVERY.steps[action].moves.get(order.status)
    if target is None or target == order.status:
        return None
    if last_applied is not None and at < last_applied:
        return None
    if RANK[target] < RANK[order.status]:
        return None
    return action


async def apply(events: Iterable[Any]) -> dict[str, int]:
    """Record and apply carrier events (``backend.kit.carrier.TrackEvent``); counts applied, recorded, duplicate, unknown."""
    counts = {"applied": 0, "recorded": 0, "duplicate": 0, "unknown": 0}
    for event in sorted(events, key=lambda e: e.at):
        order = await DeliveryOrder.get_or_none(waybill_no=event.waybill_no)
        if order is None:
            counts["unknown"] += 1
            continue
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
        async with transaction():
            try:
                async with transaction():  # a savepoint: a duplicate must not abort the rest
                    row = await TrackingEvent.create(
                        order_id=order.id,
                        source=event.source[:12],
                        key=event_key(event)[:200],
                        kind=event.kind,
                        code=event.code[:16],
                        at=at,
                        text=seal(event.text[:500], TEXT_PURPOSE),
                        place=event.place[:100],
                        signer=event.signer[:8],
                    )
            except IntegrityError:
                counts["duplicate"] += 1
                continue
            last = await TrackingEvent.filter(order_id=order.id, applied=True).order_by("-at").first()
            action = _move_for(order, event.kind, at, last.at if last else None)
            if action is None:
                counts["recorded"] += 1
            else:
                changes: dict[str, Any] = {}
                if action == "deliver":
                    changes = {"signer_kind": event.signer or "self", "confirmed_at": at}
                await transition(
                    DELIVERY, order, action=action, by=Principal(actor=f"carrier:{event.source}"), note=event.code, changes=changes
                )
                await TrackingEvent.filter(id=row.id).update(applied=True)
                counts["applied"] += 1
            newest = max(at, order.last_event_at) if order.last_event_at else at
            await DeliveryOrder.filter(id=order.id).update(last_event_at=newest, escalated_at=None)
    return counts
