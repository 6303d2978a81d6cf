"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotificationOut(BaseModel):
    id: int
    event: str
    title: str
    body: str
    link: str | None
    data: dict[str, Any]
    created_at: str
    read_at: str | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_before: int | None = Field(description="pass as `before` for the next (older) page; null at the end")


class PageQuery(_In):
    limit: int = Field(20, ge=1, le=100)
    before: int | None = Field(None, ge=1, le=2**63 - 1)


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int


_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class Preferences(_In):
    # StrictBool: the document says boolean, so 0 / "false" are refused, not read as false.
    wechat: StrictBool = Field(description="WeChat subscribe messages")
    webpush: StrictBool = Field(description="browser notifications (Web Push)")
    sms: StrictBool = Field(description="text messages when no other channel reaches me (critical notices always come by SMS)")
    quiet_hours: StrictBool = Field(description="hold non-urgent messages during quiet hours")
    quiet_start: str = Field(pattern=_HHMM, description="local time HH:MM")
    quiet_end: str = Field(pattern=_HHMM, description="local time HH:MM")


class PushKeys(_In):
    # base64url as PushSubscription.toJSON() gives it (padding tolerated).
    p256dh: str = Field(
        min_length=87,
        max_length=88,
        pattern=r"^[A-Za-z0-9_-]{87}=?$",
        description="the browser's P-256 public key, 65 bytes; must be a point on the curve (else 422)",
    )
    auth: str = Field(min_length=22, max_length=24, pattern=r"^[A-Za-z0-9_-]{22}(==)?$", description="the 16-byte auth secret")


def _endpoint() -> Any:
    return Field(
        min_length=10,
        max_length=1000,
        json_schema_extra={"format": "uri"},
        description="the push service URL (https); only the push services in YIWANG_PUSH_ENDPOINTS are accepted, "
        "by default those of Chrome, Firefox, Safari and Edge; any other URL is 422 push.endpoint_not_allowed",
    )


class PushSubscriptionIn(_In):
    endpoint: str = _endpoint()
    expirationTime: float | None = None
    keys: PushKeys


class PushEndpoint(_In):
    endpoint: str = _endpoint()


class PushSubscriptionOut(BaseModel):
    id: int
    endpoint: str
    created_at: datetime


class PushSubscriptionList(BaseModel):
    items: list[PushSubscriptionOut]


class VapidKeyOut(BaseModel):
    public_key: str


class WeChatGrant(_In):
    """The result of wx.requestSubscribeMessage: templateId → accept | reject | ban | filter."""

    results: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Literal["accept", "reject", "ban", "filter"]] = Field(
        min_length=1, max_length=20, description="template id (1 to 64 characters) → the answer"
    )


class WeChatCredits(BaseModel):
    credits: dict[str, int]


class DeliveryQuery(_In):
    status: Literal["dead", "failed", "pending", "sending", "sent"] = "dead"
    limit: int = Field(50, ge=1, le=200)


class DeliveryOut(BaseModel):
    id: int
    notification_id: int
    person_id: int
    event: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
