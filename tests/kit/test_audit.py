"""The audit chain: written in the caller's transaction, linked off the request path, append-only, tampering detected."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import asyncpg
import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError, TransactionManagementError

from auth import service as identity
from auth.models import Person
from backend.kit import audit, db
from backend.kit.models import AuditEntry, AuditHead, AuditLink
from backend.kit.transactions import transaction
from tests.stack import ROOT, YIWANG, start_app, stop_process

TRIGGERS_SQLITE = [
    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} BEGIN SELECT RAISE(ABORT, 'append-only'); END"
    for table in ("audit_entry", "audit_link")
    for verb in ("update", "delete")
]


async def _append(n: int) -> list[AuditEntry]:
    return [
        await audit.record(actor=f"person:{i}", action="case.accepted", object_type="application", object_id=i, detail={"n": i})
        for i in range(n)
    ]


async def _link(settings) -> int:
    """What the running chainer does every quarter second."""
    return await audit.Chainer(settings.database_url).link_pending()


async def _raw(sql: str) -> None:
    """Tamper the way someone with direct database access would: triggers off, change, triggers on."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            "ALTER TABLE audit_entry DISABLE TRIGGER USER; ALTER TABLE audit_link DISABLE TRIGGER USER;"
            f"{sql};"
            "ALTER TABLE audit_entry ENABLE TRIGGER USER; ALTER TABLE audit_link ENABLE TRIGGER USER;"
        )
    else:
        drop = "".join(f"DROP TRIGGER {t}_no_{v};" for t in ("audit_entry", "audit_link") for v in ("update", "delete"))
        await conn.execute_script(drop + f"{sql};" + ";".join(TRIGGERS_SQLITE) + ";")


async def _chain() -> list[tuple[int, int, str, str]]:
    return [(link.seq, link.entry_id, link.prev_hash, link.hash) for link in await AuditLink.all().order_by("seq")]


async def test_rows_chain_and_verify(resources, settings):
    entries = await _append(5)
    assert await AuditLink.all().count() == 0  # linking is not the request's work
    assert await _link(settings) == 5
    chain = await _chain()
    assert [(seq, entry) for seq, entry, _, _ in chain] == [(i + 1, e.id) for i, e in enumerate(entries)]
    assert chain[0][2] == audit.GENESIS_HASH
    assert all(b[2] == a[3] for a, b in pairwise(chain))
    report = await audit.verify()
    assert report.ok and report.rows == 5 and report.unlinked == 0 and report.head_hash == chain[-1][3]
    assert await _link(settings) == 0  # nothing twice


async def test_row_carries_actor_subject_result_and_utc_time(resources):
    entry = await audit.record(
        actor="person:7", subject="person:9", action="person.read", object_type="person", object_id=9, result="denied"
    )
    stored = await AuditEntry.get(id=entry.id)
    assert (stored.actor, stored.subject, stored.action, stored.object_id, stored.result) == (
        "person:7",
        "person:9",
        "person.read",
        "9",
        "denied",
    )
    assert stored.at.utcoffset().total_seconds() == 0


async def test_rolled_back_change_leaves_no_audit_row_and_no_gap(resources, settings):
    with pytest.raises(RuntimeError):
        async with transaction():
            await audit.record(actor="a", action="x", object_type="t")
            raise RuntimeError("state change failed")
    await audit.record(actor="a", action="y", object_type="t")
    await _link(settings)
    assert [(r.action) for r in await AuditEntry.all()] == ["y"]
    assert [seq for seq, *_ in await _chain()] == [1]
    assert (await audit.verify()).ok


async def test_a_failed_audit_write_fails_the_business_action(resources):
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$;"
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_down();"
        )
    else:
        await conn.execute_script(
            "CREATE TRIGGER audit_down BEFORE INSERT ON audit_entry BEGIN SELECT RAISE(ABORT, 'audit store down'); END;"
        )
    try:
        with pytest.raises(Exception, match="audit store down"):
            await identity.create_person(name="张三", phone="13800000001", actor="test")
        assert await Person.all().count() == 0  # no change without its audit row
    finally:
        await conn.execute_script(
            "DROP TRIGGER audit_down" + (" ON audit_entry; DROP FUNCTION audit_down()" if conn.capabilities.dialect == "postgres" else "")
        )


