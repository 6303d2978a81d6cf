"""The service catalog (事项清单): departments and service items with their 办事指南."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

KINDS = ("行政许可", "行政给付", "行政确认", "公共服务", "其他行政权力")


class Department(Model):
    """A department that owns service items (e.g. 市场监管局)."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=64)
    sort = fields.IntField(default=0)

    class Meta:
        table = "catalog_department"


class ServiceItem(Model):
    """One service item (政务服务事项) with everything its guide shows."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=100)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField("catalog.Department", related_name="items")
    department_id: str  # the column tortoise adds for the relation, declared for the type checker
    kind = fields.CharField(max_length=16)
    summary = fields.TextField()
    conditions: fields.JSONField[list[str]] = fields.JSONField(default=list)
    materials: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    form_schema: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    legal_limit_days = fields.IntField()
    promised_limit_days = fields.IntField()
    fee = fields.CharField(max_length=100, default="不收费")
    # The rest of the 办事指南 (see schemas.ServiceItemIn); the database default fills existing rows.
    places: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list, db_default="[]")
    hours = fields.CharField(max_length=200, default="", db_default="")
    phone = fields.CharField(max_length=60, default="", db_default="")
    steps: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default="[]")
    legal_basis: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default="[]")
    result_name = fields.CharField(max_length=60, default="", db_default="")
    result_delivery: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default="[]")
    eligibility: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default="{}")
    online_full = fields.BooleanField(default=False)
    max_one_trip = fields.BooleanField(default=True)
    instant = fields.BooleanField(default=False)
    ems_allowed = fields.BooleanField(default=False)
    appointment_needed = fields.BooleanField(default=False)
    # The proof of identity an applicant's login channel needs: 1 claimed, 2 real-name source, 3 in person.
    assurance_required = fields.IntField(default=1, db_default=1)
    keywords = fields.CharField(max_length=200, default="")
    search_text = fields.TextField(default="")
    published = fields.BooleanField(default=True)
    # The number of the item's current ServiceVersion; bumped (compare-and-set) by every save that changes something.
    version = fields.IntField(default=1, db_default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "catalog_service_item"


class ServiceVersion(Model):
    """One immutable version of an item (事项版本): what an administrator's save made it.

    A case records the version it was drafted under and reads its form, materials, conditions and
    time limits from this snapshot, so a later change never breaks a case in progress.
    """

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "catalog.ServiceItem", related_name="versions", on_delete=fields.RESTRICT
    )
    item_id: str  # the column tortoise adds for the relation, declared for the type checker
    version = fields.IntField()
    snapshot: fields.JSONField[dict[str, Any]] = fields.JSONField()  # schemas.ServiceItemIn without its code
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=64)  # the actor, e.g. person:12 (seed-demo for the demo data)

    class Meta:
        table = "catalog_service_version"
        unique_together = (("item", "version"),)


class Hall(Model):
    """A service hall (政务服务大厅 / 便民服务中心) and the items its windows take.

    Staff scoped ``hall:<code>`` review the cases of exactly these items, and ``department:<code>``
    scopes cover a department's items wherever they are handled.
    """

    code = fields.CharField(max_length=48, primary_key=True)
    name = fields.CharField(max_length=64)
    address = fields.CharField(max_length=200, default="")
    items: fields.JSONField[list[str]] = fields.JSONField(default=list)  # service item codes
    # Where it is and when it opens, for the hall list and appointments (the database default fills old rows).
    district = fields.CharField(max_length=32, default="", db_default="")  # 区县
    township = fields.CharField(max_length=32, default="", db_default="")  # 乡镇（街道）, "" for a county hall
    region = fields.CharField(max_length=6, default="", db_default="")  # division code (e.g. 654000 伊犁州) for regional holidays
    hours = fields.CharField(max_length=200, default="", db_default="")  # opening hours as people read them
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    phone = fields.CharField(max_length=60, default="", db_default="")

    class Meta:
        table = "catalog_hall"
