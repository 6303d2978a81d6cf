"""My devices: each session described by browser, system and model from its user agent and by the kind
of network it came from; a device signed out from another one is told so on its next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.devices import describe, mask_address, network_kind
from tests.auth.conftest import bearer, sms_login
from tests.auth.test_sms_login import sms_login_again

WECHAT_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5127 MMWEBSDK/20230604 MMWEBID/6170 "
    "MicroMessenger/8.0.38.2400(0x28002637) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)
OPPO_BROWSER = (
    "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PFDM00 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/90.0.4430.61 Mobile Safari/537.36 HeyTapBrowser/40.8.10.1"
)
# Chrome's reduced user agent: every Android phone is model "K".
REDUCED_CHROME = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
DESKTOP_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "browser", "os", "model", "wechat"),
    [
        (WECHAT_ANDROID, "WeChat 8.0", "Android 13", "V2227A", True),
        (IPHONE_SAFARI, "Mobile Safari 17", "iOS 17.1", "Apple iPhone", False),
        (OPPO_BROWSER, "HeyTap Browser 40", "Android 12", "Oppo PFDM00", False),
        (REDUCED_CHROME, "Chrome Mobile 120", "Android 10", "", False),
        (DESKTOP_CHROME, "Chrome 120", "Windows 10", "", False),
        ("python-httpx/0.28.1", "", "", "", False),
        ("", "", "", "", False),
    ],
)
def test_user_agent_names_browser_system_and_model(user_agent, browser, os, model, wechat):
    agent = describe(user_agent)
    assert (agent.browser, agent.os, agent.model, agent.wechat) == (browser, os, model, wechat)


@pytest.mark.parametrize(
    ("address", "kind", "masked"),
    [
        ("127.0.0.1", "loopback", "127.0.*.*"),
        ("::1", "loopback", "0:0:*"),
        ("192.168.1.23", "private", "192.168.*.*"),
        ("10.8.0.5", "private", "10.8.*.*"),
        ("fd12:3456::1", "private", "fd12:3456:*"),
        ("36.112.5.9", "public", "36.112.*.*"),
        ("::ffff:36.112.5.9", "public", "36.112.*.*"),
        ("2409:8a1e:6c31::2", "public", "2409:8a1e:*"),
        ("203.0.113.7", "unknown", "203.0.*.*"),  # a documentation range: neither LAN nor internet
        ("", "unknown", ""),
        ("not-an-address", "unknown", ""),
    ],
)
def test_network_kind_and_masked_address_never_name_a_place(address, kind, masked):
    assert network_kind(address) == kind
    assert mask_address(address) == masked


async def test_devices_list_describes_each_session_from_its_user_agent(client, sms, phone):
    first = await sms_login(client, sms, phone, user_agent=WECHAT_ANDROID)
    await sms_login_again(client, sms, phone, user_agent=IPHONE_SAFARI)
    devices = (await client.get("/api/v1/me/sessions", headers=bearer(first))).json()["devices"]
    by_browser = {d["browser"]: d for d in devices}
    wechat, safari = by_browser["WeChat 8.0"], by_browser["Mobile Safari 17"]
    assert (wechat["os"], wechat["model"], wechat["wechat"], wechat["current"]) == ("Android 13", "V2227A", True, True)
    assert wechat["user_agent"] == WECHAT_ANDROID  # kept whole: WeChat names itself after 200 characters
    assert (safari["os"], safari["model"], safari["wechat"], safari["current"]) == ("iOS 17.1", "Apple iPhone", False, False)
    assert {d["ip"] for d in devices} == {"203.0.*.*"} and {d["network"] for d in devices} == {"unknown"}


async def test_a_device_signed_out_from_another_is_told_so(client, sms, phone):
    first = await sms_login(client, sms, phone)
    second = await sms_login_again(client, sms, phone)
    other = next(d for d in (await client.get("/api/v1/me/sessions", headers=bearer(second))).json()["devices"] if not d["current"])
    assert (await client.delete(f"/api/v1/me/sessions/{other['id']}", headers=bearer(second))).status_code == 200
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/applications"), ("POST", "/api/v1/auth/logout")):
        r = await client.request(method, path, headers=bearer(first))
        assert r.status_code == 401 and r.json()["code"] == "auth.session_revoked", (path, r.text)
        assert "其他设备上被退出登录" in r.json()["title"]
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200


async def test_a_device_whose_channel_was_disowned_is_told_it_was_signed_out(client, sms, phone):
    from auth import sessions
    from auth.models import Session

    session = await sms_login(client, sms, phone)
    row = await Session.get()
    await sessions.revoke_account(account_id=row.account_id, reason="not_me", actor="person:1")
    r = await client.get("/api/v1/me", headers=bearer(session))
    assert r.status_code == 401 and r.json()["code"] == "auth.session_revoked"


async def test_logged_out_expired_and_unknown_sessions_are_simply_not_authenticated(client, sms, phone, resources_broker):
    from auth.models import Session

    logged_out = await sms_login(client, sms, phone)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(logged_out))).status_code == 200
    expired = await sms_login_again(client, sms, phone)
    await Session.filter(revoked_at=None).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    await resources_broker.forget_sessions()
    assert (await client.get("/api/v1/me", headers=bearer(expired))).status_code == 401  # ends it as "expired"
    for headers in (bearer(logged_out), bearer(expired), {"Authorization": "Bearer unknown"}, {}):
        r = await client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "auth.not_authenticated", headers
    assert set(await Session.all().values_list("revoked_reason", flat=True)) == {"logout", "expired"}


async def test_a_cookie_session_signed_out_elsewhere_is_told_so_without_csrf(client, sms, phone):
    """The explanation needs no CSRF token: the device lost its session, it does nothing."""
    other = await sms_login(client, sms, phone)
    await sms_login_again(client, sms, phone, transport="cookie")
    mine = next(d for d in (await client.get("/api/v1/me/sessions", headers=bearer(other))).json()["devices"] if not d["current"])
    assert (await client.delete(f"/api/v1/me/sessions/{mine['id']}", headers=bearer(other))).status_code == 200
    r = await client.post("/api/v1/auth/logout")
    assert r.status_code == 401 and r.json()["code"] == "auth.session_revoked"
