"""Catalog versions (事项版本): every change is a new version, and a case keeps the version it was drafted under."""

from __future__ import annotations

import uuid

from backend.applications.models import Application
from backend.catalog.models import ServiceItem, ServiceVersion
from tests.applications.conftest import *  # noqa: F401,F403  (seeded catalog, verified resident, approver)
from tests.applications.conftest import VALID_FORM, YYZZ, staff_headers
from tests.photos import photo

API = "/api/v1/applications"
ADMIN = "/api/v1/admin/services"


async def admin() -> dict[str, str]:
    return await staff_headers("admin", "", "13800000001")


async def load(client, headers, code: str = YYZZ) -> dict:
    r = await client.get(f"{ADMIN}/{code}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def save(client, headers, item: dict, base_version: int | None = None):
    params = {} if base_version is None else {"base_version": base_version}
    return await client.put(f"{ADMIN}/{item['code']}", json=item, params=params, headers=headers)


def version_two(item: dict) -> dict:
    """The item with a new required form field and a new required material, and one field taken out."""
    return item | {
        "form_schema": [f for f in item["form_schema"] if f["key"] != "business_scope"]
        + [{"key": "shop_area", "label": "经营面积（平方米）", "type": "number", "required": True, "min": 1, "max": 100000}],
        "materials": [*item["materials"], {"key": "lease", "name": "场地租赁合同", "required": True}],
    }


async def attach_id_card(client, headers, case_id: int) -> None:
    up = await client.post(
        "/api/v1/materials", headers=headers, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")}, data={"kind": "id_card"}
    )
    assert up.status_code in (200, 201), up.text
    r = await client.put(f"{API}/{case_id}/materials/id_card", json={"material_id": up.json()["id"]}, headers=headers)
    assert r.status_code == 200, r.text


async def test_a_case_in_progress_keeps_its_version_and_a_new_draft_gets_the_new_one(client, resident, approver):
    r = await client.post(API, json={"service_code": YYZZ, "form": {"applicant_name": "张三"}}, headers=resident)
    assert r.status_code == 201, r.text
    case = r.json()
    assert (await Application.get(id=case["id"])).service_version == 1
    headers = await admin()
    loaded = await load(client, headers)
    assert loaded["version"] == 1
    r = await save(client, headers, version_two(loaded["item"]), base_version=1)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert (await client.get(f"/api/v1/services/{YYZZ}")).json()["version"] == 2

    # The v1 case: its form still has business_scope and no shop_area, and it needs no lease.
    r = await client.put(f"{API}/{case['id']}/form", json={"form": VALID_FORM}, headers=resident)
    assert r.status_code == 200, r.text
    await attach_id_card(client, resident, case["id"])
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    staff = f"/api/v1/staff/applications/{case['id']}"
    assert (await client.post(f"{staff}/accept", json={}, headers=approver)).json()["status"] == "accepted"
    assert (await client.post(f"{staff}/approve", json={}, headers=approver)).json()["status"] == "approved"

    # A new draft follows version 2: the removed field is refused, the new field and material are required.
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=resident)
    assert r.status_code == 201, r.text
    new = r.json()
    assert (await Application.get(id=new["id"])).service_version == 2
    r = await client.put(f"{API}/{new['id']}/form", json={"form": VALID_FORM}, headers=resident)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"form.business_scope"}
    form = {k: v for k, v in VALID_FORM.items() if k != "business_scope"}
    assert (await client.put(f"{API}/{new['id']}/form", json={"form": form}, headers=resident)).status_code == 200
    r = await client.post(f"{API}/{new['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"form.shop_area"}
    await client.put(f"{API}/{new['id']}/form", json={"form": form | {"shop_area": "30"}}, headers=resident)
    await attach_id_card(client, resident, new["id"])
    r = await client.post(f"{API}/{new['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"materials.lease"}


async def test_a_correction_request_names_the_items_of_the_case_version(client, resident, approver):
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=resident)
    case = r.json()
    await attach_id_card(client, resident, case["id"])
    assert (await client.post(f"{API}/{case['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})).status_code == 200
    headers = await admin()
    assert (await save(client, headers, version_two((await load(client, headers))["item"]))).status_code == 200
    staff = f"/api/v1/staff/applications/{case['id']}/request-correction"
    r = await client.post(staff, json={"items": [{"item": "lease", "reason": "请补充"}]}, headers=approver)
    assert r.status_code == 422 and r.json()["code"] == "application.unknown_correction_item"  # not a material of v1
    r = await client.post(staff, json={"items": [{"item": "business_scope", "reason": "请写具体"}]}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "correction_requested", r.text


async def test_every_change_is_a_version_with_what_it_changed_and_an_unchanged_save_is_none(client, resident):
    headers = await admin()
    item = (await load(client, headers))["item"]
    r = await save(client, headers, item)
    assert r.json() == {"code": YYZZ, "changed": False, "version": 1}
    r = await save(client, headers, version_two(item) | {"fee": "收费 10 元"}, base_version=1)
    assert r.json()["version"] == 2
    r = await save(client, headers, version_two(item) | {"fee": "收费 10 元", "published": False}, base_version=2)
    assert r.json()["version"] == 3  # unpublishing is a save like any other
    detail = await load(client, headers)
    assert [v["version"] for v in detail["versions"]] == [3, 2, 1]
    assert detail["item"]["published"] is False
    changes = {c["field"]: c for c in detail["versions"][1]["changes"]}
    assert set(changes) == {"materials", "form_schema", "fee"}
    assert changes["materials"]["added"] == ["场地租赁合同"]
    assert changes["form_schema"]["added"] == ["经营面积（平方米）"] and changes["form_schema"]["removed"] == ["经营范围"]
    assert changes["fee"]["before"] == "不收费" and changes["fee"]["after"] == "收费 10 元"
    assert [c["field"] for c in detail["versions"][0]["changes"]] == ["published"]
    assert detail["versions"][0]["created_by_name"] == "李**"  # the saver by masked name, not by id
    assert detail["versions"][2]["created_by"] == "seed-demo" and detail["versions"][2]["created_by_name"] is None
    old = await client.get(f"{ADMIN}/{YYZZ}/versions/1", headers=headers)
    assert old.status_code == 200 and old.json()["item"] == item and old.json()["changes"] == []
    assert (await client.get(f"{ADMIN}/{YYZZ}/versions/2", headers=headers)).json()["created_by_name"] == "李**"
    assert (await client.get(f"{ADMIN}/{YYZZ}/versions/9", headers=headers)).json()["code"] == "catalog.version_not_found"
    assert (await client.get(f"{ADMIN}/999999999999/versions/1", headers=headers)).json()["code"] == "catalog.service_not_found"
    listed = {i["code"]: i for i in (await client.get(ADMIN, headers=headers)).json()["items"]}
    assert listed[YYZZ]["version"] == 3 and listed[YYZZ]["published"] is False  # unpublished items stay in the admin's list
    assert await ServiceVersion.filter(item_id=YYZZ).count() == 3


async def test_a_save_on_top_of_a_newer_version_is_refused(client, resident):
    headers = await admin()
    item = (await load(client, headers))["item"]
    assert (await save(client, headers, item | {"fee": "一"}, base_version=1)).status_code == 200
    r = await save(client, headers, item | {"fee": "二"}, base_version=1)
    assert r.status_code == 409 and r.json()["code"] == "catalog.version_conflict" and "2" in r.json()["detail"]
    assert (await ServiceItem.get(code=YYZZ)).fee == "一"


async def test_residents_and_staff_cannot_read_the_admin_catalog(client, resident, approver):
    for path in (ADMIN, f"{ADMIN}/{YYZZ}", f"{ADMIN}/{YYZZ}/versions/1"):
        assert (await client.get(path, headers=resident)).status_code == 403
        assert (await client.get(path, headers=approver)).status_code == 403


async def test_an_unpublished_item_takes_no_new_submission_but_its_submitted_cases_go_on(client, resident, approver):
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=resident)
    filed = r.json()
    await attach_id_card(client, resident, filed["id"])
    assert (await client.post(f"{API}/{filed['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})).status_code == 200
    draft = (await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=resident)).json()
    await attach_id_card(client, resident, draft["id"])
    headers = await admin()
    assert (await save(client, headers, (await load(client, headers))["item"] | {"published": False})).json()["version"] == 2
    r = await client.post(f"{API}/{draft['id']}/submit", headers=resident | {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 404 and r.json()["code"] == "catalog.service_not_found"
    staff = f"/api/v1/staff/applications/{filed['id']}"
    assert (await client.post(f"{staff}/accept", json={}, headers=approver)).json()["status"] == "accepted"
