"""Delivery orders as each reader sees them: the owner, the courier, the clerk (masked where it must be)."""

from __future__ import annotations

from backend.delivery.flows import ACTIVE, CODE_PURPOSE, DELIVERY, KIND_LABELS, LABELS, OUT, TIMELINE_TEXT
from backend.delivery.models import CarrierCall, DeliveryOrder, Station, TrackingEvent
from backend.delivery.notices import PHONE_PURPOSE
from backend.delivery.schemas import AddressOut, DeliveryCardOut, EventOut, ParcelOut, ProofOut, StaffDeliveryOut, StepOut
from backend.delivery.service import DETAIL_PURPOSE, MAX_WRONG_TRIES, NAME_PURPOSE, PROXY_PURPOSE, SIGNER_PURPOSE, TEXT_PURPOSE, unseal
from backend.kit.pii import mask_name, mask_phone
from backend.kit.workflow import events


def address_out(saved) -> AddressOut:
    return AddressOut(
        id=saved.id,
        label=saved.label,
        recipient_name=mask_name(unseal(saved.recipient_name, NAME_PURPOSE)),
        recipient_phone=mask_phone(unseal(saved.recipient_phone, PHONE_PURPOSE)),
        province=saved.province,
        city=saved.city,
        district=saved.district,
        street=saved.street,
        detail=unseal(saved.detail, DETAIL_PURPOSE),
        region_code=saved.region_code,
    )


def full_address(order: DeliveryOrder) -> str:
    return " ".join(p for p in (order.province, order.city, order.district, order.street, unseal(order.detail, DETAIL_PURPOSE)) if p)


async def _station(order: DeliveryOrder) -> Station:
    return order.station if isinstance(order.station, Station) else await Station.get(id=order.station_id)


async def delivery_out(order: DeliveryOrder, *, owner: bool) -> DeliveryCardOut:
    """The delivery card: the pickup code only for the owner and only while the parcel is out."""
    heard = await TrackingEvent.filter(order_id=order.id).order_by("-at", "-id").limit(100)
    steps = await events(DELIVERY, order.id)
    waiting = await CarrierCall.filter(order_id=order.id, state__in=("pending", "running", "failed"), attempts__gt=0).exists()
    station = await _station(order)
    code = unseal(order.code_sealed, CODE_PURPOSE) if owner and order.status in OUT and order.code_sealed else None
    proof = None
    if order.status == "delivered" and order.signer_kind:
        proof = ProofOut(
            signer_kind=order.signer_kind,
            signer_name=mask_name(unseal(order.signer_name, SIGNER_PURPOSE)),
            relation=order.relation,
            at=order.confirmed_at or order.updated_at,
            photo_url=f"/api/v1/deliveries/{order.id}/proof.jpg" if order.photo_key else None,
        )
    return DeliveryCardOut(
        id=order.id,
        application_id=order.application_id,
        status=order.status,
        status_label=LABELS[order.status],
        recipient_name=mask_name(unseal(order.recipient_name, NAME_PURPOSE)),
        recipient_phone=mask_phone(unseal(order.recipient_phone, PHONE_PURPOSE)),
        address=full_address(order),
        region_code=order.region_code,
        allow_proxy=order.allow_proxy,
        proxy_name=mask_name(unseal(order.proxy_name, PROXY_PURPOSE)),
        allow_locker=order.allow_locker,
        waybill_no=order.waybill_no,
        station=station.name,
        carrier_waiting=waiting,
        events=[
            EventOut(at=e.at, kind=e.kind, label=KIND_LABELS.get(e.kind, "物流动态"), place=e.place, text=unseal(e.text, TEXT_PURPOSE))
            for e in heard
        ],
        steps=[
            StepOut(action=s.action, status=s.status_to, label=LABELS.get(s.status_to, ""), text=TIMELINE_TEXT.get(s.action, ""), at=s.at)
            for s in steps
        ],
        pickup_code=code,
        proof=proof,
        escalated=order.escalated_at is not None and order.status in ACTIVE,
        created_at=order.created_at,
    )


def parcel_out(order: DeliveryOrder) -> ParcelOut:
    return ParcelOut(
        id=order.id,
        status=order.status,
        status_label=LABELS[order.status],
        waybill_no=order.waybill_no,
        recipient_name=mask_name(unseal(order.recipient_name, NAME_PURPOSE)),
        recipient_phone=mask_phone(unseal(order.recipient_phone, PHONE_PURPOSE)),
        address=full_address(order),
        allow_proxy=order.allow_proxy,
        proxy_name=mask_name(unseal(order.proxy_name, PROXY_PURPOSE)),
        allow_locker=order.allow_locker,
        wrong_tries=order.wrong_tries,
        code_locked=order.wrong_tries >= MAX_WRONG_TRIES,
        attempt_reason=order.attempt_reason,
        next_attempt=order.next_attempt,
        delivered_at=order.confirmed_at if order.status == "delivered" else None,
    )


async def staff_out(orders: list[DeliveryOrder]) -> list[StaffDeliveryOut]:
    failed = {c.order_id: c for c in await CarrierCall.filter(order_id__in=[o.id for o in orders], state="failed")}
    return [
        StaffDeliveryOut(
            id=o.id,
            application_id=o.application_id,
            status=o.status,
            status_label=LABELS[o.status],
            waybill_no=o.waybill_no,
            station=(await _station(o)).name,
            recipient_name=mask_name(unseal(o.recipient_name, NAME_PURPOSE)),
            escalated=o.escalated_at is not None and o.status in ACTIVE,
            code_locked=o.wrong_tries >= MAX_WRONG_TRIES and o.status in OUT,
            call_failed=f"{failed[o.id].kind}: {failed[o.id].error_code}" if o.id in failed else None,
            attempt_reason=o.attempt_reason,
            moved_at=o.moved_at,
        )
        for o in orders
    ]
