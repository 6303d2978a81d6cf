"""HTTP endpoints of identity: unpack, call the service, shape the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backend.kit.api import API
from backend.kit.pii import mask_phone
from backend.kit.resources import current
from backend.kit.sms import SmsRateLimited, SmsUnavailable
from backend.kit.wechat import WeChatCodeInvalid, WeChatCodeUsed, WeChatNotConfigured, WeChatRateLimited, WeChatUnavailable

from auth import otp, service, sessions
from auth.errors import (
    BadCredentials,
    CodeInvalid,
    CodeLocked,
    CsrfFailed,
    Forbidden,
    IdentityConflict,
    IdentityMismatch,
    IdentityRejected,
    IdentityRequired,
    LoginThrottled,
    NotAuthenticated,
    SecondFactorRequired,
    SessionNotFound,
    TooManyRequests,
)
from auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from auth.permissions import requires
from auth.schemas import (
    Device,
    DevicesOut,
    IdentityIn,
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

api = API(prefix="/api/v1")
AUTH_ERRORS = [NotAuthenticated, CsrfFailed]


def _client(request: Request) -> service.Client:
    return service.Client(ip=request.client.host if request.client else "", user_agent=request.headers.get("user-agent", ""))


def _secure(request: Request) -> bool:
    setting = current().settings.cookie_secure
    return request.url.scheme == "https" if setting == "auto" else setting in ("1", "true")


def _session_response(request: Request, token: str, info: SessionInfo, transport: str) -> Response:
    body = SessionOut(
        token=token if transport == "bearer" else None, csrf_token=info.csrf_token,
        expires_at=datetime.fromtimestamp(info.expires_at, UTC), verified=info.person_id is not None,
    )
    response = JSONResponse(body.model_dump(mode="json"), headers={"Cache-Control": "no-store"})
    if transport == "cookie":
        max_age = int(info.expires_at - datetime.now(UTC).timestamp())
        secure = _secure(request)
        response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, secure=secure, samesite="lax")
        response.set_cookie(CSRF_COOKIE, info.csrf_token, max_age=max_age, path="/", httponly=False, secure=secure, samesite="strict")
    return response


@api.post("/auth/wechat/miniprogram", summary="Mini-program login with a wx.login() code (Bearer token)", tags=["auth"],
          body=WeChatLogin, response=SessionOut,
          errors=[WeChatCodeInvalid, WeChatCodeUsed, WeChatRateLimited, WeChatUnavailable, WeChatNotConfigured])
async def wechat_login(request: Request, *, body: WeChatLogin) -> Response:
    token, info = await service.login_with_wechat(code=body.code, client=_client(request))
    return _session_response(request, token, info, "bearer")


@api.post("/auth/sms/send", summary="Text a 6-digit login code to a phone number", tags=["auth"], body=SmsSend,
          response=SentOut, status=202, errors=[service.InvalidPhone, TooManyRequests, SmsRateLimited, SmsUnavailable])
async def sms_send(request: Request, *, body: SmsSend) -> SentOut:
    await service.send_login_code(phone=body.phone, client=_client(request))
    return SentOut(sent=True, retry_after=otp.PHONE_LIMITS[0][0])


@api.post("/auth/sms/verify", summary="Log in with the phone number and the SMS code", tags=["auth"], body=SmsVerify,
          response=SessionOut, errors=[service.InvalidPhone, CodeInvalid, CodeLocked, TooManyRequests])
async def sms_verify(request: Request, *, body: SmsVerify) -> Response:
    token, info = await service.login_with_sms(phone=body.phone, code=body.code, transport=body.transport, client=_client(request))
    return _session_response(request, token, info, body.transport)


@api.post("/auth/staff/login", summary="Staff first factor: phone and password; texts the second factor",
          tags=["auth"], body=StaffLogin, response=SentOut, status=202,
          errors=[service.InvalidPhone, BadCredentials, LoginThrottled, TooManyRequests, SmsUnavailable])
async def staff_login(request: Request, *, body: StaffLogin) -> SentOut:
    await service.start_staff_login(phone=body.phone, password=body.password, client=_client(request))
    return SentOut(sent=True, retry_after=otp.PHONE_LIMITS[0][0])


@api.post("/auth/staff/verify", summary="Staff second factor: the SMS code; opens a staff session", tags=["auth"],
          body=StaffVerify, response=SessionOut, errors=[service.InvalidPhone, CodeInvalid, CodeLocked, BadCredentials, TooManyRequests])
async def staff_verify(request: Request, *, body: StaffVerify) -> Response:
    token, info = await service.finish_staff_login(phone=body.phone, code=body.code, transport=body.transport, client=_client(request))
    return _session_response(request, token, info, body.transport)


@api.post("/auth/logout", summary="End this session everywhere", tags=["auth"], response=OkOut, errors=AUTH_ERRORS, wrappers=[requires()])
async def logout(request: Request, *, session: SessionInfo) -> Response:
    await sessions.end(session, reason="logout")
    response = JSONResponse(OkOut().model_dump())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _me(p: service.Profile) -> MeOut:
    return MeOut(person_id=p.person_id, verified=p.verified, name=p.name_masked, id_number=p.id_number_masked,
                 phone=p.phone_masked, channels=p.channels, roles=p.roles)


@api.get("/me", summary="Who I am (masked) and my roles", tags=["me"], response=MeOut, errors=AUTH_ERRORS, wrappers=[requires()])
async def me(request: Request, *, session: SessionInfo) -> MeOut:
    return _me(await service.profile(session=session))


@api.post("/me/identity", summary="Real-name verification: name + ID number (一号申请)", tags=["me"], body=IdentityIn,
          response=MeOut, errors=[*AUTH_ERRORS, IdentityConflict, IdentityMismatch, IdentityRejected], wrappers=[requires()])
async def bind_identity(request: Request, *, body: IdentityIn, session: SessionInfo) -> MeOut:
    person = await service.bind_identity(session=session, name=body.name, id_number=body.id_number)
    bound = replace(session, person_id=person.id, roles=await sessions.roles_of(person.id))
    return _me(await service.profile(session=bound))


@api.post("/me/phone/wechat", summary="Bind my phone number through WeChat getPhoneNumber", tags=["me"], body=WeChatPhoneIn,
          response=PhoneOut, errors=[*AUTH_ERRORS, IdentityRequired, WeChatCodeInvalid, WeChatUnavailable], wrappers=[requires()])
async def bind_wechat_phone(request: Request, *, body: WeChatPhoneIn, session: SessionInfo) -> PhoneOut:
    return PhoneOut(phone=mask_phone(await service.bind_phone_from_wechat(session=session, code=body.code)))


def _mask_ip(ip: str) -> str:
    parts = ip.split(".")
    return ".".join(parts[:2] + ["*", "*"]) if len(parts) == 4 else (ip[:9] + "…" if ip else "")


@api.get("/me/sessions", summary="My devices (open sessions)", tags=["me"], response=DevicesOut, errors=AUTH_ERRORS, wrappers=[requires()])
async def my_sessions(request: Request, *, session: SessionInfo) -> DevicesOut:
    rows = await sessions.list_open(person_id=session.person_id, account_id=session.account_id)
    return DevicesOut(devices=[
        Device(id=r.id, current=r.id == session.id, transport=r.transport, user_agent=r.user_agent, ip=_mask_ip(r.ip),
               created_at=r.created_at, last_seen_at=r.last_seen_at)
        for r in rows
    ])


@api.delete("/me/sessions/{session_id:int}", summary="Sign out one of my devices", tags=["me"], response=OkOut,
            errors=[*AUTH_ERRORS, SessionNotFound], wrappers=[requires()])
async def revoke_session(request: Request, *, session: SessionInfo) -> OkOut:
    if not await sessions.revoke_by_id(owner=session, session_id=request.path_params["session_id"]):
        raise SessionNotFound()
    return OkOut()


@api.get("/staff/me", summary="Staff check: my staff roles (needs password + SMS login)", tags=["staff"], response=MeOut,
         errors=[*AUTH_ERRORS, Forbidden, SecondFactorRequired], wrappers=[requires(roles=("staff", "approver", "courier", "admin"))])
async def staff_me(request: Request, *, session: SessionInfo) -> MeOut:
    return _me(await service.profile(session=session))
