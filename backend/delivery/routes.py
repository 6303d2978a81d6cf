"""Delivery endpoints: the resident's addresses and delivery card, the courier's parcels, the clerk's trouble list, carrier callbacks."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.applications.models import Application
from backend.applications.service import REVIEWERS, ApplicationNotFound
from backend.delivery import courier, notices, service, tracking
from backend.delivery.flows import DELIVERY
from backend.delivery.jobs import carrier, tracker
from backend.delivery.models import DeliveryOrder
from backend.delivery.present import address_out, delivery_out, parcel_out, staff_out
from backend.delivery.schemas import (
    AddressIn,
    AddressList,
    AddressOut,
    AttemptIn,
    DeliverForm,
    DeliveryCardOut,
    DeliveryCreate,
    ParcelList,
    ParcelOut,
    RecipientPhoneOut,
    StaffDeliveryList,
    StaffDeliveryOut,
    StaffQuery,
    StationList,
    StationOut,
)
from backend.kit import audit, errors
from backend.kit.acting import require_errand
from backend.kit.api import API, Handler, Operation, anyone
from backend.kit.carrier import CallbackInvalid, CallbackStale
from backend.kit.files import file_response
from backend.kit.http import client_network
from backend.kit.idempotency import BODY_DIGEST, HEADER_PARAMETER, idempotent
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.validation import field_errors
from backend.materials.service import ImageTooLarge, ImageUnreadable, UnsupportedImage

api = API(prefix="/api/v1")
NO_STORE = {"Cache-Control": "private, no-store"}
COURIER = requires(roles=("courier",))
CLERK = requires(roles=REVIEWERS)
MAX_PHOTO_BYTES = 15 * 1024 * 1024


def _id(request: Request) -> int:
    return request.path_params["delivery_id"]


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json", headers=NO_STORE)


async def _errand(session: SessionInfo, application_id: int) -> None:
    """Staff acting for a villager reach only the deliveries of the errands delegated (others: 403)."""
    if session.acting is None:
        return
    codes = cast(list[str], await Application.filter(id=application_id, person_id=session.person_id).values_list("service_code", flat=True))
    if codes:
        require_errand(session, codes[0])


# ---- saved addresses ---------------------------------------------------------------------------


@api.get(
    "/me/addresses",
    summary="My saved addresses (常用地址)",
    tags=["delivery"],
    response=AddressList,
    wrappers=[requires(verified=True, acting=True)],
)
async def my_addresses(request: Request, *, session: SessionInfo) -> Response:
    assert session.person_id is not None
    return _json(AddressList(items=[address_out(a) for a in await service.addresses(person_id=session.person_id)]))


@api.post(
    "/me/addresses",
    summary="Save an address for later deliveries",
    tags=["delivery"],
    body=AddressIn,
    response=AddressOut,
    status=201,
    wrappers=[requires(verified=True, acting=True)],
)
async def add_address(request: Request, *, body: AddressIn, session: SessionInfo) -> AddressOut:
    assert session.person_id is not None
    return address_out(await service.add_address(person_id=session.person_id, address=body, by=session.principal))


@api.delete(
    "/me/addresses/{address_id:int}",
    summary="Delete a saved address",
    tags=["delivery"],
    status=204,
    errors=[service.AddressNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def delete_address(request: Request, *, session: SessionInfo) -> Response:
    assert session.person_id is not None
    await service.delete_address(person_id=session.person_id, address_id=request.path_params["address_id"], by=session.principal)
    return Response(status_code=204)


# ---- the resident's delivery -------------------------------------------------------------------


@api.post(
    "/deliveries",
    summary="Ask for the certificate by EMS (申请邮寄): one delivery per case, whatever the retries",
    tags=["delivery"],
    body=DeliveryCreate,
    response=DeliveryCardOut,
    status=201,
    headers=[HEADER_PARAMETER],
    errors=[
        ApplicationNotFound,
        service.AddressNotFound,
        service.NotOffered,
        service.NotNow,
        service.AlreadyRequested,
        service.NoStation,
    ],
    wrappers=[requires(verified=True, acting=True), idempotent],
)
async def request_delivery(request: Request, *, body: DeliveryCreate, session: SessionInfo) -> DeliveryCardOut:
    assert session.person_id is not None
    await _errand(session, body.application_id)
    async with transaction():
        order = await service.request(person_id=session.person_id, by=session.principal, body=body)
        if session.acting is not None:
            await notices.tell_requested_for(order, session.principal)
    return await delivery_out(order, owner=True)


@api.get(
    "/applications/{application_id:int}/delivery",
    summary="The case's delivery card: status, carrier events, the pickup code while out, the proof after",
    tags=["delivery"],
    response=DeliveryCardOut,
    errors=[service.DeliveryNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def case_delivery(request: Request, *, session: SessionInfo) -> Response:
    assert session.person_id is not None
    await _errand(session, request.path_params["application_id"])
    order = await service.mine(person_id=session.person_id, application_id=request.path_params["application_id"])
    return _json(await delivery_out(order, owner=True))


@api.post(
    "/deliveries/{delivery_id:int}/cancel",
    summary="Cancel the delivery (before the carrier has the parcel)",
    tags=["delivery"],
    response=DeliveryCardOut,
    errors=[service.DeliveryNotFound, DELIVERY.error],
    wrappers=[requires(verified=True, acting=True)],
)
async def cancel_delivery(request: Request, *, session: SessionInfo) -> DeliveryCardOut:
    assert session.person_id is not None
    if session.acting is not None:
        application_id = await DeliveryOrder.filter(id=_id(request), person_id=session.person_id).values_list("application_id", flat=True)
        if application_id:
            await _errand(session, cast(list[int], application_id)[0])
    order = await service.cancel(person_id=session.person_id, by=session.principal, delivery_id=_id(request))
    return await delivery_out(order, owner=True)


@api.get(
    "/deliveries/{delivery_id:int}/proof.jpg",
    summary="The proof photo (the owner, clerks of the case, couriers of the station)",
    tags=["delivery"],
    content={"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    errors=[service.DeliveryNotFound],
    wrappers=[requires()],
)
async def proof_photo(request: Request, *, session: SessionInfo) -> Response:
    order = await service.for_reader(session, _id(request))
    path = courier.proof_storage().local_path(order.photo_key) if order.photo_key else None
    if path is None:
        raise service.DeliveryNotFound()
    if order.person_id != session.person_id:
        async with transaction():
            await audit.record(
                actor=session.official.actor,
                subject=f"person:{order.person_id}",
                action="delivery.proof_read",
                object_type="delivery",
                object_id=order.id,
            )
    return file_response(path, media_type="image/jpeg", cache="private, no-store")


# ---- couriers ----------------------------------------------------------------------------------


@api.get("/courier/parcels", summary="Today's parcels of my stations (今日派件)", tags=["courier"], response=ParcelList, wrappers=[COURIER])
async def courier_parcels(request: Request, *, session: SessionInfo) -> Response:
    return _json(ParcelList(items=[parcel_out(o) for o in await courier.parcels(session=session)]))


@api.get(
    "/courier/parcels/by-waybill/{waybill_no}",
    summary="A parcel of my stations by its scanned waybill number",
    tags=["courier"],
    response=ParcelOut,
    errors=[service.DeliveryNotFound],
    wrappers=[COURIER],
)
async def parcel_by_waybill(request: Request, *, session: SessionInfo) -> Response:
    return _json(parcel_out(await courier.by_waybill(session=session, waybill_no=request.path_params["waybill_no"][:32])))


@api.post(
    "/courier/parcels/{delivery_id:int}/call",
    summary="Reveal the recipient's phone to call them (each reveal is audited)",
    tags=["courier"],
    response=RecipientPhoneOut,
    errors=[service.DeliveryNotFound],
    wrappers=[COURIER],
)
async def call_recipient(request: Request, *, session: SessionInfo) -> Response:
    return _json(RecipientPhoneOut(phone=await courier.reveal_phone(session=session, delivery_id=_id(request))))


class BadUpload(errors.BadRequest, code="delivery.bad_upload"):
    zh = "提交内容格式有误|请以 multipart/form-data 提交签收码、签收方式和一张照片（字段名 photo）。"
    en = "Malformed confirmation|Send the pickup code, the signer and one photo (field 'photo') as multipart/form-data."


async def _form(request: Request) -> tuple[FormData, DeliverForm]:
    """The confirmation's fields (Starlette keeps the parsed form on the request: read once)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.UnsupportedMediaType(expected="multipart/form-data")
    try:
        form = await request.form(max_files=1, max_fields=6, max_part_size=1024)
    except HTTPException:
        raise BadUpload() from None
    photo = form.get("photo")
    if photo is None or isinstance(photo, str):
        raise BadUpload()
    fields = {k: vs[0] if len(vs) == 1 else vs for k in form.keys() if k != "photo" for vs in [form.getlist(k)]}
    try:
        parsed = DeliverForm.model_validate({"photo": b"", **fields})
    except ValidationError as exc:
        raise errors.ValidationFailed(errors=field_errors(exc, location="form")) from None
    if BODY_DIGEST not in request.scope:  # the same key with another code, signer or photo is a reused key
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())
        await photo.seek(0)
        while chunk := await photo.read(1 << 16):
            digest.update(chunk)
        await photo.seek(0)
        request.scope[BODY_DIGEST] = digest.hexdigest()
    return form, parsed


