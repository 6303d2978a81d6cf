"""The WeChat access token is shared through Redis: another process reuses it instead of fetching (which would invalidate it)."""

from __future__ import annotations

import pytest
import redis

from backend.kit.wechat import WeChatMiniProgram
from tests.conftest import REDIS_URL
from tests.notifications.conftest import TEMPLATES

DATA = {
    "character_string1": {"value": "20261122000017"},
    "thing2": {"value": "营业执照"},
    "phrase3": {"value": "已受理"},
    "time4": {"value": "2026年11月22日 09:49"},
    "thing5": {"value": "点击查看"},
}


@pytest.mark.parametrize("backend_kind", ["postgres"])
async def test_a_second_process_reuses_the_cached_token(auth_settings, resources, wechat, wechat_server):
    _, url = wechat_server
    openid = "oWX_token_0001"
    wechat.accept(openid, TEMPLATES["progress"], times=2)
    first = WeChatMiniProgram(appid=wechat.appid, secret=wechat.secret, api_base=url, redis_url=REDIS_URL)
    second = WeChatMiniProgram(appid=wechat.appid, secret=wechat.secret, api_base=url, redis_url=REDIS_URL)  # another process
    try:
        fetches = wechat.token_fetches
        await first.send_subscribe_message(openid=openid, template_id=TEMPLATES["progress"], data=DATA, page=None)
        assert wechat.token_fetches == fetches + 1
        assert redis.Redis.from_url(REDIS_URL).get(f"yiwang:wechat:{wechat.appid}_access_token") is not None
        await second.send_subscribe_message(openid=openid, template_id=TEMPLATES["progress"], data=DATA, page=None)
        assert wechat.token_fetches == fetches + 1  # no second fetch: it would have invalidated the first process's token
    finally:
        await first.close()
        await second.close()
    assert len([m for m in wechat.subscribe_messages if m["touser"] == openid]) == 2
