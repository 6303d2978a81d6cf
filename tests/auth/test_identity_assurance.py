"""Knowing someone's name and ID number opens nothing: assurance levels, joining, "不是我本人"."""

from __future__ import annotations

import asyncio

import httpx

from auth.models import Account, JoinRequest, Person, Session
from backend.catalog import demo
from backend.kit.models import AuditEntry
from notifications.models import Delivery
from tests.auth.conftest import bearer, sms_login
from tests.auth.test_wechat_and_identity import wx_login
from tests.consents import agreed

IDENTITY = "/api/v1/me/identity"
VICTIM_ID = "11010519491231002X"
OTHER_ID = "440524188001010014"
ITEM = "000105001000"  # 个体工商户设立登记 (demo catalog)


async def victim_with_cases(client, sms, phone: str) -> dict:
    """The resident: logged in by phone, bound by claim (no carrier record), with a case of their own."""
    session = await sms_login(client, sms, phone)
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(session))
    assert r.status_code == 200 and r.json()["assurance"] == "claimed", r.text
    await demo.seed()
    r = await client.post("/api/v1/applications", json={"service_code": ITEM, "form": {}}, headers=bearer(session))
    assert r.status_code == 201, r.text
    assert len((await client.get("/api/v1/applications", headers=bearer(session))).json()["items"]) == 1
    return session


async def test_name_and_id_number_of_another_resident_open_nothing_of_theirs(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    victim_me = (await client.get("/api/v1/me", headers=bearer(victim))).json()
    attacker = await wx_login(client, wechat, "o-mallory")
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(attacker))
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["person_id"] != victim_me["person_id"] and seen["phone"] is None and seen["channels"] == ["wechat_mp"]
    h = bearer(attacker)
    assert (await client.get("/api/v1/applications", headers=h)).json()["items"] == []
    prefill = await client.get(f"/api/v1/services/{ITEM}/prefill", headers=h)
    assert phone not in prefill.text
    assert (await client.get("/api/v1/notifications", headers=h)).json()["items"] == []
    assert (await client.get("/api/v1/materials", headers=h)).json()["items"] == []
    devices = (await client.get("/api/v1/me/sessions", headers=h)).json()["devices"]
    assert len(devices) == 1 and devices[0]["current"]
    victim_session = await Session.filter(person_id=victim_me["person_id"]).first()
    assert (await client.delete(f"/api/v1/me/sessions/{victim_session.id}", headers=h)).status_code == 404
    assert (await client.get("/api/v1/me", headers=bearer(victim))).status_code == 200
    # The owner keeps the number; the claimant's copy is only a claim.
    owner = await Person.get(id=victim_me["person_id"])
    assert owner.id_number_idx is not None and (await Person.get(id=seen["person_id"])).id_number_idx is None


async def test_the_owner_is_told_of_a_claim_on_their_number_on_their_own_channels(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    attacker = await wx_login(client, wechat, "o-mallory2")
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(attacker))
    inbox = (await client.get("/api/v1/notifications", headers=bearer(victim))).json()["items"]
    assert [n["event"] for n in inbox] == ["account.join_refused"]
    assert VICTIM_ID not in inbox[0]["body"] and "不是我本人" in inbox[0]["body"]
    (delivery,) = await Delivery.filter(notification_id=inbox[0]["id"], channel="sms")
    assert delivery.status == "pending"  # critical: texted to the phone on record as well
    assert await AuditEntry.filter(action="identity.kept_apart").exists()


async def test_binding_answers_the_same_whether_or_not_the_number_is_known(client, sms, wechat, phone):
    await victim_with_cases(client, sms, phone)
    answers = []
    for openid, name, number in (("o-p1", "张三", VICTIM_ID), ("o-p2", "王二", VICTIM_ID), ("o-p3", "张三", OTHER_ID)):
        session = await wx_login(client, wechat, openid)
        r = await client.post(IDENTITY, json={"name": name, "id_number": number, "accept": agreed("id_number")}, headers=bearer(session))
        body = r.json()
        answers.append((r.status_code, sorted(body), body["verified"], body["assurance"], body["channels"], body["phone"]))
    assert answers[0] == answers[1] == answers[2] == (200, answers[0][1], True, "claimed", ["wechat_mp"], None)


