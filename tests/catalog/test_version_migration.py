"""catalog 0006: items that exist before versions get version 1, a snapshot of what they say; their cases are pinned to it."""

from __future__ import annotations

import json

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from backend.catalog.schemas import ServiceItemIn
from backend.kit.db import tortoise_config
from tests.test_migrations import _sql, empty_database  # noqa: F401  (the fixture: an empty SQLite or PostgreSQL database)


async def test_existing_items_get_version_one_and_existing_cases_are_pinned_to_it(empty_database):  # noqa: F811
    config = tortoise_config(empty_database)
    await migrate(config=config, target="catalog.0005_hall_details")
    await migrate(config=config, target="applications.0005_one_material_per_slot")
    await Tortoise.close_connections()
    await _sql(empty_database, "INSERT INTO catalog_department (code, name, sort) VALUES ('mzj', '民政局', 0)")
    materials = json.dumps([{"key": "id_card", "name": "居民身份证", "required": True}], ensure_ascii=False)
    form = json.dumps([{"key": "reason", "label": "申请理由", "type": "textarea", "required": True}], ensure_ascii=False)
    await _sql(
        empty_database,
        "INSERT INTO catalog_service_item (code, name, department_id, kind, summary, conditions, materials, form_schema, "
        "legal_limit_days, promised_limit_days, fee, online_full, max_one_trip, instant, ems_allowed, appointment_needed, "
        "keywords, search_text, published, updated_at) VALUES ('000110001000', '临时救助', 'mzj', '行政给付', '说明', "
        f"'[\"生活困难\"]', '{materials}', '{form}', 20, 10, '不收费', false, true, false, false, false, '', '', true, '2026-01-01')",
    )
    await _sql(
        empty_database,
        "INSERT INTO application (id, person_id, service_code, service_name, department_id, status, form, corrections, "
        "paused_working_days, trips, created_at, updated_at) VALUES (1, 1, '000110001000', '临时救助', 'mzj', 'draft', '{}', '[]', 0, 0, "
        "'2026-01-01', '2026-01-01')",
    )
    await migrate(config=config)
    await Tortoise.close_connections()
    rows = await _sql(empty_database, "SELECT item_id, version, snapshot, created_by FROM catalog_service_version")
    assert [(r["item_id"], r["version"], r["created_by"]) for r in rows] == [("000110001000", 1, "migration")]
    snapshot = rows[0]["snapshot"]
    item = ServiceItemIn.model_validate((json.loads(snapshot) if isinstance(snapshot, str) else snapshot) | {"code": "000110001000"})
    assert item.materials[0].key == "id_card" and item.form_schema[0].key == "reason" and item.conditions == ["生活困难"]
    assert item.department == "mzj" and item.legal_limit_days == 20 and item.published is True and item.max_one_trip is True
    assert [r["version"] for r in await _sql(empty_database, "SELECT version FROM catalog_service_item")] == [1]
    assert [r["service_version"] for r in await _sql(empty_database, "SELECT service_version FROM application")] == [1]