def _code_checked(op: Operation, call: Handler) -> Handler:
    """A wrong pickup code is counted before the idempotent transaction, which would roll the count back."""

    async def checked(request: Request, **kwargs: Any) -> Any:
        _, form = await _form(request)
        await courier.check_code(session=kwargs["session"], delivery_id=_id(request), pickup_code=form.pickup_code)
        return await call(request, **kwargs)

    checked.__name__ = call.__name__
    return checked


@api.post(
    "/courier/parcels/{delivery_id:int}/deliver",
    summary="Confirm delivery at the door: pickup code, who signed, a photo; a replay with the same key gives one delivery",
    tags=["courier"],
    form=DeliverForm,
    response=ParcelOut,
    headers=[HEADER_PARAMETER],
    errors=[
        service.DeliveryNotFound,
        BadUpload,
        courier.WrongCode,
        courier.CodeLocked,
        courier.ProxyNotAllowed,
        courier.LockerNotAllowed,
        courier.SignerNameRequired,
        courier.AlreadyDelivered,
        DELIVERY.error,
        UnsupportedImage,
        ImageUnreadable,
        ImageTooLarge,
    ],
    wrappers=[COURIER, _code_checked, idempotent],
)
async def deliver_parcel(request: Request, *, session: SessionInfo) -> ParcelOut:
    form, fields = await _form(request)
    try:
        photo = form.get("photo")
        assert photo is not None and not isinstance(photo, str)
        order = await courier.deliver(
            session=session,
            delivery_id=_id(request),
            pickup_code=fields.pickup_code,
            signer_kind=fields.signer_kind,
            signer_name=fields.signer_name,
            relation=fields.relation,
            photo=photo.file,
        )
    finally:
        await form.close()
    return parcel_out(order)


