"""Identity decisions (统一身份认证): channels, real-name binding, persons and roles."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast, overload

from auth import consent, events, otp, sessions
from auth.errors import (
    BadCredentials,
    IdentityRequired,
    LoginThrottled,
    TooManyRequests,
)
from auth.events import IdentityNotice
from auth.models import ASSURANCE_NAMES, CLAIMED, IN_PERSON, ROLES, STAFF_ROLES, Account, Person, RoleGrant
from auth.passwords import check_password, hash_password
from auth.sessions import SessionInfo
from backend.kit import audit, errors
from backend.kit.errors import BrokerUnavailable
from backend.kit.netaddr import network_of
from backend.kit.pii import mask_id_number, mask_name, mask_phone
from backend.kit.resources import current
from backend.kit.transactions import transaction

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_SCOPE = re.compile(r"^(|(hall|township|department|carrier|station):[A-Za-z0-9_-]{1,48})$")
# Staff password throttling, all in the broker (person.failed_logins/locked_until are unused).
# Wrong passwords slow down one phone *from one address*: after FREE_TRIES misses each further
# try waits 1 s, 2 s, 4 s … up to 15 min, so an outsider cannot lock a clerk out from elsewhere.
FREE_TRIES = 3
FIRST_DELAY, MAX_DELAY = 1, 15 * 60
TRIES_MEMORY = 86400  # a (phone, address) forgets its misses a day after the first one
IN_FLIGHT = 60  # a try holds its address's turn at most this long (covers a queued hash)
# Budgets (window seconds, tries) for tries from addresses the phone never completed a staff
# login from. One address alone makes at most ~16 tries an hour and ~110 a day, so only many
# addresses together reach the per-phone limits; the clerk's own addresses are never counted.
ADDRESS_LIMIT = (3600, 100)  # per address over all phones: password spraying
ACCOUNT_LIMITS = ((3600, 50), (86400, 200))  # per phone over all addresses: distributed guessing
# Password checks for the whole deployment, from addresses not known for the phone (~30 ms of
# CPU each): 100 in 10 s queue ~1.5 s on two cores; 300 a minute is 0.15 core on average and far
# above what a county's clerks need (a few hundred, each signing in a few times a day).
GLOBAL_LIMITS = ((10, 100), (60, 300))
KNOWN_ADDRESS_FOR = 30 * 86400


class InvalidPhone(errors.Invalid, code="auth.invalid_phone"):
    zh = "手机号码格式不正确|请输入 11 位中国大陆手机号码。"
    en = "Invalid mobile number|Enter an 11-digit mainland China mobile number."


class InvalidRole(errors.Invalid, code="auth.invalid_role"):
    zh = "角色或范围不正确|角色应为 {roles} 之一，范围形如 hall:1。"
    en = "Invalid role or scope|The role must be one of {roles}; a scope looks like hall:1."


def normalize_phone(phone: str) -> str:
    digits = re.sub(r"[\s-]", "", phone)
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    if not _PHONE.match(digits):
        raise InvalidPhone()
    return digits


def _bi(value: str, purpose: str) -> str:
    return current().keyring.blind_index(value, purpose=purpose)


def _enc(value: str, purpose: str) -> str:
    return current().keyring.encrypt(value, purpose=purpose)


@overload
def _dec(token: str, purpose: str) -> str: ...
@overload
def _dec(token: None, purpose: str) -> None: ...
@overload
def _dec(token: str | None, purpose: str) -> str | None: ...
def _dec(token: str | None, purpose: str) -> str | None:
    return None if token is None else current().keyring.decrypt(token, purpose=purpose)


# ---- persons and roles -------------------------------------------------------------------


async def find_by_phone(*, phone: str) -> Person | None:
    return await Person.filter(phone_idx=_bi(normalize_phone(phone), "person.phone")).first()


async def create_person(*, name: str, phone: str, actor: str, password: str | None = None) -> Person:
    """Register a person by name and mobile number (real-name verification comes later)."""
    phone = normalize_phone(phone)
    name = name.strip()
    password_hash = await hash_password(password) if password else None
    async with transaction():
        person = await Person.create(
            name_enc=_enc(name, "person.name"),
            name_idx=_bi(name, "person.name"),
            phone_enc=_enc(phone, "person.phone"),
            phone_idx=_bi(phone, "person.phone"),
            password_hash=password_hash,
        )
        await audit.record(actor=actor, action="person.created", object_type="person", object_id=person.id, subject=f"person:{person.id}")
    return person


async def set_password(*, person: Person, password: str, actor: str) -> None:
    password_hash = await hash_password(password)
    async with transaction():
        await Person.filter(id=person.id).update(password_hash=password_hash)
        await audit.record(
            actor=actor, action="person.password_set", object_type="person", object_id=person.id, subject=f"person:{person.id}"
        )


async def grant_role(*, person: Person, role: str, scope: str = "", actor: str) -> RoleGrant:
    """Give a person a role (授权); granting the same role and scope twice is a no-op."""
    if role not in ROLES or not _SCOPE.match(scope):
        raise InvalidRole(roles="/".join(ROLES))
    async with transaction():
        grant, created = await RoleGrant.get_or_create(person=person, role=role, scope=scope, defaults={"granted_by": actor})
        if created:
            await audit.record(
                actor=actor,
                action="role.granted",
                object_type="role_grant",
                object_id=grant.id,
                subject=f"person:{person.id}",
                detail={"role": role, "scope": scope},
            )
    if created:
        await sessions.forget_cached(person_id=person.id)
    return grant


# ---- channels ----------------------------------------------------------------------------


@dataclass
class Client:
    """Where a login comes from, for the session list and the audit log."""

    ip: str
    user_agent: str


async def _account(kind: str, subject: str) -> Account:
    """The account for a channel subject (openid or phone), created on first login."""
    subject_idx = _bi(subject, f"account.{kind}")
    account = await Account.get_or_none(kind=kind, subject_idx=subject_idx)
    if account is None:
        async with transaction():
            account, created = await Account.get_or_create(
                kind=kind, subject_idx=subject_idx, defaults={"subject_enc": _enc(subject, f"account.{kind}")}
            )
            if created:
                await audit.record(
                    actor=f"account:{account.id}",
                    action="account.created",
                    object_type="account",
                    object_id=account.id,
                    detail={"kind": kind},
                )
    return account


async def login_with_wechat(*, code: str, client: Client, accepted: Sequence[tuple[str, str]] = ()) -> tuple[str, SessionInfo]:
    """Mini-program login: wx.login() code → code2Session → session (Bearer token)."""
    consent.check_current(accepted)
    wx = await current().wechat.code_to_session(code)
    account = await _account("wechat_mp", wx.openid)
    updates: dict = {"session_key_enc": _enc(wx.session_key, "account.session_key"), "last_login_at": datetime.now(UTC)}
    if wx.unionid:
        updates["unionid_idx"] = _bi(wx.unionid, "account.unionid")
    async with transaction():
        await Account.filter(id=account.id).update(**updates)
        await audit.record(
            actor=f"account:{account.id}",
            subject=f"person:{account.person_id}" if account.person_id else None,
            action="login.succeeded",
            object_type="account",
            object_id=account.id,
            detail={"channel": "wechat_mp"},
        )
        await consent.record(accepted=accepted, account_id=account.id, person_id=account.person_id, actor=f"account:{account.id}")
    return await sessions.create(
        account_id=account.id,
        person_id=account.person_id,
        transport="bearer",
        mfa=False,
        user_agent=client.user_agent,
        ip=client.ip,
        assurance=account.assurance,
    )


async def send_login_code(*, phone: str, client: Client) -> None:
    phone = normalize_phone(phone)
    await otp.send(phone=phone, purpose="login", ip=client.ip, actor="anonymous")


async def login_with_sms(
    *, phone: str, code: str, transport: str, client: Client, accepted: Sequence[tuple[str, str]] = ()
) -> tuple[str, SessionInfo]:
    """PWA login with a phone number and the SMS code sent to it, with the documents agreed to on the login page."""
    phone = normalize_phone(phone)
    consent.check_current(accepted)  # before the code is tried: a stale page does not spend it
    try:
        code_id = await otp.check(phone=phone, purpose="login", code=code, ip=client.ip)
    except errors.ServiceError:
        async with transaction():
            await audit.record(
                actor="anonymous", action="login.failed", object_type="account", result="denied", detail={"channel": "phone"}
            )
        raise
    # The code is used up in the transaction that opens the session: if the database fails on
    # the way, the resident can enter the same code again instead of waiting for a new one.
    async with transaction():
        await otp.consume(code_id)
        account = await _account("phone", phone)
        person_id, assurance = account.person_id, account.assurance
        if person_id is None:
            # The code proved this phone: the one person who has it on record (registered by
            # staff, or verified before) is who this channel belongs to, and is told.
            # values_list(flat=True) gives the values; tortoise types them as tuples
            known = cast(list[int], await Person.filter(phone_idx=_bi(phone, "person.phone")).values_list("id", flat=True))
            if len(known) == 1:
                person_id, assurance = known[0], CLAIMED
                await Account.filter(id=account.id).update(
                    person_id=person_id, assurance=assurance, assurance_source="phone_on_record", bound_at=datetime.now(UTC)
                )
                await events.tell(
                    IdentityNotice(
                        person_id=person_id,
                        kind="channel_added",
                        dedupe_key=f"identity:channel:{account.id}:{person_id}",
                        params={"channel": "phone"},
                    )
                )
        await Account.filter(id=account.id).update(last_login_at=datetime.now(UTC))
        await audit.record(
            actor=f"account:{account.id}",
            subject=f"person:{person_id}" if person_id else None,
            action="login.succeeded",
            object_type="account",
            object_id=account.id,
            detail={"channel": "phone"},
        )
        await consent.record(accepted=accepted, account_id=account.id, person_id=person_id, actor=f"account:{account.id}")
        opened = await sessions.create(
            account_id=account.id,
            person_id=person_id,
            transport=transport,
            mfa=False,
            user_agent=client.user_agent,
            ip=client.ip,
            assurance=assurance,
        )
    if person_id is not None:
        await _profile_changed(person_id)
    return opened


def _delay(tries: int) -> int:
    """Seconds the next try from an address must wait after ``tries`` misses in a row there."""
    return 0 if tries < FREE_TRIES else min(FIRST_DELAY * 2 ** min(tries - FREE_TRIES, 20), MAX_DELAY)


async def _record_throttled(*, scope: str, person: Person | None = None, **detail) -> None:
    """Audit the moment a throttle starts (not every refused try, so a flood writes few rows)."""
    await audit.record(
        actor="system",
        subject=f"person:{person.id}" if person else None,
        action="login.throttled",
        object_type="person",
        object_id=person.id if person else None,
        result="denied",
        detail={"channel": "staff_password", "scope": scope, **detail},
    )


async def _spend(key: str, limits: tuple[tuple[int, int], ...], *, scope: str, error: type[LoginThrottled | TooManyRequests]) -> None:
    """Count one try against fixed-window budgets; the first try over a budget is audited."""
    for window, allowed in limits:
        used = await current().broker.incr(f"rl:{key}:{window}", ttl=window)
        if used > allowed:
            if used == allowed + 1:
                async with transaction():
                    await _record_throttled(scope=scope, window=window)
            raise error(retry_after=min(window, 3600))


async def _wait_turn(pair: str) -> None:
    """429 while this phone's tries from this address must wait (or one is still being checked)."""
    broker = current().broker
    if await broker.get(f"staff-turn:{pair}") is not None:
        until = await broker.get(f"staff-until:{pair}")
        raise LoginThrottled(retry_after=max(1, math.ceil(float(until) - time.time())) if until else 1)


