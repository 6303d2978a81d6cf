"""Demo township worker (idempotent): 周代办 of 蒲亭镇 (德安县), who does errands for villagers without smartphones.

They log in at /staff/login with 13800000007, the demo password and the console SMS code, and work at
/assist (帮办代办). Demo only: never seed a production database.
"""

from __future__ import annotations

from typing import Any

from auth import service as identity

TOWNSHIP = "360426100"  # 蒲亭镇, 德安县
WORKER = {"name": "周代办", "phone": "13800000007", "role": "staff", "scope": f"township:{TOWNSHIP}"}


async def seed(*, password: str) -> dict[str, Any]:
    """The township worker, with their township scope."""
    worker = await identity.find_by_phone(phone=WORKER["phone"])
    created = worker is None
    if worker is None:
        worker = await identity.create_person(name=WORKER["name"], phone=WORKER["phone"], actor="seed-demo", password=password)
    await identity.grant_role(person=worker, role=WORKER["role"], scope=WORKER["scope"], actor="seed-demo")
    return {"workers": 1, "created": int(created)}
