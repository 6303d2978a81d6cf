"""Idempotency-Key: replay, mismatch 422, in-flight 409, missing 400, scoped per principal."""

from __future__ import annotations

import asyncio

import pytest

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


async def test_a_conflict_stores_nothing_and_a_retry_runs_again(kit_client, gate):
    gate.taken.add("busy")
    first = await kit_client.post(URL, json={"label": "busy"}, headers=key("k1"))
    assert first.status_code == 409
    assert first.json()["code"] == "thing.label_taken"
    assert await audit_rows(kit_client) == 0
    assert await IdempotencyRecord.all().count() == 0
    gate.taken.discard("busy")  # the conflict is gone: the same key now does the work
    retry = await kit_client.post(URL, json={"label": "busy"}, headers=key("k1"))
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert await audit_rows(kit_client) == 1


async def test_a_request_that_fails_validation_stores_nothing(kit_client):
    r = await kit_client.post(URL, json={"label": "x" * 21}, headers=key("k1"))
    assert r.status_code == 422
    assert await IdempotencyRecord.all().count() == 0
    fixed = await kit_client.post(URL, json={"label": "x"}, headers=key("k1"))
    assert fixed.status_code == 201  # not 422 key_reused: nothing was kept for the key


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
        # The truth: the first attempt holds the key until its lease ends, then a retry takes it over.
        assert 55 <= int(second.headers["retry-after"]) <= 60
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


@pytest.mark.parametrize("backend_kind", ["postgres"])
async def test_a_dropped_database_connection_releases_the_key_at_once(kit_client, gate):
    """The clean-up must not run on the connection that died with the request (it used to, and
    the key stayed locked for the whole lease). SQLite has no connection to lose: the crash test
    above covers its release."""
    gate.drops = 1
    r = await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
    assert r.status_code == 500
    assert await IdempotencyRecord.all().count() == 0
    retry = await kit_client.post(URL, json={"label": "a"}, headers=key("k1"))
    assert retry.status_code == 201, retry.text
    assert await audit_rows(kit_client) == 1
