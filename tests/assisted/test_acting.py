"""Acting for a villager (帮办代办) with the Yiwang-Delegation header: the case stays the villager's, every
row says who acted, for whom and under which delegation, and no consent / another errand / an expired
delegation / another township is refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

from auth import service as identity
from auth import sessions
from backend.applications.models import Application
from backend.assisted.models import Delegation
from backend.kit.models import AuditEntry, WorkflowEvent
from backend.materials.models import Material
from notifications.models import Notification
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.assisted.conftest import OTHER_TOWNSHIP, TOWNSHIP, key, staff_session
from tests.assisted.test_delegations import delegate, register, with_photo
from tests.photos import photo

API = "/api/v1/applications"
OTHER_ERRAND = "000105002000"
TODAY = date.today()


def acting(headers: dict[str, str], delegation: dict) -> dict[str, str]:
    return headers | {"Yiwang-Delegation": str(delegation["id"])}


async def consented(client, worker, villager: dict, *, errands=("*",)) -> dict:
    delegation = await delegate(client, worker, villager["id"], errands=errands)
    r = await with_photo(client, worker, delegation["id"])
    assert r.status_code == 200, r.text
    return r.json()


async def setup(client, *, errands=("*",), phone="13700000051", roles=()) -> tuple[dict, object, dict, dict]:
    """A township worker (with any extra roles), a villager they registered, and an active delegation."""
    worker, session = await staff_session("staff", f"township:{TOWNSHIP}", phone)
    person = await identity.find_by_phone(phone=phone)
    assert person is not None
    for role, scope in roles:
        await identity.grant_role(person=person, role=role, scope=scope, actor="test")
    villager = await register(client, worker)
    return worker, session, villager, await consented(client, worker, villager, errands=errands)


async def file_case(client, headers: dict[str, str]) -> dict:
    """Draft, photographed ID card, submit: what staff do at the villager's kitchen table."""
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=headers)
    assert r.status_code == 201, r.text
    case = r.json()
    up = await client.post(
        "/api/v1/materials", headers=headers, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")}, data={"kind": "id_card"}
    )
    assert up.status_code == 201, up.text
    r = await client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": up.json()["id"]}, headers=headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"{API}/{case['id']}/submit", headers=headers | key())
    assert r.status_code == 200, r.text
    return r.json() | {"material_id": up.json()["id"]}


async def test_staff_file_a_case_that_stays_the_villagers_with_actor_subject_and_delegation_recorded(client, resident):
    worker, session, villager, delegation = await setup(client)
    case = await file_case(client, acting(worker, delegation))
    staff, them, under = f"person:{session.person_id}", f"person:{villager['id']}", f"delegation:{delegation['id']}"

    application = await Application.get(id=case["id"])
    assert application.person_id == villager["id"] and application.status == "submitted"
    assert (await Material.get(id=case["material_id"])).person_id == villager["id"]  # the villager's library
    event = await WorkflowEvent.get(object_type="application", object_id=case["id"], action="submit")
    assert (event.actor, event.on_behalf_of, event.authorisation) == (staff, them, under)
    rows = {
        e.action: e
        for e in await AuditEntry.filter(
            action__in=["application.draft_created", "material.uploaded", "application.material_attached", "application.submit"]
        )
    }
    assert sorted(rows) == ["application.draft_created", "application.material_attached", "application.submit", "material.uploaded"]
    for entry in rows.values():
        assert (entry.actor, entry.subject) == (staff, them), entry.action
        assert (entry.detail["on_behalf_of"], entry.detail["authorisation"]) == (them, under), entry.action
    notice = await Notification.get(person_id=villager["id"], event="assist.case_submitted")
    assert (notice.data["actor"], notice.data["on_behalf_of"], notice.data["authorisation"]) == (staff, them, under)
    # The villager's case, listed and read under the delegation; the staff's own answer knows nothing of it.
    listed = await client.get(API, headers=acting(worker, delegation))
    assert [c["id"] for c in listed.json()["items"]] == [case["id"]]
    assert (await client.get(f"{API}/{case['id']}", headers=worker)).status_code == 404
    # The tracking QR too, to show the villager where to follow the case.
    qr = await client.get(f"{API}/{case['id']}/qr.svg", headers=acting(worker, delegation))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert (await client.get(f"{API}/{case['id']}/qr.svg", headers=worker)).status_code == 404


async def test_without_consent_nothing_is_done(client, resident):
    worker, _ = await staff_session("staff", f"township:{TOWNSHIP}", "13700000052")
    villager = await register(client, worker)
    pending = await delegate(client, worker, villager["id"])  # no photo, no SMS code yet
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(worker, pending))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    for header in ("999999", "abc", "-1", ""):
        r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=worker | {"Yiwang-Delegation": header})
        assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation", header
    assert not await Application.filter(person_id=villager["id"]).exists()


async def test_an_errand_outside_the_delegation_is_refused(client, resident):
    worker, _, villager, only_other = await setup(client, errands=(OTHER_ERRAND,))
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(worker, only_other))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.get(f"/api/v1/services/{YYZZ}/prefill", headers=acting(worker, only_other))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    # A case of that errand filed under a broader delegation is out of reach of the narrow one.
    everything = await consented(client, worker, villager)
    case = await file_case(client, acting(worker, everything))
    for method, path in (("GET", f"{API}/{case['id']}"), ("POST", f"{API}/{case['id']}/withdraw")):
        r = await client.request(method, path, headers=acting(worker, only_other))
        assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation", path
    assert (await client.get(API, headers=acting(worker, only_other))).json()["items"] == []
    assert (await Application.get(id=case["id"])).status == "submitted"


