"""Applications: draft, prefill, idempotent submit, tracking, one-time correction, review, deadlines."""

from __future__ import annotations

import uuid
from datetime import date

from backend.applications.models import Application
from backend.applications.tracking import new_tracking_number, tracking_number_valid
from backend.kit.models import AuditEntry, WorkflowEvent
from backend.kit.workdays import add_working_days, working_days_between
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.consents import agreed
from tests.photos import photo

API = "/api/v1/applications"


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def draft(client, headers, form=None) -> dict:
    r = await client.post(API, json={"service_code": YYZZ, "form": form if form is not None else VALID_FORM}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def attach_id_card(client, headers, case_id: int, material_id: int | None = None) -> dict:
    if material_id is None:
        up = await client.post(
            "/api/v1/materials", headers=headers, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")}, data={"kind": "id_card"}
        )
        assert up.status_code in (200, 201), up.text
        material_id = up.json()["id"]
    r = await client.put(f"{API}/{case_id}/materials/id_card", json={"material_id": material_id}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def submitted(client, headers) -> dict:
    case = await draft(client, headers)
    await attach_id_card(client, headers, case["id"])
    r = await client.post(f"{API}/{case['id']}/submit", headers=headers | key())
    assert r.status_code == 200, r.text
    return r.json()


async def test_prefill_comes_from_the_verified_identity(client, resident):
    r = await client.get(f"/api/v1/services/{YYZZ}/prefill", headers=resident)
    assert r.status_code == 200
    values = r.json()["values"]
    assert values["applicant_name"] == "张三" and values["applicant_id_number"] == "11010519491231002X"
    assert values["contact_phone"] == "13912345678" and "address" not in values


async def test_prefill_reuses_answers_from_earlier_applications(client, resident):
    await submitted(client, resident)
    values = (await client.get(f"/api/v1/services/{YYZZ}/prefill", headers=resident)).json()["values"]
    assert values["address"] == VALID_FORM["address"]


async def test_unverified_accounts_cannot_apply(client, sms):
    from tests.auth.conftest import bearer, sms_login

    session = await sms_login(client, sms, "13912340000")
    r = await client.post(API, json={"service_code": YYZZ}, headers=bearer(session))
    assert r.status_code == 403 and r.json()["code"] == "auth.identity_required"


async def test_unknown_service_is_404(client, resident):
    r = await client.post(API, json={"service_code": "999999999999"}, headers=resident)
    assert r.status_code == 404 and r.json()["code"] == "catalog.service_not_found"


async def test_invalid_form_data_lists_every_field(client, resident):
    bad = {"contact_phone": "12345", "applicant_id_number": "110105194912310021", "nonsense": "x", "business_scope": 12}
    r = await client.post(API, json={"service_code": YYZZ, "form": bad}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "application.form_invalid"
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"form.contact_phone", "form.applicant_id_number", "form.nonsense", "form.business_scope"}
    assert await Application.all().count() == 0


async def test_autosave_keeps_a_partial_draft_and_submit_demands_the_rest(client, resident):
    case = await draft(client, resident, form={"applicant_name": "张三"})
    r = await client.put(f"{API}/{case['id']}/form", json={"form": {"applicant_name": "张三", "business_name": "小店"}}, headers=resident)
    assert r.status_code == 200 and r.json()["form"]["business_name"] == "小店"
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 422
    missing = {e["field"] for e in r.json()["errors"] if e["code"] == "missing"}
    assert "form.applicant_id_number" in missing and "form.business_scope" in missing
    assert (await Application.get(id=case["id"])).status == "draft"


async def test_submit_gives_a_tracking_number_with_a_check_digit_and_a_deadline(client, resident):
    case = await submitted(client, resident)
    assert case["status"] == "submitted" and tracking_number_valid(case["tracking_no"])
    assert case["due_date"] is not None
    assert [t["action"] for t in case["timeline"]] == ["submit"]
    assert case["timeline"][0]["text"] == "已提交申请"


async def test_retried_submit_with_the_same_key_does_not_submit_twice(client, resident):
    case = await draft(client, resident)
    await attach_id_card(client, resident, case["id"])
    headers = resident | key()
    first = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    again = await client.post(f"{API}/{case['id']}/submit", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and again.headers["idempotent-replayed"] == "true"
    assert await WorkflowEvent.filter(object_type="application", action="submit").count() == 1


async def test_submit_without_idempotency_key_is_400(client, resident):
    case = await draft(client, resident)
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident)
    assert r.status_code == 400 and r.json()["code"] == "idempotency.key_missing"


async def test_submitting_a_submitted_case_again_is_409(client, resident):
    case = await submitted(client, resident)
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 409 and r.json()["code"] == "application.illegal_transition"


async def test_someone_elses_case_is_404(client, resident, other_department):
    case = await submitted(client, resident)
    assert (await client.get(f"{API}/{case['id']}", headers=other_department)).status_code == 404
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={}, headers=other_department)
    assert r.status_code == 404


async def test_a_clerk_cannot_tell_another_departments_case_from_a_missing_one(client, resident, other_department):
    case = await submitted(client, resident)
    missing = case["id"] + 1000
    theirs = await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={}, headers=other_department)
    nothing = await client.post(f"/api/v1/staff/applications/{missing}/accept", json={}, headers=other_department)
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.content == nothing.content.replace(str(missing).encode(), str(case["id"]).encode())
    denied = await AuditEntry.filter(action="authz.denied").values_list("object_id", "result")
    assert denied == [(f"application:{case['id']}", "denied")]  # the attempt on a real case is still on record
    assert (await Application.get(id=case["id"])).status == "submitted"


