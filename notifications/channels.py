"""The outside channels: WeChat subscribe messages, Web Push, SMS. Each turns one delivery into an Outcome.

What they carry comes from ``public.outside()`` only (the event's fixed words and public fields):
never the inbox title or body.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol
from urllib.parse import quote, urlsplit

import aiohttp
from pywebpush import WebPusher, WebPushException
from tortoise.expressions import F

from backend.kit.pii import mask_phone
from backend.kit.resources import current
from backend.kit.sms import SmsRateLimited, SmsUnavailable
from backend.kit.wechat import WeChatSendFailed
from notifications.events import WECHAT_TEMPLATE_FIELDS, EventPolicy
from notifications.models import Notification, PushSubscription, WeChatQuota
from notifications.public import outside
from notifications.push import PushNotConfigured, vapid

log = logging.getLogger("yiwang.notifications")


@dataclass(frozen=True)
class Outcome:
    """``sent``; ``retry`` later (provider down, rate limited); ``failed`` for good on this channel."""

    kind: Literal["sent", "retry", "failed"]
    message_id: str | None = None
    error: str = ""
    retry_after: float | None = None
    fallback: bool = True  # on failed: try the person's next channel
    throttled: bool = False  # on retry: a rate limit said "later", not a failure: no attempt is used up


@dataclass(frozen=True)
class Job:
    delivery_id: int
    notification: Notification
    policy: EventPolicy
    openid: str | None
    phone: str | None
    subscriptions: list[PushSubscription] | None = None  # the person's browsers, loaded with the batch


class Channel(Protocol):
    name: str

    async def send(self, job: Job) -> Outcome: ...


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_HAN = re.compile(r"[\u4e00-\u9fff]")


def wechat_value(kind: str, value: str) -> str:
    """Fit a value to its WeChat field type (protocols.md §1d): anything else is refused with 47003."""
    if kind == "thing":
        return _cut(value, 20)
    if kind in ("character_string", "letter", "number"):
        return re.sub(r"[^\x21-\x7e]", "", value)[:32]
    if kind == "phrase":
        return "".join(_HAN.findall(value))[:5] or "有更新"
    if kind == "name":  # ≤ 10 汉字, or ≤ 20 letters: no ellipsis, it is neither
        han = "".join(_HAN.findall(value))
        return han[:10] if han else re.sub(r"[^A-Za-z ]", "", value)[:20]
    return value


def wechat_data(template: str, notification: Notification) -> dict[str, dict[str, str]]:
    values = outside(notification).values
    data = {}
    for key, source in WECHAT_TEMPLATE_FIELDS[template].items():
        kind = key.rstrip("0123456789")
        data[key] = {"value": wechat_value(kind, str(values.get(source) or "-"))}
    return data


# WeChat answers that will not change on a retry: the person refused (43101), our template or its
# data is wrong (40037, 47003), the openid is unknown (40003), the page is not released (41030).
_WECHAT_PERMANENT = {43101, 40003, 40037, 47003, 41030}


class WeChatChannel:
    name = "wechat"

    async def send(self, job: Job) -> Outcome:
        resources = current()
        template_id = resources.settings.wechat_templates.get(job.policy.wechat_template, "")
        if not template_id or not resources.wechat.configured:
            return Outcome("failed", error="WeChat subscribe messages are not configured")
        if not job.openid:
            return Outcome("failed", error="the person has no WeChat login")
        person_id = job.notification.person_id
        # Spend one of the credits the person granted; none left means WeChat would say 43101.
        spent = await WeChatQuota.filter(person_id=person_id, template_id=template_id, credits__gt=0).update(credits=F("credits") - 1)
        if not spent:
            return Outcome("failed", error="no subscribe-message credit left")
        page = None
        if job.notification.link:
            page = f"{resources.settings.wechat_page}?path={quote(outside(job.notification).url, safe='')}"
        try:
            message_id = await resources.wechat.send_subscribe_message(
                openid=job.openid, template_id=template_id, data=wechat_data(job.policy.wechat_template, job.notification), page=page
            )
        except WeChatSendFailed as exc:
            if exc.errcode == 43101:  # refused or used up: our count was wrong, trust WeChat
                await WeChatQuota.filter(person_id=person_id, template_id=template_id).update(credits=0)
                return Outcome("failed", error=f"43101 {exc.errmsg}")
            if exc.errcode in _WECHAT_PERMANENT:
                return Outcome("failed", error=f"{exc.errcode} {exc.errmsg}")
            await WeChatQuota.filter(person_id=person_id, template_id=template_id).update(credits=F("credits") + 1)
            return Outcome("retry", error=f"{exc.errcode} {exc.errmsg}")
        return Outcome("sent", message_id=message_id)


class WebPushChannel:
    """RFC 8030 requests with an RFC 8291 encrypted payload and an RFC 8292 VAPID header (pywebpush)."""

    name = "webpush"
    VAPID_LIFETIME = 12 * 3600

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._vapid_headers: dict[str, tuple[dict[str, str], float]] = {}

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=10, connect=3), connector=aiohttp.TCPConnector(limit=100, limit_per_host=50)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _authorization(self, endpoint: str) -> dict[str, str]:
        """The VAPID header for the push service's origin; one signature serves many messages."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        cached = self._vapid_headers.get(audience)
        now = time.time()
        if cached is None or cached[1] - now < 3600:
            expires = int(now) + self.VAPID_LIFETIME
            headers = vapid().sign({"aud": audience, "exp": expires, "sub": current().settings.vapid_subject})
            cached = self._vapid_headers[audience] = (headers, expires)
        return cached[0]

    @staticmethod
    def payload(notification: Notification) -> bytes:
        """What the service worker shows on the lock screen; its tag makes a re-delivered message replace the first.

        Fixed words are short: far below RFC 8291's 3993 bytes of plaintext in one record.
        """
        words = outside(notification)
        return json.dumps(
            {"id": notification.id, "title": words.title, "body": words.body, "url": words.url, "tag": f"n{notification.id}"},
            ensure_ascii=False,
        ).encode()

    async def send(self, job: Job) -> Outcome:
        try:
            vapid()
        except PushNotConfigured:
            return Outcome("failed", error="Web Push is not configured (no VAPID key)")
        subscriptions = job.subscriptions
        if subscriptions is None:
            subscriptions = await PushSubscription.filter(person_id=job.notification.person_id)
        if not subscriptions:
            return Outcome("failed", error="no browser subscribed")
        data = self.payload(job.notification)
        outcomes = [await self._one(s, data, job) for s in subscriptions]
        sent = [o for o in outcomes if o.kind == "sent"]
        if sent:  # one phone showed it; re-sending to the others would show it twice there
            return sent[0]
        retries = [o for o in outcomes if o.kind == "retry"]
        if retries:
            after = max((o.retry_after or 0) for o in retries)
            return Outcome(
                "retry",
                error="; ".join(o.error for o in retries)[:300],
                retry_after=after or None,
                throttled=all(o.throttled for o in retries),
            )
        return Outcome("failed", error="; ".join(o.error for o in outcomes)[:300])

    async def _one(self, subscription: PushSubscription, data: bytes, job: Job) -> Outcome:
        info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        headers = {**self._authorization(subscription.endpoint), "Urgency": job.policy.urgency, "Topic": f"n{job.notification.id}"}
        try:
            response = await WebPusher(info, aiohttp_session=self._session_for_loop()).send_async(
                data, headers, ttl=job.policy.ttl, content_encoding="aes128gcm", timeout=aiohttp.ClientTimeout(total=10)
            )
        except (aiohttp.ClientError, TimeoutError, WebPushException) as exc:
            return Outcome("retry", error=f"push service unreachable: {type(exc).__name__}")
        status = response.status
        if status in (200, 201, 202):
            now = datetime.now(UTC)
            if subscription.last_success_at is None or now - subscription.last_success_at > timedelta(hours=1):  # not a write per push
                await PushSubscription.filter(id=subscription.id).update(last_success_at=now)
            return Outcome("sent", message_id=response.headers.get("Location", "")[:200])
        if status in (404, 410) or status == 403:
            # Gone or expired (RFC 8030 §7.3), or made for another VAPID key: this browser will never get it.
            await PushSubscription.filter(id=subscription.id).delete()
            return Outcome("failed", error=f"{status}: subscription removed")
        if status == 429 or status >= 500:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            return Outcome("retry", error=f"push service answered {status}", retry_after=retry_after, throttled=status == 429)
        log.error("push service refused our request", extra={"status": status, "delivery": job.delivery_id})
        return Outcome("failed", error=f"push service answered {status}")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


