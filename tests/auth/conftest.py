"""The app wired to the fake WeChat API and the fake SMS gateway, over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from backend.app import create_app
from tests.consents import agreed
from tests.fakes.realname import FakeCarrier
from tests.fakes.server import serve
from tests.fakes.sms import FakeSms
from tests.fakes.wechat import FakeWeChat


@pytest.fixture(scope="session")
def wechat_server() -> Iterator[tuple[FakeWeChat, str]]:
    fake = FakeWeChat()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture(scope="session")
def sms_server() -> Iterator[tuple[FakeSms, str]]:
    fake = FakeSms()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture(scope="session")
def carrier_server() -> Iterator[tuple[FakeCarrier, str]]:
    fake = FakeCarrier()
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def carrier(carrier_server) -> FakeCarrier:
    fake, _ = carrier_server
    fake.registrations.clear()
    fake.calls.clear()
    fake.fail_with = None
    return fake


@pytest.fixture
def wechat(wechat_server) -> FakeWeChat:
    fake, _ = wechat_server
    fake.busy, fake.rate_limited_openids = 0, set()
    return fake


@pytest.fixture
def sms(sms_server) -> FakeSms:
    fake, _ = sms_server
    fake.messages.clear()
    fake.fail_with = None
    fake.delay = 0.0
    fake.aborted.clear()
    return fake


@pytest.fixture
def auth_settings(settings, wechat_server, sms_server, carrier_server):
    (wx, wx_url), (sms_fake, sms_url), (carrier_fake, carrier_url) = wechat_server, sms_server, carrier_server
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
        realname_provider="aliyun",
        realname_api_base=carrier_url,
        realname_access_key_id=carrier_fake.access_key_id,
        realname_access_key_secret=carrier_fake.access_key_secret,
        realname_auth_code=carrier_fake.auth_code,
    )


@pytest.fixture
async def client(auth_settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(auth_settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 50000)), base_url="http://testserver"
        ) as c:
            yield c


_phones = iter(range(10_000_000))


@pytest.fixture
def phone() -> str:
    """A fresh mobile number per use, so per-number limits never leak between tests."""
    return f"139{next(_phones):08d}"


async def sms_login(
    client: httpx.AsyncClient,
    sms: FakeSms,
    phone: str,
    *,
    transport: str = "bearer",
    user_agent: str | None = None,
    agree: bool = True,
) -> dict:
    """Log in as the PWA does, agreeing to the current terms and privacy policy unless ``agree=False``."""
    r = await client.post("/api/v1/auth/sms/send", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = sms.codes_for(phone)[-1]
    headers = {"User-Agent": user_agent} if user_agent is not None else {}
    body = {"phone": phone, "code": code, "transport": transport} | ({"accept": agreed()} if agree else {})
    r = await client.post("/api/v1/auth/sms/verify", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['token']}"}


class _BrokerTools:
    async def forget_sessions(self) -> None:
        """Drop Redis copies of sessions after a test edits session rows directly."""
        from auth.models import Session
        from backend.kit.resources import current

        for token_hash in await Session.all().values_list("token_hash", flat=True):
            await current().broker.delete(f"session:{token_hash}")


@pytest.fixture
def resources_broker() -> _BrokerTools:
    return _BrokerTools()
