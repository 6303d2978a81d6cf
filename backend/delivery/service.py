"""Delivery decisions for residents and clerks: saved addresses, requesting, cancelling, the trouble list.

Services never see a request. Every status change goes through ``transition(DELIVERY, …)``;
a carrier call is a row written in the transaction that needs it (``queue_call``), worked by
``jobs.CarrierWorker``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from auth.errors import Forbidden
from auth.permissions import authorize
from auth.sessions import SessionInfo
from backend.applications.models import Application
from backend.applications.service import REVIEWERS, ApplicationNotFound, authorize_for, scopes_covering
from backend.catalog.models import ServiceItem
from backend.delivery.flows import ACTIVE, DELIVERY, OUT
from backend.delivery.models import CarrierCall, DeliveryOrder, SavedAddress, Station
from backend.delivery.notices import PHONE_PURPOSE, send_code_after_commit
from backend.delivery.schemas import AddressIn, DeliveryCreate
from backend.kit import audit, errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal, transition

NAME_PURPOSE = "delivery.recipient_name"
DETAIL_PURPOSE = "delivery.address_detail"
PROXY_PURPOSE = "delivery.proxy_name"
SIGNER_PURPOSE = "delivery.signer_name"
TEXT_PURPOSE = "delivery.event_text"
# A delivery may be asked for from submission until the certificate is out (then it waits in requested).
REQUESTABLE = ("submitted", "correction_requested", "accepted", "approved", "certificate_issued")
MAX_WRONG_TRIES = 5


class DeliveryNotFound(errors.NotFound, code="delivery.not_found"):
    zh = "没有邮寄信息|这个办件还没有申请邮寄，或您无权查看。"
    en = "No delivery|There is no delivery for this, or you may not see it."


class AddressNotFound(errors.NotFound, code="delivery.address_not_found"):
    zh = "找不到该地址|常用地址不存在或已删除。"
    en = "Address not found|The saved address does not exist or was deleted."


class NotOffered(errors.Conflict, code="delivery.not_offered"):
    zh = "该事项不提供邮寄|这个事项的证照不能邮寄，请到大厅领取。"
    en = "Delivery not offered|The certificate of this item cannot be sent by post; collect it at the hall."


class NotNow(errors.Conflict, code="delivery.not_now"):
    zh = "现在不能申请邮寄|办件提交后、证照领取前才能申请邮寄。"
    en = "Not possible now|Delivery can be requested after submission and before the certificate is collected."


class AlreadyRequested(errors.Conflict, code="delivery.already_requested"):
    zh = "已经申请过邮寄|这个办件已经申请了邮寄，可在办件详情里查看。"
    en = "Delivery already requested|This case already has a delivery."


class NoStation(errors.Invalid, code="delivery.no_station"):
    zh = "该地区暂不支持邮寄|所选地区没有投递站，请到大厅领取。"
    en = "No delivery to this region|No delivery station serves this region; collect the certificate at the hall."


class NothingToRetry(errors.Conflict, code="delivery.nothing_to_retry"):
    zh = "没有需要重试的下单|这个寄递没有失败的邮政下单。"
    en = "Nothing to retry|This delivery has no failed carrier call."


class NotOut(errors.Conflict, code="delivery.not_out"):
    zh = "邮件不在派送中|只有派送中的邮件才需要签收码。"
    en = "Not out for delivery|A pickup code is only needed while the parcel is out for delivery."


def seal(value: str, purpose: str) -> str:
    return current().keyring.encrypt(value, purpose=purpose) if value else ""


def unseal(token: str, purpose: str) -> str:
    return current().keyring.decrypt(token, purpose=purpose) if token else ""


async def station_for(region_code: str) -> Station | None:
    """The station whose longest division-code prefix matches the region (a handful of rows)."""
    best: tuple[int, Station] | None = None
    for station in await Station.all():
        for prefix in station.region_prefixes:
            if region_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), station)
    return best[1] if best else None


# ---- saved addresses ---------------------------------------------------------------------------


async def add_address(*, person_id: int, address: AddressIn, by: Principal | None = None) -> SavedAddress:
    async with transaction():
        saved = await SavedAddress.create(
            person_id=person_id,
            label=address.label,
            recipient_name=seal(address.recipient_name, NAME_PURPOSE),
            recipient_phone=seal(address.recipient_phone, PHONE_PURPOSE),
            province=address.province,
            city=address.city,
            district=address.district,
            street=address.street,
            region_code=address.region_code,
            detail=seal(address.detail, DETAIL_PURPOSE),
        )
        await audit.record(
            actor=by.actor if by else f"person:{person_id}",  # township staff acting for a villager (帮办代办)
            subject=f"person:{person_id}",
            action="delivery.address_saved",
            object_type="address",
            object_id=saved.id,
            detail=by.detail() if by else None,
        )
    return saved


async def addresses(*, person_id: int) -> list[SavedAddress]:
    return await SavedAddress.filter(person_id=person_id).order_by("-id").limit(50)


async def delete_address(*, person_id: int, address_id: int, by: Principal | None = None) -> None:
    async with transaction():
        if await SavedAddress.filter(id=address_id, person_id=person_id).delete() != 1:
            raise AddressNotFound()
        await audit.record(
            actor=by.actor if by else f"person:{person_id}",
            subject=f"person:{person_id}",
            action="delivery.address_deleted",
            object_type="address",
            object_id=address_id,
            detail=by.detail() if by else None,
        )


# ---- requesting --------------------------------------------------------------------------------


async def request(*, person_id: int, by: Principal, body: DeliveryCreate) -> DeliveryOrder:
    """申请邮寄: one active delivery per case, kept by the unique ``active_key`` (a race gives one order)."""
    application = await Application.get_or_none(id=body.application_id, person_id=person_id)
    if application is None:
        raise ApplicationNotFound()  # someone else's case reads exactly like a missing one
    item = await ServiceItem.get_or_none(code=application.service_code)
    if item is None or "ems" not in item.result_delivery:
        raise NotOffered()
    if application.status not in REQUESTABLE:
        raise NotNow()
    if body.address_id is not None:
        saved = await SavedAddress.get_or_none(id=body.address_id, person_id=person_id)
        if saved is None:
            raise AddressNotFound()
        name, phone, detail = saved.recipient_name, saved.recipient_phone, saved.detail
        place = (saved.province, saved.city, saved.district, saved.street, saved.region_code)
    else:
        assert body.recipient_name and body.recipient_phone and body.detail and body.region_code
        name, phone, detail = (
            seal(body.recipient_name, NAME_PURPOSE),
            seal(body.recipient_phone, PHONE_PURPOSE),
            seal(body.detail, DETAIL_PURPOSE),
        )
        place = (body.province or "", body.city or "", body.district or "", body.street, body.region_code)
    station = await station_for(place[4])
    if station is None:
        raise NoStation()
    if await DeliveryOrder.exists(active_key=application.id):
        raise AlreadyRequested()
    async with transaction():
        try:
            async with transaction():  # a savepoint: the losing racer's INSERT must not abort the caller's transaction
                order = await DeliveryOrder.create(
                    **DELIVERY.fields_for_create(),
                    application_id=application.id,
                    active_key=application.id,
                    person_id=person_id,
                    station_id=station.id,
                    recipient_name=name,
                    recipient_phone=phone,
                    province=place[0],
                    city=place[1],
                    district=place[2],
                    street=place[3],
                    region_code=place[4],
                    detail=detail,
                    allow_proxy=body.allow_proxy,
                    proxy_name=seal(body.proxy_name.strip(), PROXY_PURPOSE) if body.allow_proxy else "",
                    allow_locker=body.allow_locker,
                    moved_at=datetime.now(UTC),
                )
        except IntegrityError:
            raise AlreadyRequested() from None
        await audit.record(
            actor=by.actor,
            subject=f"person:{person_id}",
            action="delivery.requested",
            object_type="delivery",
            object_id=order.id,
            detail={"application": application.id, "station": station.code, **by.detail()},
        )
        if body.save_address and body.address_id is None:
            assert body.recipient_name and body.recipient_phone and body.detail and body.region_code
            await add_address(
                by=by,
                person_id=person_id,
                address=AddressIn(
                    recipient_name=body.recipient_name,
                    recipient_phone=body.recipient_phone,
                    province=place[0],
                    city=place[1],
                    district=place[2],
                    street=place[3],
                    detail=body.detail,
                    region_code=place[4],
                ),
            )
        if application.status == "certificate_issued":
            await queue_call(order.id, "create_order")
    return order


async def certificate_ready(*, application_id: int) -> None:
    """The case's certificate was issued (in that step's transaction): a delivery waiting for it is ordered now."""
    order = await DeliveryOrder.get_or_none(active_key=application_id, status="requested")
    if order is not None:
        await queue_call(order.id, "create_order")


async def queue_call(order_id: int, kind: str, *, now: datetime | None = None) -> None:
    """Write a carrier call (once per order and kind), in the caller's transaction."""
    async with transaction():
        try:
            async with transaction():
                await CarrierCall.create(order_id=order_id, kind=kind, next_at=now or datetime.now(UTC))
        except IntegrityError:
            pass  # already queued (or done): one call per order and kind