class SmsChannel:
    """A text through the SMS provider; at most PER_HOUR notices per number per hour."""

    name = "sms"
    PER_HOUR = 5

    async def send(self, job: Job) -> Outcome:
        if not job.phone:
            return Outcome("failed", error="the person has no phone number", fallback=False)
        resources = current()
        window = int(time.time() // 3600)
        count = await resources.broker.incr(f"sms-notice:{job.phone}:{window}", ttl=3600)
        if count > self.PER_HOUR:
            return Outcome("retry", error="per-number hourly limit", retry_after=(window + 1) * 3600 - time.time() + 1, throttled=True)
        values = outside(job.notification).values
        params = {
            "subject": _cut(values["subject"], 20),
            "phrase": _cut(values["phrase"], 10),
            "reference": str(values.get("reference") or "-")[:20],
        }
        try:
            message_id = await resources.sms.send(phone=job.phone, template="notice", params=params)
        except SmsRateLimited:
            return Outcome("retry", error="SMS provider rate limit", retry_after=60, throttled=True)
        except SmsUnavailable:
            log.info("SMS not sent, will retry", extra={"to": mask_phone(job.phone), "delivery": job.delivery_id})
            return Outcome("retry", error="SMS provider unavailable")
        return Outcome("sent", message_id=message_id)
