"""Migrations upgrade a database that has rows, not only an empty one."""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import uuid
from collections.abc import Iterator

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations import operations as ops
from tortoise.migrations.api import migrate

from backend.kit import db
from backend.kit.db import MIGRATIONS, ensure_sqlite_file, tortoise_config
from tests.conftest import PG_URL, _admin, _db_url, require_postgres_and_redis


def _operations():
    for label, package in MIGRATIONS.items():
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            migration = importlib.import_module(f"{package}.{info.name}").Migration
            for operation in migration.operations:
                yield f"{label}.{info.name}", operation


def test_a_column_added_to_an_existing_table_is_nullable_or_has_a_database_default():
    """SQLite and PostgreSQL refuse a NOT NULL column without a default on a table with rows; a
    Python-side default (``default=``) does not reach the database, ``db_default=`` does."""
    offenders = [
        f"{name}: {op.model_name}.{op.name}"
        for name, op in _operations()
        if isinstance(op, ops.AddField) and not op.field.null and not op.field.pk and not op.field.has_db_default()
    ]
    assert offenders == []


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
        ensure_sqlite_file(url)
        yield url
        return
    require_postgres_and_redis()
    name = f"yiwang_upgrade_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield _db_url(PG_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _sql(url: str, script: str) -> list[dict]:
    await db.connect(url)
    try:
        return await connections.get("default").execute_query_dict(script)
    finally:
        await db.close()


async def test_a_slot_holding_several_photos_keeps_the_last_one_when_slots_become_unique(empty_database):
    """applications 0005: cases from before one-photo-per-slot keep the photo attached last in each slot."""
    config = tortoise_config(empty_database)
    await migrate(config=config, target="applications.0004_one_open_draft")
    await Tortoise.close_connections()
    await _sql(
        empty_database,
        "INSERT INTO application (id, person_id, service_code, service_name, department_id, status, form, corrections, "
        "paused_working_days, trips, created_at, updated_at) VALUES (1, 1, 'x', 'x', 'd', 'draft', '{}', '[]', 0, 0, "
        "'2026-01-01', '2026-01-01')",
    )
    for material_id, key in ((5, "id_card"), (6, "id_card"), (7, "id_card"), (9, "photo")):
        await _sql(
            empty_database,
            "INSERT INTO application_material (application_id, material_key, material_id, reused, created_at) "
            f"VALUES (1, '{key}', {material_id}, false, '2026-01-01')",
        )
    await migrate(config=config)
    await Tortoise.close_connections()
    rows = await _sql(empty_database, "SELECT material_key, material_id FROM application_material ORDER BY material_key")
    assert [(r["material_key"], r["material_id"]) for r in rows] == [("id_card", 7), ("photo", 9)]