async def test_one_time_correction_then_resubmit_then_approval(client, resident, approver):
    case = await submitted(client, resident)
    staff = f"/api/v1/staff/applications/{case['id']}"
    items = [{"item": "premises", "reason": "租赁合同缺少出租方签字"}, {"item": "business_scope", "reason": "经营范围请按规范表述"}]
    r = await client.post(f"{staff}/request-correction", json={"items": items}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "correction_requested"
    mine = (await client.get(f"{API}/{case['id']}", headers=resident)).json()
    labels = {"premises": "经营场所使用证明", "business_scope": "经营范围"}  # what each reason is about, by name
    assert mine["corrections"] == [i | {"label": labels[i["item"]]} for i in items]
    form = VALID_FORM | {"business_scope": "小吃、饮品零售"}
    assert (await client.put(f"{API}/{case['id']}/form", json={"form": form}, headers=resident)).status_code == 200
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["corrections"] == []
    assert (await client.post(f"{staff}/accept", json={"note": "材料齐全"}, headers=approver)).json()["status"] == "accepted"
    r = await client.post(f"{staff}/approve", json={}, headers=approver)
    assert r.status_code == 200
    done = r.json()
    assert done["status"] == "approved" and done["on_time"] is True
    assert [t["action"] for t in done["timeline"]] == ["submit", "request_correction", "resubmit", "accept", "approve"]
    assert (
        await AuditEntry.filter(
            object_type="application",
            action__in=[f"application.{a}" for a in ("submit", "request_correction", "resubmit", "accept", "approve")],
        ).count()
        == 5
    )


async def test_correction_must_name_items_of_the_service(client, resident, approver):
    case = await submitted(client, resident)
    r = await client.post(
        f"/api/v1/staff/applications/{case['id']}/request-correction",
        json={"items": [{"item": "passport", "reason": "x"}]},
        headers=approver,
    )
    assert r.status_code == 422 and r.json()["code"] == "application.unknown_correction_item"
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/request-correction", json={"items": []}, headers=approver)
    assert r.status_code == 422


async def test_illegal_transitions_are_409(client, resident, approver):
    case = await submitted(client, resident)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/approve", json={}, headers=approver)
    assert r.status_code == 409
    await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={}, headers=approver)
    r = await client.post(f"{API}/{case['id']}/withdraw", headers=resident)
    assert r.status_code == 409
    assert (await Application.get(id=case["id"])).status == "accepted"


