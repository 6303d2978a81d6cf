"""The shapes of a service item: materials, form fields, guide and list entries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from backend.catalog.models import KINDS

Flag = Literal["online_full", "max_one_trip", "instant", "ems_allowed", "appointment_needed"]
# 材料可信等级 (in the spirit of 国办函〔2016〕108号): higher is more trusted.
TRUST_LEVELS = {1: "未核验照片", 2: "窗口核验原件的照片", 3: "电子证照"}


class MaterialSpec(BaseModel):
    """One material. ``required`` is the one truth the guide (必交), the form and the submit check read."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(min_length=1, max_length=60)
    required: StrictBool = Field(True, description="submit is refused without it; the guide and the form mark it 必交")
    condition: str | None = Field(
        None, max_length=120, description="when an optional material is needed (or a required one may be left out): a note, not checked"
    )
    example_image: str | None = Field(None, max_length=200)
    certificate_type: str | None = Field(None, max_length=40, description="an issued e-certificate that can stand in")
    min_trust: int = Field(1, ge=1, le=3, description="lowest trust level accepted (1 photo, 2 checked by a clerk, 3 e-certificate)")
    copies: int = Field(1, ge=1, le=10)


class RequiredIf(BaseModel):
    """A field that becomes required when another field has a given value (邮寄 → 邮寄地址)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    value: str = Field(min_length=1, max_length=100)


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1, max_length=40)
    type: Literal["text", "textarea", "number", "date", "phone", "id_number", "select", "address"] = "text"
    required: StrictBool = True
    max_length: int = Field(100, ge=1, le=2000)
    options: list[str] = Field(default_factory=list, max_length=30, description="the choices of a select")
    min: float | None = Field(None, description="lowest value of a number")
    max: float | None = Field(None, description="highest value of a number")
    when: Literal["past", "future"] | None = Field(None, description="a date no later than today (past) or no earlier (future)")
    hint: str | None = Field(None, max_length=60, description="a short example or explanation shown with the field")
    required_if: RequiredIf | None = Field(None, description="also required when another field has this value")
    prefill: Literal["person.name", "person.phone", "person.id_number", "previous"] | None = Field(
        None, description="profile field, or the value from the person's previous application"
    )


class Place(BaseModel):
    """办理地点: a hall where the item is handled."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    address: str = Field(min_length=1, max_length=200)
    map_url: str | None = Field(None, max_length=500, pattern=r"^https://", description="a map of the hall that opens on a phone")
    hours: str | None = Field(None, max_length=120, description="this hall's hours, when they differ from the item's")
    phone: str | None = Field(None, max_length=40)


class Region(BaseModel):
    """A region by the leading digits of the ID number (GB/T 2260 code of a province, city or county)."""

    model_config = ConfigDict(extra="forbid")
    prefix: str = Field(pattern=r"^\d{2}(\d{2}){0,2}$", description="2, 4 or 6 leading digits of the ID number")
    name: str = Field(min_length=1, max_length=40)


class Eligibility(BaseModel):
    """Conditions read from the applicant's ID number, checked when applying and at submit."""

    model_config = ConfigDict(extra="forbid")
    min_age: int | None = Field(None, ge=0, le=150, description="full years (周岁) on the day, reached on the birthday")
    max_age: int | None = Field(None, ge=0, le=150, description="the last age (周岁) that may apply")
    regions: list[Region] = Field(default_factory=list, max_length=20, description="ID number from one of these regions; empty: any")

    @model_validator(mode="after")
    def _ages_in_order(self) -> Eligibility:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


Delivery = Literal["window", "ems", "electronic"]


