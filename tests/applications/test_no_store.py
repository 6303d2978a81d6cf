"""Nothing personal may stay in a browser, proxy or shared-computer cache: the app says no-store itself."""

from __future__ import annotations

from tests.applications.conftest import YYZZ
from tests.applications.test_applications import API, submitted


async def test_every_personal_answer_a_resident_gets_is_no_store(client, resident):
    case = await submitted(client, resident)
    material = case["materials"][0]["material_id"]
    tracking = f"/api/v1/track/{case['tracking_no']}?phone_last4=5678"
    data = [
        "/api/v1/me",
        "/api/v1/me/sessions",
        API,
        f"{API}/{case['id']}",
        f"/api/v1/services/{YYZZ}/prefill",
        "/api/v1/notifications",
        "/api/v1/notifications/unread-count",
        "/api/v1/me/notification-preferences",
        "/api/v1/materials",
        tracking,
    ]
    images = [
        f"/api/v1/materials/{material}/file",
        f"/api/v1/materials/{material}/thumbnail",
        f"{API}/{case['id']}/materials/{material}/file",
        f"{API}/{case['id']}/materials/{material}/thumbnail",
        f"{API}/{case['id']}/qr.svg",
        f"{API}/{case['id']}/qr.png",
    ]
    seen = {}
    for url in data + images:
        r = await client.get(url, headers=resident)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        seen[url] = r.headers.get_list("cache-control")
    assert seen == {url: ["no-store"] for url in data} | {url: ["private, no-store"] for url in images}


async def test_answers_to_changes_and_errors_are_no_store_too(client, resident):
    created = await client.post(API, json={"service_code": YYZZ, "form": {"applicant_name": "张三"}}, headers=resident)
    assert created.status_code == 201 and created.headers.get_list("cache-control") == ["no-store"]
    missing = await client.get(f"{API}/999999", headers=resident)
    assert missing.status_code == 404 and missing.headers.get_list("cache-control") == ["no-store"]