async def start_staff_login(*, phone: str, password: str, client: Client) -> None:
    """Staff first factor: password. On success a code goes to the staff member's phone.

    Unknown numbers, residents and disabled accounts get the same answer, after the same scrypt
    work, as a wrong password; the throttles count them alike.
    """
    phone = normalize_phone(phone)
    phone_idx = _bi(phone, "person.phone")
    address = network_of(client.ip)
    pair = f"{phone_idx}:{address}"
    broker = current().broker
    await _wait_turn(pair)
    if await broker.get(f"staff-known:{pair}") is None:
        await otp.limit(f"staff-login-ip:{address}", *ADDRESS_LIMIT)
        await _spend(f"staff-login-phone:{phone_idx}", ACCOUNT_LIMITS, scope="account", error=LoginThrottled)
        await _spend("staff-login-all", GLOBAL_LIMITS, scope="global", error=TooManyRequests)
    # Counted before checking, atomically, and from the last free try on each try must hold the
    # address's turn: parallel guesses get no more tries than patient ones.
    tries = await broker.incr(f"staff-tries:{pair}", ttl=TRIES_MEMORY)
    if tries >= FREE_TRIES and await broker.incr(f"staff-turn:{pair}", ttl=IN_FLIGHT) > 1:
        raise LoginThrottled(retry_after=1)
    # One query whatever the number belongs to, so its timing does not tell either.
    person = await Person.filter(phone_idx=phone_idx, disabled=False, roles__role__in=STAFF_ROLES).first()
    if not await check_password(password, person.password_hash if person else None):
        delay = _delay(tries)
        if delay:
            await broker.set(f"staff-until:{pair}", str(time.time() + delay).encode(), ttl=delay)
            await broker.set(f"staff-turn:{pair}", b"1", ttl=delay)
        async with transaction():
            await audit.record(
                actor="anonymous",
                subject=f"person:{person.id}" if person else None,
                action="login.failed",
                object_type="person",
                result="denied",
                detail={"channel": "staff_password"},
            )
            if tries == FREE_TRIES:
                await _record_throttled(scope="address", person=person, retry_after=delay)
        raise BadCredentials()
    assert person is not None  # check_password refuses a missing hash
    for key in ("staff-tries", "staff-turn", "staff-until"):
        await broker.delete(f"{key}:{pair}")
    await otp.send(phone=phone, purpose="staff", ip=client.ip, actor=f"person:{person.id}")