async def test_residents_cannot_use_staff_routes(client, resident):
    case = await submitted(client, resident)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={}, headers=resident)
    assert r.status_code == 403


async def test_public_tracking_needs_the_phone_digits(client, resident):
    case = await submitted(client, resident)
    r = await client.get(f"/api/v1/track/{case['tracking_no']}", params={"phone_last4": "5678"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "submitted" and "form" not in body and "张三" not in r.text
    wrong = await client.get(f"/api/v1/track/{case['tracking_no']}", params={"phone_last4": "0000"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "application.tracking_not_found"
    typo = case["tracking_no"][:-1] + str((int(case["tracking_no"][-1]) + 1) % 10)
    assert (await client.get(f"/api/v1/track/{typo}", params={"phone_last4": "5678"})).status_code == 404
    assert (await client.get(f"/api/v1/track/{case['tracking_no']}", params={"phone_last4": "56"})).status_code == 422


async def test_staff_queue_is_scoped_to_the_department(client, resident, approver, other_department):
    case = await submitted(client, resident)
    mine = (await client.get("/api/v1/staff/applications", headers=approver)).json()["items"]
    assert [a["id"] for a in mine] == [case["id"]]
    assert (await client.get("/api/v1/staff/applications", headers=other_department)).json()["items"] == []


def test_tracking_numbers_catch_a_mistyped_digit():
    number = new_tracking_number()
    assert len(number) == 14 and tracking_number_valid(number)
    for i in range(13):
        for d in "0123456789":
            if d != number[i]:
                assert not tracking_number_valid(number[:i] + d + number[i + 1 :])


def test_working_days_skip_the_national_day_holiday_and_count_make_up_days():
    # 2026: National Day holiday 1-7 Oct; Saturday 10 Oct is a make-up working day.
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert working_days_between(date(2026, 10, 9), date(2026, 10, 10)) == 1
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_years_without_statutory_data_fall_back_to_weekdays():
    assert add_working_days(date(2030, 1, 4), 1) == date(2030, 1, 7)  # Friday → Monday


async def test_the_deadline_pauses_while_a_correction_is_pending(client, resident, approver):
    case = await submitted(client, resident)
    await client.post(
        f"/api/v1/staff/applications/{case['id']}/request-correction",
        json={"items": [{"item": "premises", "reason": "请补充"}]},
        headers=approver,
    )
    due_before = (await Application.get(id=case["id"])).due_date
    since = date.today().replace(day=1) if date.today().day > 7 else date(2026, 11, 2)
    await Application.filter(id=case["id"]).update(correction_since=since)  # the request was made earlier
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 200
    paused = working_days_between(since, date.today())
    stored = await Application.get(id=case["id"])
    assert paused > 0 and stored.paused_working_days == paused
    assert stored.due_date == add_working_days(due_before, paused)


async def test_submit_without_the_required_materials_lists_them(client, resident):
    case = await draft(client, resident)
    r = await client.post(f"{API}/{case['id']}/submit", headers=resident | key())
    assert r.status_code == 422 and r.json()["code"] == "application.materials_missing"
    assert [e["field"] for e in r.json()["errors"]] == ["materials.id_card"]
    assert "居民身份证" in r.json()["errors"][0]["message"]


async def test_a_library_photo_is_reused_and_counted(client, resident):
    first = await submitted(client, resident)
    reused_id = first["materials"][0]["material_id"]
    assert first["materials"][0]["reused"] is False
    second = await draft(client, resident)
    attached = await attach_id_card(client, resident, second["id"], material_id=reused_id)
    assert [(m["key"], m["material_id"], m["reused"]) for m in attached["materials"]] == [("id_card", reused_id, True)]


async def test_someone_elses_material_cannot_be_attached(client, resident, sms):
    from tests.auth.conftest import bearer, sms_login

    other = await sms_login(client, sms, "13912349998")
    await client.post(
        "/api/v1/me/identity",
        json={"name": "李四", "id_number": "440524188001010014", "accept": agreed("id_number")},
        headers=bearer(other),
    )
    theirs = (
        await client.post("/api/v1/materials", headers=bearer(other), files={"file": ("x.jpg", photo(1000, 800), "image/jpeg")})
    ).json()
    case = await draft(client, resident)
    r = await client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": theirs["id"]}, headers=resident)
    assert r.status_code == 404 and r.json()["code"] == "material.not_found"


async def test_unknown_material_item_and_expired_material_are_refused(client, resident):
    case = await draft(client, resident)
    up = (
        await client.post(
            "/api/v1/materials",
            headers=resident,
            files={"file": ("x.jpg", photo(1000, 800), "image/jpeg")},
            data={"expires_on": "2020-01-01"},
        )
    ).json()
    r = await client.put(f"{API}/{case['id']}/materials/passport", json={"material_id": up["id"]}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "application.unknown_material"
    r = await client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": up["id"]}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "application.material_expired"


async def test_a_plain_photo_is_refused_where_the_item_needs_a_checked_copy(client, resident):
    r = await client.post(API, json={"service_code": "000105003000", "form": {}}, headers=resident)  # 营业执照: min_trust 2
    assert r.status_code == 201, r.text
    up = (await client.post("/api/v1/materials", headers=resident, files={"file": ("x.jpg", photo(1000, 800), "image/jpeg")})).json()
    r = await client.put(f"{API}/{r.json()['id']}/materials/licence", json={"material_id": up["id"]}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "application.material_trust_too_low"


async def test_reviewer_reads_attached_photos_and_the_read_is_audited(client, resident, approver, other_department):
    case = await submitted(client, resident)
    material_id = case["materials"][0]["material_id"]
    url = f"{API}/{case['id']}/materials/{material_id}/file"
    assert (await client.get(url, headers=approver)).status_code == 200
    assert await AuditEntry.filter(action="material.read").count() == 1
    assert (await client.get(url, headers=other_department)).status_code == 404
    assert (await client.get(url, headers=resident)).status_code == 200


async def approved_case(client, resident, approver) -> dict:
    case = await submitted(client, resident)
    staff = f"/api/v1/staff/applications/{case['id']}"
    await client.post(f"{staff}/accept", json={}, headers=approver)
    r = await client.post(f"{staff}/approve", json={}, headers=approver)
    assert r.status_code == 200
    return r.json()


async def test_certificate_is_issued_verifiable_and_offered_for_reuse(client, resident, approver):
    from backend.applications.models import Certificate

    case = await approved_case(client, resident, approver)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "certificate_issued"
    certificate = await Certificate.get()
    check = await client.get(f"/api/v1/certificates/{certificate.verification_code}")
    assert check.status_code == 200
    body = check.json()
    assert body["valid"] is True and body["name"] == "营业执照" and body["issuer"] == "市场监管局"
    assert "张三" not in check.text and "1101" not in body["number"]
    assert (await client.get("/api/v1/certificates/AAAAAAAAAAAA")).status_code == 404
    library = (await client.get("/api/v1/materials", headers=resident)).json()["items"]
    issued = next(m for m in library if m["trust_level"] == 3)
    assert issued["kind"] == issued["name"] == "营业执照"
    again = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert again.status_code == 409


async def test_certificate_only_for_approved_cases(client, resident, approver):
    case = await submitted(client, resident)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert r.status_code == 409


async def test_tracking_qr_in_svg_and_png(client, resident):
    case = await submitted(client, resident)
    svg = await client.get(f"{API}/{case['id']}/qr.svg", headers=resident)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    png = await client.get(f"{API}/{case['id']}/qr.png", headers=resident)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert (await client.get(f"{API}/{case['id']}/qr.gif", headers=resident)).status_code == 404
    draft_case = await draft(client, resident)
    assert (await client.get(f"{API}/{draft_case['id']}/qr.svg", headers=resident)).status_code == 409


async def test_trips_to_the_hall_are_counted(client, resident, approver):
    case = await submitted(client, resident)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/trip", headers=approver)
    assert r.status_code == 200 and r.json()["trips"] == 1
    assert (await client.post(f"/api/v1/staff/applications/{case['id']}/trip", headers=resident)).status_code == 403


async def test_a_trip_to_the_hall_is_a_step_on_the_timeline(client, resident, approver):
    case = await submitted(client, resident)
    await client.post(f"/api/v1/staff/applications/{case['id']}/trip", headers=approver)
    again = await client.post(f"/api/v1/staff/applications/{case['id']}/trip", headers=approver)
    assert again.json()["trips"] == 2
    steps = (await client.get(f"{API}/{case['id']}", headers=resident)).json()["timeline"]
    assert [s["action"] for s in steps] == ["submit", "record_trip", "record_trip"] and steps[-1]["text"] == "到大厅办理一次"
    assert steps[-1]["status"] == "submitted"
    draft_case = await draft(client, resident)
    refused = await client.post(f"/api/v1/staff/applications/{draft_case['id']}/trip", headers=approver)
    assert refused.status_code == 409 and refused.json()["code"] == "application.illegal_transition"


async def test_the_certificate_is_collected_at_the_hall(client, resident, approver):
    case = await approved_case(client, resident, approver)
    early = await client.post(f"/api/v1/staff/applications/{case['id']}/collect", headers=approver)
    assert early.status_code == 409 and early.json()["code"] == "application.illegal_transition"
    await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/collect", headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "collected" and r.json()["timeline"][-1]["text"] == "已领取"


async def test_a_refused_step_says_why_in_words_people_read(client, resident, approver):
    case = await approved_case(client, resident, approver)
    r = await client.put(f"{API}/{case['id']}/form", json={"form": {}}, headers=resident)
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "审批通过" in detail and "修改申请表" in detail and "approved" not in detail and "edit" not in detail


async def test_every_step_records_who_acted_and_for_whom(client, resident, approver):
    case = await submitted(client, resident)
    await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={}, headers=approver)
    submit, accept = await WorkflowEvent.filter(object_type="application", object_id=case["id"]).order_by("id")
    assert submit.actor == submit.on_behalf_of and submit.actor.startswith("person:")  # the resident, for themself
    assert accept.actor != submit.actor and accept.on_behalf_of is None  # the clerk, in office
    from backend.kit.models import AuditEntry

    audited = await AuditEntry.filter(action="application.submit").first()
    assert audited.detail["on_behalf_of"] == submit.on_behalf_of


async def test_a_failed_certificate_leaves_the_case_approved_and_no_certificate(client, resident, approver, backend_kind):
    from tortoise import connections

    from backend.applications.models import Certificate
    from backend.materials.models import Material

    case = await approved_case(client, resident, approver)
    # The database refuses the step's event row: the last write of issuing fails for real.
    db = connections.get("default")
    if backend_kind == "sqlite":
        await db.execute_script("CREATE TRIGGER refuse_events BEFORE INSERT ON workflow_event BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    else:
        await db.execute_script(
            "CREATE OR REPLACE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
            "CREATE TRIGGER refuse_events BEFORE INSERT ON workflow_event FOR EACH ROW EXECUTE FUNCTION refuse_event()"
        )
    try:
        r = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
        assert r.status_code == 500
    except Exception:
        pass  # the test client may hand the server error to the test instead
    finally:
        undo = "DROP TRIGGER refuse_events ON workflow_event; DROP FUNCTION refuse_event()"
        await db.execute_script("DROP TRIGGER refuse_events" if backend_kind == "sqlite" else undo)
    assert (await Application.get(id=case["id"])).status == "approved"
    assert await Certificate.all().count() == 0
    assert not await Material.filter(trust_level=3).exists()
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/issue-certificate", json={"name": "营业执照"}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "certificate_issued"
