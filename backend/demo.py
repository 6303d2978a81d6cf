"""Demo data for `make run` (idempotent): staff for every demo role, and a resident whose
submitted cases wait in the demo clerk's queue.

Staff log in with their phone, the demo password below and the SMS code that the console SMS
provider prints to the log; the resident logs in with the phone and the SMS code. Demo only:
never seed a production database.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from PIL import Image, ImageDraw

from auth import service as identity
from backend.applications import flows, tracking
from backend.applications.flows import APPLICATION
from backend.applications.models import Application, AttachedMaterial
from backend.appointments import demo as appointments_demo
from backend.assisted import demo as assisted_demo
from backend.catalog import demo as catalog_demo
from backend.catalog import service as catalog
from backend.delivery import demo as delivery_demo
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal, transition
from backend.materials import service as materials

DEMO_PASSWORD = "yiwang-demo-2026"
DEMO_PEOPLE = (
    {"name": "王管理", "phone": "13800000001", "role": "admin", "scope": ""},
    {"name": "李窗口", "phone": "13800000002", "role": "staff", "scope": "hall:1"},  # 综合窗口: 受理, 补正, 不予受理
    {"name": "赵审批", "phone": "13800000003", "role": "approver", "scope": "hall:1"},  # 审批通过, 不予许可
    {"name": "周审计", "phone": "13800000006", "role": "auditor", "scope": ""},  # 审计日志: chain verification and search
)
DEMO_RESIDENT = {"name": "陈居民", "phone": "13800000004", "id_number": "110105194003150049"}  # born 1940: 高龄津贴 fits
# Items taken at hall 1 whose only required material is the ID card.
DEMO_CASES = ("000110004000", "000109004000")  # 高龄津贴申领, 就业登记与失业登记


def _demo_id_card() -> bytes:
    page = Image.new("RGB", (1200, 760), (236, 240, 244))
    draw = ImageDraw.Draw(page)
    draw.rectangle([30, 30, 1170, 730], outline=(60, 90, 140), width=6)
    draw.text((80, 90), "DEMO ID CARD - NOT A REAL DOCUMENT", fill=(40, 40, 40), font_size=48)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _seed_cases(person_id: int) -> int:
    """Submitted cases of the demo resident, once (a resident who has cases already is left alone)."""
    if await Application.exists(person_id=person_id):
        return 0
    photo = await materials.store_issued(
        person_id=person_id, issued=await materials.prepare_issued(_demo_id_card()), kind="居民身份证", expires_on=None, actor="seed-demo"
    )
    resident = Principal(actor=f"person:{person_id}", on_behalf_of=f"person:{person_id}")
    form = {
        "applicant_name": DEMO_RESIDENT["name"],
        "applicant_id_number": DEMO_RESIDENT["id_number"],
        "contact_phone": DEMO_RESIDENT["phone"],
    }
    today = datetime.now(UTC).date()
    for code in DEMO_CASES:
        guide = await catalog.guide(code=code)
        async with transaction():
            application = await Application.create(
                person_id=person_id,
                service_code=guide.code,
                service_name=guide.name,
                department_id=guide.department,
                form={f.key: form[f.key] for f in guide.form_schema if f.key in form},
                **APPLICATION.fields_for_create(),
            )
            await AttachedMaterial.create(application_id=application.id, material_key="id_card", material_id=photo.id, reused=False)
            await transition(
                APPLICATION,
                application,
                action="submit",
                by=resident,
                changes={
                    "tracking_no": await tracking.unused_tracking_number(),
                    "due_date": flows.due_date(today, guide.promised_limit_days),
                },
            )
    return len(DEMO_CASES)


async def seed() -> dict[str, Any]:
    created = 0
    for entry in DEMO_PEOPLE:
        person = await identity.find_by_phone(phone=entry["phone"])
        if person is None:
            person = await identity.create_person(name=entry["name"], phone=entry["phone"], actor="seed-demo", password=DEMO_PASSWORD)
            created += 1
        await identity.grant_role(person=person, role=entry["role"], scope=entry["scope"], actor="seed-demo")
    summary = await catalog_demo.seed()
    halls = await appointments_demo.seed()
    resident = await identity.find_by_phone(phone=DEMO_RESIDENT["phone"])
    if resident is None:
        resident = await identity.create_person(name=DEMO_RESIDENT["name"], phone=DEMO_RESIDENT["phone"], actor="seed-demo")
        created += 1
    cases = await _seed_cases(resident.id)
    photo = await AttachedMaterial.filter(application__person_id=resident.id, material_key="id_card").first()
    delivery = await delivery_demo.seed(
        password=DEMO_PASSWORD,
        resident_id=resident.id,
        resident_name=DEMO_RESIDENT["name"],
        resident_phone=DEMO_RESIDENT["phone"],
        id_number=DEMO_RESIDENT["id_number"],
        photo_id=photo.material_id if photo else None,
    )
    return {
        "people": len(DEMO_PEOPLE) + 2,
        "created": created,
        "catalog": summary,
        "cases": cases,
        "appointments": halls,
        "delivery": delivery,
        "assisted": await assisted_demo.seed(password=DEMO_PASSWORD),
    }
