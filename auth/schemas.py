"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auth.consent import VERSION
from auth.idnumber import InvalidIdNumber, normalize


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# What normalize_phone accepts, so a number the document allows is never refused as malformed:
# 11 digits of a mainland mobile, optionally +86 / 0086 first, single spaces or hyphens between groups.
# [0-9], not \d: \d would also match other scripts' digits.
PHONE_PATTERN = r"^(\+86|0086)?[ -]?1[3-9][0-9]([ -]?[0-9]){8}$"


# The shape normalize() checks first: a province code, a birth date of 18xx-20xx, the check character
# (0-9 or X). Whether the date exists and the check character is right the pattern cannot say.
ID_NUMBER_PATTERN = (
    r"^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])[0-9]{4}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx]$"
)


def _phone() -> Any:
    return Field(min_length=11, max_length=20, pattern=PHONE_PATTERN, description="mainland mobile number, e.g. 13912345678")


def _sms_code() -> Any:
    return Field(pattern=r"^[0-9]{6}$", description="the 6-digit code from the text message")


DocumentName = Literal["terms", "privacy", "id_number"]


class Acceptance(_Strict):
    """I have read and agree to this version of this document."""

    document: DocumentName = Field(description="terms (用户协议), privacy (隐私政策), id_number (身份证号码处理单独同意)")
    version: str = Field(max_length=16, pattern=VERSION, description="the version shown to the person (GET /legal/documents)")


def _accept(what: str) -> Any:
    return Field(default_factory=list, max_length=3, description=what)


class WeChatLogin(_Strict):
    code: str = Field(min_length=1, max_length=128, description="wx.login() code")
    accept: list[Acceptance] = _accept("the current terms and privacy policy the person agreed to on the login page")


class SmsSend(_Strict):
    phone: str = _phone()


class _CodeLogin(_Strict):
    phone: str = _phone()
    code: str = _sms_code()
    transport: Literal["cookie", "bearer"] = Field("cookie", description="cookie for the PWA, bearer for apps")


class SmsVerify(_CodeLogin):
    accept: list[Acceptance] = _accept("the current terms and privacy policy the person agreed to on the login page")


class StaffVerify(_CodeLogin):
    pass


class ConsentIn(_Strict):
    accept: list[Acceptance] = Field(min_length=1, max_length=3, description="current versions the person agrees to")


class StaffLogin(_Strict):
    phone: str = _phone()
    password: str = Field(min_length=1, max_length=200)


class IdentityIn(_Strict):
    name: str = Field(min_length=2, max_length=30, pattern=r"^[\u4e00-\u9fa5A-Za-z·•\s]+$")
    id_number: str = Field(
        min_length=18,
        max_length=18,
        pattern=ID_NUMBER_PATTERN,
        description="18-character citizen ID number; the birth date must exist and the check character be right (else 422)",
    )

    accept: list[Acceptance] = _accept(
        "must include the current id_number document: the separate consent to processing the ID number (PIPL art. 29)"
    )

    @field_validator("id_number")
    @classmethod
    def _valid(cls, value: str) -> str:
        try:
            return normalize(value)
        except InvalidIdNumber as exc:
            raise ValueError(f"{exc.zh}|{exc.en}") from None


class WeChatPhoneIn(_Strict):
    code: str = Field(min_length=1, max_length=128, description="code from the getPhoneNumber button")


class DocumentOut(BaseModel):
    document: DocumentName
    version: str
    title: str


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]


class DocumentTextOut(DocumentOut):
    body: str = Field(description="markdown: '## ' headings, '- ' list items, paragraphs")
    versions: list[str] = Field(description="every published version, oldest first")


def _consent_required() -> Any:
    return Field(
        default_factory=list,
        description="current documents to agree to (POST /me/consents) before anything but /me and logout is allowed",
    )


class SessionOut(BaseModel):
    token: str | None = Field(None, description="Bearer token (transport=bearer only; the PWA gets a cookie)")
    csrf_token: str = Field(description="send as X-CSRF-Token on unsafe requests made with the cookie")
    expires_at: datetime
    verified: bool
    consent_required: list[DocumentOut] = _consent_required()


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
    assurance: Assurance = Field(
        description="how this login channel was proven to be the person: claimed (name + ID number only), "
        "real_name (a real-name source such as the carrier three-factor check), in_person (a clerk saw the ID card)"
    )
    name: str | None = Field(description="masked")
    id_number: str | None = Field(description="masked, e.g. 110***********002X")
    phone: str | None = Field(description="masked, e.g. 138****5678")
    channels: list[str]
    roles: list[Role]
    consent_required: list[DocumentOut] = _consent_required()


class Device(BaseModel):
    id: int
    current: bool
    transport: str
    user_agent: str = Field(description="as the device sent it (up to 512 characters)")
    browser: str = Field(description='parsed from the user agent, e.g. "Chrome Mobile 120", "WeChat 8.0"; empty if unknown')
    os: str = Field(description='e.g. "Android 13", "iOS 17.1"; empty if unknown')
    model: str = Field(description='phone model when the user agent names one, e.g. "Oppo PFDM00", "Apple iPhone"; else empty')
    wechat: bool = Field(description="inside WeChat (its browser or the mini-program)")
    network: Literal["loopback", "private", "public", "unknown"] = Field(
        description="the kind of network of the client address: this machine, a private network (LAN), the internet; "
        "no place is derived from it"
    )
    ip: str = Field(description="masked client address, e.g. 203.0.*.* (behind the proxy: the client's, not the proxy's)")
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
