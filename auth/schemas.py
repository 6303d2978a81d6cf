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


Assurance = Literal["none", "claimed", "real_name", "in_person"]


class MeOut(BaseModel):
    person_id: int | None
    verified: bool
    assurance: Assurance = Field(description="how this login channel was proven to be the person: claimed (name + ID number only), "
                                             "real_name (a real-name source such as the carrier three-factor check), in_person (a clerk saw the ID card)")
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


class JoinConfirmIn(_Strict):
    code: str = Field(pattern=r"^\d{6}$", description="the 6-digit code texted to the phone on record of the ID number's owner")


class JoinSentOut(BaseModel):
    accepted: bool = Field(True, description="always true: whether anyone was asked is not told")


class ChannelOut(BaseModel):
    id: int
    kind: Literal["wechat_mp", "phone"]
    assurance: Assurance
    source: str | None
    bound_at: datetime | None
    last_login_at: datetime | None
    current: bool


class JoinRequestOut(BaseModel):
    id: int
    kind: Literal["wechat_mp", "phone"]
    status: Literal["claimed", "pending"]
    created_at: datetime
    expires_at: datetime


class ChannelsOut(BaseModel):
    channels: list[ChannelOut]
    join_requests: list[JoinRequestOut] = Field(description="other channels that brought my ID number without enough proof")
