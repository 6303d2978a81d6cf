"""A case step reaches the resident exactly once, on the channel they read, whatever the providers do."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.applications.flows import APPLICATION
from backend.applications.models import Application
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import Principal, transition
from notifications.models import Delivery, Notification, PushSubscription, WeChatQuota
from notifications.outbox import inbox_channel, notify
from tests.applications.test_applications import key
from tests.auth.conftest import bearer
from tests.consents import agreed
from tests.notifications.conftest import (
    RESIDENT_PHONE,
    TEMPLATES,
    dispatcher,
    drain,
    person_id,
    submitted_case,
    subscribe_browser,
)

ACCEPT = "/api/v1/staff/applications/{}/accept"


async def accepted_case(client, resident, approver) -> dict:
    case = await submitted_case(client, resident)
    r = await client.post(ACCEPT.format(case["id"]), json={"note": "材料齐全"}, headers=approver)
    assert r.status_code == 200, r.text
    return case


async def test_a_case_step_gives_one_inbox_item_and_one_push_the_resident_can_read(client, resident, approver, push):
    subscription = await subscribe_browser(client, resident, push)
    case = await accepted_case(client, resident, approver)

    notes = await Notification.filter(person_id=await person_id()).order_by("id")
    assert [n.event for n in notes] == ["case.submitted", "case.accepted"]
    accepted = notes[-1]
    deliveries = await Delivery.filter(notification_id=accepted.id)
    assert [(d.channel, d.status) for d in deliveries] == [("webpush", "pending")]
    assert not await Delivery.filter(notification_id=notes[0].id).exists()  # the resident submitted it themselves

    await drain(dispatcher())
    received = push.received(subscription["endpoint"])
    assert len(received) == 1
    shown = received[0].json()
    assert shown["id"] == accepted.id and shown["tag"] == f"n{accepted.id}"
    assert shown["title"] == "已受理：个体工商户设立登记（营业执照）"
    assert case["tracking_no"] in shown["body"] and shown["url"] == f"/cases/{case['id']}"
    assert received[0].urgency == "normal" and received[0].ttl == 3 * 86400
    delivery = await Delivery.get(notification_id=accepted.id)
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.provider_message_id

    await drain(dispatcher())  # nothing is sent twice
    assert len(push.received(subscription["endpoint"])) == 1


async def test_a_rolled_back_change_notifies_nobody(client, resident, approver, push):
    await subscribe_browser(client, resident, push)
    case = await submitted_case(client, resident)
    before = await Notification.all().count()
    published: list[bytes] = []
    async with current().broker.subscribe(inbox_channel(await person_id())) as messages:

        async def listen():
            async for m in messages:
                published.append(m)

        listener = asyncio.create_task(listen())
        application = await Application.get(id=case["id"])
        with pytest.raises(RuntimeError):
            async with transaction():
                await transition(APPLICATION, application, action="accept", by=Principal("person:1"))
                raise RuntimeError("the clerk's request failed after the step")
        await asyncio.sleep(0.2)
        listener.cancel()
    assert await Notification.all().count() == before
    assert (await Application.get(id=case["id"])).status == "submitted"
    assert published == []
    await drain(dispatcher())
    assert push.received() == []


async def test_the_same_event_twice_is_told_once(client, resident):
    pid = await person_id()
    async with transaction():
        first = await notify(person_id=pid, event="case.accepted", dedupe_key="test:1", title="已受理", body="b")
    async with transaction():
        second = await notify(person_id=pid, event="case.accepted", dedupe_key="test:1", title="已受理", body="b")
        # the caller's transaction goes on after the duplicate (a savepoint took the conflict)
        third = await notify(person_id=pid, event="case.accepted", dedupe_key="test:2", title="已受理", body="b")
    assert first is not None and second is None and third is not None
    assert await Notification.filter(person_id=pid, event="case.accepted").count() == 2


async def test_a_retried_submit_notifies_once(client, resident):
    from tests.applications.test_applications import attach_id_card

    r = await client.post("/api/v1/applications", json={"service_code": "000105001000", "form": {}}, headers=resident)
    case = r.json()
    from tests.applications.conftest import VALID_FORM

    await client.put(f"/api/v1/applications/{case['id']}/form", json={"form": VALID_FORM}, headers=resident)
    await attach_id_card(client, resident, case["id"])
    headers = resident | key()
    for _ in range(3):
        r = await client.post(f"/api/v1/applications/{case['id']}/submit", headers=headers)
        assert r.status_code == 200, r.text
    assert await Notification.filter(event="case.submitted").count() == 1


async def test_provider_5xx_is_retried_with_backoff_then_delivered_once(client, resident, approver, push):
    subscription = await subscribe_browser(client, resident, push)
    push.fail(503, times=2)
    await accepted_case(client, resident, approver)
    d = dispatcher()
    assert await d.run_once() == 1
    delivery = await Delivery.get(channel="webpush")
    assert delivery.status == "pending" and delivery.attempts == 1 and "503" in delivery.last_error
    assert delivery.next_attempt_at > datetime.now(UTC)  # backed off, not hammering
    await drain(d)
    delivery = await Delivery.get(channel="webpush")
    assert delivery.status == "sent" and delivery.attempts == 3
    assert len(push.received(subscription["endpoint"])) == 1


async def test_429_waits_as_long_as_the_push_service_asks(client, resident, approver, push):
    await subscribe_browser(client, resident, push)
    push.fail(429, times=1, retry_after=120)
    await accepted_case(client, resident, approver)
    await dispatcher().run_once()
    delivery = await Delivery.get(channel="webpush")
    assert delivery.status == "pending" and delivery.attempts == 0
    assert delivery.next_attempt_at >= datetime.now(UTC) + timedelta(seconds=115)


async def test_410_removes_the_subscription_and_the_message_goes_by_sms(client, resident, approver, push, sms):
    subscription = await subscribe_browser(client, resident, push)
    push.unsubscribe(subscription["endpoint"])
    case = await accepted_case(client, resident, approver)
    await drain(dispatcher())
    assert not await PushSubscription.exists()
    webpush = await Delivery.get(channel="webpush")
    assert webpush.status == "failed" and "410" in webpush.last_error
    assert (await Delivery.get(channel="sms")).status == "sent"
    texts = [m for m in sms.messages if m["phone"] == RESIDENT_PHONE and m["template"] == "SMS_NOTICE"]
    assert len(texts) == 1
    assert texts[0]["params"] == {"subject": "个体工商户设立登记（营业执照）", "phrase": "已受理", "reference": case["tracking_no"]}


async def test_dead_letter_after_max_attempts_and_an_admin_sends_it_again(client, resident, approver, push):
    from tests.applications.conftest import staff_headers

    subscription = await subscribe_browser(client, resident, push)
    push.fail(500, times=3)
    await accepted_case(client, resident, approver)
    d = dispatcher(max_attempts=3)
    for _ in range(3):
        await asyncio.sleep(0.25)
        await d.run_once()
    delivery = await Delivery.get(channel="webpush")
    assert delivery.status == "dead" and delivery.attempts == 3

    admin = await staff_headers("admin", "", "13600000099")
    r = await client.get("/api/v1/admin/deliveries", headers=admin)
    assert r.status_code == 200
    assert [(i["id"], i["channel"], i["event"]) for i in r.json()["items"]] == [(delivery.id, "webpush", "case.accepted")]
    r = await client.get("/api/v1/admin/deliveries", headers=resident)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/admin/deliveries/{delivery.id}/retry", headers=admin)
    assert r.status_code == 204
    r = await client.post(f"/api/v1/admin/deliveries/{delivery.id}/retry", headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "notification.delivery_not_found"
    await drain(d)
    assert (await Delivery.get(id=delivery.id)).status == "sent"
    assert len(push.received(subscription["endpoint"])) == 1


async def test_critical_events_also_go_by_sms_and_ignore_quiet_hours(client, resident, push, sms):
    await subscribe_browser(client, resident, push)
    pid = await person_id()
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    quiet = {
        "wechat": True,
        "webpush": True,
        "sms": True,
        "quiet_hours": True,
        "quiet_start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_end": (now + timedelta(hours=1)).strftime("%H:%M"),
    }
    r = await client.put("/api/v1/me/notification-preferences", json=quiet, headers=resident)
    assert r.status_code == 200, r.text
    async with transaction():
        await notify(
            person_id=pid,
            event="certificate.ready",
            dedupe_key="t:cert",
            title="证照已办好",
            body="请领取",
            fields={"subject": "营业执照", "reference": "12345678901234"},
        )
        await notify(person_id=pid, event="case.accepted", dedupe_key="t:acc", title="已受理", body="受理")
    critical = await Delivery.filter(notification__event="certificate.ready").order_by("channel")
    assert [d.channel for d in critical] == ["sms", "webpush"]
    held = await Delivery.get(notification__event="case.accepted")
    assert held.next_attempt_at >= datetime.now(UTC) + timedelta(minutes=50)  # waits out the quiet hours
    await dispatcher().run_once()
    assert (await Delivery.get(id=held.id)).status == "pending"
    assert {d.status for d in await Delivery.filter(notification__event="certificate.ready")} == {"sent"}
    assert len(push.received()) == 1 and push.received()[0].urgency == "high"
    assert [m["params"]["phrase"] for m in sms.messages if m["template"] == "SMS_NOTICE"] == ["已出证"]


async def test_a_villager_without_smartphone_channels_is_texted(client, resident, approver, sms):
    case = await accepted_case(client, resident, approver)
    assert [d.channel for d in await Delivery.all()] == ["sms"]
    await drain(dispatcher())
    assert [m["params"]["reference"] for m in sms.messages if m["template"] == "SMS_NOTICE"] == [case["tracking_no"]]


async def test_sms_opt_out_is_respected_for_ordinary_news(client, resident, approver, sms):
    prefs = {"wechat": True, "webpush": True, "sms": False, "quiet_hours": False, "quiet_start": "22:00", "quiet_end": "07:00"}
    assert (await client.put("/api/v1/me/notification-preferences", json=prefs, headers=resident)).status_code == 200
    await accepted_case(client, resident, approver)
    assert not await Delivery.exists()
    assert await Notification.filter(event="case.accepted").count() == 1  # the inbox still has it


# ---- WeChat subscribe messages --------------------------------------------------------------------


async def wechat_resident(client, wechat, sms, openid: str) -> dict[str, str]:
    """The same resident logs in from the mini-program: their openid joins their person.

    Name and ID number are only a claim, so the join is confirmed with the code texted to the
    phone on record (the resident's own phone).
    """
    code = wechat.issue_login_code(openid)
    r = await client.post("/api/v1/auth/wechat/miniprogram", json={"code": code, "accept": agreed()})
    assert r.status_code == 200, r.text
    headers = bearer(r.json())
    r = await client.post(
        "/api/v1/me/identity", json={"name": "张三", "id_number": "11010519491231002X", "accept": agreed("id_number")}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert (await client.post("/api/v1/me/identity/join", headers=headers)).status_code == 202
    (message,) = [m for m in sms.messages if m["phone"] == RESIDENT_PHONE and m["template"] == "SMS_JOIN_CODE"][-1:]
    r = await client.post("/api/v1/me/identity/join/confirm", json={"code": message["params"]["code"]}, headers=headers)
    assert r.status_code == 200 and r.json()["channels"] == ["phone", "wechat_mp"], r.text
    return headers


async def test_wechat_subscribe_message_with_fields_wechat_accepts(client, resident, approver, wechat, sms, push):
    openid = "oWX_resident_0001"
    mini = await wechat_resident(client, wechat, sms, openid)
    wechat.accept(openid, TEMPLATES["progress"])  # the resident tapped 允许 in wx.requestSubscribeMessage
    r = await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "accept"}}, headers=mini)
    assert r.status_code == 200 and r.json()["credits"] == {TEMPLATES["progress"]: 1}
    await subscribe_browser(client, resident, push)  # WeChat comes first when there is a credit
    case = await accepted_case(client, resident, approver)
    assert [d.channel for d in await Delivery.filter(notification__event="case.accepted")] == ["wechat"]
    fetches = wechat.token_fetches
    wechat.expire_tokens()  # the cached token has expired: wechatpy fetches a new one and retries once
    await drain(dispatcher())
    messages = [m for m in wechat.subscribe_messages if m["touser"] == openid]
    assert len(messages) == 1
    data = messages[0]["data"]
    assert data["character_string1"]["value"] == case["tracking_no"]
    assert data["thing2"]["value"] == "个体工商户设立登记（营业执照）" and data["phrase3"]["value"] == "已受理"
    assert messages[0]["page"].startswith("pages/index/index?path=")
    assert wechat.token_fetches == fetches + 1
    assert (await WeChatQuota.get(template_id=TEMPLATES["progress"])).credits == 0
    assert push.received() == []


async def test_wechat_43101_falls_back_to_web_push(client, resident, approver, wechat, sms, push):
    openid = "oWX_resident_0002"
    mini = await wechat_resident(client, wechat, sms, openid)
    # The app reported an accept, but WeChat has no credit (the user revoked it in settings).
    r = await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "accept"}}, headers=mini)
    assert r.status_code == 200
    subscription = await subscribe_browser(client, resident, push)
    await accepted_case(client, resident, approver)
    await drain(dispatcher())
    wx = await Delivery.get(channel="wechat")
    assert wx.status == "failed" and wx.last_error.startswith("43101")
    assert (await WeChatQuota.get(template_id=TEMPLATES["progress"])).credits == 0
    assert (await Delivery.get(channel="webpush")).status == "sent"
    assert len(push.received(subscription["endpoint"])) == 1
    assert not await Delivery.filter(channel="sms", notification__event="case.accepted").exists()


async def test_wechat_43101_without_a_browser_falls_back_to_sms(client, resident, approver, wechat, sms):
    mini = await wechat_resident(client, wechat, sms, "oWX_resident_0003")
    await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "accept"}}, headers=mini)
    await accepted_case(client, resident, approver)
    await drain(dispatcher())
    assert (await Delivery.get(channel="wechat")).status == "failed"
    assert (await Delivery.get(channel="sms", notification__event="case.accepted")).status == "sent"
    assert len([m for m in sms.messages if m["template"] == "SMS_NOTICE" and m["params"]["subject"] != "账号与安全"]) == 1


async def test_wechat_busy_is_retried(client, resident, approver, wechat, sms):
    openid = "oWX_resident_0004"
    mini = await wechat_resident(client, wechat, sms, openid)
    wechat.accept(openid, TEMPLATES["progress"])
    await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "accept"}}, headers=mini)
    wechat.fail_subscribe(-1)
    await accepted_case(client, resident, approver)
    d = dispatcher()
    await d.run_once()
    delivery = await Delivery.get(channel="wechat")
    assert delivery.status == "pending" and delivery.last_error.startswith("-1")
    assert (await WeChatQuota.get(template_id=TEMPLATES["progress"])).credits == 1  # not spent on a failed send
    await drain(d)
    assert (await Delivery.get(channel="wechat")).status == "sent"
    assert len([m for m in wechat.subscribe_messages if m["touser"] == openid]) == 1


async def test_unknown_template_reports_are_refused(client, resident):
    r = await client.post("/api/v1/me/wechat-subscriptions", json={"results": {"NOT_OURS": "accept"}}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "notification.unknown_template"
    r = await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "maybe"}}, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "request.invalid"
    assert not await WeChatQuota.exists()


async def test_stream_payload_is_published_after_commit(client, resident, approver):
    pid = await person_id()
    async with current().broker.subscribe(inbox_channel(pid)) as messages:
        case = await accepted_case(client, resident, approver)
        first = json.loads(await asyncio.wait_for(messages.__anext__(), 2))
        second = json.loads(await asyncio.wait_for(messages.__anext__(), 2))
    assert [first["notification"]["event"], second["notification"]["event"]] == ["case.submitted", "case.accepted"]
    assert second["notification"]["data"]["application_id"] == case["id"]


async def test_sms_notices_are_limited_per_number_and_the_rest_wait(client, resident, sms):
    pid = await person_id()
    async with transaction():
        for i in range(7):
            await notify(
                person_id=pid,
                event="certificate.ready",
                dedupe_key=f"t:many:{i}",
                title="证照已办好",
                body="请领取",
                fields={"subject": "营业执照", "reference": f"{i:014d}"},
            )
    await dispatcher().run_once()
    texts = [m for m in sms.messages if m["phone"] == RESIDENT_PHONE and m["template"] == "SMS_NOTICE"]
    assert len(texts) == 5
    waiting = await Delivery.filter(status="pending")
    assert len(waiting) == 2 and all("hourly limit" in d.last_error for d in waiting)
    assert all(d.attempts == 0 for d in waiting)  # waiting for our own limit never leads to the dead-letter list
    assert all(d.next_attempt_at > datetime.now(UTC) for d in waiting)  # the next hour, not lost
