"""Each process's copy of the halls' booking set-up: read again when another process announces an edit."""

from __future__ import annotations

from backend.appointments import setup_cache
from backend.appointments.models import DayOverride, WindowGroup
from backend.kit.resources import current
from tests.appointments.conftest import BOOK, FOOD, HALL, key, working_days


async def test_an_edit_announced_by_another_process_is_seen_at_the_next_look(client, resident, halls, monkeypatch):
    monkeypatch.setattr(setup_cache, "LOOK_EVERY", 0.0)  # look at the version keys on every request
    day = working_days(2)[1]
    params = {"date": day.isoformat(), "service": FOOD}
    assert (await client.get(f"/api/v1/halls/{HALL}/slots", params=params)).status_code == 200
    # Another process closes the date: committed, but not announced yet.
    group = await WindowGroup.get(hall_code=HALL, name="综合窗口")
    await DayOverride.create(group_id=group.id, date=day, closed=True, note="停电")
    assert (await client.get(f"/api/v1/halls/{HALL}/slots", params=params)).status_code == 200  # this process's copy
    # Its announcement (what setup_cache.changed() does there) reaches this process at the next request.
    await current().broker.set(setup_cache.VERSION_KEY, b"edited elsewhere")
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params=params)
    assert r.status_code == 422 and "闭厅" in r.json()["detail"]
    body = {"hall_code": HALL, "service_code": FOOD, "date": day.isoformat(), "start": "09:00"}
    r = await client.post(BOOK, json=body, headers=resident | key())
    assert r.status_code == 422 and "闭厅" in r.json()["detail"], r.text
