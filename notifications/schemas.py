"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    wechat: bool = Field(description="WeChat subscribe messages")
    webpush: bool = Field(description="browser notifications (Web Push)")
    sms: bool = Field(description="text messages when no other channel reaches me (critical notices always come by SMS)")
    quiet_hours: bool = Field(description="hold non-urgent messages during quiet hours")
    quiet_start: str = Field(pattern=_HHMM, description="local time HH:MM")
    quiet_end: str = Field(pattern=_HHMM, description="local time HH:MM")


class PushKeys(_In):
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=40)


class PushSubscriptionIn(_In):
    endpoint: str = Field(min_length=10, max_length=1000)
    expirationTime: float | None = None
    keys: PushKeys


class PushEndpoint(_In):
    endpoint: str = Field(min_length=10, max_length=1000)


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

    results: dict[str, Literal["accept", "reject", "ban", "filter"]] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _keys(self) -> "WeChatGrant":
        if any(not 1 <= len(k) <= 64 for k in self.results):
            raise ValueError("template ids are 1 to 64 characters")
        return self


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
