"""The complete 办事指南: where, when, whom to call, the steps, the fee and its legal basis, the
result and how it is delivered, and the conditions that are checked from the ID number."""

from __future__ import annotations

import pytest

from backend.catalog import demo
from backend.catalog.eligibility import describe
from backend.catalog.models import ServiceItem
from backend.catalog.schemas import Eligibility
from tests.catalog.test_catalog import admin_token

YYZZ = "000105001000"


@pytest.fixture
async def seeded(client):
    await demo.seed()
    return client


async def test_every_demo_guide_is_complete(seeded):
    for item in demo.ITEMS:
        guide = (await seeded.get(f"/api/v1/services/{item['code']}")).json()
        assert guide["places"] and all(p["name"] and p["address"] and p["map_url"].startswith("https://") for p in guide["places"])
        assert guide["hours"] and guide["phone"] and guide["fee"], item["code"]
        assert len(guide["steps"]) >= 2 and guide["legal_basis"] and all(b.startswith("《") for b in guide["legal_basis"])
        assert guide["result_name"] and "window" in guide["result_delivery"]
        assert ("ems" in guide["result_delivery"]) == guide["ems_allowed"]


async def test_demo_forms_ask_what_the_paper_form_asks(seeded):
    generic = {"applicant_name", "applicant_id_number", "contact_phone"}
    forms = {i["code"]: {f["key"] for f in i["form_schema"]} for i in demo.ITEMS}
    assert all(keys - generic for keys in forms.values())  # no item asks only name, ID number and phone
    marriage = (await seeded.get("/api/v1/services/000110005000")).json()["form_schema"]
    spouse = {f["key"]: f for f in marriage if f["key"].startswith("spouse_")}
    assert spouse["spouse_name"]["required"] and spouse["spouse_id_number"]["type"] == "id_number"
    birth = {f["key"]: f for f in (await seeded.get("/api/v1/services/000113001000")).json()["form_schema"]}
    assert birth["birth_on"]["type"] == "date" and "birth_place" in birth
    used = {f["type"] for i in demo.ITEMS for f in i["form_schema"] if "type" in f}
    assert {"text", "textarea", "date", "select", "phone", "id_number", "number", "address"} <= used | {"text"}


async def test_checked_conditions_are_declared_and_shown_in_the_guide(seeded):
    old_age = (await seeded.get("/api/v1/services/000110004000")).json()
    assert old_age["eligibility"] == {"min_age": 80, "max_age": None, "regions": []}
    living = (await seeded.get("/api/v1/services/000110001000")).json()
    assert living["eligibility"]["regions"] == [{"prefix": "360426", "name": "江西省九江市德安县"}]
    assert describe(Eligibility(min_age=80)) == ["申请人年满80周岁"]
    assert describe(Eligibility(min_age=16, max_age=60)) == ["申请人年龄在16周岁至60周岁之间"]


async def test_a_row_from_before_the_guide_details_reads_as_an_empty_guide(seeded):
    """Rows written before the migration get the database defaults: the guide still answers."""
    await ServiceItem.filter(code=YYZZ).update(places=[], steps=[], legal_basis=[], eligibility={}, hours="", result_delivery=[])
    from backend.catalog import service as catalog

    await catalog.changed()
    guide = (await seeded.get(f"/api/v1/services/{YYZZ}")).json()
    assert guide["places"] == [] and guide["eligibility"] == {"min_age": None, "max_age": None, "regions": []}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eligibility": {"min_age": 60, "max_age": 16}}, "body.eligibility"),
        ({"eligibility": {"regions": [{"prefix": "3604", "name": ""}]}}, "body.eligibility.regions.0.name"),
        ({"eligibility": {"regions": [{"prefix": "36042", "name": "某县"}]}}, "body.eligibility.regions.0.prefix"),
        ({"eligibility": {"min_age": -1}}, "body.eligibility.min_age"),
        ({"places": [{"name": "大厅", "address": "某地", "map_url": "javascript:alert(1)"}]}, "body.places.0.map_url"),
        ({"result_delivery": ["pigeon"]}, "body.result_delivery.0"),
    ],
)
async def test_admin_edit_refuses_bad_guide_details(seeded, change, field):
    token = await admin_token()
    item = next(i for i in demo.ITEMS if i["code"] == YYZZ) | change
    r = await seeded.put(f"/api/v1/admin/services/{YYZZ}", json=item, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["code"] == "request.invalid", r.text
    assert r.json()["errors"][0]["field"] == field
