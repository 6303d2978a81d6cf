"""A delivery station, a resident with a case, a courier of the station and one of another, a clerk."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from backend.applications.models import Application
from backend.delivery.models import DeliveryOrder, Station
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, client, resident, approver)
from tests.applications.conftest import staff_headers
from tests.applications.test_applications import approved_case, submitted
from tests.fakes.ems import FakeEms, make_fake_carrier
from tests.fakes.server import serve
from tests.photos import photo

STATION = "S331002"
REGION = "331002"
ADDRESS = {
    "recipient_name": "张三",
    "recipient_phone": "13912345678",
    "province": "浙江省",
    "city": "台州市",
    "district": "椒江区",
    "street": "蒲亭镇",
    "detail": "文化路 8 号 3 单元 501",
    "region_code": REGION,
}


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
async def stations(resident) -> None:
    await Station.create(code=STATION, name="蒲亭镇投递站", region_prefixes=["3310"], phone="0576-88000000")
    await Station.create(code="S110105", name="朝阳投递站", region_prefixes=["110105"])


@pytest.fixture
async def courier(stations) -> dict[str, str]:
    return await staff_headers("courier", f"station:{STATION}", "13800000005")


@pytest.fixture
async def other_courier(stations) -> dict[str, str]:
    return await staff_headers("courier", "station:S110105", "13800000006")


async def request_delivery(client, headers, application_id: int, **extra) -> dict:
    r = await client.post("/api/v1/deliveries", json={"application_id": application_id, **ADDRESS, **extra}, headers=headers | key())
    assert r.status_code == 201, r.text
    return r.json()


async def issued_case(client, resident, approver) -> dict:
    case = await approved_case(client, resident, approver)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert r.status_code == 200, r.text
    return r.json()


@dataclass(frozen=True)
class Event:
    """The shape of backend.kit.carrier.TrackEvent (what tracking.apply reads)."""

    source: str
    waybill_no: str
    at: datetime
    code: str
    kind: str
    text: str = ""
    place: str = "蒲亭镇投递站"
    signer: str = ""
    key: str = ""


def event(waybill: str, kind: str, code: str, at: datetime | None = None, source: str = "ems", **kw) -> Event:
    return Event(source=source, waybill_no=waybill, at=at or datetime.now(UTC), code=code, kind=kind, **kw)


async def order_of(application_id: int) -> DeliveryOrder:
    return await DeliveryOrder.filter(application_id=application_id).order_by("-id").first()  # type: ignore[return-value]


__all__ = ["Application", "submitted"]


# ---- the fake carrier over real HTTP -------------------------------------------------------------


@pytest.fixture
def ems() -> Iterator[FakeEms]:
    fake = make_fake_carrier()
    with serve(fake.app()) as base:
        fake.base_url = base
        yield fake


@pytest.fixture
def pickup_sms(sms) -> Iterator:
    """The fake SMS service knows the pickup-code template (SMS_PICKUP_CODE) for the test."""
    before = sms.templates
    sms.templates = (*before, "SMS_PICKUP_CODE")
    yield sms
    sms.templates = before


def with_carrier(settings, ems: FakeEms):
    """Settings whose app talks to the fake carrier (EMS and Kuaidi100) over HTTP (a test module's ``auth_settings``)."""
    return dataclasses.replace(
        settings,
        ems_api_base=ems.base_url,
        ems_sender_no=ems.sender_no,
        ems_authorization=ems.authorization,
        ems_sign_key=ems.sign_key,
        kuaidi100_api_base=ems.base_url,
        kuaidi100_customer=ems.kuaidi_customer,
        kuaidi100_key=ems.kuaidi_key,
        kuaidi100_salt=ems.kuaidi_salt,
        public_url="http://testserver",
    )


async def push(client, ems: FakeEms, waybill: str, op_code: str, **kw) -> httpx.Response:
    """The fake's signed 040002 push of one event, posted to our callback (as EMS would)."""
    return await client.post("/api/v1/carrier/ems/push", data=ems.push_form(waybill_no=waybill, op_code=op_code, **kw))


async def shipped(client, resident, approver, ems, **consents) -> tuple[dict, DeliveryOrder]:
    """A certificate issued, delivery requested, the carrier asked for a waybill and a subscription."""
    from backend.delivery import jobs

    case = await issued_case(client, resident, approver)
    await request_delivery(client, resident, case["id"], **consents)
    assert await jobs.work_once() == 1  # create_order
    assert await jobs.work_once() == 1  # subscribe at Kuaidi100
    return case, await order_of(case["id"])


async def out_for_delivery(client, resident, approver, ems, **consents) -> tuple[dict, DeliveryOrder, str]:
    """…then picked up and out for delivery: returns the case, the order and the pickup code texted to the recipient."""
    case, order = await shipped(client, resident, approver, ems, **consents)
    assert order.waybill_no
    for code in ("203", "306", "702"):
        r = await push(client, ems, order.waybill_no, code)
        assert r.status_code == 200 and r.json()["code"] == "00000", r.text
    order = await order_of(case["id"])
    assert order.status == "out_for_delivery"
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    return case, order, card["pickup_code"]


async def confirm(client, courier, order_id: int, code: str, *, headers: dict | None = None, **fields) -> httpx.Response:
    data = {"pickup_code": code, "signer_kind": "self", **fields}
    return await client.post(
        f"/api/v1/courier/parcels/{order_id}/deliver",
        data=data,
        files={"photo": ("parcel.jpg", photo(1200, 900), "image/jpeg")},
        headers=courier | (headers or key()),
    )
