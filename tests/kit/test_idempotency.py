"""Idempotency-Key: replay, mismatch 422, in-flight 409, missing 400, scoped per principal."""

from __future__ import annotations

import asyncio

from backend.kit.models import IdempotencyRecord

URL = "/api/v1/things"


def key(k: str, principal: str = "person:1") -> dict[str, str]:
    return {"Idempotency-Key": k, "X-Test-Principal": principal}


async def audit_rows(client) -> int:
    return (await client.get("/api/v1/things/count")).json()["count"]


async def test_same_key_same_body_replays_the_first_response(kit_client):
    first = await kit_client.post(URL, json={"label": "申请"}, headers=key("k1"))
    second = await kit_client.post(URL, json={"label": "申请"}, headers=key("k1"))
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["idempotent-replayed"] == "true"
    assert await audit_rows(kit_client) == 1


async def test_same_key_other_body_is_422(kit_client):
    await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
    r = await kit_client.post(URL, json={"label": "b"}, headers=key("k1"))
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency.key_reused"
    assert await audit_rows(kit_client) == 1


async def test_missing_key_is_400_and_does_nothing(kit_client):
    r = await kit_client.post(URL, json={"label": "a"})
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency.key_missing"
    assert await audit_rows(kit_client) == 0


async def test_overlong_key_is_400(kit_client):
    r = await kit_client.post(URL, json={"label": "a"}, headers=key("x" * 256))
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency.key_invalid"


async def test_another_principal_with_the_same_key_gets_its_own_result(kit_client):
    a = await kit_client.post(URL, json={"label": "a"}, headers=key("shared", "person:1"))
    b = await kit_client.post(URL, json={"label": "a"}, headers=key("shared", "person:2"))
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["seq"] != b.json()["seq"]


async def test_service_error_is_stored_and_replayed_and_its_writes_rolled_back(kit_client):
    first = await kit_client.post(URL, json={"label": "taken"}, headers=key("k1"))
    second = await kit_client.post(URL, json={"label": "taken"}, headers=key("k1"))
    assert first.status_code == second.status_code == 409
    assert first.json()["code"] == second.json()["code"] == "thing.label_taken"
    assert await audit_rows(kit_client) == 0


async def test_unexpected_failure_commits_nothing_and_frees_the_key(kit_client):
    r = await kit_client.post(URL, json={"label": "crash"}, headers=key("k1"))
    assert r.status_code == 500
    assert await audit_rows(kit_client) == 0
    assert await IdempotencyRecord.all().count() == 0
    retry = await kit_client.post(URL, json={"label": "crash"}, headers=key("k1"))
    assert retry.status_code == 500  # ran again rather than being refused


async def test_concurrent_duplicate_is_409_or_waits_for_the_first(kit_client, gate, backend_kind):
    gate.release.clear()
    first = asyncio.create_task(kit_client.post(URL, json={"label": "a"}, headers=key("k1")))
    await asyncio.wait_for(gate.entered.wait(), 5)
    if backend_kind == "postgres":
        second = await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
        assert second.status_code == 409
        assert second.json()["code"] == "idempotency.in_flight"
        assert second.headers["retry-after"] == "1"
        gate.release.set()
        assert (await first).status_code == 201
    else:
        # SQLite has one writer: the duplicate waits for the first to commit, then gets its replay.
        second_task = asyncio.create_task(kit_client.post(URL, json={"label": "a"}, headers=key("k1")))
        await asyncio.sleep(0.1)
        assert not second_task.done()
        gate.release.set()
        first_response, second = await first, await second_task
        assert second.status_code == 201 and second.content == first_response.content
    assert await audit_rows(kit_client) == 1


async def test_a_dead_first_attempt_is_taken_over_after_its_lease(kit_client):
    from datetime import UTC, datetime, timedelta

    await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
    record = await IdempotencyRecord.get()
    # Simulate a process that died mid-request: the row is still in progress with an expired lease.
    await IdempotencyRecord.filter(id=record.id).update(state="in_progress", locked_until=datetime.now(UTC) - timedelta(seconds=1))
    r = await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
    assert r.status_code == 201
    assert (await IdempotencyRecord.get()).state == "done"
