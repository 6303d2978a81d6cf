"""The outside systems (SMS, WeChat, the real-name check, the parcel carrier and its tracker), chosen from configuration here and only here.

Each adapter has the same small lifecycle (``open``/``close``) beside its own protocol; tests point
the real adapters at local fake servers, never at stand-ins of our own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from backend.kit.carrier import Carrier, EmsCarrier, Kuaidi100Tracker, NoCarrier, NoTracker, Tracker
from backend.kit.config import Settings
from backend.kit.realname import AliyunThreeElements, NoRealNameSource, RealNameSource
from backend.kit.sms import AliyunSms, ConsoleSms, SmsSender
from backend.kit.wechat import WeChatMiniProgram


class Provider(Protocol):
    """An outside system's adapter: opened at start-up, closed at shut-down."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Providers:
    sms: SmsSender
    wechat: WeChatMiniProgram
    realname: RealNameSource
    carrier: Carrier
    tracker: Tracker

    def all(self) -> tuple[Provider, ...]:
        return (self.sms, self.wechat, self.realname, self.carrier, self.tracker)


def choose(settings: Settings) -> Providers:
    """The adapter of each outside system, as the configuration asks."""
    if settings.sms_provider == "aliyun":
        sms: SmsSender = AliyunSms(
            api_base=settings.sms_api_base,
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret,
            sign_name=settings.sms_sign_name,
            templates=settings.sms_templates,
        )
    else:
        sms = ConsoleSms()
    if settings.realname_provider == "aliyun":
        realname: RealNameSource = AliyunThreeElements(
            api_base=settings.realname_api_base,
            access_key_id=settings.realname_access_key_id,
            access_key_secret=settings.realname_access_key_secret,
            auth_code=settings.realname_auth_code,
        )
    else:
        realname = NoRealNameSource()
    wechat = WeChatMiniProgram(
        appid=settings.wechat_appid, secret=settings.wechat_secret, api_base=settings.wechat_api_base, redis_url=settings.redis_url
    )
    if settings.ems_api_base:
        carrier: Carrier = EmsCarrier(
            api_base=settings.ems_api_base,
            sender_no=settings.ems_sender_no,
            authorization=settings.ems_authorization,
            sign_key=settings.ems_sign_key,
        )
    else:
        carrier = NoCarrier()
    if settings.kuaidi100_api_base:
        tracker: Tracker = Kuaidi100Tracker(
            api_base=settings.kuaidi100_api_base,
            customer=settings.kuaidi100_customer,
            key=settings.kuaidi100_key,
            salt=settings.kuaidi100_salt,
        )
    else:
        tracker = NoTracker()
    return Providers(sms=sms, wechat=wechat, realname=realname, carrier=carrier, tracker=tracker)


async def open_all(providers: Providers) -> None:
    for provider in providers.all():
        await provider.open()


async def close_all(providers: Providers) -> None:
    for provider in providers.all():
        await provider.close()