async def test_database_refuses_update_and_delete_of_entries_and_links(resources, settings):
    await _append(1)
    await _link(settings)
    entry_id = (await AuditEntry.first()).id
    for query in (
        AuditEntry.filter(id=entry_id).update(actor="someone else"),
        AuditEntry.filter(id=entry_id).delete(),
        AuditLink.filter(seq=1).update(hash="f" * 64),
        AuditLink.filter(seq=1).delete(),
    ):
        with pytest.raises((OperationalError, TransactionManagementError, Exception)) as info:
            await query
        assert "append-only" in str(info.value)
    assert (await AuditEntry.get(id=entry_id)).actor == "person:0"
    assert (await audit.verify()).ok


async def test_verify_detects_an_edited_row(resources, settings):
    entries = await _append(4)
    await _link(settings)
    await _raw(f"UPDATE audit_entry SET result = 'ok', actor = 'person:99' WHERE id = {entries[1].id}")
    report = await audit.verify()
    assert not report.ok
    assert any("seq 2" in p and "edited" in p for p in report.problems)


async def test_verify_detects_an_edited_link(resources, settings):
    await _append(4)
    await _link(settings)
    await _raw("UPDATE audit_link SET hash = '" + "e" * 64 + "' WHERE seq = 2")
    report = await audit.verify()
    assert any("seq 2" in p and "edited" in p for p in report.problems)
    assert any("seq 3" in p and "prev_hash" in p for p in report.problems)


async def test_verify_detects_a_deleted_row(resources, settings):
    entries = await _append(4)
    await _link(settings)
    await _raw(f"DELETE FROM audit_entry WHERE id = {entries[2].id}")
    report = await audit.verify()
    assert any("seq 3" in p and "missing" in p for p in report.problems)


async def test_verify_detects_a_deleted_link(resources, settings):
    await _append(4)
    await _link(settings)
    await _raw("DELETE FROM audit_link WHERE seq = 3")
    report = await audit.verify()
    assert any("missing" in p for p in report.problems)
    assert any("prev_hash" in p for p in report.problems)


async def test_verify_detects_an_inserted_row(resources, settings):
    await _append(3)
    await _link(settings)
    # An entry and a link made up to look like the chain's next row, without the head.
    forged = await AuditEntry.create(
        at=datetime.now(UTC) - timedelta(hours=1),
        actor="person:1",
        action="case.approved",
        object_type="application",
        object_id="1",
        result="ok",
        detail={},
    )
    await AuditLink.create(
        seq=4,
        entry_id=forged.id,
        prev_hash="f" * 64,
        hash=audit.entry_hash(
            seq=4,
            at=forged.at,
            actor="person:1",
            subject=None,
            action="case.approved",
            object_type="application",
            object_id="1",
            result="ok",
            request_id=None,
            detail={},
            prev_hash="f" * 64,
        ),
    )
    report = await audit.verify()
    assert not report.ok
    assert any("seq 4" in p and "prev_hash" in p for p in report.problems)
    assert any("head" in p for p in report.problems)


async def test_verify_reports_an_entry_inserted_without_a_link_once_it_is_old(resources, settings):
    await _append(2)
    await _link(settings)
    old = await AuditEntry.create(
        at=datetime.now(UTC) - timedelta(minutes=5),
        actor="person:1",
        action="case.approved",
        object_type="application",
        result="ok",
        detail={},
    )
    report = await audit.verify()
    assert not report.ok and report.unlinked == 1
    assert any("unlinked" in p and str(old.id) in p for p in report.problems)


async def test_verify_reports_rows_left_unlinked_too_long(resources, settings):
    await _append(2)
    await _link(settings)
    late = await _append(1)
    fresh = await audit.verify()
    assert fresh.ok and fresh.rows == 2 and fresh.unlinked == 1  # written a moment ago: the chainer has a second or so
    await asyncio.sleep(0.05)
    overdue = await audit.verify(unlinked_limit=timedelta(milliseconds=10))
    assert not overdue.ok
    assert any("unlinked for over" in p and str(late[0].id) in p for p in overdue.problems)
    await _link(settings)
    assert (await audit.verify(unlinked_limit=timedelta(0))).ok


