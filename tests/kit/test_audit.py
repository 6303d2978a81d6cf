"""The audit chain: written in the caller's transaction, append-only, tampering detected."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError, TransactionManagementError

from backend.kit import audit
from backend.kit.models import AuditEntry
from backend.kit.transactions import transaction


async def _append(n: int) -> None:
    for i in range(n):
        await audit.record(actor=f"person:{i}", action="case.accepted", object_type="application", object_id=i, detail={"n": i})


async def _raw(sql: str) -> None:
    """Tamper the way someone with direct database access would: triggers off, change, triggers on."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"ALTER TABLE audit_entry DISABLE TRIGGER USER; {sql}; ALTER TABLE audit_entry ENABLE TRIGGER USER;")
    else:
        await conn.execute_script(
            "DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete;"
            f"{sql};"
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'append-only'); END;"
            "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'append-only'); END;"
        )


async def test_rows_chain_and_verify(resources):
    await _append(5)
    rows = await AuditEntry.all().order_by("seq")
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
    report = await audit.verify()
    assert report.ok and report.rows == 5 and report.head_hash == rows[-1].hash


async def test_row_carries_actor_subject_result_and_utc_time(resources):
    entry = await audit.record(actor="person:7", subject="person:9", action="person.read", object_type="person", object_id=9, result="denied")
    stored = await AuditEntry.get(seq=entry.seq)
    assert (stored.actor, stored.subject, stored.action, stored.object_id, stored.result) == ("person:7", "person:9", "person.read", "9", "denied")
    assert stored.at.utcoffset().total_seconds() == 0


async def test_rolled_back_change_leaves_no_audit_row_and_no_gap(resources):
    with pytest.raises(RuntimeError):
        async with transaction():
            await audit.record(actor="a", action="x", object_type="t")
            raise RuntimeError("state change failed")
    await audit.record(actor="a", action="y", object_type="t")
    rows = await AuditEntry.all()
    assert [(r.seq, r.action) for r in rows] == [(1, "y")]
    assert (await audit.verify()).ok


async def test_database_refuses_update_and_delete(resources):
    await _append(1)
    with pytest.raises((OperationalError, TransactionManagementError, Exception)) as info:
        await AuditEntry.filter(seq=1).update(actor="someone else")
    assert "append-only" in str(info.value)
    with pytest.raises(Exception) as info:
        await AuditEntry.filter(seq=1).delete()
    assert "append-only" in str(info.value)
    assert (await AuditEntry.get(seq=1)).actor == "person:0"


async def test_verify_detects_an_edited_row(resources):
    await _append(4)
    await _raw("UPDATE audit_entry SET result = 'ok', actor = 'person:99' WHERE seq = 2")
    report = await audit.verify()
    assert not report.ok
    assert any("seq 2" in p and "edited" in p for p in report.problems)


async def test_verify_detects_a_deleted_row(resources):
    await _append(4)
    await _raw("DELETE FROM audit_entry WHERE seq = 3")
    report = await audit.verify()
    assert not report.ok
    assert any("missing" in p for p in report.problems)


async def test_verify_detects_an_inserted_row(resources):
    await _append(3)
    last = await AuditEntry.get(seq=3)
    forged = dict(
        seq=4, at=last.at, actor="person:1", subject=None, action="case.approved", object_type="application",
        object_id="1", result="ok", request_id=None, detail={}, prev_hash="f" * 64,
    )
    await AuditEntry.create(**forged, hash=audit.entry_hash(**forged))
    report = await audit.verify()
    assert not report.ok
    assert any("seq 4" in p for p in report.problems)


async def test_verify_detects_rows_cut_from_the_end(resources):
    await _append(4)
    await _raw("DELETE FROM audit_entry WHERE seq = 4")
    report = await audit.verify()
    assert not report.ok
    assert any("head" in p for p in report.problems)


async def test_concurrent_appends_never_fork_the_chain(resources):
    async def one(i: int) -> None:
        async with transaction():
            await audit.record(actor=f"person:{i}", action="concurrent", object_type="t")
            await asyncio.sleep(0)

    await asyncio.gather(*(one(i) for i in range(30)))
    report = await audit.verify()
    assert report.ok, report.problems
    assert report.rows == 30