class ServiceItemIn(BaseModel):
    """A full item as an administrator (or the demo seed) writes it."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[0-9A-Z-]{6,32}$")
    name: str = Field(min_length=2, max_length=100)
    department: str = Field(min_length=1, max_length=32)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    summary: str = Field(min_length=1, max_length=2000)
    conditions: list[str] = Field(default_factory=list, max_length=30)
    materials: list[MaterialSpec] = Field(default_factory=list, max_length=40)
    form_schema: list[FormField] = Field(default_factory=list, max_length=60)
    legal_limit_days: int = Field(ge=0, le=365)
    promised_limit_days: int = Field(ge=0, le=365)
    fee: str = Field("不收费", max_length=100)
    places: list[Place] = Field(default_factory=list, max_length=10, description="办理地点")
    hours: str = Field("", max_length=200, description="办理时间")
    phone: str = Field("", max_length=60, description="咨询电话")
    steps: list[str] = Field(default_factory=list, max_length=20, description="办理流程, one step each")
    legal_basis: list[str] = Field(default_factory=list, max_length=20, description="设定依据: laws and rules")
    result_name: str = Field("", max_length=60, description="结果名称 (e.g. 营业执照)")
    result_delivery: list[Delivery] = Field(default_factory=list, max_length=3, description="how the result reaches the applicant")
    eligibility: Eligibility = Field(default_factory=Eligibility, description="conditions checked from the ID number")
    online_full: StrictBool = False
    max_one_trip: StrictBool = True
    instant: StrictBool = False
    ems_allowed: StrictBool = False
    appointment_needed: StrictBool = False
    assurance_required: Literal[1, 2, 3] = Field(
        1,
        description="proof of identity needed to apply: 1 name + ID number claimed, 2 verified by a real-name source, 3 verified in person",
    )
    keywords: str = Field("", max_length=200)
    published: StrictBool = True


class ServiceSummary(BaseModel):
    code: str
    name: str
    department: str
    department_name: str
    kind: str
    promised_limit_days: int
    online_full: bool
    max_one_trip: bool
    instant: bool
    ems_allowed: bool
    appointment_needed: bool
    assurance_required: int = Field(description="1 claimed, 2 real-name source, 3 in person")


class ServiceGuide(ServiceSummary):
    """The complete 办事指南."""

    version: int = Field(1, description="the catalog version (事项版本) this guide is; a case keeps the one it was drafted under")
    summary: str
    conditions: list[str]
    materials: list[MaterialSpec]
    form_schema: list[FormField]
    legal_limit_days: int
    fee: str
    places: list[Place]
    hours: str
    phone: str
    steps: list[str]
    legal_basis: list[str]
    result_name: str
    result_delivery: list[Delivery]
    eligibility: Eligibility


class ServicePage(BaseModel):
    items: list[ServiceSummary]
    total: int
    page: int
    page_size: int


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field("", max_length=50, description="Chinese words, pinyin or initials (yyzz finds 营业执照)")
    department: str | None = Field(None, max_length=32)
    flag: Flag | None = None
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(20, ge=1, le=100)


class DepartmentOut(BaseModel):
    code: str
    name: str
    items: int


class DepartmentList(BaseModel):
    departments: list[DepartmentOut]


# ---- the administrator's catalog (事项管理) ----------------------------------------------------


class AdminItemOut(BaseModel):
    """One item of the administrator's list, published or not."""

    code: str
    name: str
    department: str
    department_name: str
    kind: str
    published: bool
    version: int
    updated_at: datetime


class AdminItemList(BaseModel):
    items: list[AdminItemOut]


class Change(BaseModel):
    """What one save changed in one field: keyed lists name the entries added, removed or changed."""

    field: str
    label: str = Field(description="the field's name as the guide shows it (申请材料)")
    before: str | None = Field(None, description="the old value of a short field")
    after: str | None = Field(None, description="the new value of a short field")
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    created_by: str = Field(description="who saved it (person:ID, or migration / seed-demo)")
    created_by_name: str | None = Field(default=None, description="the saver's masked name (周**) when a person saved it")
    changes: list[Change] = Field(description="what differs from the version before (empty for version 1)")


class AdminItemDetail(BaseModel):
    """The current item as its editor loads it, with its versions, newest first."""

    item: ServiceItemIn
    version: int
    updated_at: datetime
    versions: list[VersionOut]


class VersionDetail(VersionOut):
    item: ServiceItemIn = Field(description="the item as this version says it")


class SavedOut(BaseModel):
    code: str
    changed: bool
    version: int = Field(description="the item's version after the save (a new one when something changed)")


class SaveQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_version: int | None = Field(
        None, ge=0, le=1_000_000, description="the version the edit started from; another save since then is refused with 409"
    )
