"""Request and response models of the assisted service."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auth.idnumber import InvalidIdNumber, normalize

PHONE = r"^1[3-9][0-9]{9}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _id_number(value: str) -> str:
    try:
        return normalize(value)
    except InvalidIdNumber as exc:
        raise ValueError(f"{exc.zh}|{exc.en}") from None


class LookupIn(_In):
    id_number: str = Field(min_length=18, max_length=18)
    reason: str = Field(min_length=2, max_length=200, description="why staff look this person up (audited)")

    _valid = field_validator("id_number")(classmethod(lambda cls, v: _id_number(v)))


class VillagerIn(_In):
    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=18, max_length=18, description="GB 11643 with its check character")
    phone: str | None = Field(None, pattern=PHONE, description="the villager's own phone, if any")

    _valid = field_validator("id_number")(classmethod(lambda cls, v: _id_number(v)))


class VillagerOut(BaseModel):
    id: int
    name: str = Field(description="masked: 王*")
    id_number: str = Field(description="masked: 3604**********0071")
    phone: str = Field(description="masked, empty when none")


class DelegationIn(_In):
    person_id: int = Field(ge=1)
    errands: list[str] = Field(min_length=1, max_length=50, description='service codes, or ["*"] for every errand')
    starts: date
    ends: date = Field(description="at most one year after starts")
    evidence: Literal["photo", "sms"]
    township: str | None = Field(None, pattern=r"^[0-9]{9}([0-9]{3})?$", description="needed only by staff of several townships")


class CodeIn(_In):
    code: str = Field(pattern=r"^[0-9]{6}$")


class PhotoForm(BaseModel):
    """The multipart/form-data of the signed 授权委托书's photo."""

    model_config = ConfigDict(extra="forbid")
    photo: bytes = Field(json_schema_extra={"format": "binary", "contentMediaType": "image/*"}, description="the signed form")


class DelegationQuery(_In):
    person_id: int = Field(ge=1)


class DelegationOut(BaseModel):
    id: int
    person_id: int
    staff_id: int
    township: str
    errands: list[str]
    starts: date
    ends: date
    status: Literal["pending", "active", "withdrawn", "expired"]
    status_label: str
    evidence_kind: Literal["photo", "sms"]
    has_photo: bool
    wrong_tries: int


class DelegationList(BaseModel):
    items: list[DelegationOut]


class ReadQuery(_In):
    reason: str = Field(min_length=2, max_length=200, description="why staff open this person's record (audited)")


class RevealIn(_In):
    reason: str = Field(min_length=2, max_length=200, description="why staff need the full ID number (audited)")


class VillagerDetail(VillagerOut):
    """A villager as staff see them (masked), with the delegations of the staff's township(s)."""

    delegations: list[DelegationOut]


class Revealed(BaseModel):
    id_number: str = Field(description="the full ID number (never cached, the reveal is audited)")


class DashboardVillager(BaseModel):
    id: int
    name: str = Field(description="masked: 王*")


class DashboardItem(BaseModel):
    application_id: int
    tracking_no: str | None
    service_name: str
    status: str
    status_label: str
    villager: DashboardVillager
    delegation_id: int
    due_date: date | None


class DashboardCounts(BaseModel):
    open: int
    corrections: int
    due_soon: int


class Dashboard(BaseModel):
    open: list[DashboardItem] = Field(description="cases not ended (drafts included), soonest deadline first")
    corrections: list[DashboardItem] = Field(description="cases waiting for a correction (待补正)")
    due_soon: list[DashboardItem] = Field(description="running cases whose promised deadline is within 3 days")
    counts: DashboardCounts
