"""The inbox, preferences and push-subscription endpoints, bad input included; the live stream."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from backend.kit.transactions import transaction
from notifications import stream
from notifications.models import Notification, Preference, PushSubscription
from notifications.outbox import notify
from tests.applications.conftest import staff_headers
from tests.notifications.conftest import person_id, subscribe_browser

INBOX = "/api/v1/notifications"
PREFS = "/api/v1/me/notification-preferences"
SUBS = "/api/v1/push/subscriptions"


async def tell(pid: int, n: int, tag: str = "t") -> list[int]:
    ids = []
    async with transaction():
        for i in range(n):
            ids.append(
                (
                    await notify(
                        person_id=pid,
                        event="case.accepted",
                        dedupe_key=f"{tag}:{i}",
                        title=f"消息{i}",
                        body="内容",
                        link="/cases/1",
                        data={"application_id": 1},
                    )
                ).id
            )
    return ids


async def test_inbox_pages_counts_and_marks_read(client, resident):
    ids = await tell(await person_id(), 5)
    r = await client.get(INBOX, params={"limit": 2}, headers=resident)
    assert r.status_code == 200
    page = r.json()
    assert [i["id"] for i in page["items"]] == ids[::-1][:2] and page["next_before"] == ids[3]
    assert page["items"][0]["title"] == "消息4" and page["items"][0]["read_at"] is None
    r = await client.get(INBOX, params={"limit": 10, "before": page["next_before"]}, headers=resident)
    assert [i["id"] for i in r.json()["items"]] == ids[::-1][2:] and r.json()["next_before"] is None

    assert (await client.get(f"{INBOX}/unread-count", headers=resident)).json() == {"unread": 5}
    r = await client.post(f"{INBOX}/{ids[0]}/read", headers=resident)
    assert r.status_code == 204
    assert (await client.post(f"{INBOX}/{ids[0]}/read", headers=resident)).status_code == 204  # twice is fine
    assert (await client.get(f"{INBOX}/unread-count", headers=resident)).json() == {"unread": 4}
    assert (await client.post(f"{INBOX}/read-all", headers=resident)).json() == {"marked": 4}
    assert (await client.get(f"{INBOX}/unread-count", headers=resident)).json() == {"unread": 0}


async def test_someone_elses_notification_is_not_found(client, resident):
    other = await staff_headers("staff", "hall:1", "13600000031")
    from auth import service as identity

    stranger = await identity.find_by_phone(phone="13600000031")
    [theirs] = await tell(stranger.id, 1, "other")
    r = await client.post(f"{INBOX}/{theirs}/read", headers=resident)
    assert r.status_code == 404 and r.json()["code"] == "notification.not_found"
    assert (await Notification.get(id=theirs)).read_at is None
    assert [i["id"] for i in (await client.get(INBOX, headers=other)).json()["items"]] == [theirs]
    assert (await client.get(INBOX, headers=resident)).json()["items"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"before": "x"}, {"limit": "many"}, {"before": 0}])
async def test_bad_inbox_queries_are_422(client, resident, params):
    r = await client.get(INBOX, params=params, headers=resident)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


async def test_inbox_needs_a_login(client):
    r = await client.get(INBOX)
    assert r.status_code == 401 and r.json()["code"] == "auth.not_authenticated"
    assert (await client.get("/api/v1/stream")).status_code == 401


async def test_preferences_default_save_and_validate(client, resident, auth_settings):
    r = await client.get(PREFS, headers=resident)
    assert r.status_code == 200
    assert r.json() == {"wechat": True, "webpush": True, "sms": True, "quiet_hours": False, "quiet_start": "22:00", "quiet_end": "07:00"}
    chosen = {"wechat": False, "webpush": True, "sms": True, "quiet_hours": True, "quiet_start": "21:30", "quiet_end": "06:45"}
    r = await client.put(PREFS, json=chosen, headers=resident)
    assert r.status_code == 200 and r.json() == chosen
    assert (await client.get(PREFS, headers=resident)).json() == chosen
    for bad in (
        {**chosen, "quiet_start": "25:00"},
        {**chosen, "quiet_end": "7:00"},
        {k: v for k, v in chosen.items() if k != "sms"},
        {**chosen, "email": True},
        {**chosen, "sms": "maybe"},
    ):
        r = await client.put(PREFS, json=bad, headers=resident)
        assert r.status_code == 422, bad
    r = await client.put(PREFS, content=b"{", headers=resident | {"content-type": "application/json"})
    assert r.status_code == 400
    r = await client.put(PREFS, content=b"wechat=1", headers=resident | {"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert (await Preference.get(person_id=await person_id())).quiet_start == "21:30"


async def test_push_subscription_register_list_and_remove(client, resident, push):
    subscription = await subscribe_browser(client, resident, push)
    again = await client.post(SUBS, json=subscription, headers=resident)  # the browser re-sends it: still one row
    assert again.status_code == 201
    r = await client.get(SUBS, headers=resident)
    assert [i["endpoint"] for i in r.json()["items"]] == [subscription["endpoint"]]
    assert await PushSubscription.all().count() == 1
    r = await client.request("DELETE", SUBS, json={"endpoint": subscription["endpoint"]}, headers=resident)
    assert r.status_code == 204
    r = await client.request("DELETE", SUBS, json={"endpoint": subscription["endpoint"]}, headers=resident)
    assert r.status_code == 404 and r.json()["code"] == "push.subscription_not_found"


async def test_push_endpoints_outside_the_known_services_are_refused(client, resident, push):
    subscription = push.subscribe((await client.get("/api/v1/push/vapid-public-key")).json()["public_key"])
    for endpoint in (
        "http://169.254.169.254/latest/meta-data",
        "https://evil.example.com/push/abc",
        "file:///etc/passwd",
        subscription["endpoint"].replace("http://", "http://user:pw@"),
    ):
        r = await client.post(SUBS, json={**subscription, "endpoint": endpoint}, headers=resident)
        assert r.status_code == 422 and r.json()["code"] == "push.endpoint_not_allowed", endpoint
    bad_key = {**subscription, "keys": {"p256dh": "A" * 87, "auth": subscription["keys"]["auth"]}}
    r = await client.post(SUBS, json=bad_key, headers=resident)
    assert r.status_code == 422 and r.json()["code"] == "push.subscription_invalid"
    r = await client.post(SUBS, json={"endpoint": subscription["endpoint"]}, headers=resident)
    assert r.status_code == 422
    assert not await PushSubscription.exists()


async def test_without_vapid_keys_push_is_503_and_nothing_is_stored(client, resident, push, auth_settings):
    from backend.kit import resources

    subscription = push.subscribe((await client.get("/api/v1/push/vapid-public-key")).json()["public_key"])
    settings = dataclasses.replace(auth_settings, vapid_private_key="")
    original = resources._process
    resources._process = dataclasses.replace(original, settings=settings)
    try:
        r = await client.get("/api/v1/push/vapid-public-key")
        assert r.status_code == 503 and r.json()["code"] == "push.not_configured"
        r = await client.post(SUBS, json=subscription, headers=resident)
        assert r.status_code == 503
    finally:
        resources._process = original
    assert not await PushSubscription.exists()


# ---- the live stream ------------------------------------------------------------------------------


async def _next_event(events) -> dict | None:
    while True:
        chunk = await asyncio.wait_for(events.__anext__(), 3)
        if chunk.startswith("id: "):
            lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines())
            return {"id": int(lines["id"]), "event": lines["event"], "data": json.loads(lines["data"])}


async def test_stream_sends_new_notifications_once_and_resumes_from_last_event_id(client, resident):
    pid = await person_id()
    [old] = await tell(pid, 1, "old")
    events = stream.events(pid, None)
    assert (await events.__anext__()).startswith("retry: ")
    await asyncio.sleep(0.05)
    new = await tell(pid, 2, "new")
    first, second = await _next_event(events), await _next_event(events)
    assert [first["id"], second["id"]] == new  # the old one is not replayed to a fresh page
    assert first["event"] == "notification" and first["data"]["title"] == "消息0" and first["data"]["data"]["application_id"] == 1
    await events.aclose()

    resumed = stream.events(pid, old)  # the browser reconnects with Last-Event-ID: it gets what it missed, in order
    await resumed.__anext__()
    assert [(await _next_event(resumed))["id"] for _ in range(2)] == new
    await resumed.aclose()


async def test_stream_sends_heartbeats(client, resident, auth_settings):
    from backend.kit import resources

    original = resources._process
    resources._process = dataclasses.replace(original, settings=dataclasses.replace(auth_settings, stream_heartbeat=0.1))
    try:
        events = stream.events(await person_id(), None)
        await events.__anext__()
        assert await asyncio.wait_for(events.__anext__(), 1) == ": ping\n\n"
        await events.aclose()
    finally:
        resources._process = original


async def test_stream_refuses_a_bad_last_event_id(client, resident):
    r = await client.get("/api/v1/stream", headers=resident | {"Last-Event-ID": "abc"})
    assert r.status_code == 400 and r.json()["code"] == "stream.bad_last_event_id"


async def test_ids_beyond_the_database_range_are_not_found_not_errors(client, resident):
    huge = "99999999999999999999"
    assert (await client.post(f"{INBOX}/{huge}/read", headers=resident)).status_code == 404
    r = await client.get(INBOX, params={"before": huge}, headers=resident)
    assert r.status_code == 422
    assert (await client.get("/api/v1/applications/" + huge, headers=resident)).status_code == 404
    r = await client.get("/api/v1/stream", headers=resident | {"Last-Event-ID": huge})
    assert r.status_code == 400


async def test_stream_passes_ids_committed_out_of_order_but_never_one_twice(client, resident):
    from backend.kit.resources import current
    from notifications.outbox import inbox_channel

    pid = await person_id()
    [start] = await tell(pid, 1, "start")
    events = stream.events(pid, None)
    await events.__anext__()

    async def publish(nid: int) -> None:
        body = {"id": nid, "event": "case.accepted", "title": "t", "body": "b", "link": None, "data": {}, "created_at": "", "read_at": None}
        await current().broker.publish(inbox_channel(pid), json.dumps({"type": "notification", "notification": body}).encode())

    pending = asyncio.ensure_future(_next_event(events))
    await asyncio.sleep(0.05)
    for nid in (start + 5, start + 3, start + 5, start):  # a later transaction committed first; a repeat; one from before the page
        await publish(nid)
    received = [(await pending)["id"], (await _next_event(events))["id"]]
    assert received == [start + 5, start + 3]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_next_event(events), 0.5)
    await events.aclose()
