"""Long-lived, per-process resources (settings, keys, broker, outside systems), opened once at start-up.

The app's lifespan yields them as its typed state; each request reaches them through that state
(the request middleware binds it for the request's context). Code running outside a request
(CLI commands, workers, tests) reaches the resources the process opened.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from backend.kit import db
from backend.kit.broker import Broker, RedisBroker, open_broker
from backend.kit.config import Settings
from backend.kit.pii import Keyring
from backend.kit.providers import Providers, choose, close_all, open_all
from backend.kit.realname import RealNameSource
from backend.kit.sms import SmsSender
from backend.kit.wechat import WeChatMiniProgram


@dataclass(frozen=True)
class Resources:
    settings: Settings
    keyring: Keyring
    broker: Broker
    providers: Providers

    @property
    def sms(self) -> SmsSender:
        return self.providers.sms

    @property
    def wechat(self) -> WeChatMiniProgram:
        return self.providers.wechat

    @property
    def realname(self) -> RealNameSource:
        return self.providers.realname


log = logging.getLogger("yiwang.resources")
_request: ContextVar[Resources | None] = ContextVar("yiwang_resources", default=None)
_process: Resources | None = None


def current() -> Resources:
    """The resources of this request (from the app's lifespan state), else of this process."""
    resources = _request.get() or _process
    if resources is None:
        raise RuntimeError("resources are not open: start the app or CLI through backend.kit.resources.opened()")
    return resources


def bind(resources: Resources | None) -> Token:
    """Make ``resources`` the current ones in this context (the request middleware does it)."""
    return _request.set(resources)


def unbind(token: Token) -> None:
    _request.reset(token)


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Resources]:
    """Open the database pool, the broker and the outside systems for this process; close them on exit."""
    global _process
    keyring = Keyring.parse(settings.data_key, settings.index_key)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    await db.connect(settings.database_url)
    broker = open_broker(settings.redis_url)
    if isinstance(broker, RedisBroker):
        # Rate-limit counters live only in Redis: one restarted without persistence gives every
        # phone and address a fresh budget (README, operations notes).
        persistence = await broker.persistence()
        (log.warning if persistence == "none" else log.info)("redis persistence: %s", persistence)
    providers = choose(settings)
    await open_all(providers)
    resources = Resources(settings=settings, keyring=keyring, broker=broker, providers=providers)
    previous, _process = _process, resources
    try:
        yield resources
    finally:
        _process = previous
        await close_all(providers)
        await broker.close()
        await db.close()
