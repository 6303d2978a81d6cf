"""Identity decisions: create persons, grant roles. Callers pass plain values; storage is encrypted."""

from __future__ import annotations

import re

from backend.kit import audit, errors
from backend.kit.resources import current
from backend.kit.transactions import transaction

from auth.models import ROLES, Person, RoleGrant

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_SCOPE = re.compile(r"^(|(hall|township|department|carrier):[A-Za-z0-9_-]{1,48})$")


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
    if digits.startswith("+86"):
        digits = digits[3:]
    if not _PHONE.match(digits):
        raise InvalidPhone()
    return digits


async def find_by_phone(*, phone: str) -> Person | None:
    keyring = current().keyring
    return await Person.filter(phone_idx=keyring.blind_index(normalize_phone(phone), purpose="person.phone")).first()


async def create_person(*, name: str, phone: str, actor: str) -> Person:
    """Register a person by name and mobile number (no real-name verification yet)."""
    keyring = current().keyring
    phone = normalize_phone(phone)
    name = name.strip()
    async with transaction():
        person = await Person.create(
            name_enc=keyring.encrypt(name, purpose="person.name"),
            name_idx=keyring.blind_index(name, purpose="person.name"),
            phone_enc=keyring.encrypt(phone, purpose="person.phone"),
            phone_idx=keyring.blind_index(phone, purpose="person.phone"),
        )
        await audit.record(actor=actor, action="person.created", object_type="person", object_id=person.id, subject=f"person:{person.id}")
    return person


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
    return grant
