"""Assisted service decisions (帮办代办): finding and registering villagers, delegations and the one check.

Staff act only within their township (role ``staff`` scoped ``township:DIVISIONCODE``, or admin);
every read of a villager's data is audited with its reason.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from auth.models import Person
from auth.sessions import SessionInfo
from backend.applications.flows import STATUS_TEXT
from backend.applications.models import Application
from backend.assisted.flows import DELEGATION
from backend.assisted.models import Delegation
from backend.kit import acting, audit, errors
from backend.kit.acting import NoDelegation
from backend.kit.images import ImageRejected, Processed, process
from backend.kit.models import AuditEntry
from backend.kit.pii import mask_name, mask_phone
from backend.kit.resources import current
from backend.kit.storage import LocalStorage
from backend.kit.transactions import after_commit, transaction
from backend.kit.workflow import Principal, transition
from backend.materials.service import ImageTooLarge, ImageUnreadable, UnsupportedImage, _pipeline

log = logging.getLogger("yiwang.assisted")
CODE_PURPOSE = "assisted.delegation_code"
CODE_TEMPLATE = "delegation_code"  # the key of settings.sms_templates
MAX_WRONG_TRIES = 5
MAX_DAYS = 366  # a delegation lasts at most one year


class NotFound(errors.NotFound, code="assist.not_found"):
    zh = "未找到此人|没有登记过这个身份证号码的人，可以为其登记。"
    en = "Not found|Nobody with this ID number is registered yet; you may register them."


class AlreadyRegistered(errors.Conflict, code="assist.already_registered"):
    zh = "此人已登记|这个身份证号码已经登记过，请直接查找。"
    en = "Already registered|This ID number is already registered; look the person up instead."


class NoTownship(errors.Forbidden, code="assist.no_township"):
    zh = "没有乡镇代办权限|只有乡镇代办员可以为群众代办。"
    en = "No township scope|Only township staff may act for a villager."


class TownshipRequired(errors.Invalid, code="assist.township_required"):
    zh = "请选择乡镇|您负责多个乡镇（或是管理员），请写明这份授权属于哪个乡镇（街道）。"
    en = "Township needed|You serve several townships (or are an administrator): say which township this delegation is for."


class DelegationNotFound(errors.NotFound, code="assist.delegation_not_found"):
    zh = "未找到授权|没有这条授权委托，或不属于您的乡镇。"
    en = "Delegation not found|No such delegation in your township."


class BadPeriod(errors.Invalid, code="assist.bad_period"):
    zh = "授权期限不正确|结束日期应不早于开始日期，且授权期限最长一年。"
    en = "Invalid period|The end may not be before the start, and a delegation lasts at most one year."


class NoPhone(errors.Conflict, code="assist.no_phone"):
    zh = "没有登记手机号|此人没有登记本人手机号，请改用上传签字的授权委托书。"
    en = "No phone on record|This person has no phone on record; upload the signed delegation form instead."


class WrongCode(errors.Invalid, code="assist.wrong_code"):
    zh = "验证码不正确|短信验证码不正确，请核对后重新输入。"
    en = "Wrong code|The SMS code is not correct."


class CodeLocked(errors.Conflict, code="assist.code_locked"):
    zh = "验证码已失效|验证码输错次数过多或已失效，请重新发送。"
    en = "Code no longer valid|Too many wrong tries or no code sent; send a new one."


def _keyring():
    return current().keyring


def townships(session: SessionInfo) -> list[str] | None:
    """The township division codes a session's staff serve; None for an admin (everywhere)."""
    if session.has_role("admin", ""):
        return None
    return [scope.split(":", 1)[1] for role, scope in session.roles if role == "staff" and scope.startswith("township:")]


def _require_township(session: SessionInfo, township: str | None = None) -> str:
    """The township the session acts in: the one asked for, or its only one. NoTownship for one not served;
    TownshipRequired when an admin or staff of several townships did not say which (never a guess)."""
    mine = townships(session)
    if township:
        if mine is not None and township not in mine:
            raise NoTownship()
        return township
    if mine is None or len(mine) > 1:
        raise TownshipRequired()
    if not mine:
        raise NoTownship()
    return mine[0]