@api.post(
    "/courier/parcels/{delivery_id:int}/attempt",
    summary="Record a failed delivery attempt (投递未成功) with its reason and the next day",
    tags=["courier"],
    body=AttemptIn,
    response=ParcelOut,
    headers=[HEADER_PARAMETER],
    errors=[service.DeliveryNotFound, DELIVERY.error],
    wrappers=[COURIER, idempotent],
)
async def failed_attempt(request: Request, *, body: AttemptIn, session: SessionInfo) -> ParcelOut:
    order = await courier.attempt(
        session=session, delivery_id=_id(request), reason=body.reason, note=body.note, next_attempt=body.next_attempt
    )
    return parcel_out(order)


# ---- administrators ----------------------------------------------------------------------------


@api.get(
    "/admin/stations",
    summary="Delivery stations (投递站), to scope couriers to one (administrator)",
    tags=["delivery"],
    response=StationList,
    wrappers=[requires(roles=("admin",))],
)
async def stations(request: Request, *, session: SessionInfo) -> StationList:
    return StationList(items=[StationOut(code=s.code, name=s.name, region_prefixes=s.region_prefixes) for s in await service.stations()])


# ---- clerks ------------------------------------------------------------------------------------


@api.get(
    "/staff/deliveries",
    summary="Deliveries in trouble (寄递异常): failed attempts, returned, quiet for 3 days, carrier call failed, code locked",
    tags=["delivery"],
    query=StaffQuery,
    response=StaffDeliveryList,
    wrappers=[CLERK],
)
async def staff_deliveries(request: Request, *, query: StaffQuery, session: SessionInfo) -> Response:
    return _json(StaffDeliveryList(items=await staff_out(await service.staff_list(session=session, view=query.view))))


@api.post(
    "/staff/deliveries/{delivery_id:int}/retry",
    summary="Retry the failed carrier call (重试下单)",
    tags=["delivery"],
    response=StaffDeliveryOut,
    errors=[service.DeliveryNotFound, service.NothingToRetry],
    wrappers=[CLERK],
)
async def retry_call(request: Request, *, session: SessionInfo) -> StaffDeliveryOut:
    return (await staff_out([await service.retry(session=session, delivery_id=_id(request))]))[0]


