"""A fake parcel carrier: EMS 新一代寄递平台 and Kuaidi100 in one Starlette app, see protocols.md §4.

EMS (``POST /amp-prod-api/f/amp/api/open``, form): checks senderNo and authorization, opens
``logitcsInterface`` with real SM4-ECB (the ``cryptography`` library, PKCS#7) and checks that the
plaintext ends with the signKey, then answers ``{retCode, retMsg, retBody}`` for 020003 (create
order: the same logisticsOrderNo gives the same 13-character waybill ``1100`` + 9 digits; an
incomplete sender or receiver is refused with ``B00002``), 010004 (a label URL, served as a small
PDF), 040001 (the events pushed so far). Kuaidi100: ``POST /poll`` (subscribe, returnCode 200, 501
when already subscribed, 600 for a wrong key, 700 for bad data) and ``POST /poll/query.do``
(``sign = UPPER(MD5(param + key + customer))``).

The retCodes other than ``00000`` are invented here (the real table is not public): ``B00001``
unknown apiCode, ``B00002`` incomplete party, ``B00003`` wrong senderNo/authorization, ``B00004``
cannot decrypt, ``B00005`` unknown waybill (label); ``S…`` codes are system-side.

Control endpoints (tests and ``make run``'s demo drive it):
- ``POST /_fake/outage {"on": bool}``: every carrier API answers HTTP 503 while on.
- ``POST /_fake/fail {"ret_code": "S00002" | "B00009" | null}``: every EMS call answers that retCode.
- ``GET /_fake/orders``: the orders taken (waybill, order ref, receiver's region, no names or phones).
- ``POST /_fake/push {waybill_no, op_code, op_desc?, op_name?, at?, replay?, forged?, stale?, url?}``: a
  signed 040002 push of that event to the push URL; ``replay`` sends the previous push again as it
  was, ``forged`` seals it with another key, ``stale`` stamps it 30 minutes ago. Answers
  ``{"status": our HTTP status, "reply": our answer}``.
- ``POST /_fake/kuaidi100/push {waybill_no, state, status_code?, context?, at?, bad_sign?, url?}``: a
  Kuaidi100 callback with the waybill's whole history so far, to the URL it was subscribed with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CHINA = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_SIGN_KEY = base64.b64encode(b"yiwang-fake-sm4k").decode()  # 16 bytes
OP_NAMES = {"203": "收寄", "954": "到达处理中心", "389": "离开处理中心", "306": "到达投递局", "702": "投递", "704": "妥投", "705": "未妥投"}
OP_DESCS = {
    "203": "【蒲亭镇营业部】已收寄",
    "954": "到达【县邮件处理中心】",
    "389": "离开【县邮件处理中心】，发往【蒲亭镇投递站】",
    "306": "到达【蒲亭镇投递站】",
    "702": "【蒲亭镇投递站】安排投递",
    "704": "已签收，本人签收",
    "705": "未妥投，收件人不在",
}


def _seal(payload: str, sign_key: str) -> str:
    padder = padding.PKCS7(128).padder()
    plain = padder.update((payload + sign_key).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(base64.b64decode(sign_key)), modes.ECB()).encryptor()
    return "|$4|" + base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _unseal(sealed: str, sign_key: str) -> str | None:
    try:
        decryptor = Cipher(algorithms.SM4(base64.b64decode(sign_key)), modes.ECB()).decryptor()
        padded = decryptor.update(base64.b64decode(sealed.removeprefix("|$4|"))) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = (unpadder.update(padded) + unpadder.finalize()).decode()
    except ValueError:
        return None
    return plain[: -len(sign_key)] if plain.endswith(sign_key) else None


def _china(at: datetime | None) -> datetime:
    """Beijing time of ``at`` (now when None; a naive time is taken as Beijing time)."""
    if at is None:
        return datetime.now(CHINA)
    return at.replace(tzinfo=CHINA) if at.tzinfo is None else at.astimezone(CHINA)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def _now() -> str:
    return datetime.now(CHINA).strftime(TIME_FORMAT)


KUAIDI100_WORDS = {"0": "在途", "1": "揽收", "2": "疑难", "3": "签收", "4": "退签", "5": "派件", "6": "退回", "14": "拒签"}


@dataclass
class FakeEms:
    sender_no: str = "YIWANG-DEMO"
    authorization: str = "fake-ems-authorization"
    sign_key: str = DEFAULT_SIGN_KEY
    kuaidi_customer: str = "FAKE-CUSTOMER"
    kuaidi_key: str = "fake-kuaidi100-key"
    kuaidi_salt: str = "fake-kuaidi100-salt"
    push_url: str = ""  # where EMS pushes (our /api/v1/carrier/ems/push)
    kuaidi_callback: str = ""  # a default Kuaidi100 callback URL, when a waybill was not subscribed here
    base_url: str = ""  # our own address, for label URLs (set by serve/__main__, else taken from the request)
    outage: bool = False
    fail_with: str | None = None
    orders: dict[str, dict] = field(default_factory=dict)  # order ref -> order
    events: dict[str, list[dict]] = field(default_factory=dict)  # waybill -> EMS track items, oldest first
    kuaidi_events: dict[str, list[dict]] = field(default_factory=dict)  # waybill -> Kuaidi100 items, newest first
    kuaidi_state: dict[str, str] = field(default_factory=dict)  # waybill -> its current Kuaidi100 state
    subscriptions: dict[str, dict] = field(default_factory=dict)  # waybill -> Kuaidi100 parameters
    calls: list[dict] = field(default_factory=list)  # apiCode and senderNo of each EMS call
    last_push: dict[str, dict] = field(default_factory=dict)  # waybill -> the last push form sent

    def waybill_of(self, order_ref: str) -> str | None:
        order = self.orders.get(order_ref)
        return order["waybill_no"] if order else None

    def _new_waybill(self) -> str:
        taken = {o["waybill_no"] for o in self.orders.values()}
        while True:
            number = f"1100{secrets.randbelow(10**9):09d}"
            if number not in taken:
                return number

    def _ems_reply(self, ret_code: str, ret_msg: str, body: object = None) -> JSONResponse:
        ret_body = body if body is None or isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        return JSONResponse({"retCode": ret_code, "retMsg": ret_msg, "retBody": ret_body, "retDate": _now(), "serialNo": uuid.uuid4().hex})

    def _ems(self, api_code: str, body: dict, base_url: str) -> JSONResponse:
        if api_code == "020003":
            parties = (body.get("sender") or {}, body.get("receiver") or {})
            needed = ("name", "mobile", "prov", "city", "county", "address")
            if not body.get("logisticsOrderNo") or any(not p.get(k) for p in parties for k in needed) or not body.get("cargos"):
                return self._ems_reply("B00002", "寄件人或收件人信息不完整")
            ref = str(body["logisticsOrderNo"])
            if ref not in self.orders:
                receiver = parties[1]
                self.orders[ref] = {
                    "order_ref": ref,
                    "waybill_no": self._new_waybill(),
                    "region": f"{receiver['prov']}{receiver['city']}{receiver['county']}",
                    "cargo": body["cargos"][0].get("cargoName", ""),
                    "created_at": _now(),
                }
            order = self.orders[ref]
            return self._ems_reply("00000", "成功", {"waybillNo": order["waybill_no"], "logisticsOrderNo": ref, "routeCode": "331002"})
        if api_code == "010004":
            waybill = str(body.get("waybillNo") or "")
            if waybill not in {o["waybill_no"] for o in self.orders.values()}:
                return self._ems_reply("B00005", "运单号不存在")
            return self._ems_reply("00000", "成功", f"{base_url}/labels/{waybill}.pdf")
        if api_code == "040001":
            waybill = str(body.get("waybillNo") or "")
            return self._ems_reply("00000", "成功", {"waybillNo": waybill, "responseItems": self.events.get(waybill, [])})
        return self._ems_reply("B00001", "接口代码不存在")

    def push_form(
        self,
        *,
        waybill_no: str,
        op_code: str,
        op_desc: str | None = None,
        op_name: str | None = None,
        at: datetime | None = None,
        forged: bool = False,
        stale: bool = False,
    ) -> dict[str, str]:
        """A 040002 push form of one event (recorded for 040001 too), as EMS would POST it."""
        moment = _china(at)
        item = {
            "waybillNo": waybill_no,
            "opTime": moment.strftime(TIME_FORMAT),
            "opCode": op_code,
            "opName": op_name or OP_NAMES.get(op_code, "处理"),
            "opDesc": op_desc or OP_DESCS.get(op_code, "邮件处理中"),
            "opOrgProvName": "浙江省",
            "opOrgCity": "台州市",
            "opOrgCode": "31800001",
            "opOrgName": "蒲亭镇投递站",
            "operatorNo": "0001",
            "operatorName": "孙投递",
            "productName": "标准快递",
        }
        if not forged:
            self.events.setdefault(waybill_no, []).append(item)
        sent = datetime.now(CHINA) - (timedelta(minutes=30) if stale else timedelta())
        key = base64.b64encode(b"not-the-real-key").decode() if forged else self.sign_key
        form = {
            "serialNo": uuid.uuid4().hex.upper(),
            "senderNo": self.sender_no,
            "method": "040002",
            "msgType": "0",
            "version": "V1.0.0",
            "timeStamp": sent.strftime(TIME_FORMAT),
            "logitcsInterface": _seal(json.dumps(item, ensure_ascii=False), key),
        }
        self.last_push[waybill_no] = form
        return form

    def kuaidi100_form(
        self,
        *,
        waybill_no: str,
        state: str,
        status_code: str | None = None,
        context: str | None = None,
        at: datetime | None = None,
        bad_sign: bool = False,
    ) -> dict[str, str]:
        """A Kuaidi100 callback form carrying the waybill's whole history with one new item, signed with its salt."""
        moment = _china(at)
        item = {
            "time": moment.strftime(TIME_FORMAT),
            "ftime": moment.strftime(TIME_FORMAT),
            "context": context or "【蒲亭镇投递站】邮件处理中",
            "status": KUAIDI100_WORDS.get(state, "在途"),
            "statusCode": status_code or state,
            "areaCode": "CN331002000000",
            "areaName": "浙江,台州市,椒江区",
        }
        self.kuaidi_state[waybill_no] = state
        history = self.kuaidi_events.setdefault(waybill_no, [])
        history.insert(0, item)
        param = json.dumps(
            {
                "status": "shutdown" if state == "3" else "polling",
                "message": "",
                "autoCheck": "0",
                "comOld": "",
                "comNew": "",
                "lastResult": {
                    "message": "ok",
                    "state": state,
                    "status": "200",
                    "condition": "F00",
                    "ischeck": "1" if state == "3" else "0",
                    "com": "ems",
                    "nu": waybill_no,
                    "data": history,
                },
            },
            ensure_ascii=False,
        )
        salt = "not-the-salt" if bad_sign else self.subscriptions.get(waybill_no, {}).get("salt", self.kuaidi_salt)
        return {"param": param, "sign": _md5(param + salt)}

    def app(self) -> Starlette:
        def unavailable() -> Response:
            return Response("Service Unavailable", status_code=503)

        def base_of(request: Request) -> str:
            return self.base_url or str(request.base_url).rstrip("/")

        async def ems_open(request: Request) -> Response:
            if self.outage:
                return unavailable()
            form = dict(await request.form())
            self.calls.append({"apiCode": form.get("apiCode"), "senderNo": form.get("senderNo")})
            if form.get("senderNo") != self.sender_no or form.get("authorization") != self.authorization:
                return self._ems_reply("B00003", "客户代码或授权码错误")
            if form.get("msgType") != "0" or form.get("version") != "V1.0.0" or not form.get("timeStamp"):
                return self._ems_reply("B00001", "公共参数错误")
            plain = _unseal(str(form.get("logitcsInterface") or ""), self.sign_key)
            if plain is None:
                return self._ems_reply("B00004", "报文解密失败")
            if self.fail_with:
                return self._ems_reply(self.fail_with, "模拟失败")
            try:
                body = json.loads(plain)
            except ValueError:
                return self._ems_reply("B00004", "报文格式错误")
            return self._ems(str(form.get("apiCode")), body, base_of(request))

        async def label(request: Request) -> Response:
            if self.outage:
                return unavailable()
            waybill = request.path_params["waybill"]
            pdf = (
                b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
                + f"% EMS {waybill}\n".encode()
                + b"trailer<</Root 1 0 R>>\n%%EOF\n"
            )
            return Response(pdf, media_type="application/pdf")

        async def poll(request: Request) -> Response:
            if self.outage:
                return unavailable()
            form = dict(await request.form())
            try:
                param = json.loads(str(form.get("param") or ""))
            except ValueError:
                return JSONResponse({"result": False, "returnCode": "700", "message": "参数错误"})
            if param.get("key") != self.kuaidi_key:
                return JSONResponse({"result": False, "returnCode": "600", "message": "您不是合法的订阅者（即授权Key出错）"})
            number = str(param.get("number") or "")
            parameters = param.get("parameters") or {}
            if form.get("schema") != "json" or param.get("company") != "ems" or not 6 <= len(number) <= 32:
                return JSONResponse({"result": False, "returnCode": "700", "message": "订阅参数错误"})
            if not str(parameters.get("callbackurl") or "").startswith(("http://", "https://")):
                return JSONResponse({"result": False, "returnCode": "700", "message": "回调地址错误"})
            if number in self.subscriptions:
                return JSONResponse({"result": False, "returnCode": "501", "message": "POLL:重复订阅"})
            self.subscriptions[number] = dict(parameters)
            return JSONResponse({"result": True, "returnCode": "200", "message": "提交成功"})

        async def query(request: Request) -> Response:
            if self.outage:
                return unavailable()
            form = dict(await request.form())
            param_text = str(form.get("param") or "")
            if form.get("customer") != self.kuaidi_customer or form.get("sign") != _md5(
                param_text + self.kuaidi_key + self.kuaidi_customer
            ):
                return JSONResponse({"result": False, "returnCode": "601", "message": "验证签名失败"})
            param = json.loads(param_text)
            number = str(param.get("num") or "")
            data = self.kuaidi_events.get(number, [])
            state = self.kuaidi_state.get(number, "0")
            return JSONResponse(
                {
                    "message": "ok",
                    "nu": number,
                    "ischeck": "1" if state == "3" else "0",
                    "condition": "00",
                    "com": "ems",
                    "status": "200",
                    "state": state,
                    "data": data,
                }
            )

        async def outage(request: Request) -> Response:
            self.outage = bool((await request.json()).get("on"))
            return JSONResponse({"outage": self.outage})

        async def fail(request: Request) -> Response:
            self.fail_with = (await request.json()).get("ret_code") or None
            return JSONResponse({"fail_with": self.fail_with})

        async def orders(request: Request) -> Response:
            return JSONResponse({"orders": list(self.orders.values())})

        async def push(request: Request) -> Response:
            spec = await request.json()
            waybill = str(spec.get("waybill_no") or "")
            url = spec.get("url") or self.push_url
            if not url:
                return JSONResponse({"error": "no push URL configured"}, status_code=400)
            if spec.get("replay"):
                form = self.last_push.get(waybill)
                if form is None:
                    return JSONResponse({"error": "nothing to replay"}, status_code=400)
            else:
                form = self.push_form(
                    waybill_no=waybill,
                    op_code=str(spec.get("op_code") or ""),
                    op_desc=spec.get("op_desc"),
                    op_name=spec.get("op_name"),
                    at=datetime.fromisoformat(spec["at"]) if spec.get("at") else None,
                    forged=bool(spec.get("forged")),
                    stale=bool(spec.get("stale")),
                )
            try:
                async with httpx.AsyncClient(timeout=10) as http:
                    answer = await http.post(url, data=form)
            except httpx.HTTPError as exc:
                return JSONResponse({"status": 0, "error": type(exc).__name__}, status_code=502)
            try:
                reply = answer.json()
            except ValueError:
                reply = answer.text
            return JSONResponse({"status": answer.status_code, "reply": reply, "serial_no": form["serialNo"]})

        async def kuaidi_push(request: Request) -> Response:
            spec = await request.json()
            waybill = str(spec.get("waybill_no") or "")
            subscription = self.subscriptions.get(waybill, {})
            url = spec.get("url") or subscription.get("callbackurl") or self.kuaidi_callback
            if not url:
                return JSONResponse({"error": "no callback URL"}, status_code=400)
            form = self.kuaidi100_form(
                waybill_no=waybill,
                state=str(spec.get("state") or "0"),
                status_code=spec.get("status_code"),
                context=spec.get("context"),
                at=datetime.fromisoformat(spec["at"]) if spec.get("at") else None,
                bad_sign=bool(spec.get("bad_sign")),
            )
            try:
                async with httpx.AsyncClient(timeout=10) as http:
                    answer = await http.post(url, data=form)
            except httpx.HTTPError as exc:
                return JSONResponse({"status": 0, "error": type(exc).__name__}, status_code=502)
            try:
                reply = answer.json()
            except ValueError:
                reply = answer.text
            return JSONResponse({"status": answer.status_code, "reply": reply})

        return Starlette(
            routes=[
                Route("/amp-prod-api/f/amp/api/open", ems_open, methods=["POST"]),
                Route("/amp-prod-api/f/amp/api/test", ems_open, methods=["POST"]),
                Route("/labels/{waybill}.pdf", label),
                Route("/poll", poll, methods=["POST"]),
                Route("/poll/query.do", query, methods=["POST"]),
                Route("/_fake/outage", outage, methods=["POST"]),
                Route("/_fake/fail", fail, methods=["POST"]),
                Route("/_fake/orders", orders),
                Route("/_fake/push", push, methods=["POST"]),
                Route("/_fake/kuaidi100/push", kuaidi_push, methods=["POST"]),
            ]
        )


def make_fake_carrier(
    sender_no: str = "YIWANG-DEMO",
    authorization: str = "fake-ems-authorization",
    sign_key: str = DEFAULT_SIGN_KEY,
    kuaidi_customer: str = "FAKE-CUSTOMER",
    kuaidi_key: str = "fake-kuaidi100-key",
    kuaidi_salt: str = "fake-kuaidi100-salt",
    push_url: str = "",
    kuaidi_callback: str = "",
) -> FakeEms:
    """A fake carrier with these credentials; serve ``.app()`` with ``tests.fakes.server.serve``."""
    return FakeEms(
        sender_no=sender_no,
        authorization=authorization,
        sign_key=sign_key,
        kuaidi_customer=kuaidi_customer,
        kuaidi_key=kuaidi_key,
        kuaidi_salt=kuaidi_salt,
        push_url=push_url,
        kuaidi_callback=kuaidi_callback,
    )