def mask_id_number(value: str) -> str:
    """3604xx19xxxxxx0071 → 3604**********0071: the prefecture and the last four, for staff at a desk."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def _require_staff(session: SessionInfo) -> None:
    """Township staff or an admin (who may look up and register anywhere)."""
    if townships(session) == []:
        raise NoTownship()


def villager_out(person: Person) -> dict[str, object]:
    """A villager as staff see them: masked."""
    keyring = _keyring()
    name = keyring.decrypt(person.name_enc, purpose="person.name") if person.name_enc else ""
    id_number = keyring.decrypt(person.id_number_enc, purpose="person.id_number") if person.id_number_enc else ""
    phone = keyring.decrypt(person.phone_enc, purpose="person.phone") if person.phone_enc else ""
    return {
        "id": person.id,
        "name": mask_name(name),
        "id_number": mask_id_number(id_number),
        "phone": mask_phone(phone) if phone else "",
    }


async def lookup(*, session: SessionInfo, id_number: str, reason: str) -> Person:
    """Find a villager by the exact ID number (blind index), audited with the reason."""
    _require_staff(session)
    person = await Person.get_or_none(id_number_idx=_keyring().blind_index(id_number, purpose="person.id_number"))
    await audit.record(
        actor=session.official.actor,
        action="assist.lookup",
        object_type="person",
        object_id=person.id if person else None,
        subject=f"person:{person.id}" if person else None,
        result="ok" if person else "not_found",
        detail={"reason": reason[:200]},
    )
    if person is None:
        raise NotFound()
    return person


async def register(*, session: SessionInfo, name: str, id_number: str, phone: str | None) -> Person:
    """Register a villager without a smartphone (claimed by staff); one person per ID number, whatever the race."""
    _require_staff(session)
    keyring = _keyring()
    id_idx = keyring.blind_index(id_number, purpose="person.id_number")
    if await Person.exists(id_number_idx=id_idx):
        raise AlreadyRegistered()
    name = name.strip()
    try:
        async with transaction():
            person = await Person.create(
                name_enc=keyring.encrypt(name, purpose="person.name"),
                name_idx=keyring.blind_index(name, purpose="person.name"),
                phone_enc=keyring.encrypt(phone, purpose="person.phone") if phone else None,
                phone_idx=keyring.blind_index(phone, purpose="person.phone") if phone else None,
                id_number_enc=keyring.encrypt(id_number, purpose="person.id_number"),
                id_number_idx=id_idx,
            )
            await audit.record(
                actor=session.official.actor,
                action="person.registered_by_staff",
                object_type="person",
                object_id=person.id,
                subject=f"person:{person.id}",
                detail={"assurance": "claimed_by_staff"},
            )
    except IntegrityError:
        raise AlreadyRegistered() from None
    return person


async def create(
    *, session: SessionInfo, person_id: int, errands: list[str], starts: date, ends: date, evidence: str, township: str | None
) -> Delegation:
    """A delegation waiting for its evidence (待确认授权)."""
    where = _require_township(session, township)
    if ends < starts or (ends - starts) > timedelta(days=MAX_DAYS):
        raise BadPeriod()
    if not await Person.exists(id=person_id):
        raise NotFound()
    async with transaction():
        delegation = await Delegation.create(
            person_id=person_id,
            staff_id=session.person_id,
            township=where,
            errands=errands,
            starts=starts,
            ends=ends,
            evidence_kind=evidence,
            **DELEGATION.fields_for_create(),
        )
        await audit.record(
            actor=session.official.actor,
            action="delegation.created",
            object_type="delegation",
            object_id=delegation.id,
            subject=f"person:{person_id}",
            detail={"township": where, "errands": ",".join(errands)[:200], "evidence": evidence},
        )
    return delegation


async def _for_staff(session: SessionInfo, delegation_id: int) -> Delegation:
    delegation = await Delegation.get_or_none(id=delegation_id)
    mine = townships(session)
    if delegation is None or (mine is not None and delegation.township not in mine):
        raise DelegationNotFound()
    return await _expire_if_due(delegation)


async def _expire_if_due(delegation: Delegation, today: date | None = None) -> Delegation:
    """Expiry is taken lazily: the first look after the end date moves the delegation to expired."""
    if delegation.status in DELEGATION.allowed_in("expire") and delegation.ends < (today or date.today()):
        return await transition(DELEGATION, delegation, action="expire", by=Principal(actor="system"), note="授权期限已过")
    return delegation


def _staff_principal(session: SessionInfo, delegation: Delegation) -> Principal:
    return Principal(
        actor=session.official.actor, on_behalf_of=f"person:{delegation.person_id}", authorisation=f"delegation:{delegation.id}"
    )


async def attach_photo(*, session: SessionInfo, delegation_id: int, photo: BinaryIO) -> Delegation:
    """The photo of the signed 授权委托书 through the photo pipeline: the delegation becomes active."""
    delegation = await _for_staff(session, delegation_id)
    DELEGATION.require(delegation, "attach_photo")
    async with _pipeline():
        try:
            result: Processed = await asyncio.to_thread(process, photo)
        except ImageRejected as exc:
            raise {"unsupported_type": UnsupportedImage, "too_many_pixels": ImageTooLarge}.get(exc.code, ImageUnreadable)() from None
    key = f"{result.sha256}.jpg"
    await evidence_storage().put(key, result.data)
    return await transition(
        DELEGATION,
        delegation,
        action="attach_photo",
        by=_staff_principal(session, delegation),
        changes={"photo_key": key, "evidence_kind": "photo"},
    )


def evidence_storage() -> LocalStorage:
    """Photos of signed delegation forms, apart from materials and proofs."""
    return LocalStorage(current().settings.media_dir / "delegations")


async def send_code(*, session: SessionInfo, delegation_id: int) -> Delegation:
    """Text a fresh 6-digit code to the villager's own phone on record (sent after the commit)."""
    delegation = await _for_staff(session, delegation_id)
    DELEGATION.require(delegation, "confirm_code")
    person = await Person.get(id=delegation.person_id)
    if not person.phone_enc:
        raise NoPhone()
    keyring = _keyring()
    phone = keyring.decrypt(person.phone_enc, purpose="person.phone")
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with transaction():
        await Delegation.filter(id=delegation.id).update(
            code_hash=keyring.blind_index(code, purpose=CODE_PURPOSE), wrong_tries=0, evidence_kind="sms"
        )
        await audit.record(
            actor=session.official.actor,
            action="delegation.code_sent",
            object_type="delegation",
            object_id=delegation.id,
            subject=f"person:{delegation.person_id}",
        )

        async def send() -> None:
            try:
                await current().providers.sms.send(phone=phone, template=CODE_TEMPLATE, params={"code": code})
            except Exception:  # the delegation stays pending: staff send a new code
                log.warning("delegation code SMS failed", extra={"delegation_id": delegation.id})

        after_commit(send)
    await delegation.refresh_from_db()
    return delegation


