"""Server-side sessions: random tokens kept only as SHA-256, idle and absolute timeouts, revocation.

Rows live in the database (so every process sees them and a revocation is durable); with Redis
configured, each lookup is served from a Redis copy that revocation deletes at once. The copy is
only a copy: while Redis is unavailable lookups read the row, and a revocation whose copy could
not be deleted still holds, because a cached session is re-checked against its row at least
every TOUCH_EVERY seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import cast

from tortoise.expressions import Q

from auth.models import Consent, RoleGrant, Session
from backend.kit import audit
from backend.kit.acting import Acting
from backend.kit.errors import BrokerUnavailable
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal

RESIDENT_IDLE = timedelta(minutes=30)
RESIDENT_ABSOLUTE = timedelta(hours=24)
STAFF_IDLE = timedelta(minutes=15)
STAFF_ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = 60  # seconds between last-seen writes: idle timeouts are precise to a minute
# Reasons for which the device holding the session did not end it itself: the owner signed it out
# from another device, or said the channel was not them. Its next request is told so.
SIGNED_OUT_ELSEWHERE = ("revoked_by_owner", "not_me")
log = logging.getLogger("yiwang.auth.sessions")


@dataclass
class SessionInfo:
    """What a request knows about its session (never the token itself)."""

    id: int
    token_hash: str
    transport: str
    csrf_token: str
    account_id: int | None
    person_id: int | None
    mfa: bool
    idle_seconds: int
    expires_at: float
    last_seen: float
    roles: list[list[str]] = field(default_factory=list)  # [[role, scope], ...]
    assurance: int = 0  # how this session's channel was proven to be the person (auth.models levels)
    consents: list[str] = field(default_factory=list)  # "document:version" its channel or person agreed to (auth.consent)
    # Set only on a session derived for one request from a staff session acting under a delegation
    # (auth.permissions.acting_session); such a session is never stored or cached.
    acting: Acting | None = None

    def has_role(self, role: str, scope: str | None = None) -> bool:
        return any(r == role and (scope is None or s in ("", scope)) for r, s in self.roles)

    @property
    def principal(self) -> Principal:
        """This session acting for its own person, or its staff member for the villager under a delegation."""
        if self.acting is not None:
            return Principal(
                actor=f"person:{self.acting.staff_id}",
                on_behalf_of=f"person:{self.person_id}",
                authorisation=f"delegation:{self.acting.delegation_id}",
            )
        me = f"person:{self.person_id}" if self.person_id else f"account:{self.account_id}"
        return Principal(actor=me, on_behalf_of=me if self.person_id else None)

    @property
    def official(self) -> Principal:
        """This session's staff member acting in office (deciding a case), for nobody in particular."""
        if self.acting is not None:
            return Principal(actor=f"person:{self.acting.staff_id}")
        return Principal(actor=f"person:{self.person_id}" if self.person_id else f"account:{self.account_id}")

    @property
    def is_staff(self) -> bool:
        return any(r != "resident" for r, _ in self.roles)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cache_key(token_hash: str) -> str:
    return f"session:{token_hash}"


def _use_cache() -> bool:
    # The in-process broker is not shared between processes, so it could serve a revoked session.
    return current().settings.redis_url is not None


async def roles_of(person_id: int | None) -> list[list[str]]:
    if person_id is None:
        return []
    return [[r.role, r.scope] for r in await RoleGrant.filter(person_id=person_id).order_by("id")]


async def consents_of(*, account_id: int | None, person_id: int | None) -> list[str]:
    """The document versions this channel, or the person it acts for, agreed to ("privacy:2026-11-26")."""
    who = [Q(account_id=account_id)] if account_id is not None else []
    if person_id is not None:
        who.append(Q(person_id=person_id))
    if not who:
        return []
    rows = await Consent.filter(Q(*who, join_type="OR")).values_list("document", "version")
    return sorted({f"{document}:{version}" for document, version in rows})


