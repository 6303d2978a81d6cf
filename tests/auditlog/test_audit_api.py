"""Auditors verify the audit hash chain (in the background, one run at a time) and search the log; every read is audited."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from backend.auditlog import service
from backend.auditlog.schemas import VerificationOut
from backend.kit import audit
from backend.kit.models import AuditEntry
from backend.kit.resources import current
from backend.kit.transactions import transaction
from tests.auditlog.conftest import staff_headers
from tests.auth.conftest import bearer, sms_login
from tests.kit.test_audit import _raw

AUDIT = "/api/v1/admin/audit"
VERIFY = f"{AUDIT}/verify"


async def _link(settings) -> None:
    await audit.Chainer(settings.database_url).link_pending()


async def _record(n: int, **kw) -> list[AuditEntry]:
    async with transaction():
        return [
            await audit.record(
                **{"actor": "person:900", "action": "case.accepted", "object_type": "application", "object_id": 7, "detail": {"n": i}} | kw
            )
            for i in range(n)
        ]


async def _finished(client, headers, verification_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = await client.get(f"{VERIFY}/{verification_id}", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["state"] != "running":
            return r.json()
        await asyncio.sleep(0.05)
    raise AssertionError("verification still running after 60 s")


# ---- verification -------------------------------------------------------------------------------


async def test_an_auditor_verifies_a_clean_chain_in_the_background_and_the_run_is_audited(client, auditor, settings):
    person_id, headers = auditor
    await _record(30)
    await _link(settings)
    r = await client.post(VERIFY, headers=headers)
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["state"] == "running" and started["started_by"] == f"person:{person_id}" and started["started_by_name"] == "周**"
    assert started["total"] >= 30
    done = await _finished(client, headers, started["id"])
    assert done["state"] == "passed" and done["problem_count"] == 0 and done["problems"] == []
    assert done["checked"] == done["head_seq"] >= 30 and done["finished_at"]
    latest = (await client.get(VERIFY, headers=headers)).json()["verification"]
    assert latest["id"] == started["id"] and latest["state"] == "passed"
    began = await AuditEntry.get(action="audit.verify_started", object_id=started["id"])
    ended = await AuditEntry.get(action="audit.verified", object_id=started["id"])
    assert began.actor == ended.actor == f"person:{person_id}" and ended.result == "ok" and ended.detail["problems"] == 0


async def test_a_tampered_row_fails_the_verification_with_its_seq(client, auditor, settings):
    _, headers = auditor
    entries = await _record(5)
    await _link(settings)
    await _raw(f"UPDATE audit_entry SET actor = 'person:1' WHERE id = {entries[2].id}")
    r = await client.post(VERIFY, headers=headers)
    assert r.status_code == 202, r.text
    done = await _finished(client, headers, r.json()["id"])
    assert done["state"] == "failed" and done["problem_count"] == 1
    [problem] = done["problems"]
    assert "content does not match its hash (edited)" in problem
    ended = await AuditEntry.get(action="audit.verified", object_id=done["id"])
    assert ended.result == "failed" and ended.detail["problems"] == 1


async def test_fifty_verifications_started_at_once_run_once_the_rest_are_409(client, auditor, settings):
    _, headers = auditor
    await _record(3)
    answers = await asyncio.gather(*(client.post(VERIFY, headers=headers) for _ in range(50)))
    started = [r for r in answers if r.status_code == 202]
    refused = [r for r in answers if r.status_code == 409]
    assert len(started) == 1 and len(refused) == 49, sorted(r.status_code for r in answers)
    assert all(
        r.headers["content-type"].startswith("application/problem+json") and r.json()["code"] == "auditlog.verify_running" for r in refused
    )
    await _finished(client, headers, started[0].json()["id"])
    r = await client.post(VERIFY, headers=headers)  # the lock is given back when a run ends
    assert r.status_code == 202, r.text
    await _finished(client, headers, r.json()["id"])
    assert await AuditEntry.filter(action="audit.verify_started").count() == 2


async def test_a_run_whose_process_ended_reads_interrupted(client, auditor):
    _, headers = auditor
    old = datetime.now(UTC) - timedelta(minutes=5)
    state = VerificationOut(
        id="ab" * 16,
        state="running",
        started_at=old,
        started_by="person:1",
        started_by_name=None,
        updated_at=old,
        finished_at=None,
        checked=10,
        total=100,
        head_seq=None,
        unlinked=None,
        problem_count=0,
        problems=[],
    )
    await current().broker.set(service._key(state.id), state.model_dump_json().encode(), ttl=60)
    r = await client.get(f"{VERIFY}/{state.id}", headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "interrupted"


@pytest.mark.parametrize("verification_id", ["cd" * 16, "not-a-verification", "AB" * 16])
async def test_an_unknown_verification_is_404(client, auditor, verification_id):
    r = await client.get(f"{VERIFY}/{verification_id}", headers=auditor[1])
    assert r.status_code == 404 and r.json()["code"] == "auditlog.verification_not_found"


async def test_no_verification_yet_reads_null(client, admin):
    r = await client.get(VERIFY, headers=admin[1])
    assert r.status_code == 200 and r.json() == {"verification": None}


# ---- search -------------------------------------------------------------------------------------


async def test_search_by_object_is_newest_first_with_seq_masked_names_and_is_audited(client, auditor, settings):
    person_id, headers = auditor
    staff_id, _ = await staff_headers("staff", "hall:1", "13600000033", name="李窗口")
    await _record(3, actor=f"person:{staff_id}", subject=f"person:{staff_id}")
    await _record(2, object_id=8)
    await _link(settings)
    r = await client.get(AUDIT, params={"object_type": "application", "object_id": "7"}, headers=headers)
    assert r.status_code == 200, r.text
    assert "no-store" in r.headers["cache-control"]
    page = r.json()
    assert [row["detail"]["n"] for row in page["items"]] == [2, 1, 0] and page["next_cursor"] is None
    first = page["items"][0]
    assert first["actor"] == f"person:{staff_id}" and first["actor_name"] == "李**" and first["subject_name"] == "李**"
    assert first["seq"] is not None and first["object_type"] == "application" and first["object_id"] == "7"
    read = await AuditEntry.filter(action="audit.searched").order_by("-id").first()
    assert read is not None and read.actor == f"person:{person_id}"
    assert read.detail == {"object_type": "application", "object_id": "7", "rows": 3}


async def test_search_by_person_matches_actor_or_subject_and_pages_with_the_cursor(client, auditor):
    _, headers = auditor
    await _record(3, actor="person:901")
    await _record(3, actor="system", subject="person:901")
    await _record(2, actor="person:902", subject="person:903")
    seen, cursor = [], None
    while True:
        params = {"person_id": "901", "limit": "4"} | ({"cursor": cursor} if cursor else {})
        r = await client.get(AUDIT, params=params, headers=headers)
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and [row["id"] for row in seen] == sorted((row["id"] for row in seen), reverse=True)
    assert all("person:901" in (row["actor"], row["subject"]) for row in seen)
    r = await client.get(AUDIT, params={"person_id": "901", "action": "nothing.here"}, headers=headers)
    assert r.json() == {"items": [], "next_cursor": None}


async def test_personal_data_in_detail_is_masked(client, auditor):
    _, headers = auditor
    await _record(
        1,
        object_type="person",
        object_id=5,
        detail={"reason": "核对 13812345678 的身份 11010519491231002X", "recipient_name": "张三丰", "ids": ["110105194912310021"], "n": 1},
    )
    r = await client.get(AUDIT, params={"object_type": "person", "object_id": "5"}, headers=headers)
    [row] = r.json()["items"]
    assert row["detail"] == {
        "reason": "核对 138****5678 的身份 110***********002X",
        "recipient_name": "张**",
        "ids": ["110***********0021"],
        "n": 1,
    }
    assert "13812345678" not in r.text and "11010519491231002X" not in r.text


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "query"),
        ({"action": "role.granted"}, "query"),
        ({"object_id": "7"}, "query"),
        ({"person_id": "abc"}, "query.person_id"),
        ({"person_id": "0"}, "query.person_id"),
        ({"person_id": "1" * 19}, "query.person_id"),
        ({"object_type": "Application; DROP"}, "query.object_type"),
        ({"object_type": "application", "object_id": "7' OR '1'='1"}, "query.object_id"),
        ({"person_id": "1", "cursor": "-5"}, "query.cursor"),
        ({"person_id": "1", "limit": "1000"}, "query.limit"),
        ({"person_id": "1", "subject": "person:1"}, "query.subject"),
    ],
)
async def test_bad_search_input_is_a_422_problem(client, auditor, params, field):
    before = await AuditEntry.filter(action="audit.searched").count()
    r = await client.get(AUDIT, params=params, headers=auditor[1])
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "request.invalid" and field in [e["field"] for e in body["errors"]], body
    assert await AuditEntry.filter(action="audit.searched").count() == before  # nothing was read


# ---- who may ------------------------------------------------------------------------------------


async def test_residents_and_other_staff_are_refused_and_admins_are_let_in(client, sms, phone, admin):
    resident = bearer(await sms_login(client, sms, phone))
    _, clerk = await staff_headers("staff", "hall:1", "13600000034")
    for headers in (resident, clerk):
        for r in [
            await client.get(AUDIT, params={"person_id": "1"}, headers=headers),
            await client.post(VERIFY, headers=headers),
            await client.get(VERIFY, headers=headers),
            await client.get(f"{VERIFY}/{'ab' * 16}", headers=headers),
        ]:
            assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", r.text
    assert (await client.get(AUDIT, params={"person_id": "1"})).status_code == 401
    assert (await client.get(AUDIT, params={"person_id": "1"}, headers=admin[1])).status_code == 200


async def test_an_auditor_reads_the_log_but_manages_nobody(client, auditor):
    person_id, headers = auditor
    assert (await client.get("/api/v1/staff/me", headers=headers)).json()["roles"] == [{"role": "auditor", "scope": ""}]
    r = await client.get("/api/v1/admin/people", params={"phone": "13600000031"}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    r = await client.post(f"/api/v1/admin/people/{person_id}/roles", json={"role": "admin", "scope": ""}, headers=headers)
    assert r.status_code == 403
