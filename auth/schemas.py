"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auth.idnumber import InvalidIdNumber, normalize


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WeChatLogin(_Strict):
    code: str = Field(min_length=1, max_length=128, description="wx.login() code")


class SmsSend(_Strict):
    phone: str = Field(min_length=11, max_length=20)


class SmsVerify(_Strict):
    phone: str = Field(min_length=11, max_length=20)
    code: str = Field(pattern=r"^\d{6}$", description="the 6-digit code from the text message")
    transport: Literal["cookie", "bearer"] = Field("cookie", description="cookie for the PWA, bearer for apps")


class StaffLogin(_Strict):
    phone: str = Field(min_length=11, max_length=20)
    password: str = Field(min_length=1, max_length=200)


class StaffVerify(SmsVerify):
    pass


class IdentityIn(_Strict):
    name: str = Field(min_length=2, max_length=30, pattern=r"^[\u4e00-\u9fa5A-Za-z·•\s]+$")
    id_number: str = Field(min_length=15, max_length=20)

    @field_validator("id_number")
    @classmethod
    def _valid(cls, value: str) -> str:
        try:
            return normalize(value)
        except InvalidIdNumber as exc:
            raise ValueError(f"{exc.zh}|{exc.en}") from None


class WeChatPhoneIn(_Strict):
    code: str = Field(min_length=1, max_length=128, description="code from the getPhoneNumber button")


class SessionOut(BaseModel):
    token: str | None = Field(None, description="Bearer token (transport=bearer only; the PWA gets a cookie)")
    csrf_token: str = Field(description="send as X-CSRF-Token on unsafe requests made with the cookie")
    expires_at: datetime
    verified: bool


class SentOut(BaseModel):
    sent: bool
    retry_after: int


class Role(BaseModel):
    role: str
    scope: str


class MeOut(BaseModel):
    person_id: int | None
    verified: bool
    name: str | None = Field(description="masked")
    id_number: str | None = Field(description="masked, e.g. 110***********002X")
    phone: str | None = Field(description="masked, e.g. 138****5678")
    channels: list[str]
    roles: list[Role]


class Device(BaseModel):
    id: int
    current: bool
    transport: str
    user_agent: str
    ip: str
    created_at: datetime
    last_seen_at: datetime


class DevicesOut(BaseModel):
    devices: list[Device]


class PhoneOut(BaseModel):
    phone: str = Field(description="masked")


class OkOut(BaseModel):
    ok: bool = True
