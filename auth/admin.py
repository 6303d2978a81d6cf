"""Administrators: people and their roles (人员与角色), granted and withdrawn, staff accounts disabled at once.

Every change writes an audit row in its transaction. A withdrawn role reaches the person's open
sessions on their next request (their cached copies are dropped); a disabled person's sessions
all end (revoked in the database, their Redis copies deleted), and a disabled person cannot log in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from tortoise.exceptions import IntegrityError

from auth import sessions
from auth.models import STAFF_ROLES, Person, RoleGrant, Session
from auth.permissions import requires
from auth.schemas import PHONE_PATTERN
from auth.service import InvalidPhone, _dec, find_by_phone
from auth.sessions import SessionInfo
from backend.kit import audit, errors
from backend.kit.api import API
from backend.kit.models import AuditEntry
from backend.kit.pii import mask_name, mask_phone
from backend.kit.transactions import transaction

api = API(prefix="/api/v1")
ADMIN = requires(roles=("admin",))
# "" everywhere (admin only); a hall, a department, a courier station by code; a township by its
# division code (9 digits: 乡镇/街道, 12: 村/社区).
_SCOPE = re.compile(r"^(|(hall|department|station):[A-Za-z0-9_-]{1,32}|township:([0-9]{9}|[0-9]{12}))$")


class PersonNotFound(errors.NotFound, code="admin.person_not_found"):
    zh = "找不到该人员|没有找到使用这个手机号码或编号的人员。"
    en = "Person not found|There is no person with this mobile number or id."


class GrantNotFound(errors.NotFound, code="admin.grant_not_found"):
    zh = "找不到该授权|这个人员没有这项角色授权，或已被撤销。"
    en = "Role grant not found|This person has no such role grant, or it was withdrawn."


class InvalidScope(errors.Invalid, code="admin.invalid_scope"):
    zh = (
        "授权范围不正确|范围应为 hall:大厅编号、department:部门编号、station:站点编号，"
        "或 township:9 位或 12 位区划代码；留空表示全部范围，仅管理员和审计员角色可用，审计员只能是全部范围。"
    )
    en = (
        "Invalid scope|A scope is hall:CODE, department:CODE, station:CODE or township: with a 9- or 12-digit "
        "division code; empty means everywhere and is for the admin and auditor roles only (an auditor is always everywhere)."
    )


class DuplicateGrant(errors.Conflict, code="admin.duplicate_grant"):
    zh = "已有该授权|这个人员已经有这个角色和范围的授权。"
    en = "Already granted|This person already holds this role with this scope."


class SelfDisable(errors.Conflict, code="admin.self_disable"):
    zh = "不能停用自己的账号|请由另一位管理员停用您的账号。"
    en = "You cannot disable yourself|Ask another administrator to disable your account."


class LastAdminGrant(errors.Conflict, code="admin.last_admin_grant"):
    zh = "不能撤销自己唯一的管理员授权|请由另一位管理员撤销，以免无人管理。"
    en = "Your last admin grant|You cannot withdraw your own last admin grant; ask another administrator."


class NotStaff(errors.Conflict, code="admin.not_staff"):
    zh = "不是工作人员账号|只能停用或启用有工作人员角色的账号。"
    en = "Not a staff account|Only accounts holding a staff role can be disabled or enabled."


# ---- bodies and answers -------------------------------------------------------------------------


class PhoneQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(min_length=11, max_length=20, pattern=PHONE_PATTERN, description="the exact mobile number, e.g. 13912345678")


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    role: Literal["staff", "approver", "courier", "admin", "auditor"]
    scope: str = Field(
        "",
        max_length=64,
        description='"" (everywhere, admin only), hall:CODE, department:CODE, station:CODE, township:DIVISIONCODE (9 or 12 digits)',
    )


class GrantOut(BaseModel):
    id: int
    role: str
    scope: str
    granted_by: str = Field(description="who granted it (person:12, cli, demo)")
    created_at: datetime


class GrantEvent(BaseModel):
    """One change of a person's roles or account from the audit log (授权记录)."""

    id: int = Field(description="the audit entry id")
    at: datetime
    action: Literal["role.granted", "role.withdrawn", "person.disabled", "person.enabled"]
    actor: str = Field(description="who did it: person:12, cli, demo, test")
    actor_name: str | None = Field(description="the actor's name masked, when the actor is a person")
    role: str | None
    scope: str | None


class GrantHistory(BaseModel):
    person_id: int
    items: list[GrantEvent] = Field(description="newest first, at most 100")