async def test_verify_detects_rows_cut_from_the_end(resources, settings):
    entries = await _append(4)
    await _link(settings)
    await _raw(f"DELETE FROM audit_link WHERE seq = 4; DELETE FROM audit_entry WHERE id = {entries[3].id}")
    report = await audit.verify()
    assert not report.ok
    assert any("head" in p for p in report.problems)


async def test_concurrent_appends_never_fork_the_chain(resources, settings):
    async def one(i: int) -> None:
        async with transaction():
            await audit.record(actor=f"person:{i}", action="concurrent", object_type="t")
            await asyncio.sleep(0)

    await asyncio.gather(*(one(i) for i in range(30)))
    # Two chainers at once (as if two processes both thought they held the lock): the head's row lock makes them take turns.
    await asyncio.gather(_link(settings), _link(settings))
    report = await audit.verify()
    assert report.ok, report.problems
    assert report.rows == 30 and report.unlinked == 0


async def test_verify_passes_while_the_chainer_links_rows_written_during_the_walk(resources, settings):
    """Writes go on during a verification: the head read after the walk may be ahead of the last link seen."""
    await _append(3)
    await _link(settings)
    stop = asyncio.Event()

    async def traffic() -> None:
        while not stop.is_set():
            await _append(1)
            await _link(settings)
            await asyncio.sleep(0)

    writer = asyncio.create_task(traffic())
    try:
        reports = [await audit.verify() for _ in range(40)]
    finally:
        stop.set()
        await writer
    assert all(r.ok for r in reports), [r.problems for r in reports if not r.ok][:3]
    assert reports[-1].rows > reports[0].rows >= 3  # the chain grew during the runs, and each walked it to its head


async def test_a_row_that_commits_after_a_higher_id_is_still_linked(resources, settings, backend_kind):
    if backend_kind == "sqlite":
        pytest.skip("SQLite has one writer at a time: ids are assigned in commit order")
    inserted, release = asyncio.Event(), asyncio.Event()

    async def slow() -> AuditEntry:
        async with transaction():
            entry = await audit.record(actor="slow", action="x", object_type="t")
            inserted.set()
            await release.wait()
        return entry

    task = asyncio.create_task(slow())
    await inserted.wait()
    fast = await audit.record(actor="fast", action="x", object_type="t")
    chainer = audit.Chainer(settings.database_url)
    await chainer.link_pending()  # the slower transaction is still open: nothing after it may be linked yet
    assert await AuditLink.all().count() == 0
    release.set()
    slow_entry = await task
    assert slow_entry.id < fast.id
    await chainer.link_pending()
    assert [entry for _, entry, *_ in await _chain()] == [slow_entry.id, fast.id]
    report = await audit.verify(unlinked_limit=timedelta(0))
    assert report.ok and report.rows == 2


async def test_a_running_app_links_rows_within_a_second(app, settings):
    async with transaction():
        entry = await audit.record(actor="person:1", action="case.accepted", object_type="application", object_id=1)
    committed = time.monotonic()
    while not await AuditLink.filter(entry_id=entry.id).exists():
        assert time.monotonic() - committed < 1.0, "not linked within a second"
        await asyncio.sleep(0.02)
    assert (await audit.verify(unlinked_limit=timedelta(0))).ok


