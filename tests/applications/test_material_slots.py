"""A case's material slots: one current photo per slot, replaced by a retake, removable, shown with its own hints."""

from __future__ import annotations

from backend.applications.models import AttachedMaterial
from backend.kit.models import AuditEntry
from tests.applications.conftest import VALID_FORM
from tests.applications.test_applications import API, approved_case, draft, key, submitted
from tests.photos import photo

STAFF = "/api/v1/staff/applications"


async def upload(client, headers, image: bytes, kind: str = "id_card") -> dict:
    r = await client.post("/api/v1/materials", headers=headers, files={"file": ("p.jpg", image, "image/jpeg")}, data={"kind": kind})
    assert r.status_code in (200, 201), r.text
    return r.json()


async def attach(client, headers, case_id: int, material_id: int, slot: str = "id_card"):
    return await client.put(f"{API}/{case_id}/materials/{slot}", json={"material_id": material_id}, headers=headers)


async def test_retaking_a_photo_replaces_it_in_the_slot_and_keeps_the_old_one_in_the_library(client, resident):
    case = await draft(client, resident)
    first = await upload(client, resident, photo(1200, 900, color=(8, 8, 8), pattern=False))
    retake = await upload(client, resident, photo(1200, 900))
    assert (await attach(client, resident, case["id"], first["id"])).status_code == 200
    r = await attach(client, resident, case["id"], retake["id"])
    assert r.status_code == 200
    assert [(m["key"], m["material_id"]) for m in r.json()["materials"]] == [("id_card", retake["id"])]
    assert await AttachedMaterial.filter(application_id=case["id"]).count() == 1
    library = {m["id"] for m in (await client.get("/api/v1/materials", headers=resident)).json()["items"]}
    assert {first["id"], retake["id"]} <= library
    replaced = await AuditEntry.filter(action="application.material_attached").order_by("-id").first()
    assert replaced.detail == {"key": "id_card", "material": retake["id"], "replaced": first["id"]}


async def test_each_slot_shows_its_own_photos_quality_hints_and_thumbnail(client, resident):
    case = await draft(client, resident)
    dark = await upload(client, resident, photo(1200, 900, color=(8, 8, 8), pattern=False))
    r = await attach(client, resident, case["id"], dark["id"])
    (slot,) = r.json()["materials"]
    assert [w["code"] for w in slot["warnings"]] == ["too_dark"] and "暗" in slot["warnings"][0]["message"]
    thumb = await client.get(slot["thumbnail_url"], headers=resident)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert len(thumb.content) < len((await client.get(slot["file_url"], headers=resident)).content)
    good = await upload(client, resident, photo(1200, 900))
    assert (await attach(client, resident, case["id"], good["id"])).json()["materials"][0]["warnings"] == []


async def test_a_replaced_photo_is_no_longer_readable_through_the_case(client, resident, approver):
    case = await draft(client, resident)
    old = await upload(client, resident, photo(1200, 900, color=(8, 8, 8), pattern=False))
    await attach(client, resident, case["id"], old["id"])
    new = await upload(client, resident, photo(1200, 900))
    await attach(client, resident, case["id"], new["id"])
    await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert (await client.get(f"{API}/{case['id']}/materials/{old['id']}/file", headers=approver)).status_code == 404
    assert (await client.get(f"{API}/{case['id']}/materials/{new['id']}/thumbnail", headers=approver)).status_code == 200


async def test_attaching_the_same_photo_again_changes_nothing(client, resident):
    case = await draft(client, resident)
    material = await upload(client, resident, photo(1200, 900))
    await attach(client, resident, case["id"], material["id"])
    again = await attach(client, resident, case["id"], material["id"])
    assert again.status_code == 200 and len(again.json()["materials"]) == 1
    assert await AuditEntry.filter(action="application.material_attached").count() == 1


async def test_removing_a_photo_empties_the_slot_and_keeps_it_in_the_library(client, resident):
    case = await draft(client, resident)
    material = await upload(client, resident, photo(1200, 900))
    await attach(client, resident, case["id"], material["id"])
    r = await client.delete(f"{API}/{case['id']}/materials/id_card/{material['id']}", headers=resident)
    assert r.status_code == 200 and r.json()["materials"] == []
    assert material["id"] in {m["id"] for m in (await client.get("/api/v1/materials", headers=resident)).json()["items"]}
    assert await AuditEntry.filter(action="application.material_detached").count() == 1
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 422 and r.json()["code"] == "application.materials_missing"


