"""A fake WeChat API server speaking the real protocol (HTTP 200 + errcode, one-time codes).

Covers /cgi-bin/token, /sns/jscode2session and /wxa/business/getuserphonenumber as described in
../shared/reference/protocols.md §0-1. Tests issue codes through the Python API (or the
``/_fake/...`` control endpoints) the way WeChat's client SDK would hand them to the app.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def _rid() -> str:
    return f"rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": f"{message}, {_rid()}"})  # always HTTP 200


@dataclass
class LoginCode:
    openid: str
    unionid: str | None
    issued: float
    used: bool = False


@dataclass
class FakeWeChat:
    appid: str = "wxfake0000000001"
    secret: str = "fake-secret"
    code_ttl: float = 300.0
    login_codes: dict[str, LoginCode] = field(default_factory=dict)
    phone_codes: dict[str, dict] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    token_fetches: int = 0
    busy: int = 0  # answer -1 (system busy) this many times
    rate_limited_openids: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def issue_login_code(self, openid: str | None = None, *, unionid: str | None = None) -> str:
        """What wx.login() gives the mini-program: a one-time code for this user."""
        code = secrets.token_urlsafe(24)
        self.login_codes[code] = LoginCode(openid or "o" + secrets.token_urlsafe(20), unionid, time.monotonic())
        return code

    def issue_phone_code(self, phone: str) -> str:
        """What the getPhoneNumber button gives the mini-program."""
        code = secrets.token_hex(16)
        self.phone_codes[code] = {"phone": phone, "issued": time.monotonic(), "used": False}
        return code

    def app(self) -> Starlette:
        async def token(request: Request) -> JSONResponse:
            q = request.query_params
            self.calls.append("token")
            if q.get("grant_type") != "client_credential":
                return _error(40002, "invalid grant_type")
            if q.get("appid") != self.appid:
                return _error(40013, "invalid appid")
            if q.get("secret") != self.secret:
                return _error(40125, "invalid appsecret")
            self.token_fetches += 1
            self.tokens = {t := secrets.token_urlsafe(32)}  # a new fetch invalidates the previous token
            return JSONResponse({"access_token": t, "expires_in": 7200})

        async def jscode2session(request: Request) -> JSONResponse:
            q = request.query_params
            self.calls.append("jscode2session")
            if self.busy > 0:
                self.busy -= 1
                return _error(-1, "system error")
            if q.get("appid") != self.appid:
                return _error(40013, "invalid appid")
            if q.get("secret") != self.secret:
                return _error(40125, "invalid appsecret")
            entry = self.login_codes.get(q.get("js_code", ""))
            if entry is None or time.monotonic() - entry.issued > self.code_ttl:
                return _error(40029, "invalid code")
            if entry.used:
                return _error(40163, "code been used")
            if entry.openid in self.rate_limited_openids:
                return _error(45011, "api minute-quota reach limit  mustslower  retry next minute")
            entry.used = True
            body = {"openid": entry.openid, "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
            if entry.unionid:
                body["unionid"] = entry.unionid
            return JSONResponse(body)

        async def getuserphonenumber(request: Request) -> JSONResponse:
            self.calls.append("getuserphonenumber")
            if request.query_params.get("access_token") not in self.tokens:
                return _error(40001, "invalid credential, access_token is invalid or not latest")
            try:
                code = (await request.json()).get("code", "")
            except ValueError:
                return _error(47001, "data format error")
            entry = self.phone_codes.get(code)
            if entry is None or entry["used"] or time.monotonic() - entry["issued"] > self.code_ttl:
                return _error(40029, "invalid code")
            entry["used"] = True
            phone = entry["phone"]
            return JSONResponse({
                "errcode": 0, "errmsg": "ok",
                "phone_info": {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": 86,
                               "watermark": {"timestamp": int(time.time()), "appid": self.appid}},
            })

        async def control_login_code(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({"code": self.issue_login_code(body.get("openid"), unionid=body.get("unionid"))})

        return Starlette(routes=[
            Route("/cgi-bin/token", token),
            Route("/sns/jscode2session", jscode2session),
            Route("/wxa/business/getuserphonenumber", getuserphonenumber, methods=["POST"]),
            Route("/_fake/login-code", control_login_code, methods=["POST"]),
        ])
