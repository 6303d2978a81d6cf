"""Real-name binding (一号申请) with assurance levels: knowing a name and ID number opens nothing.

A login channel (`Account`) is bound to a person with the proof it brought: a claim (name + ID
number, checked for form only), a real-name source (the carrier three-factor check for the phone
the resident logged in with), or a clerk who saw the ID card. The first channel to bring an ID
number owns it. A later channel joins that person only with proof at least as strong as every
channel the person already has (and never on a claim alone), or with a confirmation through a
channel the person already has: a code texted to the phone on record, or the person's approval in
their own session. Until then it gets a person of its own, with the number kept only as a claim,
and sees nothing of the owner. The answer to the claimant is the same either way, so the endpoint
tells nobody whether a number is registered or which name goes with it; the owner is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.exceptions import IntegrityError

from auth import consent, events, otp, sessions
from auth.errors import CodeInvalid, IdentityMismatch, NotAuthenticated
from auth.events import IdentityNotice
from auth.idnumber import normalize as normalize_id_number
from auth.models import CLAIMED, REAL_NAME, Account, JoinRequest, Person
from auth.service import _bi, _dec, _enc, _profile_changed
from auth.sessions import SessionInfo
from backend.kit import audit, errors
from backend.kit.netaddr import network_of
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import IllegalTransition, Principal, Step, StepContext, Workflow, transition

# (window seconds, allowed): per channel, per client address (IPv6 per /64), per ID number.
BIND_PER_ACCOUNT = (3600, 10)
BIND_PER_ADDRESS = (3600, 30)
BIND_PER_ID_NUMBER = (86400, 10)
JOIN_LIFETIME = timedelta(days=3)


class JoinRequestNotFound(errors.NotFound, code="auth.join_request_not_found"):
    zh = "找不到该申请|没有待处理的加入申请，或申请已过期。"
    en = "Join request not found|There is no pending join request, or it has expired."


class ChannelNotFound(errors.NotFound, code="auth.channel_not_found"):
    zh = "找不到该登录方式|您的账号下没有这个登录方式。"
    en = "Channel not found|Your account has no such login channel."


class CurrentChannel(errors.Conflict, code="auth.current_channel"):
    zh = "不能移除正在使用的登录方式|您正在用这个方式登录，请换一个登录方式后再移除它。"
    en = "Cannot remove the channel in use|You are logged in through this channel; use another one to remove it."


async def _limits(*, account_id: int, ip: str, id_idx: str) -> None:
    await otp.limit(f"bind-account:{account_id}", *BIND_PER_ACCOUNT)
    await otp.limit(f"bind-ip:{network_of(ip)}", *BIND_PER_ADDRESS)
    await otp.limit(f"bind-id:{id_idx[:32]}", *BIND_PER_ID_NUMBER)


async def _proof(account: Account, *, name: str, id_number: str) -> tuple[int, str]:
    """The assurance this channel brings for (name, ID number): a real-name source, else a claim."""
    if account.kind == "phone":
        phone = _dec(account.subject_enc, "account.phone")
        verdict = await current().realname.check_phone(phone=phone, name=name, id_number=id_number)
        if verdict is not None and verdict.result == "match":
            return REAL_NAME, verdict.source
    # A mismatch (a relative's phone, say) or no source: the binding stays a claim.
    return CLAIMED, "claim"


async def person_level(person_id: int) -> int:
    """The strongest proof any channel of this person brought."""
    # values_list(flat=True) gives the values; tortoise types them as tuples
    levels = cast(list[int], await Account.filter(person_id=person_id).values_list("assurance", flat=True))
    return max(levels, default=0)


async def _bind(account: Account, person: Person, *, level: int, source: str) -> None:
    await Account.filter(id=account.id).update(person_id=person.id, assurance=level, assurance_source=source, bound_at=datetime.now(UTC))


async def bind_identity(*, session: SessionInfo, name: str, id_number: str, accepted: Sequence[tuple[str, str]], ip: str) -> Person:
    """Bind this channel to a person for (name, ID number); see the module docstring for the rules.

    ``accepted`` must hold the current id_number document: the separate consent to processing it.
    """
    if session.account_id is None:
        raise NotAuthenticated()
    consent.check_current(accepted, needs=("id_number",))
    id_number = normalize_id_number(id_number)
    name = name.strip()
    id_idx, name_idx = _bi(id_number, "person.id_number"), _bi(name, "person.name")
    await _limits(account_id=session.account_id, ip=ip, id_idx=id_idx)
    account = await Account.get(id=session.account_id)
    mine = await Person.get_or_none(id=account.person_id) if account.person_id else None
    if mine is not None and mine.claim_idx is not None and mine.claim_idx != id_idx:
        raise IdentityMismatch()
    level, source = await _proof(account, name=name, id_number=id_number)
    actor = f"account:{account.id}"
    async with transaction():
        person = await _owner_or_claim(
            account, mine, name=name, name_idx=name_idx, id_number=id_number, id_idx=id_idx, level=level, source=source, actor=actor
        )
        if account.person_id == person.id and account.assurance >= level:
            level = account.assurance  # proving again never lowers a binding
        else:
            await _bind(account, person, level=level, source=source)
        await audit.record(
            actor=actor,
            subject=f"person:{person.id}",
            action="identity.bound",
            object_type="account",
            object_id=account.id,
            detail={"channel": account.kind, "assurance": level, "source": source},
        )
        await consent.record(accepted=accepted, account_id=account.id, person_id=person.id, actor=actor)
    await sessions.refresh_person(account_id=account.id, person_id=person.id, assurance=level)
    await _profile_changed(person.id)
    return await Person.get(id=person.id)


async def _owner_or_claim(
    account: Account, mine: Person | None, *, name: str, name_idx: str, id_number: str, id_idx: str, level: int, source: str, actor: str
) -> Person:
    """The person this channel binds to: the number's owner when the proof is enough, else its own."""
    owner = await Person.get_or_none(id_number_idx=id_idx)
    if owner is None:
        try:
            async with transaction():  # a savepoint: a racing first claim loses here, not with a 500
                return await _own_number(
                    mine,
                    name=name,
                    name_idx=name_idx,
                    id_number=id_number,
                    id_idx=id_idx,
                    phone=_dec(account.subject_enc, "account.phone") if account.kind == "phone" else None,
                    actor=actor,
                )
        except IntegrityError:
            owner = await Person.get(id_number_idx=id_idx)
    if mine is not None and mine.id == owner.id:
        return owner
    if level >= REAL_NAME and owner.name_idx == name_idx and level >= await person_level(owner.id):
        await events.tell(
            IdentityNotice(
                person_id=owner.id,
                kind="channel_added",
                dedupe_key=f"identity:channel:{account.id}:{owner.id}",
                params={"channel": account.kind},
            )
        )
        await _set_aside_claims(owner, joining=account, actor=actor)
        return owner
    # Not enough proof to join: a person of its own, the number kept as a claim, the owner told.
    claimant = mine or await Person.create(phone_enc=_enc_phone(account), phone_idx=_idx_phone(account))
    await Person.filter(id=claimant.id).update(
        name_enc=_enc(name, "person.name"),
        name_idx=name_idx,
        id_number_enc=_enc(id_number, "person.id_number"),
        claim_idx=id_idx,
        verified_at=datetime.now(UTC),
    )
    request = await _open_request(account.id)
    if request is not None and request.person_id == owner.id:
        return claimant  # asked before: the owner has been told already
    request = await _join_request(
        account, owner, actor=actor, action="identity.kept_apart", result="denied", detail={"assurance": level, "source": source}
    )
    await events.tell(
        IdentityNotice(
            person_id=owner.id,
            kind="join_refused",
            dedupe_key=f"identity:claim:{request.id}",
            params={"channel": account.kind, "request_id": str(request.id)},
        )
    )
    return claimant


