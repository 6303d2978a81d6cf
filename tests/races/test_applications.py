"""Races on applications: one open draft per item, one submission, one decision, one certificate."""

from __future__ import annotations

import uuid

from backend.applications.models import Application, AttachedMaterial, Certificate
from backend.kit.models import IdempotencyRecord, WorkflowEvent
from backend.materials.models import Material
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.applications.test_applications import attach_id_card
from tests.photos import photo
from tests.races.conftest import N, assert_no_5xx, assert_one_winner, outcome, race, race_with_inserts_held

API = "/api/v1/applications"


async def _start(client, headers) -> dict:
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _ready_draft(client, headers) -> dict:
    case = await _start(client, headers)
    await attach_id_card(client, headers, case["id"])
    return case


async def _submitted(client, headers) -> dict:
    case = await _ready_draft(client, headers)
    r = await client.post(f"{API}/{case['id']}/submit", headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    return r.json()


async def test_fifty_starts_of_one_item_leave_one_draft_that_every_answer_returns(client, resident, settings):
    answers = await race_with_inserts_held(
        settings, "application", (client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=resident) for _ in range(N))
    )
    assert_no_5xx(answers)
    assert sorted(r.status_code for r in answers) == [200] * (N - 1) + [201], outcome(answers)
    assert len({r.json()["id"] for r in answers}) == 1
    assert await Application.filter(status="draft").count() == 1


async def test_starting_again_resumes_the_open_draft_and_after_submitting_starts_a_new_one(client, resident):
    case = await _ready_draft(client, resident)
    await client.put(f"{API}/{case['id']}/form", json={"form": VALID_FORM | {"business_name": "张三面馆"}}, headers=resident)
    again = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=resident)
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    assert again.json()["form"]["business_name"] == "张三面馆"  # what was saved is kept, not replaced by the new start
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    fresh = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=resident)
    assert fresh.status_code == 201 and fresh.json()["id"] != case["id"]


async def test_fifty_submits_with_one_idempotency_key_run_once(client, resident):
    case = await _ready_draft(client, resident)
    headers = resident | {"Idempotency-Key": "submit-once"}
    answers = await race(client.post(f"{API}/{case['id']}/submit", headers=headers) for _ in range(N))
    assert_no_5xx(answers)
    firsts = [r for r in answers if r.status_code == 200 and "idempotent-replayed" not in r.headers]
    assert len(firsts) == 1, outcome(answers)
    for r in answers:
        if r.status_code == 200:
            assert r.content == firsts[0].content  # a replay is the first answer, byte for byte
        else:
            assert r.status_code == 409 and r.json()["code"] == "idempotency.in_flight" and r.headers["retry-after"], r.text
    assert await WorkflowEvent.filter(object_type="application", object_id=case["id"], action="submit").count() == 1
    assert await IdempotencyRecord.filter(key="submit-once").count() == 1


async def test_fifty_submits_with_their_own_keys_submit_once(client, resident):
    case = await _ready_draft(client, resident)
    answers = await race(
        client.post(f"{API}/{case['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex}) for _ in range(N)
    )
    assert_one_winner(answers, status=200, losers={409: {"application.illegal_transition"}})
    assert await WorkflowEvent.filter(object_type="application", object_id=case["id"], action="submit").count() == 1
    assert await Application.filter(tracking_no__isnull=False).count() == 1


async def test_fifty_attaches_of_one_material_make_one_attachment(client, resident, settings):
    case = await _start(client, resident)
    material_id = (await attach_id_card(client, resident, case["id"]))["materials"][0]["material_id"]
    await client.delete(f"{API}/{case['id']}/materials/id_card/{material_id}", headers=resident)
    answers = await race_with_inserts_held(
        settings,
        "application_material",
        (client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": material_id}, headers=resident) for _ in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)
    assert await AttachedMaterial.filter(application_id=case["id"]).count() == 1


async def test_fifty_retakes_into_one_slot_at_once_leave_one_current_photo(client, resident, settings):
    case = await _start(client, resident)
    taken = []
    for shade in range(5):  # five different photos, each attached ten times at once
        up = await client.post(
            "/api/v1/materials",
            headers=resident,
            files={"file": ("p.jpg", photo(1200, 900, color=(150 + 20 * shade, 180, 170)), "image/jpeg")},
            data={"kind": "id_card"},
        )
        taken.append(up.json()["id"])
    answers = await race_with_inserts_held(
        settings,
        "application_material",
        (client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": taken[i % 5]}, headers=resident) for i in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)
    assert all(len(r.json()["materials"]) == 1 for r in answers)  # no answer ever showed two photos in the slot
    (slot,) = await AttachedMaterial.filter(application_id=case["id"])
    assert slot.material_id in taken
    shown = (await client.get(f"{API}/{case['id']}", headers=resident)).json()["materials"]
    assert [m["material_id"] for m in shown] == [slot.material_id]


async def test_fifty_clerks_accepting_one_case_accept_it_once(client, resident, approver):
    case = await _submitted(client, resident)
    answers = await race(
        client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={"note": "ok"}, headers=approver) for _ in range(N)
    )
    assert_one_winner(answers, status=200, losers={409: {"application.illegal_transition"}})
    assert await WorkflowEvent.filter(object_type="application", object_id=case["id"], action="accept").count() == 1


async def test_fifty_certificate_issues_make_one_certificate_and_one_library_copy(client, resident, approver):
    case = await _submitted(client, resident)
    for step in ("accept", "approve"):
        r = await client.post(f"/api/v1/staff/applications/{case['id']}/{step}", json={"note": "ok"}, headers=approver)
        assert r.status_code == 200, r.text
    photos = await Material.all().count()
    answers = await race(
        client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
        for _ in range(N)
    )
    assert_one_winner(answers, status=200, losers={409: {"application.illegal_transition"}})
    assert await Certificate.filter(application_id=case["id"]).count() == 1
    assert await Material.all().count() == photos + 1  # the losers left no certificate copies in the library