async def create(
    *, account_id: int | None, person_id: int | None, transport: str, mfa: bool, user_agent: str, ip: str, assurance: int = 0
) -> tuple[str, SessionInfo]:
    """Open a session; returns the token for the client (shown once) and the session."""
    roles = await roles_of(person_id)
    staff = any(r != "resident" for r, _ in roles)
    idle, absolute = (STAFF_IDLE, STAFF_ABSOLUTE) if staff else (RESIDENT_IDLE, RESIDENT_ABSOLUTE)
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with transaction():
        row = await Session.create(
            token_hash=hash_token(token),
            csrf_token=secrets.token_urlsafe(24),
            transport=transport,
            account_id=account_id,
            person_id=person_id,
            mfa=mfa,
            assurance=assurance if person_id else 0,
            created_at=now,
            last_seen_at=now,
            idle_seconds=int(idle.total_seconds()),
            expires_at=now + absolute,
            user_agent=user_agent[:512],
            ip=ip[:64],
        )
        await audit.record(
            actor=f"account:{account_id}" if account_id else f"person:{person_id}",
            subject=f"person:{person_id}" if person_id else None,
            action="session.created",
            object_type="session",
            object_id=row.id,
            detail={"transport": transport, "mfa": mfa},
        )
    info = _info(row, roles, await consents_of(account_id=account_id, person_id=person_id))
    await _cache(info)
    return token, info


def _info(row: Session, roles: list[list[str]], consents: list[str] | None = None) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        token_hash=row.token_hash,
        transport=row.transport,
        csrf_token=row.csrf_token,
        account_id=row.account_id,
        person_id=row.person_id,
        mfa=row.mfa,
        idle_seconds=row.idle_seconds,
        expires_at=row.expires_at.timestamp(),
        last_seen=row.last_seen_at.timestamp(),
        roles=roles,
        assurance=row.assurance,
        consents=consents or [],
    )


def _stored(info: SessionInfo) -> dict:
    """The cached copy: a stored session never acts for anyone, and a process of the previous release
    (during a rolling restart) must be able to read what this one wrote, so ``acting`` is left out."""
    data = asdict(info)
    data.pop("acting", None)
    return data


_FIELDS = {f.name for f in fields(SessionInfo)}


def _from_cache(cached: bytes) -> SessionInfo:
    """A cached copy, ignoring fields a newer release may have added."""
    return SessionInfo(**{k: v for k, v in json.loads(cached).items() if k in _FIELDS and k != "acting"})


async def _cache(info: SessionInfo) -> None:
    if not _use_cache():
        return
    ttl = min(info.idle_seconds, info.expires_at - time.time())
    if ttl > 0:
        try:
            await current().broker.set(_cache_key(info.token_hash), json.dumps(_stored(info)).encode(), ttl=ttl)
        except BrokerUnavailable:
            pass  # the next lookup reads the row


async def _uncache(token_hashes: list[str]) -> None:
    for token_hash in token_hashes:
        try:
            await current().broker.delete(_cache_key(token_hash))
        except BrokerUnavailable:
            # The row is what counts: a copy left behind is re-checked against it within TOUCH_EVERY.
            log.warning("session cache copy not deleted (broker unavailable)")
            return


async def resolve(token: str) -> SessionInfo | None:
    """The live session for a token, or None if unknown, revoked, idle too long or expired."""
    token_hash = hash_token(token)
    info: SessionInfo | None = None
    cached: bytes | None = None
    use_cache = _use_cache()
    if use_cache:
        try:
            cached = await current().broker.get(_cache_key(token_hash))
        except BrokerUnavailable:
            use_cache = False  # no copy to read, none worth writing: this lookup reads the row
        if cached is not None:
            info = _from_cache(cached)
    if info is None:
        row = await Session.get_or_none(token_hash=token_hash, revoked_at=None)
        if row is None:
            return None
        info = _info(row, await roles_of(row.person_id), await consents_of(account_id=row.account_id, person_id=row.person_id))
    now = time.time()
    if now >= info.expires_at or now - info.last_seen > info.idle_seconds:
        await end(info, reason="expired")
        return None
    if now - info.last_seen > TOUCH_EVERY:
        info.last_seen = now
        touched = await Session.filter(id=info.id, revoked_at=None).update(last_seen_at=datetime.fromtimestamp(now, UTC))
        if not touched:  # revoked while its cached copy lived on (its deletion failed): the row decides
            await _uncache([token_hash])
            return None
        await _cache(info)
    elif cached is None and use_cache:
        await _cache(info)
    return info