async def _join_request(
    account: Account, owner: Person, *, actor: str, action: str, result: str = "ok", detail: dict | None = None
) -> JoinRequest:
    """A request of ``account`` to join ``owner``, waiting for the owner's channels to confirm it (audited)."""
    request = await JoinRequest.create(
        account_id=account.id, person_id=owner.id, expires_at=datetime.now(UTC) + JOIN_LIFETIME, **JOIN.fields_for_create()
    )
    await audit.record(
        actor=actor,
        subject=f"person:{owner.id}",
        action=action,
        object_type="join_request",
        object_id=request.id,
        result=result,
        detail={"channel": account.kind, **(detail or {})},
    )
    return request


async def _set_aside_claims(owner: Person, *, joining: Account, actor: str) -> None:
    """Proven proof arrived: channels that only claimed this person step aside until the person approves them.

    Whoever claimed a number first owned it, perhaps someone who bought a leaked list; the
    resident who proves it is the person, and sees those channels as requests to approve or refuse.
    """
    claims = await Account.filter(person_id=owner.id, assurance_source="claim").exclude(id=joining.id)
    for claim in claims:
        await Account.filter(id=claim.id).update(person_id=None, assurance=0, assurance_source=None, bound_at=None)
        await _join_request(claim, owner, actor=actor, action="identity.claim_set_aside")
        await sessions.detach_account(account_id=claim.id)


