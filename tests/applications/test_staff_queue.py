"""The staff queue (待办件): hall and department scopes, its tabs, and refusals with a written reason."""

from __future__ import annotations

from auth import service as identity
from auth import sessions
from backend import demo
from backend.applications.models import Application
from backend.kit.models import WorkflowEvent
from notifications.models import Notification
from tests.applications.conftest import staff_headers
from tests.applications.test_applications import API, attach_id_card, key, submitted

STAFF = "/api/v1/staff/applications"
JOBS = "000109004000"  # 就业登记与失业登记 (人社): taken at hall 1; 营业执照 (市场监管) is not


SAMPLE = {"phone": "13912345678", "id_number": "11010519491231002X", "date": "2026-01-05", "number": 1}


async def submitted_jobs_case(client, resident) -> dict:
    """A case of the jobs item with its whole form filled (prefilled values, then a sample of each type)."""
    guide = (await client.get(f"/api/v1/services/{JOBS}")).json()
    form = (await client.get(f"/api/v1/services/{JOBS}/prefill", headers=resident)).json()["values"]
    for f in guide["form_schema"]:
        form.setdefault(f["key"], f["options"][0] if f.get("options") else SAMPLE.get(f["type"], "测试"))
    r = await client.post(API, json={"service_code": JOBS, "form": form}, headers=resident)
    assert r.status_code == 201, r.text
    await attach_id_card(client, resident, r.json()["id"])
    r = await client.post(f"{API}/{r.json()['id']}/submit", headers=resident | key())
    assert r.status_code == 200, r.text
    return r.json()


async def queue(client, headers, view: str | None = None) -> list[int]:
    r = await client.get(STAFF, params={"view": view} if view else {}, headers=headers)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


async def test_a_hall_clerk_sees_and_acts_on_the_cases_of_the_items_the_hall_takes(client, resident):
    clerk = await staff_headers("staff", "hall:1", "13600000021")
    jobs = await submitted_jobs_case(client, resident)
    licence = await submitted(client, resident)
    assert await queue(client, clerk) == [jobs["id"]]
    assert (await client.get(f"{API}/{jobs['id']}", headers=clerk)).status_code == 200
    r = await client.post(f"{STAFF}/{jobs['id']}/accept", json={}, headers=clerk)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    # Another hall's item is as invisible as a case that does not exist.
    assert (await client.get(f"{API}/{licence['id']}", headers=clerk)).status_code == 404
    r = await client.post(f"{STAFF}/{licence['id']}/accept", json={}, headers=clerk)
    assert r.status_code == 404 and r.json()["code"] == "application.not_found"
    assert (await Application.get(id=licence["id"])).status == "submitted"
    other_hall = await staff_headers("staff", "hall:9", "13600000022")
    assert await queue(client, other_hall) == []


