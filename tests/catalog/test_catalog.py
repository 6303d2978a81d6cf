"""The catalog: Chinese/pinyin/initials search, filters, 办事指南, admin edits seen at once."""

from __future__ import annotations

import asyncio

import pytest

from auth import service as identity
from auth import sessions
from backend.catalog import demo
from backend.catalog import service as catalog
from backend.catalog.models import ServiceItem
from backend.kit.resources import current

YYZZ = "000105001000"


@pytest.fixture
async def seeded(client):
    await demo.seed()
    return client


async def codes(client, **params) -> list[str]:
    r = await client.get("/api/v1/services", params=params)
    assert r.status_code == 200, r.text
    return [i["code"] for i in r.json()["items"]]


async def test_demo_catalog_has_at_least_twenty_items_across_departments(seeded):
    body = (await seeded.get("/api/v1/services", params={"page_size": 100})).json()
    assert body["total"] >= 20
    assert len({i["department"] for i in body["items"]}) >= 6


@pytest.mark.parametrize("q", ["营业执照", "yyzz", "YYZZ", "yingyezhizhao", "yingye", "个体户"])
async def test_search_by_chinese_pinyin_and_initials(seeded, q):
    assert YYZZ in await codes(seeded, q=q)


async def test_search_matches_keywords_and_misses_nonsense(seeded):
    assert "000108002000" in await codes(seeded, q="大病救助")
    assert await codes(seeded, q="火星移民") == []


async def test_filters_by_department_and_flag(seeded):
    in_mzj = await codes(seeded, department="mzj", page_size=100)
    assert in_mzj and all(c.startswith("00011") for c in in_mzj)
    body = (await seeded.get("/api/v1/services", params={"flag": "instant", "page_size": 100})).json()
    assert body["items"] and all(i["instant"] for i in body["items"])


async def test_pagination(seeded):
    first = (await seeded.get("/api/v1/services", params={"page_size": 5, "page": 1})).json()
    second = (await seeded.get("/api/v1/services", params={"page_size": 5, "page": 2})).json()
    assert len(first["items"]) == 5 and first["total"] == second["total"]
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}


@pytest.mark.parametrize("params", [{"q": "字" * 51}, {"page": 0}, {"page_size": 101}, {"flag": "free_beer"}, {"page": "one"}])
async def test_bad_search_parameters_are_422(seeded, params):
    r = await seeded.get("/api/v1/services", params=params)
    assert r.status_code == 422 and r.json()["code"] == "request.invalid"


async def test_guide_is_complete(seeded):
    r = await seeded.get(f"/api/v1/services/{YYZZ}")
    assert r.status_code == 200
    guide = r.json()
    assert guide["department_name"] == "市场监管局" and guide["kind"] == "行政许可"
    assert guide["legal_limit_days"] == 15 and guide["promised_limit_days"] == 1 and guide["fee"] == "不收费"
    assert guide["online_full"] is True and guide["conditions"]
    assert {m["key"] for m in guide["materials"]} >= {"id_card", "premises"}
    prefill = {f["key"]: f["prefill"] for f in guide["form_schema"]}
    assert prefill["applicant_name"] == "person.name" and prefill["applicant_id_number"] == "person.id_number"


async def test_unknown_service_is_404_in_chinese(seeded):
    r = await seeded.get("/api/v1/services/999999999999")
    assert r.status_code == 404
    assert r.json()["code"] == "catalog.service_not_found" and "999999999999" in r.json()["detail"]


async def test_departments_list_counts_items(seeded):
    departments = (await seeded.get("/api/v1/departments")).json()["departments"]
    assert {"code": "scjg", "name": "市场监管局", "items": 3} in departments


async def admin_token() -> str:
    person = await identity.create_person(name="王管理", phone="13800000001", actor="test")
    await identity.grant_role(person=person, role="admin", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    return token


async def test_admin_edit_is_searchable_at_once(seeded):
    token = await admin_token()
    guide = (await seeded.get(f"/api/v1/services/{YYZZ}")).json()
    assert YYZZ not in await codes(seeded, q="开网店")
    item = {
        k: guide[k]
        for k in (
            "code",
            "name",
            "kind",
            "summary",
            "conditions",
            "materials",
            "form_schema",
            "legal_limit_days",
            "promised_limit_days",
            "fee",
            "online_full",
            "max_one_trip",
            "instant",
            "ems_allowed",
            "appointment_needed",
        )
    }
    item |= {"department": "scjg", "keywords": "营业执照 开网店"}
    r = await seeded.put(f"/api/v1/admin/services/{YYZZ}", json=item, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json() == {"code": YYZZ, "changed": True, "version": 2}
    assert YYZZ in await codes(seeded, q="开网店")
    r = await seeded.put(f"/api/v1/admin/services/{YYZZ}", json=item | {"published": False}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert (await seeded.get(f"/api/v1/services/{YYZZ}")).status_code == 404
    assert YYZZ not in await codes(seeded, q="yyzz")


async def test_admin_edit_refuses_bad_items(seeded):
    token = await admin_token()
    headers = {"Authorization": f"Bearer {token}"}
    base = {
        "code": "000199001000",
        "name": "测试事项",
        "department": "nowhere",
        "kind": "公共服务",
        "summary": "x",
        "legal_limit_days": 1,
        "promised_limit_days": 1,
    }
    r = await seeded.put("/api/v1/admin/services/000199001000", json=base, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "catalog.unknown_department"
    r = await seeded.put("/api/v1/admin/services/000199002000", json=base | {"department": "mzj"}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "catalog.code_mismatch"
    r = await seeded.put("/api/v1/admin/services/000199001000", json=base | {"department": "mzj", "kind": "随便"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.kind"
    assert not await ServiceItem.exists(code="000199001000")


async def test_residents_cannot_edit_the_catalog(seeded):
    person = await identity.create_person(name="张三", phone="13900000001", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
    r = await seeded.put(f"/api/v1/admin/services/{YYZZ}", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403  # refused before the body is even validated
    r = await seeded.put(
        f"/api/v1/admin/services/{YYZZ}",
        json={
            "code": YYZZ,
            "name": "被改了",
            "department": "scjg",
            "kind": "公共服务",
            "summary": "x",
            "legal_limit_days": 1,
            "promised_limit_days": 1,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    assert (await seeded.get(f"/api/v1/services/{YYZZ}")).json()["name"] != "被改了"


async def test_a_change_made_by_another_process_is_seen_within_a_second(seeded):
    assert YYZZ in await codes(seeded, q="yyzz")
    # Another process unpublishes the item: it writes the row and bumps the shared version.
    await ServiceItem.filter(code=YYZZ).update(published=False)
    await current().broker.set(catalog.VERSION_KEY, b"changed-elsewhere")
    await asyncio.sleep(catalog.VERSION_CHECK_SECONDS + 0.1)
    assert YYZZ not in await codes(seeded, q="yyzz")