async def finish_staff_login(*, phone: str, code: str, transport: str, client: Client) -> tuple[str, SessionInfo]:
    """Staff second factor: the SMS code. Opens a session with the staff roles and MFA."""
    phone = normalize_phone(phone)
    await otp.verify(phone=phone, purpose="staff", code=code, ip=client.ip)
    person = await Person.filter(phone_idx=_bi(phone, "person.phone"), disabled=False).first()
    if person is None:
        raise BadCredentials()
    account = await _account("phone", phone)
    # Staff are enrolled by an administrator who knows them, and prove password + phone each time.
    async with transaction():
        await Account.filter(id=account.id).update(
            person_id=person.id,
            last_login_at=datetime.now(UTC),
            assurance=IN_PERSON,
            assurance_source="staff",
            bound_at=account.bound_at or datetime.now(UTC),
        )
        await audit.record(
            actor=f"person:{person.id}",
            subject=f"person:{person.id}",
            action="login.succeeded",
            object_type="account",
            object_id=account.id,
            detail={"channel": "staff_password_sms"},
        )
    # Tries from an address this phone completed a staff login from skip the shared budgets, so
    # a flood from elsewhere cannot keep the clerk out.
    await current().broker.set(f"staff-known:{person.phone_idx}:{network_of(client.ip)}", b"1", ttl=KNOWN_ADDRESS_FOR)
    await _profile_changed(person.id)
    return await sessions.create(
        account_id=account.id,
        person_id=person.id,
        transport=transport,
        mfa=True,
        user_agent=client.user_agent,
        ip=client.ip,
        assurance=IN_PERSON,
    )


