"""Demo data for `make run` (idempotent): an administrator and a hall clerk to look around with.

Both log in as staff with their phone, the demo password below and the SMS code that the
console SMS provider prints to the log. Demo only: never seed a production database.
"""

from __future__ import annotations

from typing import Any

from auth import service as identity
from backend.catalog import demo as catalog_demo

DEMO_PASSWORD = "yiwang-demo-2026"
DEMO_PEOPLE = (
    {"name": "王管理", "phone": "13800000001", "role": "admin", "scope": ""},
    {"name": "李窗口", "phone": "13800000002", "role": "staff", "scope": "hall:1"},
)


async def seed() -> dict[str, Any]:
    created = 0
    for entry in DEMO_PEOPLE:
        person = await identity.find_by_phone(phone=entry["phone"])
        if person is None:
            person = await identity.create_person(name=entry["name"], phone=entry["phone"], actor="seed-demo", password=DEMO_PASSWORD)
            created += 1
        await identity.grant_role(person=person, role=entry["role"], scope=entry["scope"], actor="seed-demo")
    return {"people": len(DEMO_PEOPLE), "created": created, "catalog": await catalog_demo.seed()}
