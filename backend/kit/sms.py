"""SMS providers behind one small interface: console (prints to the log) and Aliyun Dysmsapi."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

import httpx

from backend.kit import errors
from backend.kit.pii import mask_phone

log = logging.getLogger("yiwang.sms")


class SmsUnavailable(errors.Unavailable, code="sms.unavailable"):
    zh = "短信暂时发送不了|短信服务暂时出了问题，请稍后再试。"
    en = "SMS cannot be sent right now|The SMS service has a problem; please try again later."


class SmsRateLimited(errors.TooMany, code="sms.rate_limited"):
    zh = "短信发送太频繁|给这个号码发送的短信太多了，请稍后再试。"
    en = "Too many text messages|Too many messages were sent to this number; try later."


class SmsSender(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        """Send one message; returns the provider's message id."""
        ...


class ConsoleSms:
    """The embedded default: writes the message (with the code) to the log instead of sending it."""

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        message_id = uuid.uuid4().hex
        log.warning("console SMS (not sent)", extra={"to": phone, "template": template, "params": params, "message_id": message_id})
        return message_id


def _percent(value: str) -> str:
    return quote(value, safe="-_.~")


def _rpc_signature(params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{_percent('/')}&{_percent(canonical)}"
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunSms:
    """Aliyun Dysmsapi SendSms (RPC, version 2017-05-25) over HTTPS with HMAC-SHA1 signing."""

    def __init__(self, *, api_base: str, access_key_id: str, access_key_secret: str, sign_name: str, templates: dict[str, str]) -> None:
        self._api_base = api_base.rstrip("/") + "/"
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = templates
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(10, connect=3))

    async def open(self) -> None:
        return None  # the HTTP client connects on first use

    async def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        body = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "SignName": self._sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": self._templates[template],
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        body["Signature"] = _rpc_signature(body, self._secret)
        try:
            response = await self._http.post(self._api_base, data=body)
            reply = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("SMS provider unreachable", extra={"to": mask_phone(phone), "error": type(exc).__name__})
            raise SmsUnavailable() from None
        if reply.get("Code") == "OK":
            return str(reply.get("BizId", ""))
        log.warning(
            "SMS provider refused",
            extra={"to": mask_phone(phone), "provider_code": reply.get("Code"), "provider_message": reply.get("Message")},
        )
        if reply.get("Code") == "isv.BUSINESS_LIMIT_CONTROL":
            raise SmsRateLimited(headers={"Retry-After": "60"})
        raise SmsUnavailable()

    async def close(self) -> None:
        await self._http.aclose()
