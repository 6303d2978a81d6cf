"""Villagers and delegations (帮办代办): lookup, registration, consent by photo or SMS, withdrawal, expiry, the one check."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from auth import service as identity
from auth import sessions
from auth.models import Person
from backend.assisted import service
from backend.assisted.models import Delegation
from backend.kit.models import AuditEntry, WorkflowEvent
from tests.assisted.conftest import OTHER_TOWNSHIP, RESIDENT_ID, TOWNSHIP, VILLAGER_ID, key, staff_session
from tests.photos import photo

TODAY = date.today()


async def register(client, worker, *, id_number=VILLAGER_ID, phone="13500000031") -> dict:
    r = await client.post("/api/v1/assist/villagers", json={"name": "王小花", "id_number": id_number, "phone": phone}, headers=worker)
    assert r.status_code == 201, r.text
    return r.json()


async def delegate(client, worker, person_id: int, *, evidence="photo", errands=("*",), starts=TODAY, ends=None) -> dict:
    body = {
        "person_id": person_id,
        "errands": list(errands),
        "starts": starts.isoformat(),
        "ends": (ends or starts + timedelta(days=180)).isoformat(),
        "evidence": evidence,
    }
    r = await client.post("/api/v1/assist/delegations", json=body, headers=worker | key())
    assert r.status_code == 201, r.text
    return r.json()


async def with_photo(client, worker, delegation_id: int):
    return await client.post(
        f"/api/v1/assist/delegations/{delegation_id}/evidence/photo",
        files={"photo": ("form.jpg", photo(800, 600), "image/jpeg")},
        headers=worker,
    )


async def test_lookup_by_exact_id_number_gives_the_person_masked_and_audits_the_reason(client, worker):
    r = await client.post("/api/v1/assist/lookup", json={"id_number": RESIDENT_ID, "reason": "代办营业执照"}, headers=worker)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "张*"
    assert r.json()["id_number"] == "1101**********002X"
    entry = await AuditEntry.filter(action="assist.lookup").order_by("-id").first()
    assert entry is not None and entry.detail["reason"] == "代办营业执照"


async def test_lookup_of_an_unknown_number_is_not_found_and_needs_a_reason(client, worker):
    r = await client.post("/api/v1/assist/lookup", json={"id_number": VILLAGER_ID, "reason": "代办"}, headers=worker)
    assert r.status_code == 404 and r.json()["code"] == "assist.not_found"
    r = await client.post("/api/v1/assist/lookup", json={"id_number": VILLAGER_ID, "reason": "x"}, headers=worker)
    assert r.status_code == 422


async def test_staff_without_a_township_cannot_look_up(client, clerk):
    r = await client.post("/api/v1/assist/lookup", json={"id_number": RESIDENT_ID, "reason": "代办"}, headers=clerk)
    assert r.status_code == 403


async def test_registering_a_villager_checks_the_id_number_and_refuses_a_second_time(client, worker):
    bad = await client.post("/api/v1/assist/villagers", json={"name": "王小花", "id_number": "360402193901010072"}, headers=worker)
    assert bad.status_code == 422
    villager = await register(client, worker)
    assert villager["id_number"] == "3604**********0071" and villager["phone"] != "13500000031"
    again = await client.post("/api/v1/assist/villagers", json={"name": "王小花", "id_number": VILLAGER_ID}, headers=worker)
    assert again.status_code == 409 and again.json()["code"] == "assist.already_registered"


async def test_a_registration_race_makes_one_person(client, worker):
    body = {"name": "王小花", "id_number": VILLAGER_ID}
    answers = await asyncio.gather(*(client.post("/api/v1/assist/villagers", json=body, headers=worker) for _ in range(2)))
    assert sorted(r.status_code for r in answers) == [201, 409]


async def test_no_consent_no_action_then_photo_evidence_activates_for_its_errands_only(client, resident):
    worker, session = await staff_session("staff", f"township:{TOWNSHIP}", "13700000041")
    villager = await register(client, worker)
    delegation = await delegate(client, worker, villager["id"], errands=("000105001000",))
    with pytest.raises(service.NoDelegation):
        await service.active_delegation(session, villager["id"], "000105001000")  # pending: no evidence yet
    r = await with_photo(client, worker, delegation["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["has_photo"]
    found = await service.active_delegation(session, villager["id"], "000105001000")
    assert found.id == delegation["id"]
    with pytest.raises(service.NoDelegation):
        await service.active_delegation(session, villager["id"], "999999999999")  # another errand
    event = await WorkflowEvent.get(object_type="delegation", object_id=delegation["id"], action="attach_photo")
    assert (event.actor, event.on_behalf_of, event.authorisation) == (
        f"person:{session.person_id}",
        f"person:{villager['id']}",
        f"delegation:{delegation['id']}",
    )
    again = await with_photo(client, worker, delegation["id"])
    assert again.status_code == 409 and again.json()["code"] == "delegation.illegal_transition"


async def test_staff_of_another_township_neither_see_nor_use_the_delegation(client, worker, resident):
    other, other_session = await staff_session("staff", f"township:{OTHER_TOWNSHIP}", "13700000042")
    villager = await register(client, worker)
    delegation = await delegate(client, worker, villager["id"])
    assert (await with_photo(client, worker, delegation["id"])).status_code == 200
    with pytest.raises(service.NoDelegation):
        await service.active_delegation(other_session, villager["id"], "000105001000")
    assert (await with_photo(client, other, delegation["id"])).status_code == 404
    r = await client.get(f"/api/v1/assist/delegations?person_id={villager['id']}", headers=other)
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"/api/v1/assist/delegations?person_id={villager['id']}", headers=worker)
    assert [d["id"] for d in r.json()["items"]] == [delegation["id"]]


async def test_sms_evidence_is_confirmed_by_the_villagers_code_with_five_tries(client, worker, sms):
    villager = await register(client, worker, phone="13500000032")
    delegation = await delegate(client, worker, villager["id"], evidence="sms")
    r = await client.post(f"/api/v1/assist/delegations/{delegation['id']}/evidence/sms", headers=worker)
    assert r.status_code == 200, r.text
    code = sms.codes_for("13500000032")[-1]
    wrong = "000000" if code != "000000" else "111111"
    url = f"/api/v1/assist/delegations/{delegation['id']}/evidence/sms/confirm"
    for _ in range(4):
        r = await client.post(url, json={"code": wrong}, headers=worker)
        assert r.status_code == 422 and r.json()["code"] == "assist.wrong_code"
    r = await client.post(url, json={"code": wrong}, headers=worker)
    assert r.status_code == 409 and r.json()["code"] == "assist.code_locked"
    r = await client.post(url, json={"code": code}, headers=worker)
    assert r.status_code == 409 and r.json()["code"] == "assist.code_locked"  # even the right one, once locked
    assert (await client.post(f"/api/v1/assist/delegations/{delegation['id']}/evidence/sms", headers=worker)).status_code == 200
    code = sms.codes_for("13500000032")[-1]
    r = await client.post(url, json={"code": code}, headers=worker)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert (await Delegation.get(id=delegation["id"])).code_hash == ""


async def test_sms_evidence_needs_a_phone_on_record(client, worker):
    villager = await register(client, worker, phone=None)
    delegation = await delegate(client, worker, villager["id"], evidence="sms")
    r = await client.post(f"/api/v1/assist/delegations/{delegation['id']}/evidence/sms", headers=worker)
    assert r.status_code == 409 and r.json()["code"] == "assist.no_phone"


async def test_the_villager_sees_and_withdraws_an_active_delegation(client, resident):
    worker, session = await staff_session("staff", f"township:{TOWNSHIP}", "13700000043")
    me = await Person.get(id=await _resident_id(client, resident))
    delegation = await delegate(client, worker, me.id)
    assert (await with_photo(client, worker, delegation["id"])).status_code == 200
    mine = await client.get("/api/v1/me/delegations", headers=resident)
    assert [d["status"] for d in mine.json()["items"]] == ["active"]
    r = await client.post(f"/api/v1/me/delegations/{delegation['id']}/withdraw", headers=resident)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    with pytest.raises(service.NoDelegation):
        await service.active_delegation(session, me.id, "000105001000")
    event = await WorkflowEvent.get(object_type="delegation", object_id=delegation["id"], action="withdraw")
    assert event.actor == f"person:{me.id}"


async def _resident_id(client, resident) -> int:
    r = await client.post("/api/v1/assist/lookup", json={"id_number": RESIDENT_ID, "reason": "测试"}, headers=await _any_worker())
    return r.json()["id"]


async def _any_worker() -> dict[str, str]:
    headers, _ = await staff_session("staff", f"township:{TOWNSHIP}", "13700000049")
    return headers


async def test_staff_withdraw_a_pending_delegation(client, worker):
    villager = await register(client, worker)
    delegation = await delegate(client, worker, villager["id"])
    r = await client.post(f"/api/v1/assist/delegations/{delegation['id']}/withdraw", headers=worker)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert (await with_photo(client, worker, delegation["id"])).status_code == 409


async def test_a_pending_delegation_past_its_end_expires_when_looked_at(client, worker):
    villager = await register(client, worker)
    delegation = await delegate(client, worker, villager["id"], starts=TODAY - timedelta(days=10), ends=TODAY - timedelta(days=1))
    r = await client.get(f"/api/v1/assist/delegations?person_id={villager['id']}", headers=worker)
    assert [d["status"] for d in r.json()["items"]] == ["expired"]
    assert (await Delegation.get(id=delegation["id"])).status == "expired"


async def test_an_active_delegation_is_refused_after_its_end(client, resident):
    worker, session = await staff_session("staff", f"township:{TOWNSHIP}", "13700000044")
    villager = await register(client, worker)
    delegation = await delegate(client, worker, villager["id"], ends=TODAY + timedelta(days=30))
    assert (await with_photo(client, worker, delegation["id"])).status_code == 200
    with pytest.raises(service.NoDelegation):
        await service.active_delegation(session, villager["id"], "000105001000", today=TODAY + timedelta(days=31))
    assert (await Delegation.get(id=delegation["id"])).status == "expired"


async def test_a_delegation_lasts_at_most_a_year(client, worker):
    villager = await register(client, worker)
    body = {"person_id": villager["id"], "errands": ["*"], "starts": TODAY.isoformat(), "ends": (TODAY + timedelta(days=400)).isoformat()}
    r = await client.post("/api/v1/assist/delegations", json=body | {"evidence": "photo"}, headers=worker | key())
    assert r.status_code == 422 and r.json()["code"] == "assist.bad_period"


async def test_a_retried_request_with_the_same_key_records_one_delegation(client, worker):
    villager = await register(client, worker)
    body = {"person_id": villager["id"], "errands": ["*"], "starts": TODAY.isoformat(), "ends": TODAY.isoformat(), "evidence": "photo"}
    headers = worker | key()
    first = await client.post("/api/v1/assist/delegations", json=body, headers=headers)
    second = await client.post("/api/v1/assist/delegations", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert await Delegation.filter(person_id=villager["id"]).count() == 1


async def test_an_admin_looks_up_anywhere_but_names_the_township_of_a_delegation(client, resident):
    admin, _ = await staff_session("admin", "", "13700000045")
    r = await client.post("/api/v1/assist/lookup", json={"id_number": RESIDENT_ID, "reason": "核查"}, headers=admin)
    assert r.status_code == 200, r.text
    body = {"person_id": r.json()["id"], "errands": ["*"], "starts": TODAY.isoformat(), "ends": TODAY.isoformat(), "evidence": "photo"}
    r = await client.post("/api/v1/assist/delegations", json=body, headers=admin | key())
    assert r.status_code == 422 and r.json()["code"] == "assist.township_required"
    r = await client.post("/api/v1/assist/delegations", json=body | {"township": TOWNSHIP}, headers=admin | key())
    assert r.status_code == 201 and r.json()["township"] == TOWNSHIP


async def test_staff_of_two_townships_say_which_one_a_delegation_is_for(client, resident):
    person = await identity.create_person(name="王代办", phone="13700000046", actor="test")
    for township in (TOWNSHIP, OTHER_TOWNSHIP):
        await identity.grant_role(person=person, role="staff", scope=f"township:{township}", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    worker = {"Authorization": f"Bearer {token}"}
    person_id = await _resident_id(client, resident)
    body = {"person_id": person_id, "errands": ["*"], "starts": TODAY.isoformat(), "ends": TODAY.isoformat(), "evidence": "photo"}
    r = await client.post("/api/v1/assist/delegations", json=body, headers=worker | key())
    assert r.status_code == 422 and r.json()["code"] == "assist.township_required"  # not the first one, silently
    r = await client.post("/api/v1/assist/delegations", json=body | {"township": "360426101"}, headers=worker | key())
    assert r.status_code == 403 and r.json()["code"] == "assist.no_township"
    r = await client.post("/api/v1/assist/delegations", json=body | {"township": OTHER_TOWNSHIP}, headers=worker | key())
    assert r.status_code == 201 and r.json()["township"] == OTHER_TOWNSHIP
