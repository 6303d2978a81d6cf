"""The courier at the door (投递员): today's parcels of their stations, the phone to call, signature, failed attempt.

A courier sees only the parcels of the stations in their scopes (``station:S331002``); any other
parcel answers 404 like a missing one. The pickup code is checked against its HMAC; five wrong
codes lock it (the courier calls the station, a clerk may issue a new code). A wrong try is
counted in its own transaction, so the refusal that follows cannot roll it back.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, date, datetime
from typing import BinaryIO

from tortoise.expressions import F

from auth.sessions import SessionInfo
from backend.delivery.flows import DELIVERY, OUT, code_hash
from backend.delivery.models import DeliveryOrder
from backend.delivery.service import MAX_WRONG_TRIES, PROXY_PURPOSE, SIGNER_PURPOSE, DeliveryNotFound, courier_stations, seal, unseal
from backend.kit import audit, errors
from backend.kit.images import ImageRejected, Processed, process
from backend.kit.resources import current
from backend.kit.storage import LocalStorage
from backend.kit.transactions import transaction
from backend.kit.workflow import transition
from backend.materials.service import ImageTooLarge, ImageUnreadable, UnsupportedImage, _pipeline

TODAY = ("in_transit", "out_for_delivery", "failed_attempt")


class WrongCode(errors.Invalid, code="delivery.wrong_code"):
    zh = "签收码不正确|签收码不正确，还可以再试 {tries_left} 次。"
    en = "Wrong pickup code|The pickup code is wrong; {tries_left} tries left."


class CodeLocked(errors.Conflict, code="delivery.code_locked"):
    zh = "签收码已锁定|签收码错误次数过多，请联系投递站，由工作人员重新发送签收码。"
    en = "Pickup code locked|Too many wrong codes; call the station, staff can send a new code."


class ProxyNotAllowed(errors.Conflict, code="delivery.proxy_not_allowed"):
    zh = "收件人不同意代收|收件人没有同意由他人代收（或代收人不是收件人指定的人），请交给收件人本人。"
    en = "No proxy allowed|The recipient did not allow this person to sign; hand it to the recipient."


class LockerNotAllowed(errors.Conflict, code="delivery.locker_not_allowed"):
    zh = "收件人不同意投柜|收件人没有同意放入快递柜或驿站，请交给收件人本人。"
    en = "No locker allowed|The recipient did not allow a locker or parcel station."


class AlreadyDelivered(errors.Conflict, code="delivery.already_delivered"):
    zh = "邮件已签收|这个邮件已经签收，无需再次确认。"
    en = "Already delivered|This parcel was already delivered."


class SignerNameRequired(errors.Invalid, code="delivery.signer_name_required"):
    zh = "请填写代收人姓名和关系|他人代收时须登记代收人姓名和与收件人的关系。"
    en = "Signer's name and relation required|A proxy signature records the signer's name and relation."


def proof_storage() -> LocalStorage:
    """Proof photos live apart from materials (whose garbage collection knows only materials)."""
    return LocalStorage(current().settings.media_dir / "proofs")


async def _for_courier(session: SessionInfo, delivery_id: int) -> DeliveryOrder:
    order = await DeliveryOrder.get_or_none(id=delivery_id).prefetch_related("station")
    stations = courier_stations(session)
    if order is None or (stations is not None and order.station.code not in stations):
        raise DeliveryNotFound()
    return order


async def parcels(*, session: SessionInfo) -> list[DeliveryOrder]:
    """今日派件: what is out for delivery, failed once, or on its way to the courier's stations."""
    query = DeliveryOrder.filter(status__in=TODAY)
    stations = courier_stations(session)
    if stations is not None:
        query = query.filter(station__code__in=stations)
    return await query.order_by("status", "id").limit(300).prefetch_related("station")


async def by_waybill(*, session: SessionInfo, waybill_no: str) -> DeliveryOrder:
    order = await DeliveryOrder.get_or_none(waybill_no=waybill_no)
    if order is None:
        raise DeliveryNotFound()
    return await _for_courier(session, order.id)


async def reveal_phone(*, session: SessionInfo, delivery_id: int) -> str:
    """The recipient's phone for tap-to-call: each reveal is an audit row."""
    from backend.delivery.notices import PHONE_PURPOSE

    order = await _for_courier(session, delivery_id)
    async with transaction():
        await audit.record(
            actor=session.official.actor,
            subject=f"person:{order.person_id}",
            action="delivery.phone_revealed",
            object_type="delivery",
            object_id=order.id,
        )
    return unseal(order.recipient_phone, PHONE_PURPOSE)


