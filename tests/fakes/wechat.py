"""A fake WeChat API server speaking the real protocol (HTTP 200 + errcode, one-time codes).

Covers /cgi-bin/token, /sns/jscode2session, /wxa/business/getuserphonenumber and
/cgi-bin/message/subscribe/send as described in ../shared/reference/protocols.md §0-1. Tests issue
codes and subscription consent through the Python API (or the ``/_fake/...`` control endpoints)
the way WeChat's client SDK would hand them to the app.

subscribeMessage.send (§1d) checks, in this order: injected failures (``fail_subscribe``), the
access token (40001 unknown / 42001 expired, so wechatpy's auto_retry refreshes and retries once),
``touser`` (40003), ``template_id`` (40037), every ``data`` key against the template and its value
rule by type prefix (47003, errmsg names the field: ``... is empty`` / ``... exceeds limit`` /
``... invalid`` / ``... is not a field of the template``), ``page`` (41030, only if ``pages`` is
set), ``miniprogram_state`` and ``lang`` (47003 ``argument invalid! lang invalid``), then the
one-time subscription credit (43101 at 0). Only a successful send consumes a credit.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import secrets
import time
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


def _rid() -> str:
    return f"rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": f"{message}, {_rid()}"})  # always HTTP 200


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
_KEY = re.compile(r"^([a-z_]+?)(\d+)$")
_HM = r"([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
_YMD = (
    r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日",
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
    r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
)
_TIME_ONE = [re.compile(f"^{_HM}$")] + [re.compile(f"^{d} ?{_HM}$") for d in _YMD]
_DATE_ONE = [re.compile(f"^{d}( ?{_HM})?$") for d in _YMD]
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")


def _real_date(m: re.Match) -> bool:
    if "y" not in m.groupdict() or m.group("y") is None:
        return True
    try:
        dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        return True
    except ValueError:
        return False


def _time_or_date(value: str, patterns: list[re.Pattern]) -> bool:
    """One value, or a range of two joined with ``~``."""
    parts = [p.strip() for p in value.split("~")]
    if len(parts) > 2:
        return False
    for part in parts:
        m = next((m for p in patterns if (m := p.match(part))), None)
        if m is None or not _real_date(m):
            return False
    return True


def _is_symbol(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace() and not _HAN_RE.match(ch)


def check_template_value(key: str, value: str) -> str | None:
    """The subscribe-message value rules (protocols.md §1d table) for key ``<type><n>``.
    Returns None if fine, else the errmsg tail: ``"exceeds limit"`` or ``"invalid"``."""
    kind = m.group(1) if (m := _KEY.match(key)) else "thing"
    n = len(value)
    han = bool(_HAN_RE.search(value))
    if kind == "thing" or kind not in _RULES:
        return "exceeds limit" if n > 20 else None
    return _RULES[kind](value, n, han)


def _rule_number(v: str, n: int, han: bool) -> str | None:
    if not re.fullmatch(r"-?\d+(\.\d+)?", v):
        return "invalid"
    return "exceeds limit" if n > 32 else None


def _rule_letter(v: str, n: int, han: bool) -> str | None:
    if not re.fullmatch(r"[A-Za-z]+", v):
        return "invalid"
    return "exceeds limit" if n > 32 else None


def _rule_symbol(v: str, n: int, han: bool) -> str | None:
    if not all(_is_symbol(c) for c in v):
        return "invalid"
    return "exceeds limit" if n > 5 else None


def _rule_character_string(v: str, n: int, han: bool) -> str | None:
    if han:
        return "invalid"
    return "exceeds limit" if n > 32 else None


def _rule_amount(v: str, n: int, han: bool) -> str | None:
    m = re.fullmatch(r"[¥￥$€£]?(\d+)(\.\d{1,2})?元?", v)
    if m is None:
        return "invalid"
    return "exceeds limit" if len(m.group(1)) > 10 else None


def _rule_phone_number(v: str, n: int, han: bool) -> str | None:
    if not all(c.isdigit() and c.isascii() or c in _PUNCT or c == " " for c in v):
        return "invalid"
    return "exceeds limit" if n > 17 else None


def _rule_car_number(v: str, n: int, han: bool) -> str | None:
    if not re.fullmatch(f"[{_HAN}]?[A-Za-z0-9]+[{_HAN}]?", v):
        return "invalid"
    return "exceeds limit" if n > 8 else None


def _rule_name(v: str, n: int, han: bool) -> str | None:
    if re.fullmatch(f"[{_HAN}]+", v):
        return "exceeds limit" if n > 10 else None
    if re.fullmatch(r"[A-Za-z]+( [A-Za-z]+)*", v):
        return "exceeds limit" if n > 20 else None
    return "invalid"


def _rule_phrase(v: str, n: int, han: bool) -> str | None:
    if not re.fullmatch(f"[{_HAN}]+", v):
        return "invalid"
    return "exceeds limit" if n > 5 else None


_RULES = {
    "number": _rule_number,
    "letter": _rule_letter,
    "symbol": _rule_symbol,
    "character_string": _rule_character_string,
    "time": lambda v, n, han: None if _time_or_date(v, _TIME_ONE) else "invalid",
    "date": lambda v, n, han: None if _time_or_date(v, _DATE_ONE) else "invalid",
    "amount": _rule_amount,
    "phone_number": _rule_phone_number,
    "car_number": _rule_car_number,
    "name": _rule_name,
    "phrase": _rule_phrase,
}


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
    expired_tokens: set[str] = field(default_factory=set)
    # subscribeMessage: template_id -> the data keys it has, e.g. ("character_string1", "thing2", "phrase3")
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pages: set[str] | None = None  # released mini-program pages; None = accept any page (no 41030)
    subscribe_credits: dict[tuple[str, str], int] = field(default_factory=dict)  # (openid, template_id) -> sends left
    subscribe_messages: list[dict] = field(default_factory=list)
    subscribe_failures: list[int | str] = field(default_factory=list)  # queue consumed by the next sends
    next_msgid: int = field(default_factory=lambda: 2_000_000_000 + secrets.randbelow(10**9))

    def expire_tokens(self) -> None:
        """Every access token handed out so far now answers 42001 (wechatpy then refreshes and retries once)."""
        self.expired_tokens |= self.tokens
        self.tokens = set()

    def accept(self, openid: str, template_id: str, times: int = 1) -> int:
        """The user tapped 允许 in wx.requestSubscribeMessage ``times`` times: one send credit each. Returns the credits."""
        key = (openid, template_id)
        self.subscribe_credits[key] = self.subscribe_credits.get(key, 0) + times
        return self.subscribe_credits[key]

    def refuse(self, openid: str, template_id: str) -> None:
        """The user tapped 拒绝 (or turned the template off in settings): no credit left."""
        self.subscribe_credits[(openid, template_id)] = 0

    def credits(self, openid: str, template_id: str) -> int:
        return self.subscribe_credits.get((openid, template_id), 0)

    def fail_subscribe(self, kind: int | str, times: int = 1) -> None:
        """Make the next ``times`` subscribe sends fail: an int errcode (e.g. -1 system busy, answered with HTTP 200),
        ``"http503"`` (HTTP 503 with a plain-text body, like a broken gateway) or ``"slow:<seconds>"`` (answer late)."""
        if not isinstance(kind, int) and kind != "http503" and not (isinstance(kind, str) and kind.startswith("slow:")):
            raise ValueError(f"unknown failure kind {kind!r}")
        if isinstance(kind, str) and kind.startswith("slow:"):
            float(kind[5:])
        self.subscribe_failures.extend([kind] * times)

    def _token_error(self, token: str | None) -> JSONResponse | None:
        if token in self.expired_tokens:
            return _error(42001, "access_token expired")
        if token not in self.tokens:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        return None

    def _check_data(self, template_id: str, data: object) -> JSONResponse | None:
        keys = self.templates[template_id]
        if not isinstance(data, dict):
            return _error(47003, "argument invalid! data is empty")
        for key in data:
            if key not in keys:
                return _error(47003, f"argument invalid! data.{key} is not a field of the template")
        for key in keys:
            entry = data.get(key)
            value = entry.get("value") if isinstance(entry, dict) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                return _error(47003, f"argument invalid! data.{key}.value is empty")
            if not isinstance(value, str):
                return _error(47003, f"argument invalid! data.{key}.value invalid")
            if problem := check_template_value(key, value):
                return _error(47003, f"argument invalid! data.{key}.value {problem}")
        return None

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
            if (bad := self._token_error(request.query_params.get("access_token"))) is not None:
                return bad
            try:
                code = (await request.json()).get("code", "")
            except ValueError:
                return _error(47001, "data format error")
            entry = self.phone_codes.get(code)
            if entry is None or entry["used"] or time.monotonic() - entry["issued"] > self.code_ttl:
                return _error(40029, "invalid code")
            entry["used"] = True
            phone = entry["phone"]
            return JSONResponse(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "phone_info": {
                        "phoneNumber": phone,
                        "purePhoneNumber": phone,
                        "countryCode": 86,
                        "watermark": {"timestamp": int(time.time()), "appid": self.appid},
                    },
                }
            )

        async def subscribe_send(request: Request) -> Response:
            self.calls.append("subscribe_send")
            if self.subscribe_failures:
                kind = self.subscribe_failures.pop(0)
                if kind == "http503":
                    return PlainTextResponse("503 Service Temporarily Unavailable", status_code=503)
                if isinstance(kind, int):
                    return _error(kind, "system error" if kind == -1 else "injected failure")
                await asyncio.sleep(float(kind[5:]))
            if (bad := self._token_error(request.query_params.get("access_token"))) is not None:
                return bad
            try:
                body = json.loads(await request.body())
                assert isinstance(body, dict)
            except (ValueError, AssertionError):
                return _error(47001, "data format error")
            touser, template_id = body.get("touser"), body.get("template_id")
            if not isinstance(touser, str) or not touser.startswith("o"):
                return _error(40003, "invalid openid")
            if template_id not in self.templates:
                return _error(40037, "invalid template_id")
            if (bad := self._check_data(template_id, body.get("data"))) is not None:
                return bad
            page = body.get("page")
            if page is not None and (not isinstance(page, str) or (self.pages is not None and page.split("?", 1)[0] not in self.pages)):
                return _error(41030, "invalid page")
            if body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
                return _error(47003, "argument invalid! miniprogram_state invalid")
            if body.get("lang", "zh_CN") not in LANGS:
                return _error(47003, "argument invalid! lang invalid")
            if self.credits(touser, template_id) <= 0:
                return _error(43101, "user refuse to accept the msg")
            self.subscribe_credits[(touser, template_id)] -= 1
            self.next_msgid += 1
            self.subscribe_messages.append(
                {
                    "touser": touser,
                    "template_id": template_id,
                    "page": page,
                    "data": body["data"],
                    "at": time.time(),
                    "msgid": self.next_msgid,
                }
            )
            return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": self.next_msgid})

        async def control_login_code(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({"code": self.issue_login_code(body.get("openid"), unionid=body.get("unionid"))})

        async def control_phone_code(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({"code": self.issue_phone_code(body["phone"])})

        async def control_subscribe_accept(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({"credits": self.accept(body["openid"], body["template_id"], int(body.get("times", 1)))})

        async def control_subscribe_refuse(request: Request) -> JSONResponse:
            body = await request.json()
            self.refuse(body["openid"], body["template_id"])
            return JSONResponse({"credits": 0})

        async def control_subscribe_messages(request: Request) -> JSONResponse:
            touser = request.query_params.get("touser")
            return JSONResponse([m for m in self.subscribe_messages if touser is None or m["touser"] == touser])

        async def control_subscribe_fail(request: Request) -> JSONResponse:
            body = await request.json()
            try:
                self.fail_subscribe(body["kind"], int(body.get("times", 1)))
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse({"ok": True})

        async def control_expire_tokens(request: Request) -> JSONResponse:
            count = len(self.tokens)
            self.expire_tokens()
            return JSONResponse({"expired": count})

        return Starlette(
            routes=[
                Route("/cgi-bin/token", token),
                Route("/sns/jscode2session", jscode2session),
                Route("/wxa/business/getuserphonenumber", getuserphonenumber, methods=["POST"]),
                Route("/cgi-bin/message/subscribe/send", subscribe_send, methods=["POST"]),
                Route("/_fake/login-code", control_login_code, methods=["POST"]),
                Route("/_fake/phone-code", control_phone_code, methods=["POST"]),
                Route("/_fake/subscribe-accept", control_subscribe_accept, methods=["POST"]),
                Route("/_fake/subscribe-refuse", control_subscribe_refuse, methods=["POST"]),
                Route("/_fake/subscribe-messages", control_subscribe_messages),
                Route("/_fake/subscribe-fail", control_subscribe_fail, methods=["POST"]),
                Route("/_fake/expire-tokens", control_expire_tokens, methods=["POST"]),
            ]
        )