def _env(settings) -> dict[str, str]:
    from tests.notifications.conftest import settings_env

    return {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(settings)


async def _wait_linked(entries: list[AuditEntry], timeout: float) -> float:
    started = time.monotonic()
    while await AuditLink.filter(entry_id__in=[e.id for e in entries]).count() < len(entries):
        assert time.monotonic() - started < timeout, f"not linked within {timeout} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_a_worker_links_the_chain_when_the_app_does_not_dispatch(resources, settings, tmp_path):
    worker = subprocess.Popen(
        [YIWANG, "worker", "--poll", "0.2"],
        env=_env(settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "wb"),
    )
    try:
        entries = await _append(3)
        await _wait_linked(entries, 15)  # includes the worker's start-up
        later = await _append(2)
        assert await _wait_linked(later, 3) < 1.5
    finally:
        stop_process(worker)
    assert (await audit.verify(unlinked_limit=timedelta(0))).ok


async def _chainer_holders(url: str) -> list[str]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [
            r["application_name"]
            for r in await conn.fetch(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ]
    finally:
        await conn.close()


async def test_two_app_processes_have_exactly_one_chainer_and_the_other_takes_over(resources, settings, tmp_path, backend_kind):
    if backend_kind == "sqlite":
        pytest.skip("one process per SQLite deployment")
    env = _env(settings)
    apps = [start_app(env, tmp_path), start_app(env, tmp_path)]
    try:
        by_pid = {a.proc.pid: a for a in apps}
        holders: list[str] = []
        for _ in range(50):
            holders = await _chainer_holders(settings.database_url)
            if holders:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # both keep trying every second: still one
        assert await _chainer_holders(settings.database_url) == holders and len(holders) == 1, holders
        holder = by_pid[int(holders[0].rsplit("-", 1)[1])]
        entries = await _append(3)
        assert await _wait_linked(entries, 3) < 1.5

        holder.proc.send_signal(signal.SIGKILL)  # no goodbye: the database notices the closed connection
        holder.proc.wait()
        survivor = next(a for a in apps if a is not holder)
        for _ in range(100):
            holders = await _chainer_holders(settings.database_url)
            if holders:
                break
            await asyncio.sleep(0.1)
        assert len(holders) == 1 and holders[0].endswith(f"-{survivor.proc.pid}"), holders
        later = await _append(3)
        await _wait_linked(later, 3)
    finally:
        for a in apps:
            a.stop()
    report = await audit.verify(unlinked_limit=timedelta(0))
    assert report.ok and report.rows == 6, report.problems


# ---- migration of a chain written before entries and links were split --------------------------------

OLD_ROW = (
    "INSERT INTO audit_entry (seq, at, actor, subject, action, object_type, object_id, result, request_id, detail, prev_hash, hash) "
    "VALUES ({seq}, '{at}', 'person:{seq}', NULL, 'case.accepted', 'application', '{seq}', 'ok', NULL, '{{}}', '{prev}', '{hash}')"
)


async def test_a_chain_from_before_the_split_still_verifies_and_grows(settings, backend_kind, tmp_path):
    from tortoise.migrations.api import migrate as migrate_api

    from backend.kit.resources import opened
    from tests.conftest import PG_URL, _admin, _db_url

    if backend_kind == "sqlite":
        url = f"sqlite://{tmp_path / 'old.sqlite3'}"
        db.ensure_sqlite_file(url)
    else:
        name = f"yiwang_audit_mig_{os.getpid()}"
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{name}"')
        url = _db_url(PG_URL, name)
    try:
        await migrate_api(config=db.tortoise_config(url), app_labels=["kit"], target="kit.0002_audit_append_only")
        at, prev, statements = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), audit.GENESIS_HASH, []
        for seq in (1, 2, 3):
            digest = audit.entry_hash(
                seq=seq,
                at=at,
                actor=f"person:{seq}",
                subject=None,
                action="case.accepted",
                object_type="application",
                object_id=str(seq),
                result="ok",
                request_id=None,
                detail={},
                prev_hash=prev,
            )
            statements.append(OLD_ROW.format(seq=seq, at=at.isoformat(sep=" "), prev=prev, hash=digest))
            prev = digest
        statements.append(f"UPDATE audit_head SET seq = 3, hash = '{prev}' WHERE id = 1")
        await connections.get("default").execute_script(";".join(statements))
        await db.close()
        await db.migrate(url)
        await db.close()
        async with opened(settings.__class__.from_env(_env(settings) | {"YIWANG_DATABASE_URL": url})):
            report = await audit.verify()
            assert report.ok and report.rows == 3, report.problems
            entry = await audit.record(actor="person:4", action="case.accepted", object_type="application")
            assert entry.id == 4
            await audit.Chainer(url).link_pending()
            report = await audit.verify()
            assert report.ok and report.rows == 4 and (await AuditHead.get(id=1)).seq == 4, report.problems
    finally:
        await db.close()
        if backend_kind != "sqlite":
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
