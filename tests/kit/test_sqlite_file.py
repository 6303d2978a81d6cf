"""The embedded SQLite database holds personal data: only its owner may read the files."""

from __future__ import annotations

import os
import stat

from tortoise import connections

from backend.kit import db


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