async def test_an_expired_or_withdrawn_delegation_is_refused(client, resident):
    worker, _, villager, delegation = await setup(client)
    await Delegation.filter(id=delegation["id"]).update(ends=TODAY - timedelta(days=1))  # the end date has passed
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(worker, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    assert (await Delegation.get(id=delegation["id"])).status == "expired"

    later = await consented(client, worker, villager)
    await Delegation.filter(id=later["id"]).update(starts=TODAY + timedelta(days=1))  # not begun yet
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(worker, later))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"

    current = await consented(client, worker, villager)
    assert (await client.post(f"/api/v1/assist/delegations/{current['id']}/withdraw", headers=worker)).status_code == 200
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(worker, current))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    assert not await Application.filter(person_id=villager["id"]).exists()


async def test_staff_of_another_township_cannot_use_the_delegation(client, resident):
    worker, _, villager, delegation = await setup(client)
    other, _ = await staff_session("staff", f"township:{OTHER_TOWNSHIP}", "13700000053")
    r = await client.post(API, json={"service_code": YYZZ, "form": {}}, headers=acting(other, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    case = await file_case(client, acting(worker, delegation))
    r = await client.get(f"{API}/{case['id']}", headers=acting(other, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    r = await client.get("/api/v1/materials", headers=acting(other, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"


async def test_the_header_is_refused_where_acting_is_not_allowed_and_from_non_staff(client, resident):
    worker, _, villager, delegation = await setup(client)
    for method, path in (
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/delegations"),
        ("POST", f"/api/v1/me/delegations/{delegation['id']}/withdraw"),
        ("GET", "/api/v1/staff/applications"),
        ("GET", f"/api/v1/assist/delegations?person_id={villager['id']}"),
    ):
        r = await client.request(method, path, headers=acting(worker, delegation))
        assert r.status_code == 403 and r.json()["code"] == "assist.acting_not_allowed", path
    # A resident cannot borrow a delegation, not even one in their own name.
    r = await client.get(API, headers=acting(resident, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.acting_not_allowed"
    assert (await Delegation.get(id=delegation["id"])).status == "active"


async def test_staff_without_the_second_factor_cannot_act(client, resident):
    worker, session, villager, delegation = await setup(client)
    token, _ = await sessions.create(account_id=None, person_id=session.person_id, transport="bearer", mfa=False, user_agent="t", ip="t")
    r = await client.get(API, headers={"Authorization": f"Bearer {token}", "Yiwang-Delegation": str(delegation["id"])})
    assert r.status_code == 403 and r.json()["code"] == "auth.second_factor_required"


async def test_a_clerk_does_not_accept_or_approve_a_case_they_filed_as_agent(client, resident, approver):
    # 孙 is a township worker and also an approver of the department that decides the item.
    worker, session, villager, delegation = await setup(client, roles=[("approver", "department:scjg")])
    case = await file_case(client, acting(worker, delegation))
    staff = f"/api/v1/staff/applications/{case['id']}"
    for step, body in (("accept", {"note": ""}), ("request-correction", {"items": [{"item": "premises", "reason": "缺签字"}]})):
        r = await client.post(f"{staff}/{step}", json=body, headers=worker)
        assert r.status_code == 403 and r.json()["code"] == "applications.own_filing", step
    assert (await Application.get(id=case["id"])).status == "submitted"
    assert (await client.post(f"{staff}/accept", json={"note": "材料齐全"}, headers=approver)).status_code == 200
    for step, body in (("approve", {}), ("reject", {"reason": "不符合条件"})):
        r = await client.post(f"{staff}/{step}", json=body, headers=worker)
        assert r.status_code == 403 and r.json()["code"] == "applications.own_filing", step
    r = await client.post(f"{staff}/approve", json={}, headers=approver)
    assert r.status_code == 200 and r.json()["status"] == "approved"


async def test_a_clerk_may_decide_cases_they_did_not_file(client, resident):
    # The rule is about the case filed, not about the clerk: the same clerk decides another villager's own case.
    worker, session, villager, delegation = await setup(client, roles=[("approver", "department:scjg")])
    up = await client.post(
        "/api/v1/materials", headers=resident, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")}, data={"kind": "id_card"}
    )
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=resident)
    case = r.json()
    await client.put(f"{API}/{case['id']}/materials/id_card", json={"material_id": up.json()["id"]}, headers=resident)
    assert (await client.post(f"{API}/{case['id']}/submit", headers=resident | key())).status_code == 200
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={"note": ""}, headers=worker)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    # Under the villager's delegation the resident's case is nobody's business: 404 like a missing one.
    r = await client.get(f"{API}/{case['id']}", headers=acting(worker, delegation))
    assert r.status_code == 404 and r.json()["code"] == "application.not_found"


def test_the_cached_copy_of_a_session_never_carries_acting_and_tolerates_newer_fields():
    # A process of the previous release reads the copies this one writes during a rolling restart, and the
    # other way round: a copy with a field it does not know is still read.
    info = sessions.SessionInfo(
        id=1,
        token_hash="h",
        transport="bearer",
        csrf_token="c",
        account_id=None,
        person_id=2,
        mfa=True,
        idle_seconds=60,
        expires_at=0,
        last_seen=0,
    )
    stored = sessions._stored(info)
    assert "acting" not in stored
    assert sessions._from_cache(json.dumps(stored | {"added_later": 1}).encode()) == info