async def check_code(*, session: SessionInfo, delivery_id: int, pickup_code: str) -> None:
    """Before the confirmation's transaction: a locked code, or a wrong one (counted for good), is refused.

    A parcel no longer out (delivered) passes: the confirmation's own step answers (a replay, or 409).
    """
    order = await _for_courier(session, delivery_id)
    if order.status not in OUT:
        return
    if order.wrong_tries >= MAX_WRONG_TRIES or not order.code_hash:
        raise CodeLocked()
    if hmac.compare_digest(order.code_hash, code_hash(pickup_code)):
        return
    async with transaction():
        await DeliveryOrder.filter(id=order.id, wrong_tries__lt=MAX_WRONG_TRIES).update(wrong_tries=F("wrong_tries") + 1)
        await audit.record(
            actor=session.official.actor,
            subject=f"person:{order.person_id}",
            action="delivery.wrong_code",
            object_type="delivery",
            object_id=order.id,
            result="denied",
            detail={"tries": order.wrong_tries + 1},
        )
    left = MAX_WRONG_TRIES - order.wrong_tries - 1
    if left <= 0:
        raise CodeLocked()
    raise WrongCode(tries_left=left)


async def deliver(
    *, session: SessionInfo, delivery_id: int, pickup_code: str, signer_kind: str, signer_name: str, relation: str, photo: BinaryIO
) -> DeliveryOrder:
    """签收 at the door: the code, who signed (only as the resident allowed), the photo through the photo pipeline."""
    order = await _for_courier(session, delivery_id)
    if order.status == "delivered":
        raise AlreadyDelivered()
    signer_name, relation = signer_name.strip(), relation.strip()
    if signer_kind == "proxy":
        if not order.allow_proxy:
            raise ProxyNotAllowed()
        if not signer_name or not relation:
            raise SignerNameRequired()
        named = unseal(order.proxy_name, PROXY_PURPOSE)
        if named and named != signer_name:
            raise ProxyNotAllowed()
    if signer_kind == "locker" and not order.allow_locker:
        raise LockerNotAllowed()
    if order.status in OUT and (order.wrong_tries >= MAX_WRONG_TRIES or not hmac.compare_digest(order.code_hash, code_hash(pickup_code))):
        raise CodeLocked()  # check_code ran first: only a code changed meanwhile gets here
    async with _pipeline():
        try:
            result: Processed = await asyncio.to_thread(process, photo)
        except ImageRejected as exc:
            raise {"unsupported_type": UnsupportedImage, "too_many_pixels": ImageTooLarge}.get(exc.code, ImageUnreadable)() from None
    key = f"{result.sha256}.jpg"
    await proof_storage().put(key, result.data)
    now = datetime.now(UTC)
    async with transaction():
        order = await transition(
            DELIVERY,
            order,
            action="deliver",
            by=session.official,
            note="投递员上门签收",
            changes={
                "photo_key": key,
                "signer_kind": signer_kind,
                "signer_name": seal(signer_name, SIGNER_PURPOSE),
                "relation": relation[:20],
                "confirmed_at": now,
                "courier_id": session.person_id,
            },
        )
        await _record_event(order, kind="delivered", at=now, key=f"courier:{order.id}:delivered")
    return order


async def attempt(*, session: SessionInfo, delivery_id: int, reason: str, note: str, next_attempt: date) -> DeliveryOrder:
    """投递未成功: the reason and the day of the next attempt."""
    order = await _for_courier(session, delivery_id)
    now = datetime.now(UTC)
    async with transaction():
        order = await transition(
            DELIVERY,
            order,
            action="fail_attempt",
            by=session.official,
            note=note[:200],
            changes={"attempt_reason": reason, "next_attempt": next_attempt, "courier_id": session.person_id},
        )
        await _record_event(order, kind="failed_attempt", at=now, key=f"courier:{order.id}:attempt:{now.isoformat()}")
    return order


async def _record_event(order: DeliveryOrder, *, kind: str, at: datetime, key: str) -> None:
    from backend.delivery.models import TrackingEvent

    await TrackingEvent.create(order_id=order.id, source="courier", key=key, kind=kind, at=at, place=order.district, applied=True)
    await DeliveryOrder.filter(id=order.id).update(last_event_at=at, escalated_at=None)
