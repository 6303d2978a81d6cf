"""A fake carrier three-factor check speaking Aliyun Dytnsapi ThreeElementsVerification (RPC, signed).

It checks the AccessKey, the HMAC-SHA1 signature, the action and version and the AuthCode, and
answers ``Data.IsConsistent`` from the phone registrations a test gave it: 1 when the phone is
registered to that name and ID number, 0 when it is registered to someone else, 2 when the
number is unknown. ``Mask`` may be NORMAL or SHA256/MD5 (lower-case hex digests of each value).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.sms import rpc_signature


@dataclass
class FakeCarrier:
    access_key_id: str = "fake-realname-id"
    access_key_secret: str = "fake-realname-secret"
    auth_code: str = "FAKE-AUTH-CODE"
    registrations: dict[str, tuple[str, str]] = field(default_factory=dict)  # phone -> (name, id number)
    calls: list[dict] = field(default_factory=list)
    fail_with: str | None = None

    def register(self, *, phone: str, name: str, id_number: str) -> None:
        self.registrations[phone] = (name, id_number)

    def app(self) -> Starlette:
        def reply(code: str, message: str, **extra) -> JSONResponse:
            return JSONResponse({"Code": code, "Message": message, "RequestId": secrets.token_hex(16).upper(), **extra})

        def digest(mask: str, value: str) -> str:
            if mask == "SHA256":
                return hashlib.sha256(value.encode()).hexdigest()
            if mask == "MD5":
                return hashlib.md5(value.encode()).hexdigest()
            return value

        async def rpc(request: Request) -> JSONResponse:
            params = dict(request.query_params)
            if request.method == "POST":
                params.update(dict(await request.form()))
            self.calls.append(dict(params))
            signature = params.pop("Signature", "")
            if params.get("AccessKeyId") != self.access_key_id:
                return reply("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
            if not hmac.compare_digest(signature, rpc_signature(params, self.access_key_secret, request.method)):
                return reply("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
            if params.get("Action") != "ThreeElementsVerification" or params.get("Version") != "2020-02-17":
                return reply("InvalidAction.NotFound", "Specified api is not found")
            if params.get("AuthCode") != self.auth_code:
                return reply("AuthCodeIllegal", "Illegal authCode.")
            if self.fail_with:
                return reply(self.fail_with, "simulated failure")
            mask = params.get("Mask", "NORMAL")
            if mask not in ("NORMAL", "MD5", "SHA256"):
                return reply("MaskIllegal", "Mask illegal")
            for phone, (name, id_number) in self.registrations.items():
                if hmac.compare_digest(digest(mask, phone).lower(), params.get("InputNumber", "").lower()):
                    same = (
                        digest(mask, name).lower() == params.get("Name", "").lower()
                        and digest(mask, id_number).lower() == params.get("CertCode", "").lower()
                    )
                    return reply("OK", "OK", Data={"IsConsistent": 1 if same else 0})
            return reply("OK", "OK", Data={"IsConsistent": 2})

        return Starlette(routes=[Route("/", rpc, methods=["GET", "POST"])])