async def test_removing_a_photo_that_was_replaced_since_leaves_the_new_one(client, resident):
    """A second phone still showing the old photo must not take away the retake."""
    case = await draft(client, resident)
    old = await upload(client, resident, photo(1200, 900, color=(8, 8, 8), pattern=False))
    await attach(client, resident, case["id"], old["id"])
    new = await upload(client, resident, photo(1200, 900))
    await attach(client, resident, case["id"], new["id"])
    r = await client.delete(f"{API}/{case['id']}/materials/id_card/{old['id']}", headers=resident)
    assert r.status_code == 200 and [m["material_id"] for m in r.json()["materials"]] == [new["id"]]
    assert await AuditEntry.filter(action="application.material_detached").count() == 0


async def test_a_case_that_can_no_longer_be_edited_says_so_in_words_people_read(client, resident, approver):
    case = await approved_case(client, resident, approver)
    assert case["editable"] is False
    material = await upload(client, resident, photo(1300, 900))
    tries = {
        "修改申请表": await client.put(f"{API}/{case['id']}/form", json={"form": {}}, headers=resident),
        "添加材料": await attach(client, resident, case["id"], material["id"]),
        "移除材料": await client.delete(f"{API}/{case['id']}/materials/id_card/{case['materials'][0]['material_id']}", headers=resident),
        "提交": await client.post(f"{API}/{case['id']}/submit", headers=resident | key()),
    }
    for verb, r in tries.items():
        assert r.status_code == 409 and r.json()["code"] == "application.illegal_transition", r.text
        detail = r.json()["detail"]
        assert "审批通过" in detail and f"“{verb}”" in detail, detail
        assert not any(c.isascii() and c.isalpha() for c in detail), f"an internal code in {detail!r}"
    assert [m["material_id"] for m in (await client.get(f"{API}/{case['id']}", headers=resident)).json()["materials"]] == [
        case["materials"][0]["material_id"]
    ]


async def test_editable_says_whether_the_resident_may_still_change_the_case(client, resident, approver):
    sent = await submitted(client, resident)
    assert sent["editable"] is False
    assert (await draft(client, resident))["editable"] is True
    items = {"items": [{"item": "id_card", "reason": "照片太暗"}]}
    assert (await client.post(f"{STAFF}/{sent['id']}/request-correction", json=items, headers=approver)).json()["editable"] is True


async def test_a_failed_submit_leaves_the_key_free_so_the_same_key_submits_after_fixing(client, resident):
    """Stripe's rule on the real route: the 422 is not replayed to the retry that follows the fix."""
    case = await draft(client, resident, form={"applicant_name": "张三"})
    headers = resident | key()
    refused = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    assert refused.status_code == 422 and "idempotent-replayed" not in refused.headers
    assert (await client.put(f"{API}/{case['id']}/form", json={"form": VALID_FORM}, headers=resident)).status_code == 200
    still_missing = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    assert still_missing.status_code == 422 and still_missing.json()["code"] == "application.materials_missing"
    assert "idempotent-replayed" not in still_missing.headers
    await attach(client, resident, case["id"], (await upload(client, resident, photo(1200, 900)))["id"])
    done = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "submitted" and "idempotent-replayed" not in done.headers
    again = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"


async def test_a_correction_names_what_each_reason_is_about(client, resident, approver):
    sent = await submitted(client, resident)
    items = [{"item": "id_card", "reason": "照片太暗，请重拍"}, {"item": "business_scope", "reason": "请写完整"}]
    r = await client.post(f"{STAFF}/{sent['id']}/request-correction", json={"items": items}, headers=approver)
    assert [(c["item"], c["label"], c["reason"]) for c in r.json()["corrections"]] == [
        ("id_card", "居民身份证", "照片太暗，请重拍"),
        ("business_scope", "经营范围", "请写完整"),
    ]


async def test_corrections_stored_before_labels_were_kept_get_them_from_the_catalog(client, resident, approver):
    from backend.applications.models import Application

    sent = await submitted(client, resident)
    await client.post(f"{STAFF}/{sent['id']}/request-correction", json={"items": [{"item": "id_card", "reason": "太暗"}]}, headers=approver)
    await Application.filter(id=sent["id"]).update(corrections=[{"item": "id_card", "reason": "太暗"}])
    mine = (await client.get(f"{API}/{sent['id']}", headers=resident)).json()
    assert mine["corrections"] == [{"item": "id_card", "label": "居民身份证", "reason": "太暗"}]


async def test_the_library_names_each_item_by_its_material_and_date(client, resident):
    taken = await upload(client, resident, photo(1200, 900), kind="id_card")
    plain = await upload(client, resident, photo(1100, 900), kind="")
    items = {m["id"]: m for m in (await client.get("/api/v1/materials", headers=resident)).json()["items"]}
    assert items[taken["id"]]["name"] == "居民身份证" and items[taken["id"]]["created_at"]
    assert items[plain["id"]]["name"] is None
    assert taken["name"] == "居民身份证"  # the upload's answer is named the same way
