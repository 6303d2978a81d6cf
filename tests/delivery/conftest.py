"""A delivery station, a resident with a case, a courier of the station and one of another, a clerk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backend.applications.models import Application
from backend.delivery.models import DeliveryOrder, Station
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, client, resident, approver)
from tests.applications.conftest import staff_headers
from tests.applications.test_applications import approved_case, submitted

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
