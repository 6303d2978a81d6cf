"""Request and response bodies of delivery (证照寄递): addresses, orders, courier parcels, staff lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PHONE = r"^1[3-9][0-9]{9}$"
REGION = r"^[1-9][0-9]{5}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressFields(_In):
    recipient_name: str = Field(min_length=1, max_length=30)
    recipient_phone: str = Field(pattern=PHONE, description="11-digit mobile number")
    province: str = Field(min_length=1, max_length=32)
    city: str = Field(min_length=1, max_length=32)
    district: str = Field(min_length=1, max_length=32)
    street: str = Field("", max_length=32)
    detail: str = Field(min_length=1, max_length=120, description="street, house and room number")
    region_code: str = Field(pattern=REGION, description="the district's 6-digit division code (行政区划代码)")


class AddressIn(AddressFields):
    label: str = Field("", max_length=20, description="家, 单位 …")


class AddressOut(BaseModel):
    id: int
    label: str
    recipient_name: str = Field(description="masked: 王*")
    recipient_phone: str = Field(description="masked: 138****5678")
    province: str
    city: str
    district: str
    street: str
    detail: str = Field(description="in full: only the owner reads it")
    region_code: str


class AddressList(BaseModel):
    items: list[AddressOut]


class DeliveryCreate(_In):
    """Either ``address_id`` (a saved address) or the address fields; the consents in both cases."""

    application_id: int = Field(ge=1, le=2**63 - 1)
    address_id: int | None = Field(None, ge=1, le=2**63 - 1)
    recipient_name: str | None = Field(None, min_length=1, max_length=30)
    recipient_phone: str | None = Field(None, pattern=PHONE)
    province: str | None = Field(None, min_length=1, max_length=32)
    city: str | None = Field(None, min_length=1, max_length=32)
    district: str | None = Field(None, min_length=1, max_length=32)
    street: str = Field("", max_length=32)
    detail: str | None = Field(None, min_length=1, max_length=120)
    region_code: str | None = Field(None, pattern=REGION)
    allow_proxy: bool = Field(False, description="someone other than the recipient may sign (the named proxy if given)")
    proxy_name: str = Field("", max_length=30, description="the family member who may sign; empty: any adult at the address")
    allow_locker: bool = Field(False, description="may be left in a parcel locker or station (投柜/驿站)")
    save_address: bool = False

    @model_validator(mode="after")
    def _an_address(self) -> DeliveryCreate:
        fields = (self.recipient_name, self.recipient_phone, self.province, self.city, self.district, self.detail, self.region_code)
        if self.address_id is None and any(f is None for f in fields):
            raise ValueError(
                "请选择常用地址，或填写完整的收件人、电话和地址|Choose a saved address or give the recipient, phone and address"
            )
        return self


class EventOut(BaseModel):
    at: datetime
    kind: str
    label: str
    place: str
    text: str


class StepOut(BaseModel):
    action: str
    status: str
    label: str
    text: str
    at: datetime


class ProofOut(BaseModel):
    signer_kind: str = Field(description="self | proxy | locker")
    signer_name: str = Field(description="masked")
    relation: str
    at: datetime
    photo_url: str | None


class DeliveryCardOut(BaseModel):
    id: int
    application_id: int
    status: str
    status_label: str
    recipient_name: str = Field(description="masked")
    recipient_phone: str = Field(description="masked")
    address: str = Field(description="province city district street detail (the owner and clerks read it in full)")
    region_code: str
    allow_proxy: bool
    proxy_name: str = Field(description="masked")
    allow_locker: bool
    waybill_no: str | None
    station: str
    carrier_waiting: bool = Field(description="the order waits for the carrier (it is down or refused): shown, not lost")
    events: list[EventOut] = Field(description="the carrier's events, newest first")
    steps: list[StepOut] = Field(description="the delivery's own timeline, oldest first")
    pickup_code: str | None = Field(description="签收码: only to the owner, only while out for delivery")
    proof: ProofOut | None
    escalated: bool
    created_at: datetime


class ParcelOut(BaseModel):
    """A parcel as the courier sees it: masked name and phone, the full address, the consents."""

    id: int
    status: str
    status_label: str
    waybill_no: str | None
    recipient_name: str
    recipient_phone: str = Field(description="masked: POST …/call reveals it")
    address: str
    allow_proxy: bool
    proxy_name: str = Field(description="masked; empty when any adult at the address may sign")
    allow_locker: bool
    wrong_tries: int
    code_locked: bool
    attempt_reason: str
    next_attempt: date | None
    delivered_at: datetime | None


class ParcelList(BaseModel):
    items: list[ParcelOut]


class RecipientPhoneOut(BaseModel):
    phone: str


class AttemptIn(_In):
    reason: Literal["not_home", "refused", "wrong_address", "unreachable", "other"]
    note: str = Field("", max_length=200)
    next_attempt: date


class DeliverForm(BaseModel):
    """The multipart/form-data fields of a confirmation at the door (``photo`` is read as a file)."""

    model_config = ConfigDict(extra="forbid")
    pickup_code: str = Field(pattern=r"^[0-9]{6}$")
    signer_kind: Literal["self", "proxy", "locker"]
    signer_name: str = Field("", max_length=30)
    relation: str = Field("", max_length=20)
    photo: bytes = Field(json_schema_extra={"format": "binary", "contentMediaType": "image/*"}, description="the handed-over parcel")


class StaffQuery(_In):
    view: Literal["trouble", "all"] = "trouble"


class StaffDeliveryOut(BaseModel):
    id: int
    application_id: int
    status: str
    status_label: str
    waybill_no: str | None
    station: str
    recipient_name: str
    escalated: bool
    code_locked: bool
    call_failed: str | None = Field(description="the carrier call that failed and its code, e.g. create_order: B0001")
    attempt_reason: str
    moved_at: datetime | None


class StationOut(BaseModel):
    code: str = Field(description="the station code couriers are scoped to (station:CODE)")
    name: str
    region_prefixes: list[str] = Field(description="division-code prefixes of the places it serves")


class StationList(BaseModel):
    items: list[StationOut]


class StaffDeliveryList(BaseModel):
    items: list[StaffDeliveryOut]


class CarrierReply(BaseModel):
    model_config = ConfigDict(extra="allow")
