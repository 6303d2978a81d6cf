"""The administrator's item is checked as a whole: every rule it breaks is named by field, and nothing is saved."""

from __future__ import annotations

import pytest

from backend.catalog import demo
from backend.catalog.models import ServiceItem, ServiceVersion
from tests.applications.conftest import staff_headers

YYZZ = "000105001000"


@pytest.fixture
async def admin(client) -> dict[str, str]:
    await demo.seed()
    return await staff_headers("admin", "", "13800000001")


async def current(client, admin) -> dict:
    return (await client.get(f"/api/v1/admin/services/{YYZZ}", headers=admin)).json()["item"]


def field_named(item: dict, key: str, **changes) -> list[dict]:
    return [f | changes if f["key"] == key else f for f in item["form_schema"]]


BREAKS = {
    "duplicate form key": (
        lambda i: {"form_schema": [*i["form_schema"], i["form_schema"][0] | {"label": "又一个"}]},
        "body.form_schema.{n}.key",
        "duplicate",
    ),
    "duplicate material key": (lambda i: {"materials": [*i["materials"], i["materials"][0]]}, "body.materials.{m}.key", "duplicate"),
    "select without options": (
        lambda i: {"form_schema": [*i["form_schema"], {"key": "way", "label": "方式", "type": "select", "options": []}]},
        "body.form_schema.{n}.options",
        "options_missing",
    ),
    "blank condition": (lambda i: {"conditions": ["年满18周岁", "  "]}, "body.conditions.1", "blank"),
    "promised above legal": (lambda i: {"legal_limit_days": 5, "promised_limit_days": 6}, "body.promised_limit_days", "above_legal"),
    "no legal limit": (lambda i: {"legal_limit_days": 0, "promised_limit_days": 0}, "body.legal_limit_days", "not_positive"),
    "required_if names no field": (
        lambda i: {"form_schema": field_named(i, "address", required=False, required_if={"key": "nowhere", "value": "邮寄"})},
        "body.form_schema.{address}.required_if.key",
        "unknown_field",
    ),
}


@pytest.mark.parametrize("name", BREAKS)
async def test_an_item_breaking_a_rule_is_422_with_the_field_named(client, admin, name):
    item = await current(client, admin)
    change, field, code = BREAKS[name]
    bad = item | change(item)
    field = field.format(
        n=len(bad["form_schema"]) - 1,
        m=len(bad["materials"]) - 1,
        address=[f["key"] for f in bad["form_schema"]].index("address"),
    )
    r = await client.put(f"/api/v1/admin/services/{YYZZ}", json=bad, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "catalog.item_invalid", r.text
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in r.json()["errors"]]
    assert all(e["message"] for e in r.json()["errors"])
    assert (await ServiceItem.get(code=YYZZ)).version == 1 and await ServiceVersion.filter(item_id=YYZZ).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"form_schema": [{"key": "x", "label": "甲", "type": "colour"}]}, "body.form_schema.0.type"),
        ({"form_schema": [{"key": "Bad Key", "label": "甲"}]}, "body.form_schema.0.key"),
        ({"materials": [{"key": "id card", "name": "身份证"}]}, "body.materials.0.key"),
        ({"promised_limit_days": -1}, "body.promised_limit_days"),
        ({"assurance_required": 7}, "body.assurance_required"),
    ],
)
async def test_a_malformed_field_is_422_with_the_field_named(client, admin, change, field):
    r = await client.put(f"/api/v1/admin/services/{YYZZ}", json=(await current(client, admin)) | change, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "request.invalid"
    assert field in {e["field"] for e in r.json()["errors"]}


async def test_an_unknown_department_is_422_on_the_department_field(client, admin):
    r = await client.put(f"/api/v1/admin/services/{YYZZ}", json=(await current(client, admin)) | {"department": "nowhere"}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "catalog.unknown_department"
    assert [e["field"] for e in r.json()["errors"]] == ["body.department"]
    assert (await ServiceItem.get(code=YYZZ)).department_id == "scjg"


async def test_a_good_edit_after_a_refused_one_is_version_two(client, admin):
    item = await current(client, admin)
    assert (await client.put(f"/api/v1/admin/services/{YYZZ}", json=item | {"conditions": [""]}, headers=admin)).status_code == 422
    r = await client.put(f"/api/v1/admin/services/{YYZZ}", json=item | {"conditions": ["年满18周岁"]}, headers=admin)
    assert r.status_code == 200 and r.json()["version"] == 2
