"""Phone + SMS code login: codes are single-use, short-lived, hashed, limited; sessions behave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.models import OneTimeCode
from backend.kit.models import AuditEntry
from tests.auth.conftest import bearer, sms_login

SEND, VERIFY = "/api/v1/auth/sms/send", "/api/v1/auth/sms/verify"


async def test_sms_login_gives_a_bearer_session_for_an_unverified_account(client, sms, phone):
    session = await sms_login(client, sms, phone)
    assert session["verified"] is False and len(session["token"]) >= 43
    me = await client.get("/api/v1/me", headers=bearer(session))
    assert me.status_code == 200
    assert me.json() == {
        "person_id": None,
        "verified": False,
        "assurance": "none",
        "name": None,
        "id_number": None,
        "phone": phone[:3] + "****" + phone[-4:],
        "channels": ["phone"],
        "roles": [],
        "consent_required": [],
    }


async def test_code_is_stored_only_as_a_hash(client, sms, phone):
    await client.post(SEND, json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    row = await OneTimeCode.get()
    assert code not in row.code_hash and len(row.code_hash) == 64


async def test_wrong_code_is_401_and_five_misses_void_the_code_which_then_says_so(client, sms, phone):
    await client.post(SEND, json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    codes = []
    for _ in range(5):
        r = await client.post(VERIFY, json={"phone": phone, "code": wrong})
        assert r.status_code == 401
        codes.append(r.json()["code"])
    assert codes == ["auth.code_invalid"] * 4 + ["auth.code_locked"]
    # Every later try, even with the right code, says the code is used up (not "wrong, try again").
    for attempt in (wrong, code):
        r = await client.post(VERIFY, json={"phone": phone, "code": attempt})
        assert r.status_code == 401 and r.json()["code"] == "auth.code_locked"
        assert "重新获取" in r.json()["detail"]


async def test_code_works_once(client, sms, phone):
    await client.post(SEND, json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    assert (await client.post(VERIFY, json={"phone": phone, "code": code, "transport": "bearer"})).status_code == 200
    again = await client.post(VERIFY, json={"phone": phone, "code": code, "transport": "bearer"})
    assert again.status_code == 401 and again.json()["code"] == "auth.code_expired"


async def test_expired_code_is_refused(client, sms, phone):
    await client.post(SEND, json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    await OneTimeCode.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    r = await client.post(VERIFY, json={"phone": phone, "code": code})
    assert r.status_code == 401 and r.json()["code"] == "auth.code_expired"


async def test_a_wrong_code_before_any_was_sent_is_just_wrong(client, phone):
    r = await client.post(VERIFY, json={"phone": phone, "code": "123456"})
    assert r.status_code == 401 and r.json()["code"] == "auth.code_invalid"


async def test_second_send_within_a_minute_is_429_with_retry_after(client, sms, phone):
    assert (await client.post(SEND, json={"phone": phone})).status_code == 202
    r = await client.post(SEND, json={"phone": phone})
    assert r.status_code == 429
    assert r.json()["code"] == "auth.rate_limited" and r.headers["retry-after"] == "60"
    assert len(sms.codes_for(phone)) == 1


async def test_bad_phone_numbers_are_422(client, sms):
    for bad in ("12345678901", "1380013800a"):
        r = await client.post(SEND, json={"phone": bad})
        assert r.status_code == 422, bad
        assert r.json()["code"] in ("auth.invalid_phone", "request.invalid")
    assert sms.messages == []


async def test_malformed_and_mistyped_bodies_are_client_errors(client):
    r = await client.post(VERIFY, content=b'{"phone": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "request.malformed_json"
    r = await client.post(VERIFY, json={"phone": 13900000000, "code": "12"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"body.phone", "body.code"} <= fields
    r = await client.post(VERIFY, json={"phone": "1" * 300, "code": "123456"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "string_too_long"
    r = await client.post(VERIFY, json={"phone": "13900000000", "code": "123456", "is_admin": True})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "extra_forbidden"


async def test_provider_failure_is_503_and_leaves_no_usable_code(client, sms, phone):
    sms.fail_with = "isv.AMOUNT_NOT_ENOUGH"
    r = await client.post(SEND, json={"phone": phone})
    assert r.status_code == 503 and r.json()["code"] == "sms.unavailable"
    assert await OneTimeCode.filter(consumed_at=None).count() == 0


async def test_cookie_session_needs_the_csrf_token_on_unsafe_requests(client, sms, phone):
    session = await sms_login(client, sms, phone, transport="cookie")
    assert session["token"] is None
    assert client.cookies.get("yiwang_session") and client.cookies.get("yiwang_csrf") == session["csrf_token"]
    assert (await client.get("/api/v1/me")).status_code == 200
    refused = await client.post("/api/v1/auth/logout")
    assert refused.status_code == 403 and refused.json()["code"] == "auth.csrf_failed"
    wrong = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": session["csrf_token"]})
    assert ok.status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_logout_ends_the_session_and_the_token_is_refused(client, sms, phone):
    session = await sms_login(client, sms, phone)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(session))).status_code == 200
    r = await client.get("/api/v1/me", headers=bearer(session))
    assert r.status_code == 401 and r.json()["code"] == "auth.not_authenticated"


async def test_idle_session_expires(client, sms, phone, resources_broker):
    from auth.models import Session

    session = await sms_login(client, sms, phone)
    await Session.all().update(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
    await resources_broker.forget_sessions()
    assert (await client.get("/api/v1/me", headers=bearer(session))).status_code == 401


async def test_absolute_lifetime_ends_even_an_active_session(client, sms, phone, resources_broker):
    from auth.models import Session

    session = await sms_login(client, sms, phone)
    await Session.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    await resources_broker.forget_sessions()
    assert (await client.get("/api/v1/me", headers=bearer(session))).status_code == 401


async def test_unknown_and_garbage_tokens_are_401(client):
    for header in ("Bearer nope", "Bearer " + "x" * 500, "Basic abc"):
        r = await client.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, header


async def test_devices_list_and_revoking_another_device(client, sms, phone):
    first = await sms_login(client, sms, phone)
    second = await sms_login_again(client, sms, phone)
    devices = (await client.get("/api/v1/me/sessions", headers=bearer(second))).json()["devices"]
    assert len(devices) == 2 and sum(d["current"] for d in devices) == 1
    other = next(d for d in devices if not d["current"])
    assert other["ip"] == "203.0.*.*"
    assert (await client.delete(f"/api/v1/me/sessions/{other['id']}", headers=bearer(second))).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(first))).status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200
    missing = await client.delete(f"/api/v1/me/sessions/{other['id']}", headers=bearer(second))
    assert missing.status_code == 404


async def sms_login_again(client, sms, phone, **login):
    """A second device two minutes later: age the earlier text in the gateway, reset our minute counter."""
    from backend.kit.resources import current

    for message in sms.messages:
        message["at"] -= 120
    idx = current().keyring.blind_index(phone, purpose="person.phone")
    await current().broker.delete(f"rl:otp-send:{idx}:60")
    return await sms_login(client, sms, phone, **login)


async def test_login_and_failed_login_are_audited(client, sms, phone):
    await client.post(SEND, json={"phone": phone})
    await client.post(VERIFY, json={"phone": phone, "code": "000000" if sms.codes_for(phone)[-1] != "000000" else "111111"})
    await client.post(VERIFY, json={"phone": phone, "code": sms.codes_for(phone)[-1]})
    actions = await AuditEntry.all().values_list("action", flat=True)
    assert "login.failed" in actions and "login.succeeded" in actions and "session.created" in actions
    assert phone not in str(await AuditEntry.all().values_list("detail", "actor", "subject"))


async def test_a_database_failure_while_logging_in_leaves_the_code_usable(client, sms, phone, backend_kind):
    """The code is used up in the transaction that opens the session, so it survives a failure there."""
    from tortoise import connections

    conn = connections.get("default")
    if backend_kind == "postgres":
        await conn.execute_script(
            "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
            "CREATE TRIGGER refuse BEFORE INSERT ON auth_session FOR EACH ROW EXECUTE FUNCTION refuse();"
        )
        undo = "DROP TRIGGER refuse ON auth_session; DROP FUNCTION refuse();"
    else:
        await conn.execute_script("CREATE TRIGGER refuse BEFORE INSERT ON auth_session BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
        undo = "DROP TRIGGER refuse;"
    await client.post(SEND, json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    try:
        failed = await client.post(VERIFY, json={"phone": phone, "code": code, "transport": "bearer"})
        assert failed.status_code == 500, failed.text
    finally:
        await conn.execute_script(undo)
    row = await OneTimeCode.get()
    assert row.consumed_at is None and row.attempts == 1  # the try counts, the code is not spent
    r = await client.post(VERIFY, json={"phone": phone, "code": code, "transport": "bearer"})
    assert r.status_code == 200, r.text
    assert await AuditEntry.filter(action="login.succeeded").count() == 1  # the failed one left nothing
    assert (await OneTimeCode.get()).attempts == 2


async def test_a_revoked_session_whose_cached_copy_survived_is_refused_at_the_next_check(client, sms, phone):
    import json

    from auth.models import Session
    from backend.kit.resources import current

    session = await sms_login(client, sms, phone)
    assert (await client.get("/api/v1/me", headers=bearer(session))).status_code == 200
    # What a logout leaves when Redis could not be reached to delete the copy: the row revoked,
    # the copy still there (its last check a minute ago).
    await Session.all().update(revoked_at=datetime.now(UTC))
    for token_hash in await Session.all().values_list("token_hash", flat=True):
        key = f"session:{token_hash}"
        if (cached := await current().broker.get(key)) is not None:
            copy = json.loads(cached)
            copy["last_seen"] -= 61
            await current().broker.set(key, json.dumps(copy).encode(), ttl=600)
    r = await client.get("/api/v1/me", headers=bearer(session))
    assert r.status_code == 401 and r.json()["code"] == "auth.not_authenticated"
