"""Demo halls for appointments (idempotent): details, a 综合窗口 per hall, 户政 windows at the county hall.

Every item that needs an appointment (需预约) is bookable at the county hall (hall 2), whose
综合窗口 takes every item. Demo only: never seed a production database.
"""

from __future__ import annotations

from typing import Any

from backend.appointments.models import Schedule, WindowGroup
from backend.catalog.models import Hall
from backend.kit.transactions import transaction

DE_AN = "360426"  # 江西省九江市德安县
HOURS = "周一至周五 上午8:30—12:00，下午14:00—17:30（法定节假日除外）"
HALL_DETAILS: dict[str, dict[str, Any]] = {
    "1": {
        "district": "德安县",
        "township": "蒲亭镇",
        "region": DE_AN,
        "hours": HOURS,
        "latitude": 29.3136,
        "longitude": 115.7671,
        "phone": "0792-4321101",
    },
    "2": {
        "district": "德安县",
        "township": "",
        "region": DE_AN,
        "hours": HOURS,
        "latitude": 29.3279,
        "longitude": 115.7553,
        "phone": "0792-4321000",
    },
}
POLICE_ITEMS = ["000111001000", "000111002000", "000111003000"]  # 居住证, 身份证换领补领, 户口迁移
GROUPS: tuple[dict[str, Any], ...] = (
    {"hall_code": "1", "name": "综合窗口", "ticket_prefix": "A", "items": [], "windows": ["1号窗口", "2号窗口"]},
    {"hall_code": "2", "name": "综合窗口", "ticket_prefix": "A", "items": [], "windows": ["1号窗口", "2号窗口"]},
    {"hall_code": "2", "name": "公安户政窗口", "ticket_prefix": "B", "items": POLICE_ITEMS, "windows": ["8号窗口"]},
)
WEEKDAY: dict[str, Any] = {
    "opens": "08:30",
    "closes": "17:30",
    "lunch_from": "12:00",
    "lunch_to": "14:00",
    "slot_minutes": 30,
    "capacity": 4,
}


async def seed() -> dict[str, int]:
    """Hall details, window groups and their Monday–Friday schedules; existing groups are left as they are."""
    created = 0
    async with transaction():
        for code, details in HALL_DETAILS.items():
            await Hall.filter(code=code).update(**details)
        halls = set(await Hall.filter(code__in=list(HALL_DETAILS)).values_list("code", flat=True))
        for spec in GROUPS:
            if spec["hall_code"] not in halls:
                continue
            group = await WindowGroup.get_or_none(hall_code=spec["hall_code"], name=spec["name"])
            if group is None:
                group = await WindowGroup.create(**spec)
                created += 1
            if not await Schedule.exists(group_id=group.id):
                for weekday in range(5):
                    await Schedule.create(group_id=group.id, weekday=weekday, **WEEKDAY)
    return {"groups": len(GROUPS), "groups_created": created}
