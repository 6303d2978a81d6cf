"""Applications (办件); their parcel-style timeline (跟踪办) is the shared workflow_event table."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Application(Model):
    """One case: a person applying for one service item."""

    id = fields.BigIntField(primary_key=True)
    tracking_no = fields.CharField(max_length=20, null=True, unique=True)
    person_id = fields.BigIntField(db_index=True)
    service_code = fields.CharField(max_length=32)
    service_name = fields.CharField(max_length=100)
    # The catalog version (catalog.ServiceVersion) the draft was created under: the case's form,
    # materials, conditions and time limits are that version's, whatever the item says later.
    service_version = fields.IntField(default=1, db_default=1)
    department_id = fields.CharField(max_length=32, db_index=True)
    status = fields.CharField(max_length=24, db_index=True)
    form: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    corrections: fields.JSONField[list[dict[str, str]]] = fields.JSONField(default=list)
    submitted_at = fields.DatetimeField(null=True)
    due_date = fields.DateField(null=True)
    correction_since = fields.DateField(null=True)
    paused_working_days = fields.IntField(default=0)
    completed_at = fields.DatetimeField(null=True)
    on_time = fields.BooleanField(null=True)
    trips = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "application"


class AttachedMaterial(Model):
    """The current material of one slot of a case (one required item): one row per slot.

    Attaching to a filled slot replaces its material (a retake) and the older photo stays in the
    person's library. The unique (application, material_key) pair is what keeps two attaches at
    once from leaving two current photos.
    """

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "applications.Application", related_name="attachments", on_delete=fields.CASCADE
    )
    application_id: int  # the column tortoise adds for the relation, declared for the type checker
    material_key = fields.CharField(max_length=40)
    material_id = fields.BigIntField()
    reused = fields.BooleanField(default=False)  # it was in the library before this case: a photo not taken again
    created_at = fields.DatetimeField(auto_now_add=True)  # when the current material was put in the slot (set again on replace)

    class Meta:
        table = "application_material"
        unique_together = (("application", "material_key"),)


class Certificate(Model):
    """An e-certificate (电子证照) issued on an approved case, verifiable by anyone with its code."""

    id = fields.BigIntField(primary_key=True)
    application: fields.OneToOneRelation[Application] = fields.OneToOneField(
        "applications.Application", related_name="certificate", on_delete=fields.RESTRICT
    )
    application_id: int  # the column tortoise adds for the relation, declared for the type checker
    person_id = fields.BigIntField(db_index=True)
    name = fields.CharField(max_length=40)
    number = fields.CharField(max_length=32, unique=True)
    verification_code = fields.CharField(max_length=16, unique=True)
    department_id = fields.CharField(max_length=32)
    material_id = fields.BigIntField()
    issued_at = fields.DatetimeField()
    expires_on = fields.DateField(null=True)
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "certificate"
