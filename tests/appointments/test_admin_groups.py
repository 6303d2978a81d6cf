"""Administrators read a window group with its schedule and coming date changes, and change the group itself."""

from __future__ import annotations

from datetime import timedelta

from backend.appointments import slots
from backend.appointments.models import WindowGroup
from backend.catalog.models import Hall
from backend.kit.models import AuditEntry
from tests.appointments.conftest import *  # noqa: F401,F403
from tests.appointments.conftest import TOWN_HALL
from tests.appointments.test_booking import problem

GROUPS = "/api/v1/admin/groups"


async def test_a_group_reads_back_with_its_schedule_and_only_coming_overrides(client, resident, admin, halls):
    group = await WindowGroup.filter(hall_code=TOWN_HALL).first()
    assert group is not None
    week = {
        "days": [
            {"weekday": d, "opens": "09:00", "closes": "11:30", "lunch_from": "", "lunch_to": "", "slot_minutes": 30, "capacity": 3}
            for d in (4, 0, 2)
        ]
    }
    assert (await client.put(f"{GROUPS}/{group.id}/schedule", json=week, headers=admin)).status_code == 200
    today = slots.local_today()
    for day, body in ((today - timedelta(days=3), {"closed": True}), (today + timedelta(days=9), {"extra_capacity": 2, "note": "加开"})):
        assert (await client.put(f"{GROUPS}/{group.id}/overrides/{day.isoformat()}", json=body, headers=admin)).status_code == 200
    r = await client.get(f"{GROUPS}/{group.id}", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == group.id and body["hall_code"] == TOWN_HALL and body["name"] == group.name
    assert [d["weekday"] for d in body["schedule"]] == [0, 2, 4] and body["schedule"][0]["closes"] == "11:30"
    assert body["overrides"] == [{"date": (today + timedelta(days=9)).isoformat(), "closed": False, "extra_capacity": 2, "note": "加开"}]
    problem(await client.get(f"{GROUPS}/999999", headers=admin), 404, "appointments.group_not_found")
    problem(await client.get(f"{GROUPS}/{group.id}", headers=resident), 403, "auth.forbidden")


async def test_a_group_is_changed_audited_and_refuses_items_the_hall_does_not_take(client, resident, admin, halls):
    group = await WindowGroup.filter(hall_code=TOWN_HALL).first()
    assert group is not None
    item = (await Hall.get(code=TOWN_HALL)).items[0]
    change = {
        "name": "民政专窗",
        "items": [item],
        "windows": ["3号窗口"],
        "ticket_prefix": "M",
        "horizon_days": 21,
        "cutoff_minutes": 60,
        "active": True,
    }
    r = await client.put(f"{GROUPS}/{group.id}", json=change, headers=admin)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in change} == change
    row = await AuditEntry.get(action="appointments.group_saved", object_id=str(group.id))
    assert "name" in row.detail["fields"] and "ticket_prefix" in row.detail["fields"] and row.detail["hall"] == TOWN_HALL
    problem(
        await client.put(f"{GROUPS}/{group.id}", json=change | {"items": ["no-such-item"]}, headers=admin),
        422,
        "appointments.unknown_items",
    )
    problem(await client.put(f"{GROUPS}/{group.id}", json=change | {"ticket_prefix": "m1"}, headers=admin), 422, "request.invalid")
    problem(await client.put(f"{GROUPS}/999999", json=change, headers=admin), 404, "appointments.group_not_found")
    problem(await client.put(f"{GROUPS}/{group.id}", json=change, headers=resident), 403, "auth.forbidden")
    assert (await WindowGroup.get(id=group.id)).ticket_prefix == "M"