@api.post(
    "/staff/deliveries/{delivery_id:int}/new-code",
    summary="Send a new pickup code (重发签收码), e.g. after five wrong tries",
    tags=["delivery"],
    response=StaffDeliveryOut,
    errors=[service.DeliveryNotFound, service.NotOut],
    wrappers=[CLERK],
)
async def new_code(request: Request, *, session: SessionInfo) -> StaffDeliveryOut:
    return (await staff_out([await service.new_code(session=session, delivery_id=_id(request))]))[0]


# ---- carrier callbacks -------------------------------------------------------------------------


class EmsPushForm(BaseModel):
    """EMS 040002 tracking push (form-encoded; the body is SM4-encrypted in logitcsInterface)."""

    model_config = ConfigDict(extra="allow")
    apiCode: str = ""  # noqa: N815  (the carrier's field names)
    senderNo: str = ""  # noqa: N815
    timeStamp: str = ""  # noqa: N815
    logitcsInterface: str = ""  # noqa: N815


class Kuaidi100Form(BaseModel):
    """Kuaidi100 subscription callback: ``param`` (JSON) and ``sign`` = MD5(param + salt)."""

    model_config = ConfigDict(extra="allow")
    param: str = ""
    sign: str = ""


REPLY = {"application/json": {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}}
KUAIDI_REPLY = {"application/json": {"schema": {"type": "object"}}}


async def _fields(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_files=0, max_fields=20, max_part_size=256 * 1024)
    except HTTPException:
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str)}


class CallbacksRefusedTooOften(errors.TooMany, code="delivery.callbacks_refused_too_often"):
    zh = "回调被拒绝次数太多|来自该地址的回调多次验签失败，请 {retry_after} 秒后再试。"
    en = "Too many refused callbacks|Too many callbacks from this address failed their check; try again in {retry_after} seconds."

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(retry_after=retry_after, headers={"Retry-After": str(retry_after)})


# A carrier's real pushes pass their check and are never counted. Refusals (forged, stale) are each an audit
# row; past this many from one address in a minute the rest are answered 429 and recorded no more, so a
# flood of forgeries cannot fill the audit log.
REFUSED_PER_MINUTE = 20


async def _refused(request: Request, source: str, reason: str) -> None:
    minute = int(time.time() // 60)
    if await current().broker.incr(f"carrier-refused:{client_network(request)}:{minute}", ttl=60) > REFUSED_PER_MINUTE:
        raise CallbacksRefusedTooOften(retry_after=(minute + 1) * 60 - int(time.time()))
    async with transaction():
        await audit.record(
            actor=f"carrier:{source}",
            action="delivery.callback_refused",
            object_type="callback",
            result="denied",
            detail={"reason": reason},
        )


@api.post(
    "/carrier/ems/push",
    summary="EMS tracking push (040002): signed and encrypted, idempotent, refused when stale",
    tags=["carrier"],
    form=EmsPushForm,
    content=REPLY,
    also=[400],
    errors=[CallbacksRefusedTooOften],
    wrappers=[anyone],
)
async def ems_push(request: Request) -> Response:
    adapter = carrier()
    fields = await _fields(request)
    try:
        push = adapter.parse_push(fields, datetime.now(UTC))
    except (CallbackInvalid, CallbackStale) as exc:
        await _refused(request, "ems", type(exc).__name__)
        return JSONResponse(adapter.push_reply(fields.get("serialNo", ""), False), status_code=400)
    await tracking.apply(push.events)
    return JSONResponse(adapter.push_reply(push.serial_no, True))


@api.post(
    "/carrier/kuaidi100/callback",
    summary="Kuaidi100 subscription callback: signed, idempotent",
    tags=["carrier"],
    form=Kuaidi100Form,
    content=KUAIDI_REPLY,
    also=[400],
    errors=[CallbacksRefusedTooOften],
    wrappers=[anyone],
)
async def kuaidi100_callback(request: Request) -> Response:
    adapter = tracker()
    fields = await _fields(request)
    try:
        events = adapter.parse_callback(fields)
    except CallbackInvalid:
        await _refused(request, "kuaidi100", "CallbackInvalid")
        return JSONResponse(adapter.callback_reply(False), status_code=400)
    await tracking.apply(events)
    return JSONResponse(adapter.callback_reply(True))