async def confirm_code(*, session: SessionInfo, delegation_id: int, code: str) -> Delegation:
    """The villager's code read out to staff: right → active; wrong five times → a new code is needed."""
    delegation = await _for_staff(session, delegation_id)
    DELEGATION.require(delegation, "confirm_code")
    if not delegation.code_hash or delegation.wrong_tries >= MAX_WRONG_TRIES:
        raise CodeLocked()
    if not hmac.compare_digest(delegation.code_hash, _keyring().blind_index(code, purpose=CODE_PURPOSE)):
        await Delegation.filter(id=delegation.id).update(wrong_tries=F("wrong_tries") + 1)
        if delegation.wrong_tries + 1 >= MAX_WRONG_TRIES:
            raise CodeLocked()
        raise WrongCode()
    return await transition(DELEGATION, delegation, action="confirm_code", by=_staff_principal(session, delegation))


async def withdraw_by_staff(*, session: SessionInfo, delegation_id: int) -> Delegation:
    delegation = await _for_staff(session, delegation_id)
    return await transition(DELEGATION, delegation, action="withdraw", by=_staff_principal(session, delegation), note="代办员撤回")


async def withdraw_by_villager(*, session: SessionInfo, delegation_id: int) -> Delegation:
    delegation = await Delegation.get_or_none(id=delegation_id, person_id=session.person_id)
    if delegation is None:
        raise DelegationNotFound()
    delegation = await _expire_if_due(delegation)
    return await transition(DELEGATION, delegation, action="withdraw", by=session.principal, note="本人撤回")


