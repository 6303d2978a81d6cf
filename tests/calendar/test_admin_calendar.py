"""The administrators' calendar through the real app, on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import pytest

from backend.applications import flows
from backend.calendar import service as calendar
from backend.calendar.models import CalendarDay
from backend.kit import workdays
from backend.kit.config import ConfigError, Settings
from backend.kit.models import AuditEntry
from backend.kit.resources import current, opened
from backend.kit.workdays import add_working_days, calendar_known, is_working_day
from tests.calendar.conftest import SHIPPED

YANBIAN_HALL = "222401"  # 延吉市
ILI_HALL = "654002"  # 伊宁市
ELSEWHERE = "110105"


async def test_a_regional_holiday_closes_only_its_region(shipped):
    # 延边 自治州成立纪念日, a Thursday in 2026 and a Friday in 2027
    for day in (date(2026, 9, 3), date(2027, 9, 3)):
        assert not is_working_day(day, YANBIAN_HALL)
        assert is_working_day(day, ELSEWHERE)
        assert is_working_day(day, ILI_HALL)
        assert is_working_day(day)  # the national calendar
    assert add_working_days(date(2026, 9, 2), 1, YANBIAN_HALL) == date(2026, 9, 4)
    assert add_working_days(date(2026, 9, 2), 1, ELSEWHERE) == date(2026, 9, 3)
    # 新疆 (Ili included): 肉孜节 and 古尔邦节
    for day in (date(2026, 3, 20), date(2026, 5, 27), date(2026, 5, 29), date(2027, 3, 10), date(2027, 5, 17)):
        assert not is_working_day(day, ILI_HALL), day
        assert is_working_day(day, YANBIAN_HALL), day
    assert add_working_days(date(2026, 5, 26), 1, ILI_HALL) == date(2026, 6, 1)
    # Regional rows never make a year's national calendar known.
    assert not calendar_known(2027)


async def test_the_listing_shows_statutory_and_regional_days_for_a_region(client, admin, shipped):
    r = await client.get("/api/v1/admin/calendar", params={"year": 2026, "region": YANBIAN_HALL}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["known"] is True and body["warning"] is None
    by_date = {(d["date"], d["source"]): d for d in body["days"]}
    assert by_date[("2026-02-17", "statutory")]["name"] == "春节"
    assert by_date[("2026-02-14", "statutory")]["kind"] == "workday"
    assert by_date[("2026-09-03", "regional")]["region"] == "2224"
    assert not any(d["region"] == "65" for d in body["days"])  # Xinjiang's days do not apply to Yanbian
    everything = (await client.get("/api/v1/admin/calendar", params={"year": 2026}, headers=admin)).json()
    assert {d["region"] for d in everything["days"]} == {"", "65", "2224"}


async def test_an_admin_entered_notice_moves_deadlines_and_makes_the_year_known(client, admin):
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert not is_working_day(date(2027, 2, 20)) and not calendar_known(2027)
    # A 调休 notice as the State Council might publish it: 2月5日至11日放假, 2月20日（周六）上班.
    notice = [("2027-02-09", "holiday", "春节"), ("2027-02-10", "holiday", "春节"), ("2027-02-11", "holiday", "春节")]
    notice.append(("2027-02-20", "workday", "春节调休上班"))
    for day, kind, name in notice:
        r = await client.post("/api/v1/admin/calendar/days", json={"date": day, "kind": kind, "name": name}, headers=admin)
        assert r.status_code == 201, r.text
        assert r.json()["source"] == "official"
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert is_working_day(date(2027, 2, 20))
    assert add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    assert calendar_known(2027)
    status = (await client.get("/api/v1/admin/calendar/status", headers=admin)).json()
    assert {"year": 2027, "known": True, "warning": None} in status["years"]
    # Once the notice is entered, the law's days stay and the estimated 补假 give way to it.
    assert not is_working_day(date(2027, 2, 8)) and not is_working_day(date(2027, 10, 1))
    assert is_working_day(date(2027, 10, 4))
    # Removing a day undoes it at once.
    listing = (await client.get("/api/v1/admin/calendar", params={"year": 2027, "region": ""}, headers=admin)).json()
    saturday = next(d for d in listing["days"] if d["date"] == "2027-02-20" and d["source"] == "official")
    r = await client.delete(f"/api/v1/admin/calendar/days/{saturday['id']}", headers=admin)
    assert r.status_code == 200, r.text
    assert not is_working_day(date(2027, 2, 20))
    actions = await AuditEntry.filter(object_type="calendar_day").values_list("action", flat=True)
    assert sorted(actions) == ["calendar.day_added"] * 4 + ["calendar.day_removed"]


async def test_an_unknown_year_warns_admins_and_counts_monday_to_friday(client, admin):
    r = await client.get("/api/v1/admin/calendar/status", params={"year": 2031}, headers=admin)
    assert r.status_code == 200, r.text
    years = {y["year"]: y for y in r.json()["years"]}
    assert years[2031]["known"] is False and "周一至周五" in years[2031]["warning"]
    assert years[2027]["known"] is False and "调休" in years[2027]["warning"]  # next year, notice not yet entered
    listing = (await client.get("/api/v1/admin/calendar", params={"year": 2031}, headers=admin)).json()
    assert listing["known"] is False and listing["warning"] and listing["days"] == []
    assert is_working_day(date(2031, 10, 1)) and add_working_days(date(2031, 10, 3), 1) == date(2031, 10, 6)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"date": "2027-02-20", "kind": "vacation", "name": "x"}, "kind", "literal_error"),
        ({"date": "2027-02-30", "kind": "holiday", "name": "x"}, "date", "date_from_datetime_parsing"),
        ({"date": "二月二十日", "kind": "holiday", "name": "x"}, "date", "date_from_datetime_parsing"),
        ({"date": "2027-02-20", "kind": "holiday", "name": "x", "region": "6"}, "region", "string_pattern_mismatch"),
        ({"date": "2027-02-20", "kind": "holiday", "name": ""}, "name", "string_too_short"),
    ],
)
async def test_bad_input_is_refused_field_by_field(client, admin, body, field, code):
    r = await client.post("/api/v1/admin/calendar/days", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "request.invalid"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(f"body.{field}", code)]
    assert await CalendarDay.all().count() == await CalendarDay.filter(created_by="built-in").count()


async def test_a_second_entry_for_the_same_day_and_region_is_a_conflict(client, admin):
    body = {"date": "2027-03-10", "kind": "holiday", "name": "肉孜节", "region": "65"}
    await CalendarDay.filter(date=date(2027, 3, 10), region="65").delete()  # the shipped row, on SQLite
    answers = await asyncio.gather(*(client.post("/api/v1/admin/calendar/days", json=body, headers=admin) for _ in range(50)))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 49
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"calendar.day_exists"}
    assert (await client.post("/api/v1/admin/calendar/days", json=body | {"kind": "workday"}, headers=admin)).status_code == 409
    # Another region on the same date is a different row.
    assert (await client.post("/api/v1/admin/calendar/days", json=body | {"region": "6540"}, headers=admin)).status_code == 201
    r = await client.delete("/api/v1/admin/calendar/days/987654", headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "calendar.day_not_found"


async def test_only_administrators(client, clerk):
    calls = [
        ("GET", "/api/v1/admin/calendar?year=2027", None),
        ("GET", "/api/v1/admin/calendar/status", None),
        ("POST", "/api/v1/admin/calendar/days", {"date": "2027-02-20", "kind": "workday", "name": "调休上班"}),
        ("DELETE", "/api/v1/admin/calendar/days/1", None),
    ]
    for method, path, body in calls:
        r = await client.request(method, path, json=body, headers=clerk)
        assert r.status_code == 403, (path, r.text)
        assert (await client.request(method, path, json=body)).status_code == 401
    assert await CalendarDay.filter(date=date(2027, 2, 20)).count() == 0


async def test_another_process_learns_an_edit_through_the_broker(app, admin):
    """A row written by another process, announced by the version key: this process's watcher reloads it."""
    stop = asyncio.Event()
    watcher = asyncio.create_task(calendar.watch(stop, look_every=0.01))
    await asyncio.sleep(0)
    await CalendarDay.create(date=date(2027, 2, 20), kind="workday", name="春节调休上班", region="", source="official", created_by="t")
    assert not is_working_day(date(2027, 2, 20))
    await current().broker.set(calendar.VERSION_KEY, b"from-another-process")

    async def learned() -> None:
        while not is_working_day(date(2027, 2, 20)):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(learned(), timeout=10)
    stop.set()
    await watcher


async def test_the_legal_clock_uses_the_deployment_region(settings):
    with pytest.raises(ConfigError):
        Settings.from_env({"YIWANG_REGION": "2224"})
    assert Settings.from_env({"YIWANG_REGION": YANBIAN_HALL}).region == YANBIAN_HALL
    for region, due in (("", date(2026, 9, 3)), (YANBIAN_HALL, date(2026, 9, 4))):
        async with opened(dataclasses.replace(settings, region=region)):
            from tortoise import connections

            for statement in SHIPPED.statements():
                await connections.get("default").execute_script(statement)
            await calendar.refresh()
            assert flows.due_date(date(2026, 9, 2), 1) == due
            calendar.forget()
    assert workdays.overrides() == ()