class PersonOut(BaseModel):
    """A person as an administrator sees them: masked, with their roles and whether the account is disabled."""

    id: int
    name: str | None = Field(description="masked, e.g. 李**")
    phone: str | None = Field(description="masked, e.g. 139****5678")
    disabled: bool
    roles: list[GrantOut]


# ---- decisions ----------------------------------------------------------------------------------


async def _person(person_id: int) -> Person:
    person = await Person.get_or_none(id=person_id)
    if person is None:
        raise PersonNotFound()
    return person


async def masked_names(person_ids: Iterable[int]) -> dict[int, str | None]:
    """Masked names (李**) of people by id, in one query; a person without a name maps to None."""
    rows = await Person.filter(id__in=set(person_ids)).values_list("id", "name_enc")
    return {pid: mask_name(_dec(enc, "person.name")) if enc else None for pid, enc in rows}


def person_of(actor: str | None) -> int | None:
    """The person id in an audit actor or subject (``person:12``), else None."""
    if actor and actor.startswith("person:") and actor[7:].isdigit():
        return int(actor[7:])
    return None


async def person_view(person: Person) -> PersonOut:
    name, phone = _dec(person.name_enc, "person.name"), _dec(person.phone_enc, "person.phone")
    grants = await RoleGrant.filter(person_id=person.id).order_by("id")
    return PersonOut(
        id=person.id,
        name=mask_name(name) if name else None,
        phone=mask_phone(phone) if phone else None,
        disabled=person.disabled,
        roles=[GrantOut(id=g.id, role=g.role, scope=g.scope, granted_by=g.granted_by, created_at=g.created_at) for g in grants],
    )


def _scope_allowed(role: str, scope: str) -> bool:
    """Everywhere ("") is for admins and auditors; an auditor reads the whole log, so holds nothing narrower."""
    if not _SCOPE.match(scope):
        return False
    if role == "auditor":
        return scope == ""
    return scope != "" or role == "admin"


async def grant(*, person_id: int, role: str, scope: str, by: SessionInfo) -> RoleGrant:
    """Give a person a role within a scope (授权); the same role and scope twice is a 409."""
    if not _scope_allowed(role, scope):
        raise InvalidScope()
    person = await _person(person_id)
    actor = by.official.actor
    try:
        async with transaction():
            row = await RoleGrant.create(person_id=person.id, role=role, scope=scope, granted_by=actor)
            await audit.record(
                actor=actor,
                subject=f"person:{person.id}",
                action="role.granted",
                object_type="role_grant",
                object_id=row.id,
                detail={"role": role, "scope": scope},
            )
    except IntegrityError:
        raise DuplicateGrant() from None
    await sessions.forget_cached(person_id=person.id)
    return row


async def withdraw(*, person_id: int, grant_id: int, by: SessionInfo) -> None:
    """Withdraw one role grant (撤销授权); the person's open sessions lose it on their next request."""
    actor = by.official.actor
    async with transaction():
        row = await RoleGrant.get_or_none(id=grant_id, person_id=person_id)
        if row is None:
            raise GrantNotFound()
        if (
            person_id == by.person_id
            and row.role == "admin"
            and not await RoleGrant.filter(person_id=person_id, role="admin").exclude(id=row.id).exists()
        ):
            raise LastAdminGrant()
        await RoleGrant.filter(id=row.id).delete()
        await audit.record(
            actor=actor,
            subject=f"person:{person_id}",
            action="role.withdrawn",
            object_type="role_grant",
            object_id=row.id,
            detail={"role": row.role, "scope": row.scope, "granted_by": row.granted_by},
        )
    # No session is ended: the next request reads the roles from the rows again.
    await sessions.forget_cached(person_id=person_id)


async def set_disabled(*, person_id: int, disabled: bool, by: SessionInfo) -> Person:
    """Disable (停用) or enable a staff account; disabling ends every open session of the person at once."""
    if disabled and person_id == by.person_id:
        raise SelfDisable()
    person = await _person(person_id)
    if not await RoleGrant.filter(person_id=person.id, role__in=STAFF_ROLES).exists():
        raise NotStaff()
    actor = by.official.actor
    async with transaction():
        changed = await Person.filter(id=person.id, disabled=not disabled).update(disabled=disabled)
        if changed:
            await audit.record(
                actor=actor,
                subject=f"person:{person.id}",
                action="person.disabled" if disabled else "person.enabled",
                object_type="person",
                object_id=person.id,
            )
    if disabled:
        # Each session is revoked in its row and its Redis copy deleted (as a device sign-out does).
        for row in await Session.filter(person_id=person.id, revoked_at=None):
            await sessions.end(sessions._info(row, []), reason="disabled", actor=actor)
    return await _person(person_id)


HISTORY_ACTIONS = ("role.granted", "role.withdrawn", "person.disabled", "person.enabled")