async def for_township(*, session: SessionInfo, person_id: int) -> list[Delegation]:
    mine = townships(session)
    if mine is not None and not mine:
        raise NoTownship()
    rows = Delegation.filter(person_id=person_id)
    if mine is not None:
        rows = rows.filter(township__in=mine)
    return [await _expire_if_due(d) for d in await rows.order_by("-id")]


async def mine(*, session: SessionInfo) -> list[Delegation]:
    return [await _expire_if_due(d) for d in await Delegation.filter(person_id=session.person_id).order_by("-id")]


async def active_delegation(staff_session: SessionInfo, person_id: int, service_code: str, *, today: date | None = None) -> Delegation:
    """The one check future routes use: an active, in-date delegation of the staff's township covering the errand."""
    mine = townships(staff_session)
    rows = Delegation.filter(person_id=person_id, status="active")
    if mine is not None:
        rows = rows.filter(township__in=mine)
    today = today or date.today()
    for delegation in await rows.order_by("-id"):
        delegation = await _expire_if_due(delegation, today)
        if delegation.status != "active" or delegation.starts > today:
            continue
        if "*" in delegation.errands or service_code in delegation.errands:
            return delegation
    raise NoDelegation()


async def resolve_header(staff_session: SessionInfo, delegation_id: int, *, today: date | None = None) -> acting.Grant:
    """The ``Yiwang-Delegation`` header's check (registered with ``backend.kit.acting``): the delegation
    must be active, in date (taking a due expiry first) and of one of the staff's townships (an admin: any)."""
    delegation = await Delegation.get_or_none(id=delegation_id)
    mine = townships(staff_session)
    if delegation is None or (mine is not None and delegation.township not in mine):
        raise NoDelegation()
    today = today or date.today()
    delegation = await _expire_if_due(delegation, today)
    if delegation.status != "active" or not (delegation.starts <= today <= delegation.ends):
        raise NoDelegation()
    return acting.Grant(person_id=delegation.person_id, delegation_id=delegation.id, errands=tuple(delegation.errands))


acting.register(resolve_header)


# ---- staff reads of a villager (audited with a reason) ----------------------------------------

FOUND_RECENTLY = timedelta(hours=24)
SEEN_STATUSES = ("pending", "active")  # a delegation being signed, or in force


async def _delegations_here(session: SessionInfo, person_id: int) -> list[Delegation]:
    """The villager's pending or active delegations held by the staff's township(s) (an admin: any)."""
    mine = townships(session)
    rows = Delegation.filter(person_id=person_id, status__in=SEEN_STATUSES)
    if mine is not None:
        rows = rows.filter(township__in=mine)
    return [d for d in [await _expire_if_due(d) for d in await rows.order_by("-id")] if d.status in SEEN_STATUSES]


async def _found_by(session: SessionInfo, person_id: int) -> bool:
    """Whether this staff member found the person by the exact ID number, or registered them, in the last day."""
    return await AuditEntry.filter(
        object_type="person",
        object_id=str(person_id),
        actor=session.official.actor,
        action__in=("assist.lookup", "person.registered_by_staff"),
        result="ok",
        at__gte=datetime.now(UTC) - FOUND_RECENTLY,
    ).exists()


async def read_villager(*, session: SessionInfo, person_id: int, reason: str) -> tuple[Person, list[Delegation]]:
    """A villager as staff see them (masked) with the delegations of the staff's township; the read is audited.

    Staff see a person whose delegation their township holds (pending or active), or whom they found by
    the exact ID number or registered within the last day; any other id is 404 like a missing one, so
    person ids cannot be walked.
    """
    _require_staff(session)
    person = await Person.get_or_none(id=person_id)
    ok = person is not None and (
        townships(session) is None or bool(await _delegations_here(session, person_id)) or await _found_by(session, person_id)
    )
    async with transaction():
        await audit.record(
            actor=session.official.actor,
            action="assist.read",
            object_type="person",
            object_id=person_id,
            subject=f"person:{person_id}" if person is not None else None,
            result="ok" if ok else "not_found",
            detail={"reason": reason[:200]},
        )
    if person is None or not ok:
        raise NotFound()
    return person, await for_township(session=session, person_id=person_id)


