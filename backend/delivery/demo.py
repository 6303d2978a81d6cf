"""Demo delivery (idempotent): the 蒲亭镇 station, its courier, and the demo resident's licence out for delivery.

The courier 孙投递 logs in at /staff/login with 13800000005, the demo password and the console SMS
code; the parcel's pickup code shows on the resident's case (陈居民). Demo only: never seed a
production database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auth import service as identity
from backend.applications import flows, tracking
from backend.applications.flows import APPLICATION
from backend.applications.models import Application, AttachedMaterial
from backend.catalog import service as catalog
from backend.delivery import service
from backend.delivery.flows import DELIVERY
from backend.delivery.models import CarrierCall, DeliveryOrder, Station
from backend.delivery.schemas import DeliveryCreate
from backend.kit.transactions import transaction
from backend.kit.workflow import SYSTEM, Principal, transition

STATION = {"code": "S331002", "name": "蒲亭镇投递站", "region_prefixes": ["360426"], "phone": "0792-4322000"}
COURIER = {"name": "孙投递", "phone": "13800000005", "role": "courier", "scope": f"station:{STATION['code']}"}
LICENCE = "000105001000"  # 个体工商户设立登记: its licence may go by EMS
ADDRESS = {
    "province": "江西省",
    "city": "九江市",
    "district": "德安县",
    "street": "蒲亭镇",
    "detail": "东村 12 号",
    "region_code": "360426",
}


async def seed(
    *, password: str, resident_id: int, resident_name: str, resident_phone: str, id_number: str, photo_id: int | None
) -> dict[str, Any]:
    """The station and courier always; the parcel once (a resident with a delivery already is left alone)."""
    await Station.get_or_create(code=STATION["code"], defaults={k: v for k, v in STATION.items() if k != "code"})
    courier = await identity.find_by_phone(phone=COURIER["phone"])
    if courier is None:
        courier = await identity.create_person(name=COURIER["name"], phone=COURIER["phone"], actor="seed-demo", password=password)
    await identity.grant_role(person=courier, role=COURIER["role"], scope=COURIER["scope"], actor="seed-demo")
    if await DeliveryOrder.exists(person_id=resident_id):
        return {"parcels": 0}
    guide = await catalog.guide(code=LICENCE)
    resident = Principal(actor=f"person:{resident_id}", on_behalf_of=f"person:{resident_id}")
    clerk = Principal(actor="seed-demo")
    form = {
        "applicant_name": resident_name,
        "applicant_id_number": id_number,
        "contact_phone": resident_phone,
        "business_name": "陈记小吃店",
        "business_scope": "餐饮服务",
        "address": "江西省九江市德安县蒲亭镇东村 12 号",
    }
    today = datetime.now(UTC).date()
    async with transaction():
        application = await Application.create(
            person_id=resident_id,
            service_code=guide.code,
            service_name=guide.name,
            department_id=guide.department,
            form={f.key: form[f.key] for f in guide.form_schema if f.key in form},
            **APPLICATION.fields_for_create(),
        )
        if photo_id is not None:
            await AttachedMaterial.create(application_id=application.id, material_key="id_card", material_id=photo_id, reused=False)
        changes = {"tracking_no": await tracking.unused_tracking_number(), "due_date": flows.due_date(today, guide.promised_limit_days)}
        application = await transition(APPLICATION, application, action="submit", by=resident, changes=changes)
        for action in ("accept", "approve"):
            application = await transition(APPLICATION, application, action=action, by=clerk)
        body = DeliveryCreate(application_id=application.id, recipient_name=resident_name, recipient_phone=resident_phone, **ADDRESS)
        order = await service.request(person_id=resident_id, by=resident, body=body)
        await transition(APPLICATION, application, action="issue_certificate", by=clerk, note="营业执照")
        order = await transition(DELIVERY, order, action="waybill", by=SYSTEM, changes={"waybill_no": "1100880000012"})
        for action in ("pick_up", "transit", "dispatch"):
            order = await transition(DELIVERY, order, action=action, by=Principal(actor="carrier:ems"))
        # The demo waybill was never ordered from a carrier: nothing is left for the worker to ask.
        await CarrierCall.filter(order_id=order.id).update(state="done")
    return {"parcels": 1}
