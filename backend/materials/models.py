"""A person's materials (材料库): photos they uploaded and certificates issued to them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Material(Model):
    """One stored material. The image itself lives in storage under its SHA-256."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField(db_index=True)
    kind = fields.CharField(max_length=40, default="")  # a material key such as id_card, when known
    sha256 = fields.CharField(max_length=64)
    width = fields.IntField()
    height = fields.IntField()
    size_bytes = fields.IntField()
    warnings: fields.JSONField[list[str]] = fields.JSONField(default=list)
    trust_level = fields.IntField(default=1)  # 1 photo, 2 checked against the original, 3 e-certificate
    expires_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "material"
        unique_together = (("person_id", "sha256"),)