async def mine(*, person_id: int, application_id: int) -> DeliveryOrder:
    """The case's current delivery (the active one, else the latest) for its owner."""
    order = await DeliveryOrder.filter(application_id=application_id, person_id=person_id).order_by("-id").first()
    if order is None:
        raise DeliveryNotFound()
    return order


async def cancel(*, person_id: int, by: Principal, delivery_id: int) -> DeliveryOrder:
    """取消邮寄, before the carrier has the parcel (a waybill not yet used is simply left)."""
    order = await DeliveryOrder.get_or_none(id=delivery_id, person_id=person_id)
    if order is None:
        raise DeliveryNotFound()
    async with transaction():
        order = await transition(DELIVERY, order, action="cancel", by=by)
        await CarrierCall.filter(order_id=order.id, state__in=("pending", "failed")).update(state="done", error_code="cancelled")
    return order


# ---- who may see an order ----------------------------------------------------------------------


def courier_stations(session: SessionInfo) -> list[str] | None:
    """The station codes a courier serves (None: every station, a global courier)."""
    scopes = [s for r, s in session.roles if r == "courier"]
    if "" in scopes:
        return None
    return [s.split(":", 1)[1] for s in scopes if s.startswith("station:")]


async def for_reader(session: SessionInfo, delivery_id: int) -> DeliveryOrder:
    """The order for its owner, a clerk whose scope covers the case, or a courier of its station; else 404."""
    order = await DeliveryOrder.get_or_none(id=delivery_id).prefetch_related("station")
    if order is None:
        raise DeliveryNotFound()
    if order.person_id == session.person_id:
        return order
    if session.mfa and session.has_role("courier"):
        stations = courier_stations(session)
        if stations is None or order.station.code in stations:
            return order
    if session.mfa and any(session.has_role(r) for r in REVIEWERS):
        application = await Application.get(id=order.application_id)
        try:
            await authorize_for(session, application, REVIEWERS)
            return order
        except Forbidden:
            pass
    raise DeliveryNotFound()