async def signed_out_elsewhere(token: str) -> bool:
    """Whether a token that no longer works was ended from another device (not expired, not logged out)."""
    return await Session.exists(token_hash=hash_token(token), revoked_at__not_isnull=True, revoked_reason__in=SIGNED_OUT_ELSEWHERE)


async def resolve_by_id(session_id: int) -> SessionInfo | None:
    """A session as it is stored now (after a binding changed its person or level)."""
    row = await Session.get_or_none(id=session_id, revoked_at=None)
    if row is None:
        return None
    return _info(row, await roles_of(row.person_id), await consents_of(account_id=row.account_id, person_id=row.person_id))


async def end(info: SessionInfo, *, reason: str, actor: str | None = None) -> None:
    """Revoke one session everywhere (logout, device removed, expiry)."""
    async with transaction():
        changed = await Session.filter(id=info.id, revoked_at=None).update(revoked_at=datetime.now(UTC), revoked_reason=reason[:32])
        if changed:
            await audit.record(
                actor=actor or (f"person:{info.person_id}" if info.person_id else f"account:{info.account_id}"),
                subject=f"person:{info.person_id}" if info.person_id else None,
                action="session.revoked",
                object_type="session",
                object_id=info.id,
                detail={"reason": reason},
            )
    if _use_cache():
        await _uncache([info.token_hash])


async def refresh_person(*, account_id: int, person_id: int, assurance: int) -> None:
    """After binding an account to a person, its open sessions act for that person at its level."""
    await Session.filter(account_id=account_id, revoked_at=None).update(person_id=person_id, assurance=assurance)
    await forget_cached(person_id=person_id)


async def detach_account(*, account_id: int) -> None:
    """The channel no longer acts for its person: its open sessions carry on unbound."""
    # values_list(flat=True) gives the values; tortoise types them as tuples
    rows = cast(list[str], await Session.filter(account_id=account_id, revoked_at=None).values_list("token_hash", flat=True))
    await Session.filter(account_id=account_id, revoked_at=None).update(person_id=None, assurance=0)
    if _use_cache():
        await _uncache(rows)


async def revoke_account(*, account_id: int, reason: str, actor: str) -> int:
    """End every open session of one login channel (the person said it was not them)."""
    rows = await Session.filter(account_id=account_id, revoked_at=None)
    for row in rows:
        await end(_info(row, []), reason=reason, actor=actor)
    return len(rows)


async def forget_cached(*, person_id: int | None, account_id: int | None = None) -> None:
    """Drop cached copies so role, identity or consent changes apply to the next request."""
    if not _use_cache():
        return
    who = [Q(person_id=person_id)] if person_id is not None else []
    if account_id is not None:
        who.append(Q(account_id=account_id))
    # values_list(flat=True) gives the values; tortoise types them as tuples
    hashes = cast(list[str], await Session.filter(Q(*who, join_type="OR"), revoked_at=None).values_list("token_hash", flat=True))
    await _uncache(hashes)


async def list_open(*, person_id: int | None, account_id: int | None) -> list[Session]:
    """Open sessions ("my devices") of a person, or of an account not yet verified."""
    now = datetime.now(UTC)
    query = Session.filter(revoked_at=None, expires_at__gt=now)
    query = query.filter(person_id=person_id) if person_id else query.filter(account_id=account_id)
    return [s for s in await query.order_by("-last_seen_at") if (now - s.last_seen_at).total_seconds() <= s.idle_seconds]


async def revoke_by_id(*, owner: SessionInfo, session_id: int) -> bool:
    """Revoke one of the owner's own sessions; False if it is not theirs or already gone."""
    query = Session.filter(id=session_id, revoked_at=None)
    query = query.filter(person_id=owner.person_id) if owner.person_id else query.filter(account_id=owner.account_id)
    row = await query.first()
    if row is None:
        return False
    await end(
        _info(row, []), reason="revoked_by_owner", actor=f"person:{owner.person_id}" if owner.person_id else f"account:{owner.account_id}"
    )
    return True
