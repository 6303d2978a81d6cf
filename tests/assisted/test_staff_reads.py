"""Staff reads of a villager: audited with a reason, masked; the full ID number only on an explicit reveal by
staff of a township holding the villager's delegation; the dashboard of their villagers' open cases."""

from __future__ import annotations

from datetime import date, timedelta

from backend.applications.models import Application
from backend.assisted.models import Delegation
from backend.kit.models import AuditEntry
from tests.assisted.conftest import OTHER_TOWNSHIP, TOWNSHIP, VILLAGER_ID, staff_session
from tests.assisted.test_acting import acting, file_case, setup
from tests.assisted.test_delegations import delegate, register

TODAY = date.today()


async def test_reading_a_villager_is_masked_audited_with_the_reason_and_lists_my_delegations(client, resident):
    worker, session, villager, delegation = await setup(client, phone="13700000071")
    r = await client.get(f"/api/v1/assist/people/{villager['id']}", params={"reason": "核对身份"}, headers=worker)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-store"
    body = r.json()
    assert (body["name"], body["id_number"]) == ("王**", "3604**********0071")
    assert [d["id"] for d in body["delegations"]] == [delegation["id"]]
    entry = await AuditEntry.filter(action="assist.read").order_by("-id").first()
    assert entry is not None and entry.detail == {"reason": "核对身份"} and entry.actor == f"person:{session.person_id}"
    assert entry.subject == f"person:{villager['id']}"
    for params in ({}, {"reason": "x"}):
        r = await client.get(f"/api/v1/assist/people/{villager['id']}", params=params, headers=worker)
        assert r.status_code == 422


async def test_staff_of_another_township_cannot_read_or_reveal_and_the_attempt_is_on_record(client, resident):
    _, _, villager, _ = await setup(client, phone="13700000072")
    other, _ = await staff_session("staff", f"township:{OTHER_TOWNSHIP}", "13700000073")
    r = await client.get(f"/api/v1/assist/people/{villager['id']}", params={"reason": "群众来访"}, headers=other)
    assert r.status_code == 404 and r.json()["code"] == "assist.not_found"
    r = await client.post(f"/api/v1/assist/people/{villager['id']}/reveal", json={"reason": "群众来访"}, headers=other)
    assert r.status_code == 404 and r.json()["code"] == "assist.not_found"
    results = await AuditEntry.filter(action__in=["assist.read", "assist.reveal"]).values_list("action", "result")
    assert sorted(results) == [("assist.read", "not_found"), ("assist.reveal", "not_found")]
    # Walking person ids gives nothing either.
    r = await client.get("/api/v1/assist/people/999999", params={"reason": "群众来访"}, headers=other)
    assert r.status_code == 404 and r.json()["code"] == "assist.not_found"


async def test_a_worker_reads_the_villager_they_just_registered_before_any_delegation(client, resident):
    worker, _ = await staff_session("staff", f"township:{TOWNSHIP}", "13700000074")
    villager = await register(client, worker)
    r = await client.get(f"/api/v1/assist/people/{villager['id']}", params={"reason": "代办业务"}, headers=worker)
    assert r.status_code == 200 and r.json()["delegations"] == []
    # Without a delegation of their township the full number stays hidden, even to them.
    r = await client.post(f"/api/v1/assist/people/{villager['id']}/reveal", json={"reason": "代办业务"}, headers=worker)
    assert r.status_code == 404 and r.json()["code"] == "assist.not_found"
    await delegate(client, worker, villager["id"])  # pending: the form is being signed
    r = await client.post(f"/api/v1/assist/people/{villager['id']}/reveal", json={"reason": "填写授权委托书"}, headers=worker)
    assert r.status_code == 200 and r.json() == {"id_number": VILLAGER_ID}


async def test_the_full_id_number_is_shown_only_on_reveal_with_a_reason_and_never_cached(client, resident):
    worker, session, villager, _ = await setup(client, phone="13700000075")
    r = await client.post(f"/api/v1/assist/people/{villager['id']}/reveal", json={"reason": "x"}, headers=worker)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/assist/people/{villager['id']}/reveal", json={"reason": "核对身份证原件"}, headers=worker)
    assert r.status_code == 200 and r.json() == {"id_number": VILLAGER_ID}
    assert r.headers["cache-control"] == "private, no-store"
    entry = await AuditEntry.get(action="assist.reveal", result="ok")
    assert (entry.actor, entry.subject, entry.detail) == (
        f"person:{session.person_id}",
        f"person:{villager['id']}",
        {"reason": "核对身份证原件"},
    )
    assert VILLAGER_ID not in str(await AuditEntry.all().values_list("detail", flat=True))


async def test_the_dashboard_lists_my_villagers_open_cases_corrections_and_close_deadlines(client, resident, approver):
    worker, _, villager, delegation = await setup(client, phone="13700000076")
    waiting = await file_case(client, acting(worker, delegation))
    r = await client.post(
        f"/api/v1/staff/applications/{waiting['id']}/request-correction",
        json={"items": [{"item": "premises", "reason": "缺签字"}]},
        headers=approver,
    )
    assert r.status_code == 200, r.text
    # A second case of another errand, whose deadline is close; and a finished one that drops off.
    close = await Application.create(
        person_id=villager["id"],
        service_code="000105002000",
        service_name="变更登记",
        department_id="scjg",
        status="accepted",
        tracking_no="T-CLOSE",
        due_date=TODAY + timedelta(days=2),
    )
    await Application.create(
        person_id=villager["id"], service_code="000105002000", service_name="变更登记", department_id="scjg", status="collected"
    )
    r = await client.get("/api/v1/assist/dashboard", headers=worker)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-store"
    body = r.json()
    assert body["counts"] == {"open": 2, "corrections": 1, "due_soon": 1}
    assert {i["application_id"] for i in body["open"]} == {waiting["id"], close.id}
    [correction] = body["corrections"]
    assert correction == {
        "application_id": waiting["id"],
        "tracking_no": waiting["tracking_no"],
        "service_name": "个体工商户设立登记（营业执照）",
        "status": "correction_requested",
        "status_label": "需要补正",
        "villager": {"id": villager["id"], "name": "王**"},
        "delegation_id": delegation["id"],
        "due_date": correction["due_date"],
    }
    assert [i["application_id"] for i in body["due_soon"]] == [close.id]
    assert await AuditEntry.filter(action="assist.dashboard").count() == 1

    # Another township's worker sees none of it; once the delegation is withdrawn neither does this one.
    other, _ = await staff_session("staff", f"township:{OTHER_TOWNSHIP}", "13700000077")
    assert (await client.get("/api/v1/assist/dashboard", headers=other)).json()["counts"] == {"open": 0, "corrections": 0, "due_soon": 0}
    await Delegation.filter(id=delegation["id"]).update(errands=["000105002000"])  # narrowed to one errand
    assert [i["application_id"] for i in (await client.get("/api/v1/assist/dashboard", headers=worker)).json()["open"]] == [close.id]
    assert (await client.post(f"/api/v1/assist/delegations/{delegation['id']}/withdraw", headers=worker)).status_code == 200
    assert (await client.get("/api/v1/assist/dashboard", headers=worker)).json()["open"] == []


async def test_the_dashboard_needs_a_township_or_admin(client, resident, approver):
    r = await client.get("/api/v1/assist/dashboard", headers=approver)
    assert r.status_code == 403
    r = await client.get("/api/v1/assist/dashboard", headers=resident)
    assert r.status_code == 403
