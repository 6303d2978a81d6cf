"""Identity decisions (统一身份认证): channels, real-name binding, persons and roles."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.kit import audit, errors
from backend.kit.pii import mask_id_number, mask_name, mask_phone
from backend.kit.resources import current
from backend.kit.transactions import transaction

from auth import events, otp, sessions
from auth.events import IdentityNotice
from auth.errors import (
    AccountLocked,
    BadCredentials,
    IdentityRequired,
    NotAuthenticated,
)
from auth.models import ASSURANCE_NAMES, CLAIMED, ROLES, STAFF_ROLES, Account, Person, RoleGrant
from auth.passwords import check_password, hash_password
from auth.sessions import SessionInfo

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_SCOPE = re.compile(r"^(|(hall|township|department|carrier):[A-Za-z0-9_-]{1,48})$")
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)


class InvalidPhone(errors.ServiceError):
    code = "auth.invalid_phone"
    status = 422
    title_zh = "手机号码格式不正确"
    title_en = "Invalid mobile number"
    detail_zh = "请输入 11 位中国大陆手机号码。"
    detail_en = "Enter an 11-digit mainland China mobile number."


class InvalidRole(errors.ServiceError):
    code = "auth.invalid_role"
    status = 422
    title_zh = "角色或范围不正确"
    title_en = "Invalid role or scope"
    detail_zh = "角色应为 {roles} 之一，范围形如 hall:1。"
    detail_en = "The role must be one of {roles}; a scope looks like hall:1."


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


def _dec(token: str | None, purpose: str) -> str | None:
    return None if token is None else current().keyring.decrypt(token, purpose=purpose)


# ---- persons and roles -------------------------------------------------------------------


async def find_by_phone(*, phone: str) -> Person | None:
    return await Person.filter(phone_idx=_bi(normalize_phone(phone), "person.phone")).first()


async def create_person(*, name: str, phone: str, actor: str, password: str | None = None) -> Person:
    """Register a person by name and mobile number (real-name verification comes later)."""
    phone = normalize_phone(phone)
    name = name.strip()
    async with transaction():
        person = await Person.create(
            name_enc=_enc(name, "person.name"), name_idx=_bi(name, "person.name"),
            phone_enc=_enc(phone, "person.phone"), phone_idx=_bi(phone, "person.phone"),
            password_hash=hash_password(password) if password else None,
        )
        await audit.record(actor=actor, action="person.created", object_type="person", object_id=person.id, subject=f"person:{person.id}")
    return person


async def set_password(*, person: Person, password: str, actor: str) -> None:
    async with transaction():
        await Person.filter(id=person.id).update(password_hash=hash_password(password), failed_logins=0, locked_until=None)
        await audit.record(actor=actor, action="person.password_set", object_type="person", object_id=person.id, subject=f"person:{person.id}")


async def grant_role(*, person: Person, role: str, scope: str = "", actor: str) -> RoleGrant:
    """Give a person a role (授权); granting the same role and scope twice is a no-op."""
    if role not in ROLES or not _SCOPE.match(scope):
        raise InvalidRole(roles="/".join(ROLES))
    async with transaction():
        grant, created = await RoleGrant.get_or_create(person=person, role=role, scope=scope, defaults={"granted_by": actor})
        if created:
            await audit.record(
                actor=actor, action="role.granted", object_type="role_grant", object_id=grant.id,
                subject=f"person:{person.id}", detail={"role": role, "scope": scope},
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
                await audit.record(actor=f"account:{account.id}", action="account.created", object_type="account", object_id=account.id, detail={"kind": kind})
    return account


async def login_with_wechat(*, code: str, client: Client) -> tuple[str, SessionInfo]:
    """Mini-program login: wx.login() code → code2Session → session (Bearer token)."""
    wx = await current().wechat.code_to_session(code)
    account = await _account("wechat_mp", wx.openid)
    updates: dict = {"session_key_enc": _enc(wx.session_key, "account.session_key"), "last_login_at": datetime.now(UTC)}
    if wx.unionid:
        updates["unionid_idx"] = _bi(wx.unionid, "account.unionid")
    async with transaction():
        await Account.filter(id=account.id).update(**updates)
        await audit.record(actor=f"account:{account.id}", subject=f"person:{account.person_id}" if account.person_id else None,
                           action="login.succeeded", object_type="account", object_id=account.id, detail={"channel": "wechat_mp"})
    return await sessions.create(account_id=account.id, person_id=account.person_id, transport="bearer", mfa=False,
                                 user_agent=client.user_agent, ip=client.ip, assurance=account.assurance)


async def send_login_code(*, phone: str, client: Client) -> None:
    phone = normalize_phone(phone)
    await otp.send(phone=phone, purpose="login", ip=client.ip, actor="anonymous")


async def login_with_sms(*, phone: str, code: str, transport: str, client: Client) -> tuple[str, SessionInfo]:
    """PWA login with a phone number and the SMS code sent to it."""
    phone = normalize_phone(phone)
    try:
        await otp.verify(phone=phone, purpose="login", code=code, ip=client.ip)
    except errors.ServiceError:
        async with transaction():
            await audit.record(actor="anonymous", action="login.failed", object_type="account", result="denied", detail={"channel": "phone"})
        raise
    account = await _account("phone", phone)
    person_id, assurance = account.person_id, account.assurance
    async with transaction():
        if person_id is None:
            # The code proved this phone: the one person who has it on record (registered by
            # staff, or verified before) is who this channel belongs to, and is told.
            known = await Person.filter(phone_idx=_bi(phone, "person.phone")).values_list("id", flat=True)
            if len(known) == 1:
                person_id, assurance = known[0], CLAIMED
                await Account.filter(id=account.id).update(person_id=person_id, assurance=assurance, assurance_source="phone_on_record",
                                                           bound_at=datetime.now(UTC))
                await events.tell(IdentityNotice(person_id=person_id, kind="channel_added", dedupe_key=f"identity:channel:{account.id}:{person_id}",
                                                 params={"channel": "phone"}))
        await Account.filter(id=account.id).update(last_login_at=datetime.now(UTC))
        await audit.record(actor=f"account:{account.id}", subject=f"person:{person_id}" if person_id else None,
                           action="login.succeeded", object_type="account", object_id=account.id, detail={"channel": "phone"})
    if person_id is not None:
        await _profile_changed(person_id)
    return await sessions.create(account_id=account.id, person_id=person_id, transport=transport, mfa=False,
                                 user_agent=client.user_agent, ip=client.ip, assurance=assurance)


async def start_staff_login(*, phone: str, password: str, client: Client) -> None:
    """Staff first factor: password. On success a code goes to the staff member's phone."""
    phone = normalize_phone(phone)
    await otp.limit(f"staff-login-ip:{client.ip}", 3600, 100)
    person = await Person.filter(phone_idx=_bi(phone, "person.phone")).first()
    now = datetime.now(UTC)
    if person is not None and person.locked_until and person.locked_until > now:
        raise AccountLocked(minutes=max(1, int((person.locked_until - now).total_seconds() // 60) + 1))
    staff = person is not None and not person.disabled and await RoleGrant.filter(person_id=person.id, role__in=STAFF_ROLES).exists()
    if not check_password(password, person.password_hash if staff else None):
        async with transaction():
            if person is not None:
                failures = person.failed_logins + 1
                await Person.filter(id=person.id).update(
                    failed_logins=failures, locked_until=now + LOCK_FOR if failures >= LOCK_AFTER else person.locked_until
                )
                if failures >= LOCK_AFTER:
                    await audit.record(actor="system", subject=f"person:{person.id}", action="person.locked", object_type="person", object_id=person.id)
            await audit.record(actor="anonymous", subject=f"person:{person.id}" if person else None, action="login.failed",
                               object_type="person", result="denied", detail={"channel": "staff_password"})
        raise BadCredentials()
    await Person.filter(id=person.id).update(failed_logins=0, locked_until=None)
    await otp.send(phone=phone, purpose="staff", ip=client.ip, actor=f"person:{person.id}")


async def finish_staff_login(*, phone: str, code: str, transport: str, client: Client) -> tuple[str, SessionInfo]:
    """Staff second factor: the SMS code. Opens a session with the staff roles and MFA."""
    phone = normalize_phone(phone)
    await otp.verify(phone=phone, purpose="staff", code=code, ip=client.ip)
    person = await Person.filter(phone_idx=_bi(phone, "person.phone"), disabled=False).first()
    if person is None:
        raise BadCredentials()
    account = await _account("phone", phone)
    async with transaction():
        await Account.filter(id=account.id).update(person_id=person.id, last_login_at=datetime.now(UTC))
        await audit.record(actor=f"person:{person.id}", subject=f"person:{person.id}", action="login.succeeded",
                           object_type="account", object_id=account.id, detail={"channel": "staff_password_sms"})
    await _profile_changed(person.id)
    return await sessions.create(account_id=account.id, person_id=person.id, transport=transport, mfa=True,
                                 user_agent=client.user_agent, ip=client.ip)


# ---- contact details ---------------------------------------------------------------------


async def bind_phone_from_wechat(*, session: SessionInfo, code: str) -> str:
    """getPhoneNumber: a one-time button code gives the verified person's mobile number."""
    if session.person_id is None:
        raise IdentityRequired()
    phone = normalize_phone(await current().wechat.phone_number(code))
    async with transaction():
        await Person.filter(id=session.person_id).update(phone_enc=_enc(phone, "person.phone"), phone_idx=_bi(phone, "person.phone"))
        await audit.record(actor=f"person:{session.person_id}", subject=f"person:{session.person_id}", action="person.phone_bound",
                           object_type="person", object_id=session.person_id, detail={"channel": "wechat_getPhoneNumber"})
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
        await current().broker.delete(_profile_key(person_id))


async def _person_profile(person_id: int) -> dict:
    """The masked view of a person (no clear personal data), cached in Redis when configured."""
    cache = current().settings.redis_url is not None
    if cache and (hit := await current().broker.get(_profile_key(person_id))) is not None:
        return json.loads(hit)
    person = await Person.get(id=person_id)
    channels = sorted(set(await Account.filter(person_id=person.id).values_list("kind", flat=True)))
    name, id_number, phone = _dec(person.name_enc, "person.name"), _dec(person.id_number_enc, "person.id_number"), _dec(person.phone_enc, "person.phone")
    view = {
        "verified": person.verified_at is not None,
        "name_masked": mask_name(name) if name else None,
        "id_number_masked": mask_id_number(id_number) if id_number else None,
        "phone_masked": mask_phone(phone) if phone else None,
        "channels": channels,
    }
    if cache:
        await current().broker.set(_profile_key(person_id), json.dumps(view).encode(), ttl=PROFILE_TTL)
    return view


async def profile(*, session: SessionInfo) -> Profile:
    if session.person_id is not None:
        view = await _person_profile(session.person_id)
        return Profile(person_id=session.person_id, roles=[{"role": r, "scope": s} for r, s in session.roles],
                       assurance=ASSURANCE_NAMES[session.assurance], **view)
    account = await Account.get(id=session.account_id)
    phone = _dec(account.subject_enc, "account.phone") if account.kind == "phone" else None
    return Profile(person_id=None, verified=False, assurance=ASSURANCE_NAMES[0], name_masked=None, id_number_masked=None,
                   phone_masked=mask_phone(phone) if phone else None, channels=[account.kind], roles=[])


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
        openids[account.person_id] = _dec(account.subject_enc, "account.wechat_mp")  # the latest wins
    return {
        pid: Contact(openid=openids.get(pid), phone=_dec(persons[pid].phone_enc, "person.phone") if pid in persons else None)
        for pid in person_ids
    }
