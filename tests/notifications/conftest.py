"""The app wired to fake WeChat, SMS and Web Push services; a verified resident with a case."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator

import pytest

from auth import service as identity
from notifications.dispatcher import Dispatcher
from notifications.models import Delivery
from notifications.push import generate_vapid_private_key, public_key, signer
from tests.applications.conftest import *  # noqa: F401,F403  (fake servers, client, resident, approver)
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.fakes.server import serve
from tests.fakes.webpush import FakePushService

VAPID_PRIVATE_KEY = generate_vapid_private_key()
TEMPLATES = {"progress": "TPL_PROGRESS_0001", "delivery": "TPL_DELIVERY_0001", "appointment": "TPL_APPOINT_0001"}
TEMPLATE_FIELDS = {
    "TPL_PROGRESS_0001": ("character_string1", "thing2", "phrase3", "time4", "thing5"),
    "TPL_DELIVERY_0001": ("character_string1", "thing2", "phrase3", "time4", "thing5"),
    "TPL_APPOINT_0001": ("thing1", "time2", "thing3", "thing4"),
}
RESIDENT_PHONE = "13912345678"


@pytest.fixture(scope="session")
def push_server() -> Iterator[tuple[FakePushService, str]]:
    fake = FakePushService()
    with serve(fake.app()) as url:
        fake.base_url = url
        yield fake, url


@pytest.fixture
def push(push_server) -> FakePushService:
    fake, _ = push_server
    fake.reset(subscriptions=True)
    fake.delay = 0.0
    return fake


@pytest.fixture
def auth_settings(settings, wechat_server, sms_server, push_server):
    (wx, wx_url), (sms_fake, sms_url), (_, push_url) = wechat_server, sms_server, push_server
    wx.templates.update(TEMPLATE_FIELDS)
    return dataclasses.replace(
        settings,
        wechat_appid=wx.appid,
        wechat_secret=wx.secret,
        wechat_api_base=wx_url,
        sms_provider="aliyun",
        sms_api_base=sms_url,
        sms_access_key_id=sms_fake.access_key_id,
        sms_access_key_secret=sms_fake.access_key_secret,
        sms_sign_name=sms_fake.sign_name,
        vapid_private_key=VAPID_PRIVATE_KEY,
        vapid_subject="mailto:ops@example.gov.cn",
        push_endpoints=(push_url + "/",),
        wechat_templates=dict(TEMPLATES),
        quiet_hours="off",  # the default quiet hours would hold messages when CI runs at night
    )


def settings_env(settings) -> dict[str, str]:
    """The same configuration as environment variables, for `yiwang worker` subprocesses."""
    return {
        "YIWANG_DATABASE_URL": settings.database_url,
        "YIWANG_REDIS_URL": settings.redis_url or "",
        "YIWANG_MEDIA_DIR": str(settings.media_dir),
        "YIWANG_DATA_KEY": settings.data_key,
        "YIWANG_INDEX_KEY": settings.index_key,
        "YIWANG_VAPID_PRIVATE_KEY": settings.vapid_private_key,
        "YIWANG_VAPID_SUBJECT": settings.vapid_subject,
        "YIWANG_PUSH_ENDPOINTS": ",".join(settings.push_endpoints),
        "YIWANG_SMS_PROVIDER": settings.sms_provider,
        "YIWANG_SMS_API_BASE": settings.sms_api_base,
        "YIWANG_SMS_ACCESS_KEY_ID": settings.sms_access_key_id,
        "YIWANG_SMS_ACCESS_KEY_SECRET": settings.sms_access_key_secret,
        "YIWANG_DISPATCHER": "off",
        "YIWANG_LOG_LEVEL": "WARNING",
        "YIWANG_QUIET_HOURS": settings.quiet_hours,
    }


def application_server_key() -> str:
    return public_key(signer(VAPID_PRIVATE_KEY))


async def subscribe_browser(client, headers, push: FakePushService) -> dict:
    """What the PWA does: PushManager.subscribe() in the browser, then POST the subscription."""
    r = await client.get("/api/v1/push/vapid-public-key")
    assert r.status_code == 200, r.text
    subscription = push.subscribe(r.json()["public_key"])
    r = await client.post("/api/v1/push/subscriptions", json=subscription, headers=headers)
    assert r.status_code == 201, r.text
    return subscription


async def person_id(phone: str = RESIDENT_PHONE) -> int:
    person = await identity.find_by_phone(phone=phone)
    assert person is not None
    return person.id


def dispatcher(**overrides) -> Dispatcher:
    options = {"retry_base": 0.05, "retry_max": 0.2, "max_attempts": 5, "lease": 30.0}
    options.update(overrides)
    return Dispatcher(**options)


async def drain(d: Dispatcher, *, timeout: float = 10.0) -> None:
    """Run the dispatcher until nothing is pending or sending (retries included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handled = await d.run_once()
        if not handled and not await Delivery.filter(status__in=("pending", "sending")).exists():
            await d.webpush.close()
            return
        if not handled:
            await asyncio.sleep(0.05)
    await d.webpush.close()
    raise AssertionError("deliveries still pending: " + str(await Delivery.filter(status__in=("pending", "sending")).values()))


async def submitted_case(client, headers) -> dict:
    from tests.applications.test_applications import attach_id_card, key

    r = await client.post("/api/v1/applications", json={"service_code": YYZZ, "form": VALID_FORM}, headers=headers)
    assert r.status_code == 201, r.text
    case = r.json()
    await attach_id_card(client, headers, case["id"])
    r = await client.post(f"/api/v1/applications/{case['id']}/submit", headers=headers | key())
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def wechat(wechat_server):
    """The fake WeChat server with no subscribe credits or sent messages left from other tests."""
    fake, _ = wechat_server
    fake.busy, fake.rate_limited_openids = 0, set()
    fake.subscribe_messages.clear()
    fake.subscribe_credits.clear()
    fake.subscribe_failures.clear()
    return fake