# ---- clerks ------------------------------------------------------------------------------------


async def for_clerk(session: SessionInfo, delivery_id: int) -> DeliveryOrder:
    order = await DeliveryOrder.get_or_none(id=delivery_id)
    if order is None:
        raise DeliveryNotFound()
    application = await Application.get(id=order.application_id)
    try:
        await authorize_for(session, application, REVIEWERS)
    except Forbidden:  # audited; the answer does not tell the clerk the order exists
        raise DeliveryNotFound() from None
    return order


async def staff_list(*, session: SessionInfo, view: str) -> list[DeliveryOrder]:
    """寄递异常 (``trouble``: failed attempts, returned, escalated, a failed carrier call, a locked code) or all."""
    await authorize(session, roles=REVIEWERS)
    query = DeliveryOrder.all()
    if view == "trouble":
        failed = await CarrierCall.filter(state="failed").values_list("order_id", flat=True)
        query = query.filter(
            Q(status__in=("failed_attempt", "returned"))
            | Q(escalated_at__isnull=False, status__in=ACTIVE)
            | Q(id__in=list(failed))
            | Q(wrong_tries__gte=MAX_WRONG_TRIES, status__in=OUT)
        )
    orders = await query.order_by("-id").limit(400).prefetch_related("station")
    scopes = [s for r, s in session.roles if r in REVIEWERS]
    if "" in scopes:
        return orders[:200]
    # A clerk sees the deliveries of the cases they cover: one query for the cases, one look-up per item.
    cases = {a.id: a for a in await Application.filter(id__in=[o.application_id for o in orders])}
    covering: dict[tuple[str, str], list[str]] = {}
    visible = []
    for order in orders:
        case = cases[order.application_id]
        item = (case.service_code, str(case.department_id))
        if item not in covering:
            covering[item] = await scopes_covering(case)
        if any(session.has_role(r, s) for r in REVIEWERS for s in covering[item]):
            visible.append(order)
    return visible[:200]


async def retry(*, session: SessionInfo, delivery_id: int) -> DeliveryOrder:
    """重试下单: a failed carrier call goes back to the worker with a fresh count."""
    order = await for_clerk(session, delivery_id)
    async with transaction():
        updated = await CarrierCall.filter(order_id=order.id, state="failed").update(
            state="pending", attempts=0, next_at=datetime.now(UTC), locked_until=None, error_code=""
        )
        if updated == 0:
            raise NothingToRetry()
        await audit.record(
            actor=session.official.actor,
            subject=f"person:{order.person_id}",
            action="delivery.retry",
            object_type="delivery",
            object_id=order.id,
        )
    return order


async def new_code(*, session: SessionInfo, delivery_id: int) -> DeliveryOrder:
    """重发签收码: a new code (the locked one is void), texted to the recipient."""
    import secrets

    from backend.delivery.flows import CODE_PURPOSE, code_hash

    order = await for_clerk(session, delivery_id)
    if order.status not in OUT:
        raise NotOut()
    code = f"{secrets.randbelow(1_000_000):06d}"
    sealed = current().keyring.encrypt(code, purpose=CODE_PURPOSE)
    async with transaction():
        await DeliveryOrder.filter(id=order.id, status__in=OUT).update(code_hash=code_hash(code), code_sealed=sealed, wrong_tries=0)
        await audit.record(
            actor=session.official.actor,
            subject=f"person:{order.person_id}",
            action="delivery.new_code",
            object_type="delivery",
            object_id=order.id,
        )
        order.code_hash, order.code_sealed, order.wrong_tries = code_hash(code), sealed, 0
        send_code_after_commit(order)
    return order


async def stations() -> list[Station]:
    """Every delivery station (投递站), by code."""
    return await Station.all().order_by("code")
