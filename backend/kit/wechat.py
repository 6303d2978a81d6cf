"""WeChat mini-program server API through wechatpy (sync, so every call runs in a thread)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import redis
import requests
from redis.backoff import NoBackoff
from redis.retry import Retry
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.kit import errors
from backend.kit.broker import CONNECT_TIMEOUT, SOCKET_TIMEOUT
from backend.kit.errors import BrokerUnavailable

log = logging.getLogger("yiwang.wechat")


class WeChatCodeInvalid(errors.Unauthorized, code="auth.wechat_code_invalid"):
    zh = "微信登录凭证无效|登录凭证无效或已过期，请关闭小程序后重新进入。"
    en = "Invalid WeChat login code|The login code is invalid or expired; reopen the mini-program."


class WeChatCodeUsed(errors.Unauthorized, code="auth.wechat_code_used"):
    zh = "微信登录凭证已使用|这个登录凭证已经用过了，请重新登录。"
    en = "WeChat login code already used|This login code was already used; log in again."


class WeChatRateLimited(errors.TooMany, code="auth.wechat_rate_limited"):
    zh = "登录太频繁|登录太频繁了，请一分钟后再试。"
    en = "Too many WeChat logins|Too many logins; try again in a minute."


class WeChatUnavailable(errors.Unavailable, code="auth.wechat_unavailable"):
    zh = "微信服务暂时不可用|暂时连不上微信服务，请稍后再试。"
    en = "WeChat is unavailable|WeChat cannot be reached right now; try again later."


class WeChatNotConfigured(errors.Unavailable, code="auth.wechat_not_configured"):
    zh = "未开通微信登录|本站点尚未开通微信登录，请使用手机号登录。"
    en = "WeChat login is not configured|This site has no WeChat app configured; log in with your phone."


_ERRORS: dict[int, type[errors.ServiceError]] = {
    40029: WeChatCodeInvalid,
    40163: WeChatCodeUsed,
    45011: WeChatRateLimited,
    -1: WeChatUnavailable,
}


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None


class _Client(WeChatClient):
    """wechatpy's client with every base URL pointed at ``api_base`` (the real one or a fake)."""

    def __init__(self, appid: str, secret: str, api_base: str, session=None) -> None:
        # The access token lives in ``session``: Redis shared by every process (a new fetch
        # invalidates the previous token), or this process's memory in the embedded default.
        super().__init__(appid, secret, timeout=10, session=session)
        self._api_base = api_base.rstrip("/") + "/"
        self.API_BASE_URL = self._api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = self._api_base

    def fetch_access_token(self):  # wechatpy hard-codes the token URL
        return self._fetch_access_token(
            url=self._api_base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class WeChatSendFailed(Exception):
    """subscribeMessage.send did not go out; ``errcode`` is WeChat's (None: network or HTTP error)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatMiniProgram:
    def __init__(self, *, appid: str, secret: str, api_base: str, redis_url: str | None = None) -> None:
        self.appid = appid
        # The broker's short timeouts: a frozen Redis must not hold a login for seconds.
        self._redis = (
            redis.Redis.from_url(
                redis_url,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
            )
            if redis_url
            else None
        )
        storage = RedisStorage(self._redis, prefix="yiwang:wechat") if self._redis is not None else MemoryStorage()
        self._client = _Client(appid, secret, api_base, session=storage) if appid and secret else None

    @property
    def configured(self) -> bool:
        return self._client is not None

    async def open(self) -> None:
        return None  # wechatpy connects per call, in a thread

    async def close(self) -> None:
        if self._redis is not None:
            await asyncio.to_thread(self._redis.close)

    def _require(self) -> _Client:
        if self._client is None:
            raise WeChatNotConfigured()
        return self._client

    async def _call(self, fn, *args):
        try:
            return await asyncio.to_thread(fn, *args)
        except WeChatClientException as exc:
            log.info("wechat error", extra={"errcode": exc.errcode})
            raise _ERRORS.get(exc.errcode or 0, WeChatUnavailable)() from None
        except requests.RequestException as exc:
            log.warning("wechat unreachable", extra={"error": type(exc).__name__})
            raise WeChatUnavailable() from None
        except redis.RedisError as exc:  # the shared access token is out of reach
            log.warning("wechat token store unavailable", extra={"error": type(exc).__name__})
            raise BrokerUnavailable() from None

    async def code_to_session(self, code: str) -> WxSession:
        """auth.code2Session: a one-time wx.login() code → openid and session key."""
        client = self._require()
        result = await self._call(client.wxa.code_to_session, code)
        return WxSession(openid=result["openid"], session_key=result["session_key"], unionid=result.get("unionid"))

    async def phone_number(self, code: str) -> str:
        """phonenumber.getPhoneNumber: a one-time button code → the user's mobile number."""
        client = self._require()
        result = await self._call(
            lambda: client.post("wxa/business/getuserphonenumber", data={"code": code}, api_base_url=client._api_base)
        )
        return str(result["phone_info"]["purePhoneNumber"])

    async def send_subscribe_message(self, *, openid: str, template_id: str, data: dict[str, dict[str, str]], page: str | None) -> str:
        """subscribeMessage.send; wechatpy refreshes the token once on 40001/42001. Returns the msgid."""
        client = self._require()
        try:
            result = await asyncio.to_thread(client.wxa.send_subscribe_message, openid, template_id, data, page)
        except WeChatClientException as exc:
            raise WeChatSendFailed(exc.errcode, str(exc.errmsg)[:200]) from None
        except (requests.RequestException, redis.RedisError) as exc:
            raise WeChatSendFailed(None, type(exc).__name__) from None
        return str(result.get("msgid", ""))