async def test_a_code_from_the_phone_on_record_lets_the_residents_new_channel_join(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    person_id = (await client.get("/api/v1/me", headers=bearer(victim))).json()["person_id"]
    mine = await wx_login(client, wechat, "o-zhangsan-new-phone")
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(mine))
    r = await client.post("/api/v1/me/identity/join", headers=bearer(mine))
    assert r.status_code == 202 and r.json() == {"accepted": True}
    code = sms.codes_for(phone)[-1]  # texted to the phone on record, not to the new channel
    wrong = await client.post(
        "/api/v1/me/identity/join/confirm", json={"code": "000000" if code != "000000" else "111111"}, headers=bearer(mine)
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.code_invalid"
    r = await client.post("/api/v1/me/identity/join/confirm", json={"code": code}, headers=bearer(mine))
    assert r.status_code == 200, r.text
    assert r.json()["person_id"] == person_id and r.json()["channels"] == ["phone", "wechat_mp"]
    assert (await client.get("/api/v1/me", headers=bearer(mine))).json()["person_id"] == person_id
    events = [n["event"] for n in (await client.get("/api/v1/notifications", headers=bearer(victim))).json()["items"]]
    assert events[:2] == ["account.channel_added", "account.join_requested"]


async def test_join_request_without_a_claim_answers_the_same_and_texts_nobody(client, sms, wechat):
    newcomer = await wx_login(client, wechat, "o-newcomer")
    await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(newcomer))
    before = len(sms.messages)
    r = await client.post("/api/v1/me/identity/join", headers=bearer(newcomer))
    assert r.status_code == 202 and r.json() == {"accepted": True} and len(sms.messages) == before
    r = await client.post("/api/v1/me/identity/join/confirm", json={"code": "123456"}, headers=bearer(newcomer))
    assert r.status_code == 401 and r.json()["code"] == "auth.code_invalid"


async def test_the_owner_can_approve_a_join_from_their_own_session(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    mine = await wx_login(client, wechat, "o-zhangsan-approve")
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(mine))
    listing = (await client.get("/api/v1/me/channels", headers=bearer(victim))).json()
    (request,) = listing["join_requests"]
    assert request["kind"] == "wechat_mp" and [c["kind"] for c in listing["channels"]] == ["phone"]
    other = await wx_login(client, wechat, "o-stranger")
    assert (await client.post(f"/api/v1/me/join-requests/{request['id']}/approve", headers=bearer(other))).status_code == 404
    r = await client.post(f"/api/v1/me/join-requests/{request['id']}/approve", headers=bearer(victim))
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(mine))).json()["channels"] == ["phone", "wechat_mp"]


async def test_not_me_refuses_the_claimant_and_ends_its_sessions(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    attacker = await wx_login(client, wechat, "o-mallory3")
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(attacker))
    (request,) = (await client.get("/api/v1/me/channels", headers=bearer(victim))).json()["join_requests"]
    r = await client.post(f"/api/v1/me/join-requests/{request['id']}/deny", headers=bearer(victim))
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(attacker))).status_code == 401
    assert (await JoinRequest.get(id=request["id"])).status == "denied"
    again = await wx_login(client, wechat, "o-mallory3")
    before = len(sms.messages)
    assert (await client.post("/api/v1/me/identity/join", headers=bearer(again))).status_code == 202
    assert len(sms.messages) == before  # a refused claimant cannot make the owner's phone ring


async def test_not_me_removes_a_channel_that_joined(client, sms, wechat, carrier, phone):
    first_phone, second_phone = phone, "137" + phone[3:]  # two numbers, both registered to 李四 at the carrier
    carrier.register(phone=first_phone, name="李四", id_number=OTHER_ID)
    carrier.register(phone=second_phone, name="李四", id_number=OTHER_ID)
    owner = await sms_login(client, sms, first_phone)
    await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(owner))
    joined = await sms_login(client, sms, second_phone)
    assert (
        await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(joined))
    ).json()["assurance"] == "real_name"
    inbox = (await client.get("/api/v1/notifications", headers=bearer(owner))).json()["items"]
    assert inbox[0]["event"] == "account.channel_added"
    channels = (await client.get("/api/v1/me/channels", headers=bearer(owner))).json()["channels"]
    phone_channel = next(c for c in channels if not c["current"])
    mine = next(c for c in channels if c["current"])
    assert (await client.delete(f"/api/v1/me/channels/{mine['id']}", headers=bearer(owner))).json()["code"] == "auth.current_channel"
    assert (await client.delete(f"/api/v1/me/channels/{phone_channel['id']}", headers=bearer(owner))).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(joined))).status_code == 401
    assert (await Account.get(id=phone_channel["id"])).person_id is None


async def test_a_claim_never_joins_even_when_the_owner_only_claimed_too(client, sms, wechat, carrier, phone):
    owner = await wx_login(client, wechat, "o-first")
    await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(owner))
    by_phone = await sms_login(client, sms, phone)  # not registered at the carrier: a claim
    r = await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(by_phone))
    assert r.json()["assurance"] == "claimed" and r.json()["channels"] == ["phone"]
    assert carrier.calls and all("李四" not in str(call) and OTHER_ID not in str(call) for call in carrier.calls)


async def test_proof_weaker_than_the_owners_does_not_join(client, sms, wechat, carrier, phone):
    carrier.register(phone=phone, name="李四", id_number=OTHER_ID)
    owner = await sms_login(client, sms, phone)
    assert (
        await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(owner))
    ).json()["assurance"] == "real_name"
    claimant = await wx_login(client, wechat, "o-weaker")
    r = await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(claimant))
    assert (
        r.json()["channels"] == ["wechat_mp"]
        and r.json()["person_id"] != (await client.get("/api/v1/me", headers=bearer(owner))).json()["person_id"]
    )