def _enc_phone(account: Account) -> str | None:
    return _enc(_dec(account.subject_enc, "account.phone"), "person.phone") if account.kind == "phone" else None


def _idx_phone(account: Account) -> str | None:
    return _bi(_dec(account.subject_enc, "account.phone"), "person.phone") if account.kind == "phone" else None


async def _own_number(
    mine: Person | None, *, name: str, name_idx: str, id_number: str, id_idx: str, phone: str | None, actor: str
) -> Person:
    """The first channel to bring this number: it becomes (or makes) the number's owner."""
    values: dict[str, Any] = dict(
        name_enc=_enc(name, "person.name"),
        name_idx=name_idx,
        id_number_enc=_enc(id_number, "person.id_number"),
        id_number_idx=id_idx,
        claim_idx=id_idx,
        verified_at=datetime.now(UTC),
    )
    if mine is not None:
        await Person.filter(id=mine.id).update(**values)
        return mine
    person = await Person.create(
        phone_enc=_enc(phone, "person.phone") if phone else None, phone_idx=_bi(phone, "person.phone") if phone else None, **values
    )
    await audit.record(actor=actor, action="person.created", object_type="person", object_id=person.id, subject=f"person:{person.id}")
    return person


# ---- joining through a channel the person already has ---------------------------------------


def _decided(request: JoinRequest, step: StepContext) -> dict:
    return {"decided_at": step.now}


JOIN: Workflow[JoinRequest] = Workflow(
    name="join_request",
    model=JoinRequest,
    labels={"claimed": "未申请", "pending": "待确认", "joined": "已加入", "denied": "已拒绝"},
    initial="claimed",
    steps={
        s.action: s
        for s in (
            Step("ask", {"claimed": "pending", "pending": "pending"}, "申请加入", "申请加入"),
            Step("join", {"claimed": "joined", "pending": "joined"}, "已加入", "加入", effect=_decided),
            Step("deny", {"claimed": "denied", "pending": "denied"}, "不是本人", "拒绝", effect=_decided),
        )
    },
    subject=lambda r: f"person:{r.person_id}",
    noun="加入申请",
)


async def _open_request(account_id: int) -> JoinRequest | None:
    return (
        await JoinRequest.filter(account_id=account_id, status__in=("claimed", "pending"), expires_at__gt=datetime.now(UTC))
        .order_by("-id")
        .first()
    )


async def request_join(*, session: SessionInfo, ip: str) -> None:
    """Ask the owner of the number this channel claimed to confirm: a code to their phone on record.

    Answers the same whether or not there is anyone to ask, so it is no oracle either.
    """
    if session.account_id is None:
        raise NotAuthenticated()
    await otp.limit(f"join-account:{session.account_id}", 3600, 5)
    request = await _open_request(session.account_id)
    if request is None:
        return
    owner = await Person.get(id=request.person_id)
    async with transaction():
        await transition(JOIN, request, action="ask", by=session.principal)
        await events.tell(
            IdentityNotice(
                person_id=owner.id,
                kind="join_requested",
                dedupe_key=f"identity:join:{request.id}:{int(datetime.now(UTC).timestamp()) // 60}",
                params={"request_id": str(request.id)},
            )
        )
    phone = _dec(owner.phone_enc, "person.phone")
    if phone:  # the owner's phone limits apply (1 a minute …): asking again too soon is a 429
        await otp.send(phone=phone, purpose=f"join:{request.id}", ip=ip, actor=f"account:{session.account_id}", template="join_code")


async def confirm_join(*, session: SessionInfo, code: str, ip: str) -> Person:
    """The claimant enters the code the owner read out from their phone on record: the channel joins."""
    if session.account_id is None:
        raise NotAuthenticated()
    request = await _open_request(session.account_id)
    owner = await Person.get(id=request.person_id) if request is not None else None
    phone = _dec(owner.phone_enc, "person.phone") if owner is not None else None
    if request is None or phone is None:
        # The same failure as a wrong code: nothing to tell apart.
        await otp.limit(f"otp-verify-ip:{network_of(ip)}", *otp.IP_VERIFY_LIMIT)
        raise CodeInvalid()
    await otp.verify(phone=phone, purpose=f"join:{request.id}", code=code, ip=ip)
    return await _join(request, source="phone_on_record", by=session.principal)