# ---- contact details ---------------------------------------------------------------------


async def bind_phone_from_wechat(*, session: SessionInfo, code: str) -> str:
    """getPhoneNumber: a one-time button code gives the verified person's mobile number."""
    if session.person_id is None:
        raise IdentityRequired()
    phone = normalize_phone(await current().wechat.phone_number(code))
    async with transaction():
        await Person.filter(id=session.person_id).update(phone_enc=_enc(phone, "person.phone"), phone_idx=_bi(phone, "person.phone"))
        await audit.record(
            actor=f"person:{session.person_id}",
            subject=f"person:{session.person_id}",
            action="person.phone_bound",
            object_type="person",
            object_id=session.person_id,
            detail={"channel": "wechat_getPhoneNumber"},
        )
    await _profile_changed(session.person_id)
    return phone


# ---- what a person may see of themself ----------------------------------------------------


@dataclass
class Profile:
    person_id: int | None
    verified: bool
    assurance: str
    name_masked: str | None
    id_number_masked: str | None
    phone_masked: str | None
    channels: list[str]
    roles: list[dict[str, str]]


async def personal_details(*, person_id: int | None) -> dict[str, str]:
    """A person's own name, phone and ID number in clear, for filling their own forms."""
    if person_id is None:
        return {}
    person = await Person.get(id=person_id)
    values = {
        "name": _dec(person.name_enc, "person.name"),
        "phone": _dec(person.phone_enc, "person.phone"),
        "id_number": _dec(person.id_number_enc, "person.id_number"),
    }
    return {k: v for k, v in values.items() if v}


