"""Races on the catalog: administrators saving one new item at once create it once."""

from __future__ import annotations

from auth import service as identity
from auth import sessions
from backend.catalog import demo
from backend.catalog.models import ServiceItem
from tests.races.conftest import N, assert_no_5xx, outcome, race_with_inserts_held

ITEM = {
    "code": "000199001000",
    "name": "测试事项",
    "department": "mzj",
    "kind": "公共服务",
    "summary": "x",
    "legal_limit_days": 1,
    "promised_limit_days": 1,
}


async def test_fifty_saves_of_one_new_item_create_it_once(client, settings):
    await demo.seed()
    person = await identity.create_person(name="王管理", phone="13800000001", actor="test")
    await identity.grant_role(person=person, role="admin", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    headers = {"Authorization": f"Bearer {token}"}
    # A first request loads the session into the cache; otherwise it alone gets ahead of the others.
    assert (
        await client.put(f"/api/v1/admin/services/{ITEM['code']}", json=ITEM | {"department": "nowhere"}, headers=headers)
    ).status_code == 422
    answers = await race_with_inserts_held(
        settings,
        "catalog_service_item",
        (client.put(f"/api/v1/admin/services/{ITEM['code']}", json=ITEM, headers=headers) for _ in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)
    assert [r.json()["changed"] for r in answers].count(True) == 1  # the rest found it saved as they sent it
    assert await ServiceItem.filter(code=ITEM["code"]).count() == 1
