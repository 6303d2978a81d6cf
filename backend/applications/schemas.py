"""Request and response bodies of applications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

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
    reason: str = Field("", max_length=500, description="required: 不予受理 / 不予许可 must be explained in writing (422 without it)")


class TimelineOut(BaseModel):
    at: datetime
    action: str
    status: str
    text: str
    note: str


class QualityHint(BaseModel):
    code: str = Field(description="too_small, blurry, too_dark or overexposed")
    message: str


class AttachedOut(BaseModel):
    """The current material of one slot (one per material key; a retake replaces it)."""

    key: str
    material_id: int
    reused: bool = Field(description="taken from the library instead of photographed again")
    attached_at: datetime = Field(description="when this material was put in the slot")
    warnings: list[QualityHint] = Field(description="the photo's quality hints, for this slot's row")
    file_url: str
    thumbnail_url: str


class CorrectionOut(BaseModel):
    """One item of a correction request (一次性告知): which field or material, and why."""

    item: str = Field(description="the form field key or material key")
    label: str = Field(description="the field's label or the material's name, as the clerk saw it")
    reason: str


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
    editable: bool = Field(description="the resident may still change the form and materials (a draft, or corrections asked)")
    corrections: list[CorrectionOut]
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
    view: Literal["todo", "waiting", "finished"] = Field(
        "todo", description="todo: waiting for a clerk (submitted, accepted); waiting: with the resident for corrections; finished: 已办结"
    )
    status: str | None = Field(None, max_length=24, description="one status instead of the view's")
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