async def reveal(*, session: SessionInfo, person_id: int, reason: str) -> str:
    """The full ID number, only for staff of a township holding the villager's delegation (or an admin); audited."""
    _require_staff(session)
    person = await Person.get_or_none(id=person_id)
    here = townships(session) is None or bool(await _delegations_here(session, person_id))
    ok = person is not None and bool(person.id_number_enc) and here
    async with transaction():
        await audit.record(
            actor=session.official.actor,
            action="assist.reveal",
            object_type="person",
            object_id=person_id,
            subject=f"person:{person_id}" if person is not None else None,
            result="ok" if ok else "not_found",
            detail={"reason": reason[:200]},
        )
    if person is None or not ok or person.id_number_enc is None:
        raise NotFound()
    return _keyring().decrypt(person.id_number_enc, purpose="person.id_number")


# ---- the township worker's dashboard ---------------------------------------------------------

ENDED = ("rejected", "collected", "delivered", "withdrawn")  # a case in any other status still needs someone
DUE_SOON = timedelta(days=3)
RUNNING = ("submitted", "accepted")  # the statuses the promised deadline runs in (it pauses while 待补正)


async def dashboard(*, session: SessionInfo, today: date | None = None) -> dict[str, object]:
    """Open cases of the villagers whose active delegation the staff's township holds (within its errands):
    all open ones, those waiting for a correction (待补正), and those whose deadline is within 3 days."""
    mine = townships(session)
    if mine == []:
        raise NoTownship()
    today = today or date.today()
    rows = Delegation.filter(status="active", starts__lte=today, ends__gte=today)
    if mine is not None:
        rows = rows.filter(township__in=mine)
    latest: dict[int, Delegation] = {}
    for delegation in await rows.order_by("id"):
        latest[delegation.person_id] = delegation  # the newest one per villager speaks for them
    async with transaction():
        await audit.record(
            actor=session.official.actor,
            action="assist.dashboard",
            object_type="delegation",
            detail={"villagers": len(latest), "townships": ",".join(mine) if mine is not None else "*"},
        )
    if not latest:
        return {"open": [], "corrections": [], "due_soon": [], "counts": {"open": 0, "corrections": 0, "due_soon": 0}}
    cases = await Application.filter(person_id__in=list(latest)).exclude(status__in=ENDED).order_by("due_date", "id").limit(500)
    covered = [c for c in cases if "*" in latest[c.person_id].errands or c.service_code in latest[c.person_id].errands]
    names = {p.id: p for p in await Person.filter(id__in=sorted({c.person_id for c in covered}))}
    keyring = _keyring()

    def item(case: Application) -> dict[str, object]:
        person = names.get(case.person_id)
        name = keyring.decrypt(person.name_enc, purpose="person.name") if person and person.name_enc else ""
        return {
            "application_id": case.id,
            "tracking_no": case.tracking_no,
            "service_name": case.service_name,
            "status": case.status,
            "status_label": STATUS_TEXT.get(case.status, case.status),
            "villager": {"id": case.person_id, "name": mask_name(name)},
            "delegation_id": latest[case.person_id].id,
            "due_date": case.due_date,
        }

    soon = today + DUE_SOON
    open_items = [item(c) for c in covered]
    corrections = [i for i, c in zip(open_items, covered, strict=True) if c.status == "correction_requested"]
    due_soon = [
        i for i, c in zip(open_items, covered, strict=True) if c.status in RUNNING and c.due_date is not None and c.due_date <= soon
    ]
    return {
        "open": open_items,
        "corrections": corrections,
        "due_soon": due_soon,
        "counts": {"open": len(open_items), "corrections": len(corrections), "due_soon": len(due_soon)},
    }
