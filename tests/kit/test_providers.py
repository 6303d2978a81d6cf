"""Outside systems are chosen in one place and reached through the app's lifespan state."""

from __future__ import annotations

import dataclasses

import httpx

from backend.app import create_app
from backend.kit.providers import choose
from backend.kit.realname import AliyunThreeElements, NoRealNameSource
from backend.kit.sms import AliyunSms, ConsoleSms
from notifications.push import generate_vapid_private_key, public_key, signer


def test_the_configuration_chooses_each_adapter(settings):
    plain = choose(settings)
    assert isinstance(plain.sms, ConsoleSms) and isinstance(plain.realname, NoRealNameSource) and not plain.wechat.configured
    configured = choose(
        dataclasses.replace(
            settings,
            sms_provider="aliyun",
            sms_access_key_id="id",
            sms_access_key_secret="s",
            realname_provider="aliyun",
            realname_access_key_id="id",
            realname_access_key_secret="s",
            realname_auth_code="c",
            wechat_appid="wx1",
            wechat_secret="s",
        )
    )
    assert isinstance(configured.sms, AliyunSms) and isinstance(configured.realname, AliyunThreeElements) and configured.wechat.configured


def served(app, state):
    """What an ASGI server (uvicorn) does with the lifespan state: a copy in every request's scope."""

    async def with_state(scope, receive, send):
        await app({**scope, "state": dict(state)}, receive, send)

    return with_state


async def test_each_app_answers_from_its_own_lifespan_state(settings):
    """Two apps in one process with different keys: each request sees its own app's resources."""
    key_a, key_b = generate_vapid_private_key(), generate_vapid_private_key()
    app_a = create_app(dataclasses.replace(settings, vapid_private_key=key_a))
    app_b = create_app(dataclasses.replace(settings, vapid_private_key=key_b))
    async with app_a.router.lifespan_context(app_a) as state_a, app_b.router.lifespan_context(app_b) as state_b:
        assert state_a["resources"].settings.vapid_private_key == key_a
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=served(app_a, state_a)), base_url="http://a") as a,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=served(app_b, state_b)), base_url="http://b") as b,
        ):
            got_a = (await a.get("/api/v1/push/vapid-public-key")).json()["public_key"]
            got_b = (await b.get("/api/v1/push/vapid-public-key")).json()["public_key"]
    assert got_a == public_key(signer(key_a)) and got_b == public_key(signer(key_b))
