"""Races on the catalog: administrators saving one item at once create it once and number its versions once."""

from __future__ import annotations

from auth import service as identity
from auth import sessions
from backend.catalog import demo
from backend.catalog.models import ServiceItem, ServiceVersion
from tests.races.conftest import N, assert_no_5xx, assert_one_winner, outcome, race_with_inserts_held

YYZZ = "000105001000"

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


async def _admin_headers(client) -> dict[str, str]:
    await demo.seed()
    person = await identity.create_person(name="王管理", phone="13800000001", actor="test")
    await identity.grant_role(person=person, role="admin", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(f"/api/v1/admin/services/{YYZZ}", headers=headers)).status_code == 200  # the session is cached
    return headers


async def test_fifty_edits_from_one_version_make_one_new_version(client, settings):
    headers = await _admin_headers(client)
    item = (await client.get(f"/api/v1/admin/services/{YYZZ}", headers=headers)).json()["item"]
    answers = await race_with_inserts_held(
        settings,
        "catalog_service_item",
        (
            client.put(f"/api/v1/admin/services/{YYZZ}", json=item | {"fee": f"收费 {i} 元"}, params={"base_version": 1}, headers=headers)
            for i in range(N)
        ),
    )
    winner = assert_one_winner(answers, status=200, losers={409: {"catalog.version_conflict"}})
    assert winner.json()["version"] == 2
    assert [v.version for v in await ServiceVersion.filter(item_id=YYZZ).order_by("version")] == [1, 2]
    assert (await ServiceItem.get(code=YYZZ)).fee == (await ServiceVersion.get(item_id=YYZZ, version=2)).snapshot["fee"]


async def test_fifty_blind_edits_at_once_never_share_a_version_number(client, settings):
    """Without a base version a save goes on top of whatever is current: numbered one by one, or refused."""
    headers = await _admin_headers(client)
    item = (await client.get(f"/api/v1/admin/services/{YYZZ}", headers=headers)).json()["item"]
    answers = await race_with_inserts_held(
        settings,
        "catalog_service_item",
        (client.put(f"/api/v1/admin/services/{YYZZ}", json=item | {"fee": f"收费 {i} 元"}, headers=headers) for i in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 or r.json()["code"] == "catalog.version_conflict" for r in answers), outcome(answers)
    saved = sorted(r.json()["version"] for r in answers if r.status_code == 200)
    assert saved and saved == list(range(2, 2 + len(saved)))
    versions = [v.version for v in await ServiceVersion.filter(item_id=YYZZ).order_by("version")]
    assert versions == [1, *saved]
    current = await ServiceItem.get(code=YYZZ)
    assert current.version == saved[-1] and current.fee == (await ServiceVersion.get(item_id=YYZZ, version=saved[-1])).snapshot["fee"]