async def grant_history(*, person_id: int, by: SessionInfo) -> GrantHistory:
    """The person's role and account changes from the audit log; the read is itself audited."""
    person = await _person(person_id)
    rows = await AuditEntry.filter(subject=f"person:{person.id}", action__in=HISTORY_ACTIONS).order_by("-id").limit(100)
    names = await masked_names(p for p in (person_of(r.actor) for r in rows) if p is not None)
    async with transaction():
        await audit.record(
            actor=by.official.actor,
            subject=f"person:{person.id}",
            action="audit.searched",
            object_type="person",
            object_id=person.id,
            detail={"view": "grant_history", "rows": len(rows)},
        )
    return GrantHistory(
        person_id=person.id,
        items=[
            GrantEvent(
                id=r.id,
                at=r.at,
                action=r.action,
                actor=r.actor,
                actor_name=names.get(person_of(r.actor) or 0),
                role=r.detail.get("role"),
                scope=r.detail.get("scope"),
            )
            for r in rows
        ],
    )


# ---- routes -------------------------------------------------------------------------------------


def _params(request: Request) -> dict[str, Any]:
    return request.path_params


@api.get(
    "/admin/people",
    summary="Find a person by their exact mobile number (masked, with roles) (administrator)",
    tags=["admin"],
    query=PhoneQuery,
    response=PersonOut,
    errors=[InvalidPhone, PersonNotFound],
    wrappers=[ADMIN],
)
async def admin_find_person(request: Request, *, query: PhoneQuery, session: SessionInfo) -> PersonOut:
    person = await find_by_phone(phone=query.phone)
    if person is None:
        raise PersonNotFound()
    return await person_view(person)


@api.get(
    "/admin/people/{person_id:int}",
    summary="One person by id (masked, with roles) (administrator)",
    tags=["admin"],
    response=PersonOut,
    errors=[PersonNotFound],
    wrappers=[ADMIN],
)
async def admin_get_person(request: Request, *, session: SessionInfo) -> PersonOut:
    return await person_view(await _person(_params(request)["person_id"]))


@api.get(
    "/admin/people/{person_id:int}/history",
    summary="A person's role grants, withdrawals and account changes from the audit log, newest first (administrator; audited)",
    tags=["admin"],
    response=GrantHistory,
    errors=[PersonNotFound],
    wrappers=[ADMIN],
)
async def admin_person_history(request: Request, *, session: SessionInfo) -> GrantHistory:
    return await grant_history(person_id=_params(request)["person_id"], by=session)


@api.post(
    "/admin/people/{person_id:int}/roles",
    summary="Grant a person a role within a scope (administrator)",
    tags=["admin"],
    body=GrantIn,
    response=PersonOut,
    status=201,
    errors=[PersonNotFound, InvalidScope, DuplicateGrant],
    wrappers=[ADMIN],
)
async def admin_grant_role(request: Request, *, body: GrantIn, session: SessionInfo) -> PersonOut:
    person_id = _params(request)["person_id"]
    await grant(person_id=person_id, role=body.role, scope=body.scope, by=session)
    return await person_view(await _person(person_id))


@api.delete(
    "/admin/people/{person_id:int}/roles/{grant_id:int}",
    summary="Withdraw a role grant; it stops working in the person's open sessions at once (administrator)",
    tags=["admin"],
    response=PersonOut,
    errors=[PersonNotFound, GrantNotFound, LastAdminGrant],
    wrappers=[ADMIN],
)
async def admin_withdraw_role(request: Request, *, session: SessionInfo) -> PersonOut:
    person = await _person(_params(request)["person_id"])
    await withdraw(person_id=person.id, grant_id=_params(request)["grant_id"], by=session)
    return await person_view(person)


@api.post(
    "/admin/people/{person_id:int}/disable",
    summary="Disable a staff account: every session ends at once, no new login (administrator)",
    tags=["admin"],
    response=PersonOut,
    errors=[PersonNotFound, SelfDisable, NotStaff],
    wrappers=[ADMIN],
)
async def admin_disable_person(request: Request, *, session: SessionInfo) -> PersonOut:
    return await person_view(await set_disabled(person_id=_params(request)["person_id"], disabled=True, by=session))


@api.post(
    "/admin/people/{person_id:int}/enable",
    summary="Enable a disabled staff account again (administrator)",
    tags=["admin"],
    response=PersonOut,
    errors=[PersonNotFound, NotStaff],
    wrappers=[ADMIN],
)
async def admin_enable_person(request: Request, *, session: SessionInfo) -> PersonOut:
    return await person_view(await set_disabled(person_id=_params(request)["person_id"], disabled=False, by=session))
