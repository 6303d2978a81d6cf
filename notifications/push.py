"""Web Push subscriptions (one per browser) and our VAPID identity (RFC 8292)."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from tortoise.exceptions import IntegrityError

from backend.kit import errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from notifications.models import PushSubscription


class PushNotConfigured(errors.Unavailable, code="push.not_configured"):
    zh = "本站点未开通浏览器通知|本站点暂未开通浏览器通知，办件进度会通过站内消息和短信告诉您。"
    en = "Browser notifications are not configured|This site has no Web Push keys; progress still reaches your inbox and SMS."


class EndpointNotAllowed(errors.Invalid, code="push.endpoint_not_allowed"):
    zh = "不支持这个浏览器的通知服务|这个浏览器的通知服务不在支持范围内，请换用常见的手机浏览器，或通过站内消息查看进度。"
    en = "Unsupported push service|This browser's push service is not supported; use a common browser or check the inbox."


class SubscriptionInvalid(errors.Invalid, code="push.subscription_invalid"):
    zh = "浏览器通知订阅无效|浏览器给出的订阅信息不完整，请关闭后重新开启通知。"
    en = "Invalid push subscription|The browser's subscription keys are malformed; turn notifications off and on again."


class SubscriptionNotFound(errors.NotFound, code="push.subscription_not_found"):
    zh = "没有找到这个通知订阅|这个浏览器没有开启通知，或已经关闭了。"
    en = "Push subscription not found|This browser has no active subscription."


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_vapid_private_key() -> str:
    """A new VAPID key: base64url of the raw 32-byte P-256 private scalar (YIWANG_VAPID_PRIVATE_KEY)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def vapid() -> Vapid02:
    """Our VAPID signer, from YIWANG_VAPID_PRIVATE_KEY; 503 when push is not set up."""
    raw = current().settings.vapid_private_key
    if not raw:
        raise PushNotConfigured()
    return signer(raw)


_VAPID_CACHE: dict[str, Vapid02] = {}


def signer(raw: str) -> Vapid02:
    if raw not in _VAPID_CACHE:
        _VAPID_CACHE[raw] = Vapid02.from_raw(raw.encode())
    return _VAPID_CACHE[raw]


def public_key(signer: Vapid02) -> str:
    """The applicationServerKey browsers subscribe with: base64url uncompressed P-256 point."""
    return b64url(signer.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def endpoint_allowed(endpoint: str, patterns: tuple[str, ...]) -> bool:
    """Only known push services: we POST to this URL, so anything else would be a request forgery."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return False
    origin_path = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return any(fnmatch.fnmatchcase(origin_path, pattern + "*") for pattern in patterns)


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _valid_keys(p256dh: str, auth: str) -> bool:
    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return False
    return len(point) == 65 and len(secret) == 16


async def subscribe(*, person_id: int, endpoint: str, p256dh: str, auth: str, user_agent: str) -> PushSubscription:
    """Register (or move to this person) a browser's subscription; the same endpoint is one row."""
    vapid()  # 503 before anything is stored if the site has no VAPID key
    if not endpoint_allowed(endpoint, current().settings.push_endpoints):
        raise EndpointNotAllowed()
    if not _valid_keys(p256dh, auth):
        raise SubscriptionInvalid()
    now = datetime.now(UTC)
    async with transaction():
        row = await PushSubscription.select_for_update().get_or_none(endpoint_hash=_endpoint_hash(endpoint))
        if row is None:
            try:
                async with transaction():  # the browser may send the same subscription twice at once
                    return await PushSubscription.create(
                        person_id=person_id,
                        endpoint=endpoint,
                        endpoint_hash=_endpoint_hash(endpoint),
                        p256dh=p256dh,
                        auth=auth,
                        user_agent=user_agent[:200],
                        created_at=now,
                    )
            except IntegrityError:
                row = await PushSubscription.get(endpoint_hash=_endpoint_hash(endpoint))
        # A shared phone: the browser's subscription now belongs to whoever logged in last.
        row.person_id, row.p256dh, row.auth, row.user_agent = person_id, p256dh, auth, user_agent[:200]
        await row.save(update_fields=["person_id", "p256dh", "auth", "user_agent"])
        return row


async def unsubscribe(*, person_id: int, endpoint: str) -> None:
    deleted = await PushSubscription.filter(person_id=person_id, endpoint_hash=_endpoint_hash(endpoint)).delete()
    if not deleted:
        raise SubscriptionNotFound()


async def subscriptions(*, person_id: int) -> list[PushSubscription]:
    return await PushSubscription.filter(person_id=person_id).order_by("-id")
