"""Real-name sources (实名核验) behind one small interface.

A real-name source answers whether a name and an ID number belong to the holder of a channel.
The carrier three-factor check (运营商三要素: name, ID number and the mobile number the person
logged in with) is the one implemented: Aliyun Dytnsapi ``ThreeElementsVerification`` (RPC,
version 2020-02-17, HMAC-SHA1 signed like SendSms). Values leave the server as SHA-256 digests
(``Mask=SHA256``), never in clear. Without a configured source, name + ID number stay a claim.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import httpx

from backend.kit import errors
from backend.kit.sms import _rpc_signature

log = logging.getLogger("yiwang.realname")


class RealNameUnavailable(errors.Unavailable, code="realname.unavailable"):
    zh = "实名核验暂时无法进行|实名核验服务暂时出了问题，请稍后再试，或携带身份证到窗口办理。"
    en = "Real-name check unavailable|The real-name check is unavailable; try again later or visit a service window."

    def __init__(self, **kwargs) -> None:
        super().__init__(headers={"Retry-After": "30"}, **kwargs)


@dataclass(frozen=True)
class Verdict:
    """What a source said: ``match`` (the three belong together), ``mismatch`` or ``unknown``."""

    result: str
    source: str


class RealNameSource(Protocol):
    kind: str  # "carrier3" | "face" | "none"

    async def open(self) -> None: ...

    async def check_phone(self, *, phone: str, name: str, id_number: str) -> Verdict | None:
        """Carrier three-factor check; None when this source cannot check phones."""
        ...

    async def close(self) -> None: ...


class NoRealNameSource:
    """The embedded default: no source, so a binding is a claim (assurance level 1)."""

    kind = "none"

    async def open(self) -> None:
        return None

    async def check_phone(self, *, phone: str, name: str, id_number: str) -> Verdict | None:
        return None

    async def close(self) -> None:
        return None


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AliyunThreeElements:
    """Dytnsapi ThreeElementsVerification: IsConsistent 1 = consistent, 0 = not, 2 = no record."""

    kind = "carrier3"

    def __init__(self, *, api_base: str, access_key_id: str, access_key_secret: str, auth_code: str) -> None:
        self._api_base = api_base.rstrip("/") + "/"
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._auth_code = auth_code
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(5, connect=2))

    async def open(self) -> None:
        return None  # the HTTP client connects on first use

    async def check_phone(self, *, phone: str, name: str, id_number: str) -> Verdict | None:
        body = {
            "AccessKeyId": self._key_id,
            "Action": "ThreeElementsVerification",
            "AuthCode": self._auth_code,
            "CertCode": _sha256(id_number),
            "Format": "JSON",
            "InputNumber": _sha256(phone),
            "Mask": "SHA256",
            "Name": _sha256(name),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2020-02-17",
        }
        body["Signature"] = _rpc_signature(body, self._secret)
        try:
            response = await self._http.post(self._api_base, data=body)
            reply = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("real-name source unreachable", extra={"error": type(exc).__name__})
            raise RealNameUnavailable() from None
        if reply.get("Code") != "OK":
            log.warning("real-name source refused", extra={"provider_code": reply.get("Code")})
            raise RealNameUnavailable()
        consistent = str((reply.get("Data") or {}).get("IsConsistent"))
        return Verdict(result={"1": "match", "0": "mismatch"}.get(consistent, "unknown"), source=self.kind)

    async def close(self) -> None:
        await self._http.aclose()