async def _join(request: JoinRequest, *, source: str, by: Principal) -> Person:
    account = await Account.get(id=request.account_id)
    async with transaction():
        try:
            await transition(JOIN, request, action="join", by=by)
        except IllegalTransition:
            raise JoinRequestNotFound() from None
        await _bind(account, await Person.get(id=request.person_id), level=CLAIMED, source=source)
        await audit.record(
            actor=by.actor,
            subject=f"person:{request.person_id}",
            action="identity.joined",
            object_type="account",
            object_id=account.id,
            detail={"channel": account.kind, "source": source, "join_request": request.id},
        )
        await events.tell(
            IdentityNotice(
                person_id=request.person_id,
                kind="channel_added",
                dedupe_key=f"identity:channel:{account.id}:{request.person_id}",
                params={"channel": account.kind},
            )
        )
    await sessions.refresh_person(account_id=account.id, person_id=request.person_id, assurance=CLAIMED)
    await _profile_changed(request.person_id)
    return await Person.get(id=request.person_id)


async def approve_join(*, session: SessionInfo, request_id: int) -> None:
    """The owner, in a session of their own, lets the other channel join (e.g. their new phone)."""
    request = await JoinRequest.get_or_none(
        id=request_id, person_id=session.person_id, status__in=("claimed", "pending"), expires_at__gt=datetime.now(UTC)
    )
    if request is None or session.person_id is None:
        raise JoinRequestNotFound()
    await _join(request, source="approved", by=session.principal)


async def deny_join(*, session: SessionInfo, request_id: int) -> None:
    """不是我本人: refuse the request, end the claimant's sessions and keep it from asking again."""
    request = await JoinRequest.get_or_none(id=request_id, person_id=session.person_id, status__in=("claimed", "pending"))
    if request is None or session.person_id is None:
        raise JoinRequestNotFound()
    try:
        await transition(JOIN, request, action="deny", by=session.principal)
    except IllegalTransition:
        raise JoinRequestNotFound() from None
    await sessions.revoke_account(account_id=request.account_id, reason="not_me", actor=session.principal.actor)


# ---- the person's own channels -----------------------------------------------------------------


@dataclass
class Channel:
    id: int
    kind: str
    assurance: int
    source: str | None
    bound_at: datetime | None
    last_login_at: datetime | None
    current: bool


@dataclass
class PendingJoin:
    id: int
    kind: str
    status: str
    created_at: datetime
    expires_at: datetime


async def channels(*, session: SessionInfo) -> tuple[list[Channel], list[PendingJoin]]:
    """The login channels bound to me, and the channels asking to join me."""
    if session.person_id is None:
        return [], []
    accounts = await Account.filter(person_id=session.person_id).order_by("id")
    requests = (
        await JoinRequest.filter(person_id=session.person_id, status__in=("claimed", "pending"), expires_at__gt=datetime.now(UTC))
        .order_by("-id")
        .prefetch_related("account")
    )
    return (
        [
            Channel(
                id=a.id,
                kind=a.kind,
                assurance=a.assurance,
                source=a.assurance_source,
                bound_at=a.bound_at,
                last_login_at=a.last_login_at,
                current=a.id == session.account_id,
            )
            for a in accounts
        ],
        [PendingJoin(id=r.id, kind=r.account.kind, status=r.status, created_at=r.created_at, expires_at=r.expires_at) for r in requests],
    )


async def remove_channel(*, session: SessionInfo, account_id: int) -> None:
    """不是我本人 / 解绑: the channel leaves the person and every session it has ends."""
    if session.person_id is None:
        raise ChannelNotFound()
    if account_id == session.account_id:
        raise CurrentChannel()
    actor = f"person:{session.person_id}"
    async with transaction():
        changed = await Account.filter(id=account_id, person_id=session.person_id).update(
            person_id=None, assurance=0, assurance_source=None, bound_at=None
        )
        if not changed:
            raise ChannelNotFound()
        await audit.record(
            actor=actor,
            subject=f"person:{session.person_id}",
            action="identity.channel_removed",
            object_type="account",
            object_id=account_id,
            result="ok",
        )
        await events.tell(
            IdentityNotice(
                person_id=session.person_id,
                kind="channel_removed",
                dedupe_key=f"identity:removed:{account_id}:{int(datetime.now(UTC).timestamp())}",
                params={},
            )
        )
    await sessions.revoke_account(account_id=account_id, reason="not_me", actor=actor)
    await _profile_changed(session.person_id)