async def test_binding_is_rate_limited_per_id_number_across_accounts(client, wechat):
    statuses = []
    for i in range(12):
        session = await wx_login(client, wechat, f"o-spray-{i}")
        r = await client.post(
            IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(session)
        )
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) > 0 and r.json()["code"] == "auth.rate_limited"
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]


async def test_a_real_name_source_outage_is_503_with_retry_after(client, sms, carrier, phone):
    carrier.fail_with = "ServiceUnavailable"
    session = await sms_login(client, sms, phone)
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(session))
    assert r.status_code == 503 and r.json()["code"] == "realname.unavailable" and r.headers["Retry-After"]
    assert await Person.all().count() == 0


async def test_fifty_accounts_racing_for_one_number_leave_one_owner_and_no_5xx(client, wechat, backend_kind):
    sessions = [await wx_login(client, wechat, f"o-race-{i}") for i in range(50)]

    async def bind(session: dict) -> httpx.Response:
        return await client.post(
            IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(session)
        )

    answers = await asyncio.gather(*(bind(s) for s in sessions))
    assert all(r.status_code < 500 for r in answers), [r.text for r in answers if r.status_code >= 500]
    assert all(r.status_code in (200, 429) for r in answers)
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in answers if r.status_code != 200)
    owners = await Person.filter(id_number_idx__not_isnull=True)
    assert len(owners) == 1
    assert await Account.filter(person_id=owners[0].id).count() == 1


async def test_an_item_that_needs_real_name_proof_refuses_a_claimed_channel_and_takes_a_carrier_verified_one(client, sms, carrier, phone):
    from backend.catalog import service as catalog
    from backend.catalog.models import ServiceItem

    await demo.seed()
    code = ITEM
    await ServiceItem.filter(code=code).update(assurance_required=2)
    await catalog.changed()
    claimed = await sms_login(client, sms, phone)
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(claimed))
    r = await client.post("/api/v1/applications", json={"service_code": code, "form": {}}, headers=bearer(claimed))
    assert r.status_code == 403 and r.json()["code"] == "auth.assurance_required" and "运营商" in r.json()["detail"]
    guide = (await client.get(f"/api/v1/services/{code}")).json()
    assert guide["assurance_required"] == 2
    carrier.register(phone=phone, name="张三", id_number=VICTIM_ID)
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(claimed))
    assert r.json()["assurance"] == "real_name"
    r = await client.post("/api/v1/applications", json={"service_code": code, "form": {}}, headers=bearer(claimed))
    assert r.status_code == 201, r.text


async def test_whoever_claimed_a_number_first_steps_aside_when_the_resident_proves_it(client, sms, wechat, carrier, phone):
    squatter = await wx_login(client, wechat, "o-squatter")  # registered a leaked number before its owner came
    squatted = (
        await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(squatter))
    ).json()
    carrier.register(phone=phone, name="李四", id_number=OTHER_ID)
    resident = await sms_login(client, sms, phone)
    joined = (
        await client.post(IDENTITY, json={"name": "李四", "id_number": OTHER_ID, "accept": agreed("id_number")}, headers=bearer(resident))
    ).json()
    assert joined["person_id"] == squatted["person_id"] and joined["channels"] == ["phone"] and joined["assurance"] == "real_name"
    assert (await client.get("/api/v1/me", headers=bearer(squatter))).json()["person_id"] is None
    assert (await client.get("/api/v1/applications", headers=bearer(squatter))).status_code == 403
    (request,) = (await client.get("/api/v1/me/channels", headers=bearer(resident))).json()["join_requests"]
    assert request["kind"] == "wechat_mp"  # the resident can approve it if it was theirs, or refuse it


async def test_asking_again_texts_a_new_code_and_not_me_still_refuses_after_asking(client, sms, wechat, phone):
    victim = await victim_with_cases(client, sms, phone)
    claimant = await wx_login(client, wechat, "o-asks-twice")
    await client.post(IDENTITY, json={"name": "张三", "id_number": VICTIM_ID, "accept": agreed("id_number")}, headers=bearer(claimant))
    assert (await client.post("/api/v1/me/identity/join", headers=bearer(claimant))).status_code == 202
    first = sms.codes_for(phone)[-1]
    again = await client.post("/api/v1/me/identity/join", headers=bearer(claimant))
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0  # one code a minute to the owner's phone
    (request,) = (await client.get("/api/v1/me/channels", headers=bearer(victim))).json()["join_requests"]
    assert request["status"] == "pending"
    r = await client.post(f"/api/v1/me/join-requests/{request['id']}/deny", headers=bearer(victim))
    assert r.status_code == 200
    assert (await client.post("/api/v1/me/identity/join/confirm", json={"code": first}, headers=bearer(claimant))).status_code == 401
    assert (await JoinRequest.get(id=request["id"])).status == "denied"
