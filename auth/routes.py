"""HTTP endpoints of identity: unpack, call the service, shape the answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth import admin, consent, devices, identity, legal_routes, otp, service, sessions
from auth.errors import (
    AccountDisabled,
    BadCredentials,
    CodeExpired,
    CodeInvalid,
    CodeLocked,
    DocumentOutdated,
    IdentityMismatch,
    IdentityRequired,
    IdNumberConsentRequired,
    LoginThrottled,
    SessionNotFound,
    TooManyRequests,
)
from auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from auth.models import ASSURANCE_NAMES, STAFF_ROLES
from auth.permissions import requires
from auth.schemas import (
    ChannelOut,
    ChannelsOut,
    ConsentIn,
    Device,
    DevicesOut,
    DocumentOut,
    IdentityIn,
    JoinConfirmIn,
    JoinRequestOut,
    JoinSentOut,
    MeOut,
    OkOut,
    PhoneOut,
    SentOut,
    SessionOut,
    SmsSend,
    SmsVerify,
    StaffLogin,
    StaffVerify,
    WeChatLogin,
    WeChatPhoneIn,
)
from auth.sessions import SessionInfo
from backend.kit.api import API, anyone
from backend.kit.pii import mask_phone
from backend.kit.realname import RealNameUnavailable
from backend.kit.resources import current
from backend.kit.sms import SmsRateLimited, SmsUnavailable
from backend.kit.wechat import WeChatCodeInvalid, WeChatCodeUsed, WeChatNotConfigured, WeChatRateLimited, WeChatUnavailable

api = API(prefix="/api/v1")


def _documents(docs: list[consent.Document]) -> list[DocumentOut]:
    return [DocumentOut(document=d.document, version=d.version, title=d.title) for d in docs]


def _client(request: Request) -> service.Client:
    return service.Client(ip=request.client.host if request.client else "", user_agent=request.headers.get("user-agent", ""))


def _secure(request: Request) -> bool:
    setting = current().settings.cookie_secure
    return request.url.scheme == "https" if setting == "auto" else setting in ("1", "true")


def _session_response(request: Request, token: str, info: SessionInfo, transport: str) -> Response:
    body = SessionOut(
        token=token if transport == "bearer" else None,
        csrf_token=info.csrf_token,
        expires_at=datetime.fromtimestamp(info.expires_at, UTC),
        verified=info.person_id is not None,
        consent_required=_documents(consent.required(info)),
    )
    response = JSONResponse(body.model_dump(mode="json"), headers={"Cache-Control": "no-store"})
    if transport == "cookie":
        max_age = int(info.expires_at - datetime.now(UTC).timestamp())
        secure = _secure(request)
        response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, secure=secure, samesite="lax")
        response.set_cookie(CSRF_COOKIE, info.csrf_token, max_age=max_age, path="/", httponly=False, secure=secure, samesite="strict")
    return response


@api.post(
    "/auth/wechat/miniprogram",
    summary="Mini-program login with a wx.login() code (Bearer token)",
    tags=["auth"],
    body=WeChatLogin,
    response=SessionOut,
    errors=[
        WeChatCodeInvalid,
        WeChatCodeUsed,
        WeChatRateLimited,
        WeChatUnavailable,
        WeChatNotConfigured,
        DocumentOutdated,
        AccountDisabled,
    ],
    wrappers=[anyone],
)
async def wechat_login(request: Request, *, body: WeChatLogin) -> Response:
    accepted = [(a.document, a.version) for a in body.accept]
    token, info = await service.login_with_wechat(code=body.code, accepted=accepted, client=_client(request))
    return _session_response(request, token, info, "bearer")


@api.post(
    "/auth/sms/send",
    summary="Text a 6-digit login code to a phone number",
    tags=["auth"],
    body=SmsSend,
    response=SentOut,
    status=202,
    errors=[service.InvalidPhone, TooManyRequests, SmsRateLimited, SmsUnavailable],
    wrappers=[anyone],
)
async def sms_send(request: Request, *, body: SmsSend) -> SentOut:
    await service.send_login_code(phone=body.phone, client=_client(request))
    return SentOut(sent=True, retry_after=otp.resend_seconds())


@api.post(
    "/auth/sms/verify",
    summary="Log in with the phone number and the SMS code",
    tags=["auth"],
    body=SmsVerify,
    response=SessionOut,
    errors=[service.InvalidPhone, CodeInvalid, CodeLocked, CodeExpired, TooManyRequests, DocumentOutdated, AccountDisabled],
    wrappers=[anyone],
)
async def sms_verify(request: Request, *, body: SmsVerify) -> Response:
    accepted = [(a.document, a.version) for a in body.accept]
    token, info = await service.login_with_sms(
        phone=body.phone, code=body.code, transport=body.transport, accepted=accepted, client=_client(request)
    )
    return _session_response(request, token, info, body.transport)


@api.post(
    "/auth/staff/login",
    summary="Staff first factor: phone and password; texts the second factor",
    tags=["auth"],
    body=StaffLogin,
    response=SentOut,
    status=202,
    errors=[service.InvalidPhone, BadCredentials, LoginThrottled, TooManyRequests, SmsUnavailable],
    wrappers=[anyone],
)
async def staff_login(request: Request, *, body: StaffLogin) -> SentOut:
    await service.start_staff_login(phone=body.phone, password=body.password, client=_client(request))
    return SentOut(sent=True, retry_after=otp.resend_seconds())


@api.post(
    "/auth/staff/verify",
    summary="Staff second factor: the SMS code; opens a staff session",
    tags=["auth"],
    body=StaffVerify,
    response=SessionOut,
    errors=[service.InvalidPhone, CodeInvalid, CodeLocked, CodeExpired, BadCredentials, TooManyRequests],
    wrappers=[anyone],
)
async def staff_verify(request: Request, *, body: StaffVerify) -> Response:
    token, info = await service.finish_staff_login(phone=body.phone, code=body.code, transport=body.transport, client=_client(request))
    return _session_response(request, token, info, body.transport)


@api.post("/auth/logout", summary="End this session everywhere", tags=["auth"], response=OkOut, wrappers=[requires(consent=False)])
async def logout(request: Request, *, session: SessionInfo) -> Response:
    await sessions.end(session, reason="logout")
    response = JSONResponse(OkOut().model_dump())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _me(p: service.Profile, session: SessionInfo) -> MeOut:
    return MeOut(
        person_id=p.person_id,
        verified=p.verified,
        assurance=p.assurance,
        name=p.name_masked,
        id_number=p.id_number_masked,
        phone=p.phone_masked,
        channels=p.channels,
        roles=p.roles,
        consent_required=_documents(consent.required(session)),
    )


@api.get(
    "/me",
    summary="Who I am (masked), my roles, and the documents I must agree to first",
    tags=["me"],
    response=MeOut,
    wrappers=[requires(consent=False)],
)
async def me(request: Request, *, session: SessionInfo) -> MeOut:
    return _me(await service.profile(session=session), session)


@api.post(
    "/me/identity",
    summary="Real-name binding: name + ID number (一号申请); joins an existing person only with proof",
    tags=["me"],
    body=IdentityIn,
    response=MeOut,
    errors=[IdentityMismatch, TooManyRequests, RealNameUnavailable, IdNumberConsentRequired, DocumentOutdated],
    wrappers=[requires()],
)
async def bind_identity(request: Request, *, body: IdentityIn, session: SessionInfo) -> MeOut:
    accepted = [(a.document, a.version) for a in body.accept]
    person = await identity.bind_identity(
        session=session, name=body.name, id_number=body.id_number, accepted=accepted, ip=_client(request).ip
    )
    return await _me_after_binding(session, person.id)


async def _me_after_binding(session: SessionInfo, person_id: int) -> MeOut:
    fresh = await sessions.resolve_by_id(session.id) or replace(session, person_id=person_id, roles=await sessions.roles_of(person_id))
    return _me(await service.profile(session=fresh), fresh)


@api.post(
    "/me/identity/join",
    summary="Ask the earlier owner of my ID number to confirm me (a code to their phone on record)",
    tags=["me"],
    response=JoinSentOut,
    status=202,
    errors=[TooManyRequests, SmsRateLimited, SmsUnavailable],
    wrappers=[requires()],
)
async def request_join(request: Request, *, session: SessionInfo) -> JoinSentOut:
    await identity.request_join(session=session, ip=_client(request).ip)
    return JoinSentOut()


@api.post(
    "/me/identity/join/confirm",
    summary="Join the person with the code from their phone on record",
    tags=["me"],
    body=JoinConfirmIn,
    response=MeOut,
    errors=[CodeInvalid, CodeLocked, CodeExpired, TooManyRequests, identity.JoinRequestNotFound],
    wrappers=[requires()],
)
async def confirm_join(request: Request, *, body: JoinConfirmIn, session: SessionInfo) -> MeOut:
    person = await identity.confirm_join(session=session, code=body.code, ip=_client(request).ip)
    return await _me_after_binding(session, person.id)


@api.get(
    "/me/channels",
    summary="My login channels with how each was proven, and channels asking to join me",
    tags=["me"],
    response=ChannelsOut,
    wrappers=[requires()],
)
async def my_channels(request: Request, *, session: SessionInfo) -> ChannelsOut:
    bound, pending = await identity.channels(session=session)
    return ChannelsOut(
        channels=[
            ChannelOut(
                id=c.id,
                kind=c.kind,
                assurance=ASSURANCE_NAMES[c.assurance],
                source=c.source,
                bound_at=c.bound_at,
                last_login_at=c.last_login_at,
                current=c.current,
            )
            for c in bound
        ],
        join_requests=[
            JoinRequestOut(id=r.id, kind=r.kind, status=r.status, created_at=r.created_at, expires_at=r.expires_at) for r in pending
        ],
    )


@api.delete(
    "/me/channels/{account_id:int}",
    summary="不是我本人: remove a login channel from me and end its sessions",
    tags=["me"],
    response=OkOut,
    errors=[identity.ChannelNotFound, identity.CurrentChannel],
    wrappers=[requires()],
)
async def remove_channel(request: Request, *, session: SessionInfo) -> OkOut:
    await identity.remove_channel(session=session, account_id=request.path_params["account_id"])
    return OkOut()


@api.post(
    "/me/join-requests/{request_id:int}/approve",
    summary="Let a channel that brought my ID number join me",
    tags=["me"],
    response=OkOut,
    errors=[identity.JoinRequestNotFound],
    wrappers=[requires()],
)
async def approve_join(request: Request, *, session: SessionInfo) -> OkOut:
    await identity.approve_join(session=session, request_id=request.path_params["request_id"])
    return OkOut()


@api.post(
    "/me/join-requests/{request_id:int}/deny",
    summary="不是我本人: refuse a channel that brought my ID number, end its sessions",
    tags=["me"],
    response=OkOut,
    errors=[identity.JoinRequestNotFound],
    wrappers=[requires()],
)
async def deny_join(request: Request, *, session: SessionInfo) -> OkOut:
    await identity.deny_join(session=session, request_id=request.path_params["request_id"])
    return OkOut()


@api.post(
    "/me/phone/wechat",
    summary="Bind my phone number through WeChat getPhoneNumber",
    tags=["me"],
    body=WeChatPhoneIn,
    response=PhoneOut,
    errors=[IdentityRequired, WeChatCodeInvalid, WeChatUnavailable],
    wrappers=[requires()],
)
async def bind_wechat_phone(request: Request, *, body: WeChatPhoneIn, session: SessionInfo) -> PhoneOut:
    return PhoneOut(phone=mask_phone(await service.bind_phone_from_wechat(session=session, code=body.code)))


@api.get("/me/sessions", summary="My devices (open sessions)", tags=["me"], response=DevicesOut, wrappers=[requires()])
async def my_sessions(request: Request, *, session: SessionInfo) -> DevicesOut:
    rows = await sessions.list_open(person_id=session.person_id, account_id=session.account_id)
    # Parsing runs the user-agent rules (the first call also compiles them): off the event loop.
    agents = await asyncio.to_thread(lambda: [devices.describe(r.user_agent) for r in rows])
    return DevicesOut(
        devices=[
            Device(
                id=r.id,
                current=r.id == session.id,
                transport=r.transport,
                user_agent=r.user_agent,
                browser=agent.browser,
                os=agent.os,
                model=agent.model,
                wechat=agent.wechat,
                network=devices.network_kind(r.ip),
                ip=devices.mask_address(r.ip),
                created_at=r.created_at,
                last_seen_at=r.last_seen_at,
            )
            for r, agent in zip(rows, agents, strict=True)
        ]
    )


@api.delete(
    "/me/sessions/{session_id:int}",
    summary="Sign out one of my devices",
    tags=["me"],
    response=OkOut,
    errors=[SessionNotFound],
    wrappers=[requires()],
)
async def revoke_session(request: Request, *, session: SessionInfo) -> OkOut:
    if not await sessions.revoke_by_id(owner=session, session_id=request.path_params["session_id"]):
        raise SessionNotFound()
    return OkOut()


@api.get(
    "/staff/me",
    summary="Staff check: my staff roles (needs password + SMS login)",
    tags=["staff"],
    response=MeOut,
    wrappers=[requires(roles=STAFF_ROLES)],
)
async def staff_me(request: Request, *, session: SessionInfo) -> MeOut:
    return _me(await service.profile(session=session), session)


@api.post(
    "/me/consents",
    summary="Agree to the current versions of documents (同意并继续); answers who I am with what is still required",
    tags=["me"],
    body=ConsentIn,
    response=MeOut,
    errors=[DocumentOutdated],
    wrappers=[requires(consent=False)],
)
async def agree(request: Request, *, body: ConsentIn, session: SessionInfo) -> MeOut:
    await consent.accept(session=session, accepted=[(a.document, a.version) for a in body.accept])
    fresh = await sessions.resolve_by_id(session.id) or session
    return _me(await service.profile(session=fresh), fresh)


api.include(legal_routes.api)
api.include(admin.api)
