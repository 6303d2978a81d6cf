"""Mini-program login, real-name binding, one account across channels, conflicts."""

from __future__ import annotations

from auth.models import Account, Person
from backend.kit.models import AuditEntry
from tests.auth.conftest import bearer, sms_login
from tests.consents import agreed

WX = "/api/v1/auth/wechat/miniprogram"
IDENTITY = "/api/v1/me/identity"
ID_A = "11010519491231002X"
ID_B = "440524188001010014"


async def wx_login(client, wechat, openid: str, **kw) -> dict:
    r = await client.post(WX, json={"code": wechat.issue_login_code(openid, **kw), "accept": agreed()})
    assert r.status_code == 200, r.text
    return r.json()


async def test_wechat_login_returns_a_bearer_session_and_keeps_the_session_key(client, wechat):
    r = await client.post(WX, json={"code": wechat.issue_login_code("o-alice", unionid="u-alice")})
    assert r.status_code == 200
    body = r.json()
    assert body["token"] and body["verified"] is False
    assert "session_key" not in r.text
    account = await Account.get(kind="wechat_mp")
    assert account.session_key_enc.startswith("v1.") and account.unionid_idx
    assert "o-alice" not in account.subject_enc


async def test_reused_wechat_code_is_401_code_used(client, wechat):
    code = wechat.issue_login_code("o-bob")
    assert (await client.post(WX, json={"code": code})).status_code == 200
    again = await client.post(WX, json={"code": code})
    assert again.status_code == 401 and again.json()["code"] == "auth.wechat_code_used"


async def test_invalid_wechat_code_is_401(client, wechat):
    r = await client.post(WX, json={"code": "never-issued"})
    assert r.status_code == 401 and r.json()["code"] == "auth.wechat_code_invalid"


async def test_wechat_rate_limit_is_429_and_busy_is_503(client, wechat):
    wechat.rate_limited_openids.add("o-busy")
    r = await client.post(WX, json={"code": wechat.issue_login_code("o-busy")})
    assert r.status_code == 429 and r.json()["code"] == "auth.wechat_rate_limited"
    wechat.busy = 1
    r = await client.post(WX, json={"code": wechat.issue_login_code("o-other")})
    assert r.status_code == 503 and r.json()["code"] == "auth.wechat_unavailable"


async def test_identity_binding_verifies_and_masks(client, wechat):
    session = await wx_login(client, wechat, "o-carol")
    r = await client.post(
        IDENTITY, json={"name": "张三", "id_number": ID_A.lower(), "accept": agreed("id_number")}, headers=bearer(session)
    )
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["verified"] is True and me["name"] == "张*" and me["id_number"] == "110***********002X"
    person = await Person.get()
    assert ID_A not in (person.id_number_enc or "") and person.verified_at is not None
    assert (await client.get("/api/v1/me", headers=bearer(session))).json()["verified"] is True


async def test_bad_id_numbers_are_422_with_the_reason_in_chinese(client, wechat):
    session = await wx_login(client, wechat, "o-dave")
    for number, message in (("110105194912310021", "校验位"), ("11010519990230002X", "出生日期")):
        r = await client.post(IDENTITY, json={"name": "张三", "id_number": number, "accept": agreed("id_number")}, headers=bearer(session))
        assert r.status_code == 422
        (error,) = r.json()["errors"]
        assert error["field"] == "body.id_number" and message in error["message"]
    assert await Person.all().count() == 0


async def test_identity_needs_a_session(client):
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": ID_A, "accept": agreed("id_number")})
    assert r.status_code == 401


async def test_second_channel_proven_by_the_carrier_joins_the_same_person(client, wechat, sms, carrier, phone):
    wx = await wx_login(client, wechat, "o-erin")
    first = (
        await client.post(IDENTITY, json={"name": "李四", "id_number": ID_B, "accept": agreed("id_number")}, headers=bearer(wx))
    ).json()
    carrier.register(phone=phone, name="李四", id_number=ID_B)  # the phone is registered to 李四 at the carrier
    by_phone = await sms_login(client, sms, phone)
    second = (
        await client.post(IDENTITY, json={"name": "李四", "id_number": ID_B, "accept": agreed("id_number")}, headers=bearer(by_phone))
    ).json()
    assert first["person_id"] == second["person_id"]
    assert second["assurance"] == "real_name"
    # The WeChat channel had only claimed 李四: it waits for 李四's approval (test_identity_assurance).
    assert second["channels"] == ["phone"]
    assert await Person.all().count() == 1


async def test_a_verified_account_cannot_take_another_id_number(client, wechat):
    wx = await wx_login(client, wechat, "o-hank")
    await client.post(IDENTITY, json={"name": "孙八", "id_number": ID_A, "accept": agreed("id_number")}, headers=bearer(wx))
    r = await client.post(IDENTITY, json={"name": "孙八", "id_number": ID_B, "accept": agreed("id_number")}, headers=bearer(wx))
    assert r.status_code == 409 and r.json()["code"] == "auth.identity_mismatch"


async def test_phone_bound_through_wechat_get_phone_number(client, wechat):
    wx = await wx_login(client, wechat, "o-ivy")
    r = await client.post("/api/v1/me/phone/wechat", json={"code": wechat.issue_phone_code("13712345678")}, headers=bearer(wx))
    assert r.status_code == 403 and r.json()["code"] == "auth.identity_required"
    await client.post(IDENTITY, json={"name": "周九", "id_number": ID_A, "accept": agreed("id_number")}, headers=bearer(wx))
    assert (await client.get("/api/v1/me", headers=bearer(wx))).json()["phone"] is None  # cached now, on Redis
    code = wechat.issue_phone_code("13712345678")
    r = await client.post("/api/v1/me/phone/wechat", json={"code": code}, headers=bearer(wx))
    assert r.status_code == 200 and r.json() == {"phone": "137****5678"}
    again = await client.post("/api/v1/me/phone/wechat", json={"code": code}, headers=bearer(wx))
    assert again.status_code == 401 and again.json()["code"] == "auth.wechat_code_invalid"
    assert (await client.get("/api/v1/me", headers=bearer(wx))).json()["phone"] == "137****5678"


async def test_binding_is_audited(client, wechat):
    wx = await wx_login(client, wechat, "o-jack")
    await client.post(IDENTITY, json={"name": "吴十", "id_number": ID_B, "accept": agreed("id_number")}, headers=bearer(wx))
    assert await AuditEntry.filter(action="identity.bound").exists()
