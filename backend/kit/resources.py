"""Long-lived, per-process resources (settings, keys, broker), opened once at start-up."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from backend.kit import db
from backend.kit.broker import Broker, open_broker
from backend.kit.config import Settings
from backend.kit.pii import Keyring
from backend.kit.realname import RealNameSource, open_realname
from backend.kit.sms import AliyunSms, ConsoleSms, SmsSender
from backend.kit.wechat import WeChatMiniProgram


@dataclass(frozen=True)
class Resources:
    settings: Settings
    keyring: Keyring
    broker: Broker
    sms: SmsSender
    wechat: WeChatMiniProgram
    realname: RealNameSource


def _sms(settings: Settings) -> SmsSender:
    if settings.sms_provider == "aliyun":
        return AliyunSms(
            api_base=settings.sms_api_base,
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret,
            sign_name=settings.sms_sign_name,
            templates=settings.sms_templates,
        )
    return ConsoleSms()


_current: Resources | None = None


def current() -> Resources:
    """The resources of this process; services use it for keys and the broker."""
    if _current is None:
        raise RuntimeError("resources are not open: start the app or CLI through backend.kit.resources.opened()")
    return _current


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Resources]:
    """Open the database pool and the broker for this process; close them on exit."""
    global _current
    keyring = Keyring.parse(settings.data_key, settings.index_key)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    await db.connect(settings.database_url)
    broker = open_broker(settings.redis_url)
    sms = _sms(settings)
    wechat = WeChatMiniProgram(appid=settings.wechat_appid, secret=settings.wechat_secret, api_base=settings.wechat_api_base,
                               redis_url=settings.redis_url)
    realname = open_realname(settings)
    resources = Resources(settings=settings, keyring=keyring, broker=broker, sms=sms, wechat=wechat, realname=realname)
    previous, _current = _current, resources
    try:
        yield resources
    finally:
        _current = previous
        if isinstance(sms, AliyunSms):
            await sms.close()
        wechat.close()
        await realname.close()
        await broker.close()
        await db.close()
