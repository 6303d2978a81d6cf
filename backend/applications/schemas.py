"""Request and response bodies of applications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationCreate(_In):
    service_code: str = Field(min_length=1, max_length=32)
    form: dict[str, Any] = Field(default_factory=dict, max_length=60)


class FormUpdate(_In):
    form: dict[str, Any] = Field(max_length=60)


class CorrectionItem(_In):
    item: str = Field(min_length=1, max_length=40, description="a form field key or material key of the service item")
    reason: str = Field(min_length=1, max_length=200)


class CorrectionRequest(_In):
    items: list[CorrectionItem] = Field(min_length=1, max_length=60, description="every missing or defective item at once (一次性告知)")


class Decision(_In):
    note: str = Field("", max_length=500)


class Rejection(_In):
    reason: str = Field(min_length=2, max_length=500)


class TimelineOut(BaseModel):
    at: datetime
    action: str
    status: str
    text: str
    note: str


class AttachedOut(BaseModel):
    key: str
    material_id: int
    reused: bool = Field(description="taken from the library instead of photographed again")


class AttachIn(_In):
    material_id: int = Field(ge=1)


class ApplicationOut(BaseModel):
    id: int
    tracking_no: str | None
    service_code: str
    service_name: str
    status: str
    status_label: str = Field(description="the status in words, as residents and clerks read it")
    form: dict[str, Any]
    corrections: list[dict[str, str]]
    submitted_at: datetime | None
    due_date: date | None
    on_time: bool | None
    trips: int
    timeline: list[TimelineOut]
    materials: list[AttachedOut]


class PrefillOut(BaseModel):
    values: dict[str, Any] = Field(description="form field key → value to offer")


class ApplicationList(BaseModel):
    items: list[ApplicationOut]


class TrackStep(BaseModel):
    """One step as the public sees it: when, which status, the fixed step name. Never a note."""

    at: datetime
    status: str
    text: str


class TrackOut(BaseModel):
    """Public tracking: status and step names with dates only, nothing personal and no free text."""

    tracking_no: str
    service_name: str
    status: str
    status_label: str = Field(description="the status in words")
    due_date: date | None
    timeline: list[TrackStep]


class TrackQuery(_In):
    phone_last4: str = Field(pattern=r"^[0-9]{4}$", description="last 4 digits of the applicant's phone (second factor)")


class StaffQueueQuery(_In):
    status: str | None = Field(None, max_length=24)
    department: str | None = Field(None, max_length=32)


class IssueCertificate(_In):
    name: str = Field(min_length=2, max_length=40, description="the certificate's name, e.g. 营业执照")
    expires_on: date | None = None


class CertificateCheck(BaseModel):
    """What anyone may learn from a verification code: genuine or not, nothing personal."""

    valid: bool
    name: str
    number: str
    issuer: str
    issued_at: datetime
    expires_on: date | None
    revoked: bool
