"""The workflow of a delivery order (寄递), declared as data for ``backend.kit.workflow``.

requested → waybill_created → picked_up → in_transit → out_for_delivery → delivered;
out_for_delivery → failed_attempt → out_for_delivery again | delivered | returned; cancelled by
the resident before pickup; unmonitored after 60 days without change. Carrier events may skip a
step (the first event heard of may be 运输中), never go back: ``RANK`` orders the statuses.
"""

from __future__ import annotations

import secrets
from typing import Any

from backend.delivery import notices
from backend.delivery.models import DeliveryOrder
from backend.kit.resources import current
from backend.kit.workflow import Step, StepContext, Workflow

LABELS = {
    "requested": "已申请邮寄",
    "waybill_created": "已下单",
    "picked_up": "已揽收",
    "in_transit": "运输中",
    "out_for_delivery": "派送中",
    "failed_attempt": "投递未成功",
    "delivered": "已签收",
    "returned": "已退回",
    "cancelled": "已取消",
    "unmonitored": "已停止跟踪",
}
# Carrier events move forward only. failed_attempt and out_for_delivery share a rank: a newer
# event may flip between them (a second round out after a failed one).
RANK = {
    "requested": 0,
    "waybill_created": 1,
    "picked_up": 2,
    "in_transit": 3,
    "out_for_delivery": 4,
    "failed_attempt": 4,
    "delivered": 6,
    "returned": 6,
    "cancelled": 9,
    "unmonitored": 9,
}
# The carrier's kind of event (backend.kit.carrier.KINDS) → the step it asks for.
KIND_STEPS = {
    "picked_up": "pick_up",
    "in_transit": "transit",
    "out_for_delivery": "dispatch",
    "delivered": "deliver",
    "failed_attempt": "fail_attempt",
    "returned": "return_parcel",
}
KIND_LABELS = {
    "picked_up": "已揽收",
    "in_transit": "运输中",
    "out_for_delivery": "派送中",
    "delivered": "已签收",
    "failed_attempt": "投递未成功",
    "returned": "退回",
    "other": "物流动态",
}
ACTIVE = ("requested", "waybill_created", "picked_up", "in_transit", "out_for_delivery", "failed_attempt")
MONITORED = ("waybill_created", "picked_up", "in_transit", "out_for_delivery", "failed_attempt")
CODE_PURPOSE = "delivery.pickup_code"


def code_hash(code: str) -> str:
    """The stored form of a pickup code: an HMAC with the index key (six digits cannot be hashed plainly)."""
    return current().keyring.blind_index(code, purpose=CODE_PURPOSE)


def _moved(order: DeliveryOrder, step: StepContext) -> dict[str, Any]:
    return {"moved_at": step.now}


def _dispatched(order: DeliveryOrder, step: StepContext) -> dict[str, Any]:
    """签收码: made when the parcel first goes out; a second round out keeps it (the SMS already told it)."""
    if order.code_hash:
        return {"moved_at": step.now}
    code = f"{secrets.randbelow(1_000_000):06d}"
    return {
        "moved_at": step.now,
        "code_hash": code_hash(code),
        "code_sealed": current().keyring.encrypt(code, purpose=CODE_PURPOSE),
        "wrong_tries": 0,
    }


def _finished(order: DeliveryOrder, step: StepContext) -> dict[str, Any]:
    """The pickup code is of no use once the parcel is done: erased."""
    return {"moved_at": step.now, "code_hash": "", "code_sealed": ""}


def _delivered(order: DeliveryOrder, step: StepContext) -> dict[str, Any]:
    return {**_finished(order, step), "confirmed_at": order.confirmed_at or step.now}


def _cancelled(order: DeliveryOrder, step: StepContext) -> dict[str, Any]:
    return {"moved_at": step.now, "active_key": None}


SENT = ("picked_up", "in_transit")
OUT = ("out_for_delivery", "failed_attempt")
STEPS = [
    Step("waybill", {"requested": "waybill_created"}, "已向邮政下单，生成运单号", "下单", effect=_moved),
    Step("pick_up", {"waybill_created": "picked_up"}, "邮政已揽收", "揽收", effect=_moved),
    Step("transit", {"waybill_created": "in_transit", "picked_up": "in_transit"}, "运输中", "登记运输", effect=_moved),
    Step(
        "dispatch",
        {s: "out_for_delivery" for s in ("waybill_created", "picked_up", "in_transit", "failed_attempt")},
        "派送中，签收码已发送",
        "派送",
        effect=_dispatched,
    ),
    Step(
        "deliver",
        {s: "delivered" for s in ("picked_up", "in_transit", "out_for_delivery", "failed_attempt")},
        "已签收",
        "签收",
        effect=_delivered,
    ),
    Step("fail_attempt", {"out_for_delivery": "failed_attempt"}, "投递未成功，将再次投递", "登记投递未成功", effect=_moved),
    Step(
        "return_parcel",
        {"in_transit": "returned", "out_for_delivery": "returned", "failed_attempt": "returned"},
        "邮件已退回",
        "退回",
        effect=_finished,
    ),
    Step("cancel", {"requested": "cancelled", "waybill_created": "cancelled"}, "已取消邮寄", "取消邮寄", effect=_cancelled),
    Step("stop_monitoring", {s: "unmonitored" for s in MONITORED}, "60天无物流更新，已停止跟踪", "停止跟踪", effect=_finished),
]

DELIVERY: Workflow[DeliveryOrder] = Workflow(
    name="delivery",
    model=DeliveryOrder,
    labels=LABELS,
    initial="requested",
    steps={s.action: s for s in STEPS},
    subject=lambda o: f"person:{o.person_id}",
    noun="寄递",
    on_event=notices.on_event,
)
TIMELINE_TEXT = {s.action: s.timeline for s in STEPS}
