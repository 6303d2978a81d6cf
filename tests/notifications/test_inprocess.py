"""The embedded default: the app process dispatches by itself, woken by the commit (no worker to run)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from notifications.models import Delivery
from tests.notifications.conftest import submitted_case, subscribe_browser


@pytest.fixture
def auth_settings(auth_settings):
    return dataclasses.replace(auth_settings, dispatcher="inprocess")


async def test_the_app_delivers_a_case_step_without_a_worker(client, resident, approver, push):
    subscription = await subscribe_browser(client, resident, push)
    case = await submitted_case(client, resident)
    started = time.monotonic()
    r = await client.post(f"/api/v1/staff/applications/{case['id']}/accept", json={"note": ""}, headers=approver)
    assert r.status_code == 200
    while not push.received(subscription["endpoint"]) and time.monotonic() - started < 5:
        await asyncio.sleep(0.02)
    [message] = push.received(subscription["endpoint"])
    assert message.json()["title"].startswith("已受理")
    while (await Delivery.get()).status != "sent" and time.monotonic() - started < 5:  # the outcome is recorded just after
        await asyncio.sleep(0.02)
    assert (await Delivery.get()).status == "sent"
