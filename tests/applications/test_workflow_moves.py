"""Every move of the application workflow, taken through the API as residents and clerks take it."""

from __future__ import annotations

import pytest

from tests.applications.test_applications import API, approved_case, attach_id_card, draft, key, submitted

STAFF = "/api/v1/staff/applications"


async def _in_status(client, resident, approver, status: str) -> dict:
    """A case brought to ``status`` by the steps people take."""
    if status == "draft":
        return await draft(client, resident)
    if status in ("approved", "certificate_issued", "collected"):
        case = await approved_case(client, resident, approver)
        if status != "approved":
            await client.post(f"{STAFF}/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
        if status == "collected":
            await client.post(f"{STAFF}/{case['id']}/collect", headers=approver)
        return case
    case = await submitted(client, resident)
    steps = {"accepted": ["accept"], "correction_requested": ["request-correction"], "rejected": ["reject"]}.get(status, [])
    for step in steps:
        body = (
            {"items": [{"item": "id_card", "reason": "照片看不清"}]}
            if step == "request-correction"
            else ({"reason": "不符合条件"} if step == "reject" else {})
        )
        r = await client.post(f"{STAFF}/{case['id']}/{step}", json=body, headers=approver)
        assert r.status_code == 200, r.text
    return case


@pytest.mark.parametrize(
    "status", ["submitted", "correction_requested", "accepted", "approved", "certificate_issued", "rejected", "collected"]
)
async def test_a_trip_is_recorded_in_every_open_status(client, resident, approver, status):
    case = await _in_status(client, resident, approver, status)
    r = await client.post(f"{STAFF}/{case['id']}/trip", headers=approver)
    assert r.status_code == 200 and r.json()["status"] == status and r.json()["trips"] == 1


@pytest.mark.parametrize("status", ["draft", "submitted", "correction_requested"])
async def test_the_resident_withdraws_before_acceptance(client, resident, approver, status):
    case = await _in_status(client, resident, approver, status)
    r = await client.post(f"{API}/{case['id']}/withdraw", headers=resident)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["timeline"][-1]["text"] == "已撤回"
    again = await client.post(f"{API}/{case['id']}/withdraw", headers=resident)
    assert again.status_code == 409 and "已撤回" in again.json()["detail"]


@pytest.mark.parametrize("status", ["submitted", "accepted"])
async def test_a_case_is_refused_before_or_after_acceptance(client, resident, approver, status):
    case = await _in_status(client, resident, approver, status)
    r = await client.post(f"{STAFF}/{case['id']}/reject", json={"reason": "不符合申请条件"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["on_time"] is True


@pytest.mark.parametrize("status", ["draft", "correction_requested"])
async def test_materials_change_only_while_the_resident_can_edit(client, resident, approver, status):
    done = await approved_case(client, resident, approver)  # first: one open draft per item
    case = await _in_status(client, resident, approver, status)
    attached = await attach_id_card(client, resident, case["id"])
    material_id = attached["materials"][-1]["material_id"]
    r = await client.delete(f"{API}/{case['id']}/materials/id_card/{material_id}", headers=resident)
    assert r.status_code == 200, r.text
    refused = await client.delete(f"{API}/{done['id']}/materials/id_card/{done['materials'][0]['material_id']}", headers=resident)
    assert refused.status_code == 409 and refused.json()["code"] == "application.illegal_transition"
    assert "审批通过" in refused.json()["detail"] and "移除材料" in refused.json()["detail"]
    assert (await client.post(f"{API}/{done['id']}/submit", headers=resident | key())).status_code == 409
