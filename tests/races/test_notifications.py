"""Races on notification settings: one preference row, one credit row per template, one row per browser."""

from __future__ import annotations

from notifications.models import Preference, PushSubscription, WeChatQuota
from tests.notifications.conftest import TEMPLATES, person_id
from tests.races.conftest import N, assert_no_5xx, outcome, race_with_inserts_held

PREFERENCES = {"wechat": True, "webpush": False, "sms": True, "quiet_hours": True, "quiet_start": "22:00", "quiet_end": "07:00"}


async def test_fifty_preference_saves_make_one_row(client, resident, settings):
    answers = await race_with_inserts_held(
        settings,
        "notification_preference",
        (client.put("/api/v1/me/notification-preferences", json=PREFERENCES, headers=resident) for _ in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)
    assert await Preference.filter(person_id=await person_id()).count() == 1


async def test_fifty_wechat_accepts_make_one_row_with_fifty_credits(client, resident, settings):
    template = TEMPLATES["progress"]
    answers = await race_with_inserts_held(
        settings,
        "wechat_subscribe_quota",
        (client.post("/api/v1/me/wechat-subscriptions", json={"results": {template: "accept"}}, headers=resident) for _ in range(N)),
    )
    assert_no_5xx(answers)
    assert all(r.status_code == 200 for r in answers), outcome(answers)
    rows = await WeChatQuota.filter(person_id=await person_id(), template_id=template)
    assert len(rows) == 1 and rows[0].credits == N  # every accept is one send: none lost to the race


async def test_fifty_registrations_of_one_browser_make_one_subscription(client, resident, push, settings):
    key = (await client.get("/api/v1/push/vapid-public-key")).json()["public_key"]
    subscription = push.subscribe(key)
    answers = await race_with_inserts_held(
        settings, "push_subscription", (client.post("/api/v1/push/subscriptions", json=subscription, headers=resident) for _ in range(N))
    )
    assert_no_5xx(answers)
    assert {r.status_code for r in answers} <= {200, 201}, outcome(answers)
    assert len({r.json()["id"] for r in answers}) == 1
    assert await PushSubscription.all().count() == 1
