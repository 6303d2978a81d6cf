"""Assisted service endpoints (帮办代办): township staff find or register villagers and record delegations; villagers withdraw them."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.assisted import service
from backend.assisted.flows import DELEGATION, LABELS
from backend.assisted.models import Delegation
from backend.assisted.schemas import (
    CodeIn,
    Dashboard,
    DelegationIn,
    DelegationList,
    DelegationOut,
    DelegationQuery,
    LookupIn,
    PhotoForm,
    ReadQuery,
    Revealed,
    RevealIn,
    VillagerDetail,
    VillagerIn,
    VillagerOut,
)
from backend.kit import errors
from backend.kit.api import API
from backend.kit.idempotency import HEADER_PARAMETER, idempotent
from backend.materials.service import ImageTooLarge, ImageUnreadable, UnsupportedImage

api = API(prefix="/api/v1")
NO_STORE = {"Cache-Control": "private, no-store"}
STAFF = requires(roles=("staff", "admin"))
MAX_PHOTO_BYTES = 15 * 1024 * 1024


class BadUpload(errors.BadRequest, code="assist.bad_upload"):
    zh = "提交内容格式有误|请以 multipart/form-data 提交一张签字的授权委托书照片（字段名 photo）。"
    en = "Malformed upload|Send one photo of the signed form (field 'photo') as multipart/form-data."


def _id(request: Request) -> int:
    return request.path_params["delegation_id"]


def _out(d: Delegation) -> DelegationOut:
    return DelegationOut(
        id=d.id,
        person_id=d.person_id,
        staff_id=d.staff_id,
        township=d.township,
        errands=d.errands,
        starts=d.starts,
        ends=d.ends,
        status=d.status,
        status_label=LABELS[d.status],
        evidence_kind=d.evidence_kind,
        has_photo=bool(d.photo_key),
        wrong_tries=d.wrong_tries,
    )


def _list(items: list[Delegation]) -> Response:
    return Response(DelegationList(items=[_out(d) for d in items]).model_dump_json(), media_type="application/json", headers=NO_STORE)


@api.post(
    "/assist/lookup",
    summary="Find a villager by the exact ID number (audited with the reason); masked",
    tags=["assist"],
    body=LookupIn,
    response=VillagerOut,
    errors=[service.NotFound, service.NoTownship],
    wrappers=[STAFF],
)
async def lookup(request: Request, *, body: LookupIn, session: SessionInfo) -> VillagerOut:
    person = await service.lookup(session=session, id_number=body.id_number, reason=body.reason)
    return VillagerOut.model_validate(service.villager_out(person))


@api.post(
    "/assist/villagers",
    summary="Register a villager without a smartphone (claimed by staff)",
    tags=["assist"],
    body=VillagerIn,
    response=VillagerOut,
    status=201,
    errors=[service.AlreadyRegistered, service.NoTownship],
    wrappers=[STAFF],
)
async def register(request: Request, *, body: VillagerIn, session: SessionInfo) -> VillagerOut:
    person = await service.register(session=session, name=body.name, id_number=body.id_number, phone=body.phone)
    return VillagerOut.model_validate(service.villager_out(person))


@api.post(
    "/assist/delegations",
    summary="Record a delegation (授权委托) waiting for its evidence",
    tags=["assist"],
    body=DelegationIn,
    response=DelegationOut,
    status=201,
    headers=[HEADER_PARAMETER],
    errors=[service.NotFound, service.NoTownship, service.TownshipRequired, service.BadPeriod],
    wrappers=[STAFF, idempotent],
)
async def create_delegation(request: Request, *, body: DelegationIn, session: SessionInfo) -> DelegationOut:
    delegation = await service.create(
        session=session,
        person_id=body.person_id,
        errands=body.errands,
        starts=body.starts,
        ends=body.ends,
        evidence=body.evidence,
        township=body.township,
    )
    return _out(delegation)


@api.get(
    "/assist/delegations",
    summary="A villager's delegations in my township",
    tags=["assist"],
    query=DelegationQuery,
    response=DelegationList,
    errors=[service.NoTownship],
    wrappers=[STAFF],
)
async def township_delegations(request: Request, *, query: DelegationQuery, session: SessionInfo) -> Response:
    return _list(await service.for_township(session=session, person_id=query.person_id))


@api.post(
    "/assist/delegations/{delegation_id:int}/evidence/photo",
    summary="Upload the photo of the signed 授权委托书: the delegation becomes active",
    tags=["assist"],
    form=PhotoForm,
    response=DelegationOut,
    errors=[service.DelegationNotFound, BadUpload, DELEGATION.error, UnsupportedImage, ImageUnreadable, ImageTooLarge],
    wrappers=[STAFF],
)
async def photo_evidence(request: Request, *, session: SessionInfo) -> DelegationOut:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.UnsupportedMediaType(expected="multipart/form-data")
    try:
        form = await request.form(max_files=1, max_fields=1)
    except HTTPException:
        raise BadUpload() from None
    try:
        photo = form.get("photo")
        if photo is None or isinstance(photo, str):
            raise BadUpload()
        delegation = await service.attach_photo(session=session, delegation_id=_id(request), photo=photo.file)
    finally:
        await form.close()
    return _out(delegation)


@api.post(
    "/assist/delegations/{delegation_id:int}/evidence/sms",
    summary="Text a 6-digit code to the villager's own phone on record",
    tags=["assist"],
    response=DelegationOut,
    errors=[service.DelegationNotFound, service.NoPhone, DELEGATION.error],
    wrappers=[STAFF],
)
async def send_code(request: Request, *, session: SessionInfo) -> DelegationOut:
    return _out(await service.send_code(session=session, delegation_id=_id(request)))


@api.post(
    "/assist/delegations/{delegation_id:int}/evidence/sms/confirm",
    summary="Confirm with the code the villager read out (5 tries)",
    tags=["assist"],
    body=CodeIn,
    response=DelegationOut,
    errors=[service.DelegationNotFound, service.WrongCode, service.CodeLocked, DELEGATION.error],
    wrappers=[STAFF],
)
async def confirm_code(request: Request, *, body: CodeIn, session: SessionInfo) -> DelegationOut:
    return _out(await service.confirm_code(session=session, delegation_id=_id(request), code=body.code))


@api.post(
    "/assist/delegations/{delegation_id:int}/withdraw",
    summary="Withdraw a delegation (staff)",
    tags=["assist"],
    response=DelegationOut,
    errors=[service.DelegationNotFound, DELEGATION.error],
    wrappers=[STAFF],
)
async def staff_withdraw(request: Request, *, session: SessionInfo) -> DelegationOut:
    return _out(await service.withdraw_by_staff(session=session, delegation_id=_id(request)))


@api.get(
    "/me/delegations",
    summary="The delegations I gave to township staff",
    tags=["assist"],
    response=DelegationList,
    wrappers=[requires()],
)
async def my_delegations(request: Request, *, session: SessionInfo) -> Response:
    return _list(await service.mine(session=session))


@api.post(
    "/me/delegations/{delegation_id:int}/withdraw",
    summary="Withdraw a delegation I gave",
    tags=["assist"],
    response=DelegationOut,
    errors=[service.DelegationNotFound, DELEGATION.error],
    wrappers=[requires()],
)
async def my_withdraw(request: Request, *, session: SessionInfo) -> DelegationOut:
    return _out(await service.withdraw_by_villager(session=session, delegation_id=_id(request)))


@api.get(
    "/assist/people/{person_id:int}",
    summary="A villager's record (masked) with my township's delegations; the read is audited with its reason",
    tags=["assist"],
    query=ReadQuery,
    response=VillagerDetail,
    errors=[service.NotFound, service.NoTownship],
    wrappers=[STAFF],
)
async def read_villager(request: Request, *, query: ReadQuery, session: SessionInfo) -> Response:
    person, delegations = await service.read_villager(session=session, person_id=request.path_params["person_id"], reason=query.reason)
    out = VillagerDetail.model_validate(service.villager_out(person) | {"delegations": [_out(d) for d in delegations]})
    return Response(out.model_dump_json(), media_type="application/json", headers=NO_STORE)


@api.post(
    "/assist/people/{person_id:int}/reveal",
    summary="The full ID number, for staff of a township holding the villager's delegation; audited with the reason",
    tags=["assist"],
    body=RevealIn,
    response=Revealed,
    errors=[service.NotFound, service.NoTownship],
    wrappers=[STAFF],
)
async def reveal(request: Request, *, body: RevealIn, session: SessionInfo) -> Response:
    id_number = await service.reveal(session=session, person_id=request.path_params["person_id"], reason=body.reason)
    return Response(Revealed(id_number=id_number).model_dump_json(), media_type="application/json", headers=NO_STORE)


@api.get(
    "/assist/dashboard",
    summary="My villagers' open cases, corrections waiting and deadlines close (audited)",
    tags=["assist"],
    response=Dashboard,
    errors=[service.NoTownship],
    wrappers=[STAFF],
)
async def dashboard(request: Request, *, session: SessionInfo) -> Response:
    out = Dashboard.model_validate(await service.dashboard(session=session))
    return Response(out.model_dump_json(), media_type="application/json", headers=NO_STORE)
