"""The fake Web Push service and the fake WeChat subscribeMessage.send, driven by the real client
libraries (pywebpush 2.5.0, wechatpy 1.8.18) over real HTTP, plus the standalone ``python -m tests.fakes``."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from py_vapid.jwt import sign as jwt_sign
from pywebpush import WebPusher, WebPushException, webpush, webpush_async
from wechatpy.exceptions import WeChatClientException

from backend.kit.wechat import _Client
from tests.fakes.server import serve
from tests.fakes.webpush import FakePushService, b64url
from tests.fakes.wechat import FakeWeChat, check_template_value

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_SUB = "mailto:ops@yiwang.example"


def _public_key(vapid: Vapid) -> str:
    return b64url(vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def _new_vapid() -> Vapid:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid


# --------------------------------------------------------------------------------------------
# Web Push
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def push_server() -> Iterator[tuple[FakePushService, str]]:
    fake = FakePushService()
    with serve(fake.app()) as url:
        fake.base_url = url
        yield fake, url


@pytest.fixture(scope="module")
def vapid() -> Vapid:
    return _new_vapid()


@pytest.fixture
def push(push_server) -> FakePushService:
    fake, _ = push_server
    fake.reset()
    return fake


@pytest.fixture
def sub(push, vapid) -> dict:
    return push.subscribe(_public_key(vapid))


def send(sub: dict, data: str | None, vapid: Vapid, **kwargs):
    kwargs.setdefault("vapid_claims", {"sub": CLAIMS_SUB})
    kwargs.setdefault("ttl", 60)
    return webpush(sub, data, vapid_private_key=vapid, **kwargs)


def status_of(call) -> int:
    with pytest.raises(WebPushException) as info:
        call()
    return info.value.response.status_code


def test_chinese_json_payload_arrives_decrypted_byte_for_byte(push, sub, vapid, push_server):
    _, url = push_server
    payload = json.dumps(
        {"title": "办件进度", "body": "您的居住证申请已受理，请于6月3日前到村便民服务站领取。", "url": "/cases/42"}, ensure_ascii=False
    )
    resp = send(sub, payload, vapid, ttl=86400, headers={"Urgency": "high", "Topic": "case-42"})
    assert resp.status_code == 201
    assert resp.headers["Location"].startswith(f"{url}/m/")
    assert resp.headers["TTL"] == "86400"
    [msg] = push.received(sub["endpoint"])
    assert msg.plaintext == payload.encode("utf-8")
    assert msg.json()["body"] == "您的居住证申请已受理，请于6月3日前到村便民服务站领取。"
    assert (msg.ttl, msg.urgency, msg.topic) == (86400, "high", "case-42")
    assert resp.headers["Location"].endswith(msg.message_id)
    assert msg.token == sub["endpoint"].rsplit("/", 1)[1]


def test_defaults_ttl_cap_and_topic_replacement(push, sub, vapid):
    resp = send(sub, "第一条", vapid, ttl=99_999_999, headers={"Topic": "t1"})
    assert resp.headers["TTL"] == "2592000"
    send(sub, "第二条", vapid, ttl=0, headers={"Topic": "t1"})
    send(sub, "第三条", vapid, ttl=0)
    first = push.received(sub["endpoint"])[0]
    assert (first.ttl, first.urgency) == (2592000, "normal")
    assert [m.text for m in push.received(sub["endpoint"])] == ["第一条", "第二条", "第三条"]
    assert [m.text for m in push.inbox(sub["endpoint"])] == ["第二条", "第三条"]


@pytest.mark.parametrize("headers", [{"Urgency": "urgent"}, {"Topic": "has space"}, {"Topic": "x" * 33}])
def test_bad_urgency_or_topic_is_400(push, sub, vapid, headers):
    assert status_of(lambda: send(sub, "hi", vapid, headers=headers)) == 400
    assert push.received() == []


def test_vapid_key_other_than_application_server_key_is_403(push, sub, vapid):
    with pytest.raises(WebPushException) as info:
        send(sub, "hi", _new_vapid())
    assert info.value.response.status_code == 403
    assert info.value.response.json()["errno"] == 109
    assert push.received() == []
    assert send(sub, "hi", vapid).status_code == 201  # the right key still works


def test_expired_or_too_distant_exp_is_403(push, sub, vapid, push_server):
    _, url = push_server
    # pywebpush replaces a past exp with now+12h, so an expired token has to be signed by hand.
    token = jwt_sign({"aud": url, "exp": int(time.time()) - 5, "sub": CLAIMS_SUB}, vapid.private_key)
    expired = {"Authorization": f"vapid t={token},k={_public_key(vapid)}"}
    assert status_of(lambda: webpush(sub, "hi", headers=expired, ttl=60)) == 403
    # exp more than 24 h ahead is kept by pywebpush and refused by the service.
    assert status_of(lambda: send(sub, "hi", vapid, vapid_claims={"sub": CLAIMS_SUB, "exp": int(time.time()) + 25 * 3600})) == 403
    assert push.received() == []


def test_aud_for_another_origin_is_403(push, sub, vapid):
    assert status_of(lambda: send(sub, "hi", vapid, vapid_claims={"sub": CLAIMS_SUB, "aud": "https://push.example.net"})) == 403
    assert push.received() == []


def test_missing_authorization_is_401(push, sub):
    assert status_of(lambda: webpush(sub, "hi", ttl=60)) == 401
    assert push.received() == []


def test_ttl_header_is_required(push, sub, vapid, push_server):
    _, url = push_server
    body = WebPusher(sub).encode(b"hello")["body"]
    auth = vapid.sign({"sub": CLAIMS_SUB, "aud": url})
    headers = {"Content-Encoding": "aes128gcm", **auth}
    missing = httpx.post(sub["endpoint"], content=body, headers=headers)
    assert (missing.status_code, missing.json()["errno"]) == (400, 111)
    invalid = httpx.post(sub["endpoint"], content=body, headers={**headers, "TTL": "-1"})
    assert (invalid.status_code, invalid.json()["errno"]) == (400, 112)
    assert push.received() == []
    ok = httpx.post(sub["endpoint"], content=body, headers={**headers, "TTL": "30"})
    assert ok.status_code == 201
    assert [m.plaintext for m in push.received()] == [b"hello"]


def test_unsubscribed_is_410_and_unknown_token_is_404(push, sub, vapid):
    unknown = {**sub, "endpoint": sub["endpoint"].rsplit("/", 1)[0] + "/nope"}
    with pytest.raises(WebPushException) as info:
        send(unknown, "hi", vapid)
    assert (info.value.response.status_code, info.value.response.json()["errno"]) == (404, 102)
    push.unsubscribe(sub["endpoint"])
    with pytest.raises(WebPushException) as info:
        send(sub, "hi", vapid)
    assert (info.value.response.status_code, info.value.response.json()["errno"]) == (410, 106)
    assert push.received() == []


def test_injected_503_then_success(push, sub, vapid):
    push.fail(503, token=sub["endpoint"])
    assert status_of(lambda: send(sub, "第一次", vapid)) == 503
    assert push.received() == []
    assert send(sub, "重试", vapid).status_code == 201
    assert [m.text for m in push.received()] == ["重试"]


def test_injected_failure_targets_only_its_token(push, sub, vapid):
    other = push.subscribe(_public_key(vapid))
    push.fail(500, token=other["endpoint"])
    assert send(sub, "a", vapid).status_code == 201
    assert status_of(lambda: send(other, "b", vapid)) == 500


def test_429_carries_retry_after(push, sub, vapid):
    push.fail(429, times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(WebPushException) as info:
            send(sub, "hi", vapid)
        assert info.value.response.status_code == 429
        assert info.value.retry_after == "7"
    assert send(sub, "hi", vapid).status_code == 201


def test_tampered_ciphertext_is_400_and_not_recorded(push, sub, vapid):
    class Tampering(requests.Session):
        def post(self, url, data=None, **kwargs):
            flipped = bytearray(data)
            flipped[-3] ^= 0x01  # inside the GCM tag/ciphertext
            return super().post(url, data=bytes(flipped), **kwargs)

    with Tampering() as session:
        with pytest.raises(WebPushException) as info:
            send(sub, "你好", vapid, requests_session=session)
    assert info.value.response.status_code == 400
    assert push.received() == []
    assert (sub["endpoint"].rsplit("/", 1)[1], 400) in push.rejected


def test_body_over_4096_bytes_is_413(push, sub, vapid):
    assert send(sub, "x" * 3993, vapid).status_code == 201  # 86 header + 3993 + 1 delimiter + 16 tag = 4096
    with pytest.raises(WebPushException) as info:
        send(sub, "x" * 3994, vapid)
    assert (info.value.response.status_code, info.value.response.json()["errno"]) == (413, 104)
    assert [len(m.plaintext) for m in push.received()] == [3993]


def test_slow_service_and_client_timeout_is_aborted_not_delivered(push, sub, vapid):
    push.delay = 0.4
    with pytest.raises(requests.exceptions.Timeout):
        send(sub, "迟到的消息", vapid, timeout=0.1)
    token = sub["endpoint"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 3
    while token not in push.aborted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert push.aborted == [token]
    assert push.received() == []
    # a patient client gets through the same slowness
    assert send(sub, "慢但到了", vapid, timeout=5).status_code == 201
    assert [m.text for m in push.received()] == ["慢但到了"]


async def test_webpush_async_with_aiohttp_session(push, sub, vapid):
    async with aiohttp.ClientSession() as session:
        resp = await webpush_async(
            sub,
            "异步推送",
            vapid_private_key=vapid,
            vapid_claims={"sub": CLAIMS_SUB},
            ttl=120,
            headers={"Urgency": "low"},
            aiohttp_session=session,
        )
        assert resp.status == 201
        with pytest.raises(WebPushException) as info:
            await webpush_async(
                sub, "错误的钥匙", vapid_private_key=_new_vapid(), vapid_claims={"sub": CLAIMS_SUB}, ttl=120, aiohttp_session=session
            )
        assert info.value.status_code == 403
    [msg] = push.received()
    assert (msg.text, msg.ttl, msg.urgency) == ("异步推送", 120, "low")


def test_same_jwt_is_verified_once_but_rechecked_for_key(push, vapid, push_server):
    _, url = push_server
    a, b = push.subscribe(_public_key(vapid)), push.subscribe(_public_key(_new_vapid()))
    auth = vapid.sign({"sub": CLAIMS_SUB, "aud": url})
    assert webpush(a, "one", headers=auth, ttl=5).status_code == 201
    assert webpush(a, "two", headers=auth, ttl=5).status_code == 201
    # the cached JWT is still refused for a subscription bound to another applicationServerKey
    assert status_of(lambda: webpush(b, "three", headers=auth, ttl=5)) == 403
    assert [m.text for m in push.received()] == ["one", "two"]


# --------------------------------------------------------------------------------------------
# WeChat subscribeMessage.send
# --------------------------------------------------------------------------------------------

TEMPLATE = "TPL_CASE_PROGRESS"
KEYS = ("character_string1", "thing2", "phrase3", "time4", "thing5")
OPENID = "oYiwang_resident_0001"


def good_data(**override: str) -> dict:
    values = {
        "character_string1": "YW20240601-0042",
        "thing2": "居住证办理",
        "phrase3": "已受理",
        "time4": "2024年6月1日 09:30",
        "thing5": "请带身份证原件到便民服务站",
    } | override
    return {k: {"value": v} for k, v in values.items()}


@pytest.fixture(scope="module")
def wechat_server() -> Iterator[tuple[FakeWeChat, str]]:
    fake = FakeWeChat(templates={TEMPLATE: KEYS})
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture
def wechat(wechat_server) -> FakeWeChat:
    fake, _ = wechat_server
    fake.subscribe_credits.clear()
    fake.subscribe_messages.clear()
    fake.subscribe_failures.clear()
    return fake


@pytest.fixture
def client(wechat, wechat_server) -> _Client:
    return _Client(wechat.appid, wechat.secret, wechat_server[1])


def errcode_of(call) -> tuple[int | None, str]:
    with pytest.raises(WeChatClientException) as info:
        call()
    return info.value.errcode, info.value.errmsg or ""


def test_subscribe_send_consumes_one_credit(wechat, client):
    wechat.accept(OPENID, TEMPLATE)
    result = client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data(), page="pages/cases/detail?id=42")
    assert result["errcode"] == 0 and isinstance(result["msgid"], int)
    [sent] = wechat.subscribe_messages
    assert (sent["touser"], sent["template_id"], sent["page"], sent["msgid"]) == (
        OPENID,
        TEMPLATE,
        "pages/cases/detail?id=42",
        result["msgid"],
    )
    assert sent["data"]["thing2"]["value"] == "居住证办理"
    assert wechat.credits(OPENID, TEMPLATE) == 0
    code, msg = errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data()))
    assert code == 43101 and "refuse" in msg
    assert len(wechat.subscribe_messages) == 1


def test_credits_add_up_and_refuse_clears_them(wechat, client):
    wechat.accept(OPENID, TEMPLATE, times=2)
    wechat.accept(OPENID, TEMPLATE)
    client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data())
    assert wechat.credits(OPENID, TEMPLATE) == 2
    wechat.refuse(OPENID, TEMPLATE)
    assert errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data()))[0] == 43101


@pytest.mark.parametrize(
    ("override", "field", "problem"),
    [
        ({"thing2": "关于您申请的居住证办理事项的最新进度通知书"}, "thing2", "exceeds limit"),  # 21 chars
        ({"phrase3": "OK了"}, "phrase3", "invalid"),
        ({"phrase3": "正在审核材料中"}, "phrase3", "exceeds limit"),
        ({"character_string1": "YW编号0042"}, "character_string1", "invalid"),
        ({"time4": "明天上午"}, "time4", "invalid"),
        ({"thing5": "  "}, "thing5", "is empty"),
    ],
)
def test_invalid_value_is_47003_naming_the_field(wechat, client, override, field, problem):
    wechat.accept(OPENID, TEMPLATE)
    code, msg = errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data(**override)))
    assert code == 47003
    assert f"data.{field}.value {problem}" in msg
    assert wechat.credits(OPENID, TEMPLATE) == 1 and wechat.subscribe_messages == []


def test_missing_and_unknown_keys_are_47003(wechat, client):
    wechat.accept(OPENID, TEMPLATE)
    data = good_data()
    del data["phrase3"]
    code, msg = errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, data))
    assert code == 47003 and "data.phrase3.value is empty" in msg
    code, msg = errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data() | {"thing9": {"value": "x"}}))
    assert code == 47003 and "data.thing9" in msg


def test_unknown_template_and_bad_openid(wechat, client):
    wechat.accept(OPENID, "TPL_NOPE")
    assert errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, "TPL_NOPE", good_data()))[0] == 40037
    assert errcode_of(lambda: client.wxa.send_subscribe_message("", TEMPLATE, good_data()))[0] == 40003


def test_state_and_lang_are_checked(wechat, client):
    wechat.accept(OPENID, TEMPLATE, times=2)
    base = {"touser": OPENID, "template_id": TEMPLATE, "data": good_data()}
    assert errcode_of(lambda: client.post("message/subscribe/send", data=base | {"lang": "fr_FR"}))[0] == 47003
    assert errcode_of(lambda: client.post("message/subscribe/send", data=base | {"miniprogram_state": "beta"}))[0] == 47003
    assert client.post("message/subscribe/send", data=base | {"lang": "en_US", "miniprogram_state": "trial"})["errcode"] == 0


def test_expired_token_is_refreshed_by_wechatpy(wechat, client):
    wechat.accept(OPENID, TEMPLATE, times=2)
    client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data())
    fetches = wechat.token_fetches
    wechat.expire_tokens()
    client.auto_retry = False  # what the fake answers before wechatpy retries
    code, msg = errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data()))
    assert code == 42001 and "expired" in msg
    client.auto_retry = True
    assert client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data())["errcode"] == 0
    assert wechat.token_fetches == fetches + 1
    assert len(wechat.subscribe_messages) == 2


def test_injected_failures(wechat, client):
    wechat.accept(OPENID, TEMPLATE)
    wechat.fail_subscribe(-1)
    assert errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data()))[0] == -1
    wechat.fail_subscribe("http503")
    assert errcode_of(lambda: client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data()))[0] is None  # raise_for_status
    wechat.fail_subscribe("slow:0.3")
    started = time.monotonic()
    assert client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data())["errcode"] == 0
    assert time.monotonic() - started >= 0.3
    assert len(wechat.subscribe_messages) == 1


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("number1", "12.5", True),
        ("number1", "12a", False),
        ("letter1", "abc", True),
        ("letter1", "ab1", False),
        ("symbol1", "%#", True),
        ("symbol1", "%%%%%%", False),
        ("time1", "15:01", True),
        ("time1", "2019年10月1日 15:01 ~ 2019年10月1日 17:00", True),
        ("time1", "2024-06-01 09:30", True),
        ("time1", "25:00", False),
        ("date1", "2024年6月1日", True),
        ("date1", "2024-02-30", False),
        ("date1", "2024-06-01 ~ 2024-06-03", True),
        ("amount1", "¥100.50", True),
        ("amount1", "100元", True),
        ("amount1", "¥12345678901", False),
        ("phone_number1", "+86-10-12345678", True),
        ("phone_number1", "call 110", False),
        ("car_number1", "粤A8Z888", True),
        ("car_number1", "粤A12345678", False),
        ("name1", "王小明", True),
        ("name1", "John Smith", True),
        ("name1", "王Xiao", False),
        ("phrase1", "配送中", True),
        ("thing1", "x" * 20, True),
    ],
)
def test_value_rules(key, value, ok):
    assert (check_template_value(key, value) is None) is ok


# --------------------------------------------------------------------------------------------
# python -m tests.fakes
# --------------------------------------------------------------------------------------------


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    line = proc.stdout.readline() if ready else ""
    match = re.fullmatch(r"READY (http://127\.0\.0\.1:\d+)\n", line)
    if match is None:
        proc.terminate()
        proc.wait(5)
        pytest.fail(f"no READY line, got {line!r}")
    return proc, match.group(1)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        assert proc.wait(5) == 0
        assert proc.stdout.read() == ""  # nothing but the READY line on stdout
    finally:
        if proc.poll() is None:
            proc.kill()


def test_standalone_webpush_fake(vapid):
    proc, url = _start("webpush", "--port", "0")
    try:
        sub = httpx.post(f"{url}/_fake/subscriptions", json={"application_server_key": _public_key(vapid)}).json()
        assert sub["endpoint"].startswith(f"{url}/push/") and set(sub["keys"]) == {"p256dh", "auth"}
        assert send(sub, "跨进程的消息", vapid, headers={"Topic": "x1"}).status_code == 201
        [msg] = httpx.get(f"{url}/_fake/messages", params={"token": sub["endpoint"]}).json()
        assert (msg["text"], msg["ttl"], msg["urgency"], msg["topic"]) == ("跨进程的消息", 60, "normal", "x1")
        httpx.post(f"{url}/_fake/fail", json={"status": 429, "times": 1, "retry_after": 3})
        with pytest.raises(WebPushException) as info:
            send(sub, "限流", vapid)
        assert (info.value.status_code, info.value.retry_after) == (429, "3")
        httpx.post(f"{url}/_fake/unsubscribe", json={"endpoint": sub["endpoint"]})
        assert status_of(lambda: send(sub, "已退订", vapid)) == 410
        httpx.post(f"{url}/_fake/reset")
        assert httpx.get(f"{url}/_fake/messages").json() == []
    finally:
        _stop(proc)


def test_standalone_wechat_fake():
    proc, url = _start(
        "wechat",
        "--port",
        "0",
        "--appid",
        "wxstandalone01",
        "--secret",
        "s3cret",
        "--template",
        f"{TEMPLATE}={','.join(KEYS)}",
        "--template",
        "TPL_OTHER=thing1",
    )
    try:
        client = _Client("wxstandalone01", "s3cret", url)
        httpx.post(f"{url}/_fake/subscribe-accept", json={"openid": OPENID, "template_id": TEMPLATE, "times": 1})
        msgid = client.wxa.send_subscribe_message(OPENID, TEMPLATE, good_data())["msgid"]
        [sent] = httpx.get(f"{url}/_fake/subscribe-messages", params={"touser": OPENID}).json()
        assert sent["msgid"] == msgid and sent["data"]["phrase3"]["value"] == "已受理"
        httpx.post(f"{url}/_fake/expire-tokens")
        httpx.post(f"{url}/_fake/subscribe-accept", json={"openid": OPENID, "template_id": "TPL_OTHER"})
        assert client.wxa.send_subscribe_message(OPENID, "TPL_OTHER", {"thing1": {"value": "好"}})["errcode"] == 0
    finally:
        _stop(proc)
