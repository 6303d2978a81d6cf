"""Persons and their roles; personal fields are stored encrypted with a blind index beside them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ROLES = ("resident", "staff", "approver", "courier", "admin")


class Person(Model):
    """One human (自然人), whichever channel they come through."""

    id = fields.BigIntField(primary_key=True)
    name_enc = fields.TextField(null=True)
    name_idx = fields.CharField(max_length=64, null=True, db_index=True)
    phone_enc = fields.TextField(null=True)
    phone_idx = fields.CharField(max_length=64, null=True, db_index=True)
    id_number_enc = fields.TextField(null=True)
    id_number_idx = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"


class RoleGrant(Model):
    """A role held by a person, optionally limited to a scope (``hall:3``, ``township:12``)."""

    id = fields.BigIntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField("auth.Person", related_name="roles", on_delete=fields.CASCADE)
    role = fields.CharField(max_length=16)
    scope = fields.CharField(max_length=64, default="")
    granted_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "role_grant"
        unique_together = (("person", "role", "scope"),)
