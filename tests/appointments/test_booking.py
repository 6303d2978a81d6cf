"""Booking a hall slot: halls, days, slots, hold, confirm, cancel, reschedule, and every refusal."""

from __future__ import annotations

from tests.appointments.conftest import BOOK, FOOD, HALL, book, working_days


async def test_book_confirm_and_see_it_with_its_qr_code(client, resident, halls):
    day = working_days(1)[0]
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": FOOD})
    assert r.status_code == 200, r.text
    listing = r.json()
    assert listing["slots"][0] == {"start": "08:30", "end": "09:00", "capacity": 4, "remaining": 4}
    assert all(not ("12:00" <= s["start"] < "14:00") for s in listing["slots"])
    held = await book(client, resident, day=day, start="09:00")
    assert held["status"] == "held" and held["hold_until"] and held["end"] == "09:30"
    assert held["hall"]["name"] and held["service_name"].startswith("食品经营许可")
    r = await client.post(f"{BOOK}/{held['id']}/confirm", headers=resident)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "booked" and r.json()["hold_until"] is None and r.json()["can_cancel"]
    r = await client.get(BOOK, headers=resident)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    assert [a["id"] for a in r.json()["items"]] == [held["id"]]
    r = await client.get(f"{BOOK}/{held['id']}/qr.svg", headers=resident)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    r = await client.get(f"/api/v1/halls/{HALL}/slots", params={"date": day.isoformat(), "service": FOOD})
    assert next(s for s in r.json()["slots"] if s["start"] == "09:00")["remaining"] == 3
