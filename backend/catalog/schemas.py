"""The shapes of a service item: materials, form fields, guide and list entries."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from backend.catalog.models import KINDS

Flag = Literal["online_full", "max_one_trip", "instant", "ems_allowed", "appointment_needed"]
# 材料可信等级 (in the spirit of 国办函〔2016〕108号): higher is more trusted.
TRUST_LEVELS = {1: "未核验照片", 2: "窗口核验原件的照片", 3: "电子证照"}


class MaterialSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(min_length=1, max_length=60)
    required: StrictBool = True
    condition: str | None = Field(None, max_length=120, description="when the material is needed, for conditional ones")
    example_image: str | None = Field(None, max_length=200)
    certificate_type: str | None = Field(None, max_length=40, description="an issued e-certificate that can stand in")
    min_trust: int = Field(1, ge=1, le=3, description="lowest trust level accepted (1 photo, 2 checked by a clerk, 3 e-certificate)")
    copies: int = Field(1, ge=1, le=10)


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1, max_length=40)
    type: Literal["text", "textarea", "number", "date", "phone", "id_number", "select", "address"] = "text"
    required: StrictBool = True
    max_length: int = Field(100, ge=1, le=2000)
    options: list[str] = Field(default_factory=list)
    prefill: Literal["person.name", "person.phone", "person.id_number", "previous"] | None = Field(
        None, description="profile field, or the value from the person's previous application"
    )


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

    summary: str
    conditions: list[str]
    materials: list[MaterialSpec]
    form_schema: list[FormField]
    legal_limit_days: int
    fee: str


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
