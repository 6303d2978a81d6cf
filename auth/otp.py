"""SMS one-time codes: 6 digits, stored as an HMAC, 5-minute life, 5 tries, used once, rate limited."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F

from auth.errors import CodeExpired, CodeInvalid, CodeLocked, TooManyRequests
from auth.models import OneTimeCode
from backend.kit import audit
from backend.kit.netaddr import network_of
from backend.kit.resources import current
from backend.kit.transactions import transaction

LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# (window seconds, allowed) per phone number and per client address; before these, one code per
# number per ``settings.sms_resend_seconds`` (60 s; see resend_seconds()).
PHONE_LIMITS = ((3600, 5), (86400, 10))
IP_SEND_LIMIT = (3600, 30)
IP_VERIFY_LIMIT = (3600, 60)
log = logging.getLogger("yiwang.auth.otp")


def _phone_idx(phone: str) -> str:
    return current().keyring.blind_index(phone, purpose="person.phone")


def _code_hash(phone_idx: str, purpose: str, code: str) -> str:
    return current().keyring.blind_index(f"{phone_idx}:{purpose}:{code}", purpose="otp")


def resend_seconds() -> int:
    """How long a number waits before another code (the countdown on the 获取验证码 button)."""
    return current().settings.sms_resend_seconds


async def limit(key: str, window: int, allowed: int) -> None:
    """Count one event in a fixed window; 429 with Retry-After once over ``allowed``."""
    if await current().broker.incr(f"rl:{key}:{window}", ttl=window) > allowed:
        raise TooManyRequests(retry_after=window if window <= 3600 else 3600)


async def send(*, phone: str, purpose: str, ip: str, actor: str, template: str = "login_code") -> None:
    """Create a code for this number and text it. Any earlier unused code stops working."""
    phone_idx = _phone_idx(phone)
    await limit(f"otp-send-ip:{network_of(ip)}", *IP_SEND_LIMIT)
    # Codes someone else asks for (joining this person) count apart, so they cannot use up the
    # person's own login codes.
    group = "" if template == "login_code" else f"{template}:"
    for window, allowed in ((resend_seconds(), 1), *PHONE_LIMITS):
        await limit(f"otp-send:{group}{phone_idx}", window, allowed)
    code = f"{secrets.randbelow(10**6):06d}"
    now = datetime.now(UTC)
    async with transaction():
        await OneTimeCode.filter(phone_idx=phone_idx, purpose=purpose, consumed_at=None).update(consumed_at=now)
        row = await OneTimeCode.create(
            phone_idx=phone_idx, purpose=purpose, code_hash=_code_hash(phone_idx, purpose, code), expires_at=now + LIFETIME
        )
        await audit.record(actor=actor, action="otp.sent", object_type="one_time_code", object_id=row.id, detail={"purpose": purpose})
    try:
        await current().sms.send(phone=phone, template=template, params={"code": code})
    except Exception:
        await OneTimeCode.filter(id=row.id).update(consumed_at=datetime.now(UTC))
        raise


async def check(*, phone: str, purpose: str, code: str, ip: str) -> int:
    """Count one try and compare; the id of the matching code, which stays unused.

    The caller passes the id to ``consume()`` inside the transaction that does what the code
    allows (open a session, bind a channel), so a failure there leaves the code usable. Call this
    outside any transaction: the try is counted at once and stays counted whatever follows.
    """
    await limit(f"otp-verify-ip:{network_of(ip)}", *IP_VERIFY_LIMIT)
    phone_idx = _phone_idx(phone)
    now = datetime.now(UTC)
    row = await OneTimeCode.filter(phone_idx=phone_idx, purpose=purpose).order_by("-id").first()
    if row is None:
        raise CodeInvalid()
    if row.consumed_at is not None or row.expires_at <= now:
        # The newest code is spent: say so, so nobody keeps typing a code that can never work.
        raise CodeLocked() if row.attempts >= MAX_ATTEMPTS else CodeExpired()
    # Count the try before comparing, atomically, so parallel guesses cannot exceed the limit.
    counted = await OneTimeCode.filter(id=row.id, consumed_at=None, attempts__lt=MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
    if not counted:
        raise CodeLocked()
    if not hmac.compare_digest(row.code_hash, _code_hash(phone_idx, purpose, code)):
        async with transaction():
            await audit.record(
                actor=f"phone:{phone_idx[:12]}", action="otp.failed", object_type="one_time_code", object_id=row.id, result="denied"
            )
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await OneTimeCode.filter(id=row.id).update(consumed_at=now)
            raise CodeLocked()
        raise CodeInvalid()
    return row.id


async def consume(code_id: int) -> None:
    """Use up a checked code, inside the caller's transaction; a parallel use of it is refused."""
    # Taking the row lock first also makes a parallel request with the same code wait here and
    # then find it consumed, rather than doing the work twice.
    if not await OneTimeCode.filter(id=code_id, consumed_at=None).update(consumed_at=datetime.now(UTC)):
        raise CodeInvalid()


async def verify(*, phone: str, purpose: str, code: str, ip: str) -> None:
    """Accept the code once; wrong codes count against the 5 tries of the current code."""
    code_id = await check(phone=phone, purpose=purpose, code=code, ip=ip)
    async with transaction():
        await consume(code_id)