async def test_the_demo_clerk_finds_the_demo_residents_cases_waiting(client):
    summary = await demo.seed()
    assert summary["cases"] == 2 and (await demo.seed())["cases"] == 0  # seeding again adds nothing
    clerk = await identity.find_by_phone(phone="13800000002")
    assert clerk is not None
    token, _ = await sessions.create(account_id=None, person_id=clerk.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    headers = {"Authorization": f"Bearer {token}"}
    r = await client.get(STAFF, headers=headers)
    assert [c["status"] for c in r.json()["items"]] == ["submitted", "submitted"]
    first = r.json()["items"][0]
    assert first["materials"] and first["form"]["applicant_name"] == "陈居民"
    photo = await client.get(f"{API}/{first['id']}/materials/{first['materials'][0]['material_id']}/file", headers=headers)
    assert photo.status_code == 200
    assert (await client.post(f"{STAFF}/{first['id']}/accept", json={}, headers=headers)).status_code == 200


async def test_refusing_needs_a_written_reason_and_changes_nothing_without_one(client, resident, approver):
    case = await submitted(client, resident)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": " x "}):
        r = await client.post(f"{STAFF}/{case['id']}/reject", json=body, headers=approver)
        assert r.status_code == 422 and r.json()["code"] == "application.reason_required", r.text
        assert "不予受理" in r.json()["detail"] and "理由" in r.json()["detail"]
    assert (await Application.get(id=case["id"])).status == "submitted"
    assert not await WorkflowEvent.filter(object_id=case["id"], action="reject").exists()


async def test_the_resident_reads_which_refusal_it_was_and_why(client, resident, approver):
    before = await submitted(client, resident)
    r = await client.post(f"{STAFF}/{before['id']}/reject", json={"reason": "  不属于本事项受理范围  "}, headers=approver)
    assert r.status_code == 200
    seen = (await client.get(f"{API}/{before['id']}", headers=resident)).json()
    assert seen["status"] == "rejected"
    assert (seen["timeline"][-1]["text"], seen["timeline"][-1]["note"]) == ("不予受理", "不属于本事项受理范围")
    after = await submitted(client, resident)
    await client.post(f"{STAFF}/{after['id']}/accept", json={}, headers=approver)
    r = await client.post(f"{STAFF}/{after['id']}/reject", json={"reason": "经营范围不符合规定"}, headers=approver)
    assert r.status_code == 200 and r.json()["timeline"][-1]["text"] == "不予许可"
    titles = [n.title for n in await Notification.filter(event="case.rejected").order_by("id")]
    assert titles == ["不予受理：个体工商户设立登记（营业执照）", "不予许可：个体工商户设立登记（营业执照）"]


async def test_a_clerk_cannot_refuse_after_acceptance_only_a_decider_can(client, resident):
    clerk = await staff_headers("staff", "hall:1", "13600000023")
    case = await submitted_jobs_case(client, resident)
    await client.post(f"{STAFF}/{case['id']}/accept", json={}, headers=clerk)
    r = await client.post(f"{STAFF}/{case['id']}/reject", json={"reason": "不符合条件"}, headers=clerk)
    assert r.status_code == 403
    decider = await staff_headers("approver", "hall:1", "13600000024")
    assert (await client.post(f"{STAFF}/{case['id']}/reject", json={"reason": "不符合条件"}, headers=decider)).status_code == 200


async def test_finished_cases_leave_the_todo_tab_for_the_finished_one(client, resident, approver):
    approved = await submitted(client, resident)
    await client.post(f"{STAFF}/{approved['id']}/accept", json={}, headers=approver)
    await client.post(f"{STAFF}/{approved['id']}/approve", json={}, headers=approver)
    refused = await submitted(client, resident)
    await client.post(f"{STAFF}/{refused['id']}/reject", json={"reason": "材料不齐全"}, headers=approver)
    withdrawn = await submitted(client, resident)
    await client.post(f"{API}/{withdrawn['id']}/withdraw", headers=resident)
    correcting = await submitted(client, resident)
    await client.post(
        f"{STAFF}/{correcting['id']}/request-correction", json={"items": [{"item": "id_card", "reason": "照片看不清"}]}, headers=approver
    )
    waiting = await submitted(client, resident)
    accepted = await submitted(client, resident)
    await client.post(f"{STAFF}/{accepted['id']}/accept", json={}, headers=approver)
    assert sorted(await queue(client, approver)) == sorted([waiting["id"], accepted["id"]])
    assert await queue(client, approver, "todo") == await queue(client, approver)
    assert await queue(client, approver, "waiting") == [correcting["id"]]
    assert sorted(await queue(client, approver, "finished")) == sorted([approved["id"], refused["id"], withdrawn["id"]])
    r = await client.get(STAFF, params={"view": "everything"}, headers=approver)
    assert r.status_code == 422


async def test_a_finished_case_cannot_be_refused_reason_or_not(client, resident, approver):
    case = await submitted(client, resident)
    await client.post(f"{STAFF}/{case['id']}/accept", json={}, headers=approver)
    await client.post(f"{STAFF}/{case['id']}/approve", json={}, headers=approver)
    for body in ({}, {"reason": "不符合条件"}):
        r = await client.post(f"{STAFF}/{case['id']}/reject", json=body, headers=approver)
        assert r.status_code == 409 and r.json()["code"] == "application.illegal_transition"
