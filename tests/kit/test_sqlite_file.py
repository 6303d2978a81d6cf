"""The embedded SQLite database holds personal data: only its owner may read the files."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat

from tortoise import connections

from backend.kit import db, transactions


async def test_a_fresh_sqlite_database_and_its_side_files_are_owner_only(tmp_path):
    path = tmp_path / "data" / "yiwang.sqlite3"
    umask = os.umask(0o022)  # the usual default, which would leave the file world-readable
    try:
        await db.migrate(f"sqlite://{path}")
        await db.connect(f"sqlite://{path}")
        await connections.get("default").execute_query("SELECT count(*) FROM audit_head")
        files = sorted(path.parent.iterdir())
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    finally:
        await db.close()
        os.umask(umask)
    assert "yiwang.sqlite3" in modes
    assert modes == dict.fromkeys(modes, 0o600), {k: oct(v) for k, v in modes.items()}


async def test_an_existing_world_readable_sqlite_file_is_tightened(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    db.ensure_sqlite_file(f"sqlite://{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _another_process_writes(path: str) -> None:
    """What a second app process does: its own connection, one write, committed (waiting up to 5 s for the lock)."""
    other = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        other.execute("UPDATE counter SET n = n + 1")
    finally:
        other.close()


async def test_a_transaction_that_read_first_still_writes_when_another_process_wrote_meanwhile(tmp_path):
    # With a deferred BEGIN the transaction reads from a snapshot; the other process commits during it and the
    # transaction's first write fails at once with "database is locked". BEGIN IMMEDIATE makes the other wait.
    path = tmp_path / "shared.sqlite3"
    await db.connect(f"sqlite://{path}")
    try:
        pool = connections.get("default")
        await pool.execute_script("CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);")
        async with transactions.transaction() as connection:
            await connection.execute_query("SELECT n FROM counter")
            writer = asyncio.create_task(asyncio.to_thread(_another_process_writes, str(path)))
            await asyncio.sleep(0.5)  # the other process tries to write while this transaction is open
            await connection.execute_query("UPDATE counter SET n = n + 10")
        await writer
        _, rows = await pool.execute_query("SELECT n FROM counter")
    finally:
        await db.close()
    assert rows[0]["n"] == 11
