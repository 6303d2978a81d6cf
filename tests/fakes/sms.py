"""A fake SMS gateway speaking Aliyun Dysmsapi SendSms (RPC style, signed), see protocols.md §5.

It checks the request signature with the shared AccessKey secret, the action, version,
signature name and template, enforces the default per-number limits for verification codes
(1/min, 5/hour, 10/day) and keeps what it "delivered" so a test can read the code the person
would have read on their phone (``GET /_fake/messages?phone=``).

``delay`` makes the gateway slow: it holds each valid request that long before taking it, and
a request whose sender hung up meanwhile is not taken (its phone is put in ``aborted``), so a
test can tell a send cut off by a killed worker from one that was answered.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


def rpc_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


@dataclass
class FakeSms:
    access_key_id: str = "fake-key-id"
    access_key_secret: str = "fake-key-secret"
    sign_name: str = "一网通办"
    templates: tuple[str, ...] = ("SMS_LOGIN_CODE", "SMS_NOTICE", "SMS_JOIN_CODE", "SMS_PICKUP_CODE", "SMS_DELEGATION_CODE")
    messages: list[dict] = field(default_factory=list)
    fail_with: str | None = None  # e.g. "isv.AMOUNT_NOT_ENOUGH" to simulate a provider failure
    delay: float = 0.0  # seconds each valid request waits before it is taken
    aborted: list[str] = field(default_factory=list)  # phones whose sender hung up during the delay
    # Flow control per number (发送频率, set per account in the console): 1 code a minute by default.
    minute_window: float = 60.0

    def codes_for(self, phone: str) -> list[str]:
        return [m["params"].get("code") for m in self.messages if m["phone"] == phone and "code" in m["params"]]

    def _limited(self, phone: str) -> str | None:
        now = time.time()
        sent = [m["at"] for m in self.messages if m["phone"] == phone and m["template"] == "SMS_LOGIN_CODE"]
        if sum(now - t < self.minute_window for t in sent) >= 1:
            return "触发分钟级流控Permits:1"
        if sum(now - t < 3600 for t in sent) >= 5:
            return "触发小时级流控Permits:5"
        if sum(now - t < 86400 for t in sent) >= 10:
            return "触发天级流控Permits:10"
        return None

    def app(self) -> Starlette:
        def reply(code: str, message: str, **extra) -> JSONResponse:
            return JSONResponse({"Code": code, "Message": message, "RequestId": secrets.token_hex(16).upper(), **extra})

        async def rpc(request: Request) -> JSONResponse:
            params = dict(request.query_params)
            if request.method == "POST":
                params.update(dict(await request.form()))
            signature = params.pop("Signature", "")
            if params.get("AccessKeyId") != self.access_key_id:
                return reply("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
            if not hmac.compare_digest(signature, rpc_signature(params, self.access_key_secret, request.method)):
                return reply("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
            if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
                return reply("InvalidAction.NotFound", "Specified api is not found")
            if params.get("SignName") != self.sign_name:
                return reply("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")
            if params.get("TemplateCode") not in self.templates:
                return reply("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法")
            try:
                template_params = json.loads(params.get("TemplateParam") or "{}")
                assert isinstance(template_params, dict) and all(isinstance(v, str) for v in template_params.values())
            except (ValueError, AssertionError):
                return reply("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
            phone = params.get("PhoneNumbers", "")
            for prefix in ("+86", "0086"):
                phone = phone.removeprefix(prefix)
            if len(phone) != 11 or not phone.isdigit() or phone[0] != "1":
                return reply("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            if self.fail_with:
                return reply(self.fail_with, "simulated failure")
            if self.delay > 0:
                await asyncio.sleep(self.delay)
                if await request.is_disconnected():
                    self.aborted.append(phone)
                    return reply("isp.SYSTEM_ERROR", "the sender hung up")
            if params["TemplateCode"] == "SMS_LOGIN_CODE" and (limit := self._limited(phone)):
                return reply("isv.BUSINESS_LIMIT_CONTROL", limit)
            biz_id = f"{secrets.randbelow(10**15)}^0"
            self.messages.append(
                {"phone": phone, "template": params["TemplateCode"], "params": template_params, "at": time.time(), "biz_id": biz_id}
            )
            return reply("OK", "OK", BizId=biz_id)

        async def inbox(request: Request) -> JSONResponse:
            phone = request.query_params.get("phone", "")
            return JSONResponse([m | {"at": m["at"]} for m in self.messages if m["phone"] == phone])

        return Starlette(routes=[Route("/", rpc, methods=["GET", "POST"]), Route("/_fake/messages", inbox)])