PROFILE_TTL = 300


def _profile_key(person_id: int) -> str:
    return f"profile:{person_id}"


async def _profile_changed(person_id: int) -> None:
    """Drop the cached masked profile after the person or their channels change."""
    if current().settings.redis_url is not None:
        try:
            await current().broker.delete(_profile_key(person_id))
        except BrokerUnavailable:  # a copy left behind lives at most PROFILE_TTL
            pass


async def _person_profile(person_id: int) -> dict:
    """The masked view of a person (no clear personal data), cached in Redis when configured."""
    cache = current().settings.redis_url is not None
    if cache:
        try:
            hit = await current().broker.get(_profile_key(person_id))
        except BrokerUnavailable:  # the copy is only a copy: build it from the rows, do not store it
            hit, cache = None, False
        if hit is not None:
            return json.loads(hit)
    person = await Person.get(id=person_id)
    channels = sorted(set(await Account.filter(person_id=person.id).values_list("kind", flat=True)))
    name, id_number, phone = (
        _dec(person.name_enc, "person.name"),
        _dec(person.id_number_enc, "person.id_number"),
        _dec(person.phone_enc, "person.phone"),
    )
    view = {
        "verified": person.verified_at is not None,
        "name_masked": mask_name(name) if name else None,
        "id_number_masked": mask_id_number(id_number) if id_number else None,
        "phone_masked": mask_phone(phone) if phone else None,
        "channels": channels,
    }
    if cache:
        try:
            await current().broker.set(_profile_key(person_id), json.dumps(view).encode(), ttl=PROFILE_TTL)
        except BrokerUnavailable:
            pass
    return view


async def profile(*, session: SessionInfo) -> Profile:
    if session.person_id is not None:
        view = await _person_profile(session.person_id)
        return Profile(
            person_id=session.person_id,
            roles=[{"role": r, "scope": s} for r, s in session.roles],
            assurance=ASSURANCE_NAMES[session.assurance],
            **view,
        )
    account = await Account.get(id=session.account_id)
    phone = _dec(account.subject_enc, "account.phone") if account.kind == "phone" else None
    return Profile(
        person_id=None,
        verified=False,
        assurance=ASSURANCE_NAMES[0],
        name_masked=None,
        id_number_masked=None,
        phone_masked=mask_phone(phone) if phone else None,
        channels=[account.kind],
        roles=[],
    )


@dataclass(frozen=True)
class Contact:
    """Where an outside message can reach a person: their mini-program openid and their mobile."""

    openid: str | None
    phone: str | None


async def contact_points(*, person_ids: list[int]) -> dict[int, Contact]:
    """The openid (most recent WeChat login) and phone of each person, for notification delivery."""
    persons = {p.id: p for p in await Person.filter(id__in=person_ids)}
    openids: dict[int, str] = {}
    for account in await Account.filter(person_id__in=person_ids, kind="wechat_mp").order_by("last_login_at", "id"):
        assert account.person_id is not None  # the filter
        openids[account.person_id] = _dec(account.subject_enc, "account.wechat_mp")  # the latest wins
    return {
        pid: Contact(openid=openids.get(pid), phone=_dec(persons[pid].phone_enc, "person.phone") if pid in persons else None)
        for pid in person_ids
    }
