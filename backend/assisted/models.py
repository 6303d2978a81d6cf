"""Assisted service (帮办代办): a villager's delegation to township staff, with its evidence.

The SMS code is stored as an HMAC with the index key, never plainly, the photo of the signed
授权委托书 as a key in the media storage.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Delegation(Model):
    """A villager's consent for staff of a township to do errands for them (授权委托)."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField(db_index=True)  # the villager
    staff_id = fields.BigIntField(db_index=True)  # the staff person who asked for it
    township = fields.CharField(max_length=12, db_index=True)  # the division code of the staff's scope
    errands: fields.JSONField[list[str]] = fields.JSONField(default=list)  # service codes, or ["*"] for all
    starts = fields.DateField()
    ends = fields.DateField()
    status = fields.CharField(max_length=12, db_index=True)
    evidence_kind = fields.CharField(max_length=8)  # photo | sms
    photo_key = fields.CharField(max_length=80, default="")
    code_hash = fields.CharField(max_length=64, default="")
    wrong_tries = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "assisted_delegation"
