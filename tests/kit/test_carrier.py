"""The carrier adapters (EMS, Kuaidi100) against the fake carrier over real HTTP; no database."""

from __future__ import annotations

import dataclasses
import re
import select
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.kit.carrier import (
    CHINA,
    CallbackInvalid,
    CallbackStale,
    CarrierRejected,
    CarrierUnavailable,
    EmsCarrier,
    Kuaidi100Tracker,
    NoCarrier,
    NoTracker,
    Party,
    Push,
    TrackEvent,
    ems_kind,
    ems_signer,
    seal,
    unseal,
)
from backend.kit.config import ConfigError, Settings
from backend.kit.providers import choose
from tests.fakes.ems import FakeEms, make_fake_carrier
from tests.fakes.server import serve

ROOT = Path(__file__).resolve().parents[2]
SENDER = Party(
    name="蒲亭镇便民服务中心", phone="05760000000", province="浙江省", city="台州市", district="椒江区", address="蒲亭镇政府大楼一楼"
)
RECEIVER = Party(
    name="陈居民",
    phone="13800000004",
    province="浙江省",
    city="台州市",
    district="椒江区",
    address="蒲亭镇东村 12 号",
    region_code="331002",
)


class Receiver:
    """Our side of the callbacks: parses each push with the adapter and answers as the app would."""

    def __init__(self, carrier: EmsCarrier, tracker: Kuaidi100Tracker) -> None:
        self.carrier, self.tracker = carrier, tracker
        self.pushes: list[Push] = []
        self.callbacks: list[list[TrackEvent]] = []
        self.refused: list[str] = []

    def app(self) -> Starlette:
        async def ems(request: Request) -> JSONResponse:
            form = {k: str(v) for k, v in (await request.form()).items()}
            try:
                push = self.carrier.parse_push(form, datetime.now(UTC))
            except (CallbackInvalid, CallbackStale) as exc:
                self.refused.append(type(exc).__name__)
                return JSONResponse(self.carrier.push_reply(form.get("serialNo", ""), False), status_code=400)
            self.pushes.append(push)
            return JSONResponse(self.carrier.push_reply(push.serial_no, True))

        async def kuaidi100(request: Request) -> JSONResponse:
            form = {k: str(v) for k, v in (await request.form()).items()}
            try:
                events = self.tracker.parse_callback(form)
            except CallbackInvalid as exc:
                self.refused.append(type(exc).__name__)
                return JSONResponse(self.tracker.callback_reply(False), status_code=400)
            self.callbacks.append(events)
            return JSONResponse(self.tracker.callback_reply(True))

        return Starlette(routes=[Route("/ems", ems, methods=["POST"]), Route("/kuaidi100", kuaidi100, methods=["POST"])])


@pytest.fixture
def fake() -> Iterator[tuple[FakeEms, str]]:
    carrier = make_fake_carrier()
    with serve(carrier.app()) as url:
        carrier.base_url = url
        yield carrier, url


def ems_for(fake: FakeEms, url: str, **overrides: str) -> EmsCarrier:
    options = {"sender_no": fake.sender_no, "authorization": fake.authorization, "sign_key": fake.sign_key} | overrides
    return EmsCarrier(api_base=url, **options)


def kuaidi100_for(fake: FakeEms, url: str, **overrides: str) -> Kuaidi100Tracker:
    options = {"customer": fake.kuaidi_customer, "key": fake.kuaidi_key, "salt": fake.kuaidi_salt} | overrides
    return Kuaidi100Tracker(api_base=url, **options)


@pytest.fixture
async def ems(fake) -> AsyncIterator[EmsCarrier]:
    carrier = ems_for(*fake)
    await carrier.open()
    yield carrier
    await carrier.close()


@pytest.fixture
async def kuaidi100(fake) -> AsyncIterator[Kuaidi100Tracker]:
    tracker = kuaidi100_for(*fake)
    yield tracker
    await tracker.close()


@pytest.fixture
def receiver(fake, ems, kuaidi100) -> Iterator[tuple[Receiver, str]]:
    ours = Receiver(ems, kuaidi100)
    with serve(ours.app()) as url:
        fake[0].push_url = url + "/ems"
        yield ours, url


async def control(url: str, path: str, body: dict) -> dict:
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.post(url + path, json=body)
        return response.json()


def test_sm4_sealing_round_trips_and_refuses_another_key():
    key = make_fake_carrier().sign_key
    sealed = seal('{"waybillNo":"1100000000001"}', key)
    assert sealed.startswith("|$4|") and unseal(sealed, key) == '{"waybillNo":"1100000000001"}'
    with pytest.raises(CallbackInvalid):
        unseal(sealed, "bm90LXRoZS1yZWFsLWtleQ==")


async def test_create_order_gives_a_13_character_waybill(fake, ems):
    waybill = await ems.create_order(order_ref="D-1", sender=SENDER, receiver=RECEIVER, cargo="居民身份证")
    assert len(waybill.waybill_no) == 13 and waybill.waybill_no.startswith("1100")
    assert fake[0].waybill_of("D-1") == waybill.waybill_no


async def test_the_same_order_ref_gives_the_same_waybill(ems):
    first = await ems.create_order(order_ref="D-2", sender=SENDER, receiver=RECEIVER, cargo="证照")
    again = await ems.create_order(order_ref="D-2", sender=SENDER, receiver=RECEIVER, cargo="证照")
    other = await ems.create_order(order_ref="D-3", sender=SENDER, receiver=RECEIVER, cargo="证照")
    assert first == again and other != first


async def test_label_is_a_pdf(ems):
    waybill = await ems.create_order(order_ref="D-4", sender=SENDER, receiver=RECEIVER, cargo="证照")
    pdf = await ems.label(waybill.waybill_no)
    assert pdf.startswith(b"%PDF") and waybill.waybill_no.encode() in pdf


async def test_track_lists_the_events_oldest_first_with_their_kinds(fake, ems):
    carrier, _ = fake
    waybill = (await ems.create_order(order_ref="D-5", sender=SENDER, receiver=RECEIVER, cargo="证照")).waybill_no
    start = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA)
    for minutes, code in ((0, "203"), (60, "954"), (120, "306"), (180, "702"), (240, "704")):
        carrier.push_form(waybill_no=waybill, op_code=code, at=start + timedelta(minutes=minutes))
    events = await ems.track(waybill)
    assert [(e.code, e.kind) for e in events] == [
        ("203", "picked_up"),
        ("954", "in_transit"),
        ("306", "in_transit"),
        ("702", "out_for_delivery"),
        ("704", "delivered"),
    ]
    assert events[0].at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC) and events[-1].signer == "self"
    assert events[0].key == f"ems:{waybill}:203:2026-11-20T01:00:00+00:00" and events[0].place == "蒲亭镇投递站"


async def test_outage_makes_every_call_unavailable(fake, ems, kuaidi100):
    await control(fake[1], "/_fake/outage", {"on": True})
    with pytest.raises(CarrierUnavailable):
        await ems.create_order(order_ref="D-6", sender=SENDER, receiver=RECEIVER, cargo="证照")
    with pytest.raises(CarrierUnavailable):
        await ems.track("1100000000001")
    with pytest.raises(CarrierUnavailable):
        await kuaidi100.subscribe(waybill_no="1100000000001", callback_url="http://127.0.0.1:9/cb")
    await control(fake[1], "/_fake/outage", {"on": False})
    assert (await ems.create_order(order_ref="D-6", sender=SENDER, receiver=RECEIVER, cargo="证照")).waybill_no


async def test_no_connection_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    carrier = EmsCarrier(api_base=f"http://127.0.0.1:{port}", sender_no="x", authorization="y", sign_key=make_fake_carrier().sign_key)
    with pytest.raises(CarrierUnavailable):
        await carrier.create_order(order_ref="D-7", sender=SENDER, receiver=RECEIVER, cargo="证照")
    await carrier.close()


async def test_an_incomplete_receiver_is_rejected_with_the_carriers_code(ems):
    nameless = dataclasses.replace(RECEIVER, address="")
    with pytest.raises(CarrierRejected) as refused:
        await ems.create_order(order_ref="D-8", sender=SENDER, receiver=nameless, cargo="证照")
    assert refused.value.code == "B00002" and "蒲亭" not in str(refused.value)


async def test_wrong_credentials_are_rejected_and_system_codes_are_retryable(fake):
    carrier, url = fake
    wrong = ems_for(carrier, url, authorization="not-ours")
    with pytest.raises(CarrierRejected) as refused:
        await wrong.track("1100000000001")
    assert refused.value.code == "B00003"
    await wrong.close()
    other_key = ems_for(carrier, url, sign_key="bm90LXRoZS1yZWFsLWtleQ==")
    with pytest.raises(CarrierRejected) as refused:
        await other_key.track("1100000000001")
    assert refused.value.code == "B00004"
    await other_key.close()
    await control(url, "/_fake/fail", {"ret_code": "S00002"})
    busy = ems_for(carrier, url)
    with pytest.raises(CarrierUnavailable):
        await busy.track("1100000000001")
    await busy.close()


async def test_a_push_is_parsed_and_answered(fake, ems, receiver):
    ours, _ = receiver
    waybill = (await ems.create_order(order_ref="D-9", sender=SENDER, receiver=RECEIVER, cargo="证照")).waybill_no
    answer = await control(fake[1], "/_fake/push", {"waybill_no": waybill, "op_code": "704", "op_desc": "已签收，家人代签收"})
    assert answer["status"] == 200 and answer["reply"] == {
        "serialNo": answer["serial_no"],
        "code": "00000",
        "codeMessage": "成功",
        "senderNo": fake[0].sender_no,
    }
    (push,) = ours.pushes
    (event,) = push.events
    assert (event.waybill_no, event.kind, event.signer, event.source) == (waybill, "delivered", "proxy", "ems")


async def test_a_replayed_push_carries_the_same_event(fake, ems, receiver):
    ours, _ = receiver
    waybill = (await ems.create_order(order_ref="D-10", sender=SENDER, receiver=RECEIVER, cargo="证照")).waybill_no
    await control(fake[1], "/_fake/push", {"waybill_no": waybill, "op_code": "203"})
    again = await control(fake[1], "/_fake/push", {"waybill_no": waybill, "replay": True})
    assert again["status"] == 200 and ours.pushes[0].events[0].key == ours.pushes[1].events[0].key


async def test_a_forged_push_is_refused(fake, ems, receiver):
    ours, _ = receiver
    answer = await control(fake[1], "/_fake/push", {"waybill_no": "1100000000001", "op_code": "704", "forged": True})
    assert answer["status"] == 400 and answer["reply"]["code"] == "S00001"
    assert ours.refused == ["CallbackInvalid"] and not ours.pushes


async def test_a_stale_push_is_refused(fake, ems, receiver):
    ours, _ = receiver
    answer = await control(fake[1], "/_fake/push", {"waybill_no": "1100000000001", "op_code": "704", "stale": True})
    assert answer["status"] == 400 and answer["reply"]["code"] == "S00001" and ours.refused == ["CallbackStale"]


def test_a_push_needs_its_serial_number_and_our_sender(fake, ems):
    form = fake[0].push_form(waybill_no="1100000000001", op_code="203")
    assert ems.parse_push(form, datetime.now(UTC)).events[0].kind == "picked_up"
    with pytest.raises(CallbackInvalid):
        ems.parse_push({**form, "serialNo": ""}, datetime.now(UTC))
    with pytest.raises(CallbackInvalid):
        ems.parse_push({**form, "senderNo": "SOMEONE-ELSE"}, datetime.now(UTC))
    with pytest.raises(CallbackStale):
        ems.parse_push(form, datetime.now(UTC) + timedelta(minutes=11))


@pytest.mark.parametrize(
    ("op_desc", "signer"),
    [
        ("已签收，本人签收", "self"),
        ("已签收，家人代签收", "proxy"),
        ("已签收，他人代签", "proxy"),
        ("快递柜代收", "locker"),
        ("已由驿站代收", "locker"),
        ("已签收", ""),
    ],
)
def test_the_signer_of_a_delivery_comes_from_its_description(op_desc, signer):
    assert ems_signer(op_desc) == signer


@pytest.mark.parametrize(
    ("op_code", "op_name", "kind"),
    [("705", "未妥投", "failed_attempt"), ("999", "退回", "returned"), ("711", "退件返回", "returned"), ("999", "处理", "other")],
)
def test_unknown_ems_codes_move_nothing_unless_they_name_a_return(op_code, op_name, kind):
    assert ems_kind(op_code, op_name) == kind


async def test_kuaidi100_subscribe_then_again_is_fine(fake, kuaidi100):
    await kuaidi100.subscribe(waybill_no="1100123456789", callback_url="http://127.0.0.1:9/cb", phone="13800000004")
    await kuaidi100.subscribe(waybill_no="1100123456789", callback_url="http://127.0.0.1:9/cb")  # 501: already
    subscription = fake[0].subscriptions["1100123456789"]
    assert subscription["resultv2"] == "4" and subscription["salt"] == fake[0].kuaidi_salt


async def test_kuaidi100_wrong_key_is_rejected(fake):
    tracker = kuaidi100_for(*fake, key="not-ours")
    with pytest.raises(CarrierRejected) as refused:
        await tracker.subscribe(waybill_no="1100123456789", callback_url="http://127.0.0.1:9/cb")
    assert refused.value.code == "600"
    await tracker.close()


async def test_kuaidi100_callback_with_a_good_sign_gives_events(fake, kuaidi100, receiver):
    ours, url = receiver
    await kuaidi100.subscribe(waybill_no="1100123456780", callback_url=url + "/kuaidi100")
    start = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA)
    await control(
        fake[1], "/_fake/kuaidi100/push", {"waybill_no": "1100123456780", "state": "1", "status_code": "103", "at": start.isoformat()}
    )
    answer = await control(
        fake[1],
        "/_fake/kuaidi100/push",
        {"waybill_no": "1100123456780", "state": "3", "status_code": "303", "at": (start + timedelta(hours=5)).isoformat()},
    )
    assert answer["status"] == 200 and answer["reply"] == {"result": True, "returnCode": "200", "message": "成功"}
    events = ours.callbacks[-1]  # each callback carries the whole history
    assert [(e.code, e.kind, e.signer) for e in events] == [("103", "picked_up", ""), ("303", "delivered", "proxy")]
    assert events[0].key == "kuaidi100:1100123456780:103:2026-11-20T01:00:00+00:00" and events[0].source == "kuaidi100"


async def test_kuaidi100_callback_with_a_bad_sign_is_refused(fake, kuaidi100, receiver):
    ours, url = receiver
    await kuaidi100.subscribe(waybill_no="1100123456781", callback_url=url + "/kuaidi100")
    answer = await control(fake[1], "/_fake/kuaidi100/push", {"waybill_no": "1100123456781", "state": "5", "bad_sign": True})
    assert answer["status"] == 400 and answer["reply"]["result"] is False
    assert ours.refused == ["CallbackInvalid"] and not ours.callbacks


def test_kuaidi100_sign_is_accepted_in_either_case(fake, kuaidi100):
    form = fake[0].kuaidi100_form(waybill_no="1100123456782", state="5")
    assert kuaidi100.parse_callback({**form, "sign": form["sign"].lower()})[0].kind == "out_for_delivery"
    cancelled = fake[0].kuaidi100_form(waybill_no="1100123456783", state="4", status_code="401")  # 已销单, not 退签
    assert kuaidi100.parse_callback(cancelled)[0].kind == "other"
    with pytest.raises(CallbackInvalid):
        kuaidi100.parse_callback({"param": form["param"]})


async def test_without_configuration_orders_wait_and_subscribing_does_nothing():
    with pytest.raises(CarrierUnavailable):
        await NoCarrier().create_order(order_ref="D-11", sender=SENDER, receiver=RECEIVER, cargo="证照")
    await NoTracker().subscribe(waybill_no="1100123456789", callback_url="http://127.0.0.1:9/cb")
    assert NoCarrier().push_reply("S1", False)["code"] == "S00001"


def test_the_configuration_chooses_the_carrier_and_the_tracker():
    plain = choose(Settings.from_env({}))
    assert isinstance(plain.carrier, NoCarrier) and isinstance(plain.tracker, NoTracker) and not plain.carrier.configured
    fake = make_fake_carrier()
    env = {
        "YIWANG_EMS_API_BASE": "http://127.0.0.1:8011",
        "YIWANG_EMS_SENDER_NO": fake.sender_no,
        "YIWANG_EMS_AUTHORIZATION": fake.authorization,
        "YIWANG_EMS_SIGN_KEY": fake.sign_key,
        "YIWANG_KUAIDI100_API_BASE": "http://127.0.0.1:8011",
        "YIWANG_KUAIDI100_KEY": fake.kuaidi_key,
        "YIWANG_KUAIDI100_SALT": fake.kuaidi_salt,
        "YIWANG_PUBLIC_URL": "http://127.0.0.1:8000",
    }
    configured = choose(Settings.from_env(env))
    assert isinstance(configured.carrier, EmsCarrier) and isinstance(configured.tracker, Kuaidi100Tracker)
    assert configured.carrier in configured.all() and configured.tracker in configured.all()
    assert "pickup_code" in Settings.from_env({}).sms_templates
    with pytest.raises(ConfigError):
        Settings.from_env({**env, "YIWANG_EMS_SIGN_KEY": "dG9vLXNob3J0"})
    with pytest.raises(ConfigError):
        Settings.from_env({**env, "YIWANG_PUBLIC_URL": ""})


async def test_standalone_fake_carrier_prints_ready_and_takes_orders():
    fake = make_fake_carrier(sender_no="STANDALONE", authorization="auth", sign_key="c3RhbmRhbG9uZS1zbTRrIQ==")
    args = ["ems", "--port", "0", "--sender-no", fake.sender_no, "--authorization", fake.authorization, "--sign-key", fake.sign_key]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        line = proc.stdout.readline() if ready else ""
        match = re.fullmatch(r"READY (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        carrier = ems_for(fake, match.group(1))
        waybill = await carrier.create_order(order_ref="S-1", sender=SENDER, receiver=RECEIVER, cargo="证照")
        assert (await carrier.label(waybill.waybill_no)).startswith(b"%PDF")
        await carrier.close()
    finally:
        proc.terminate()
        assert proc.wait(5) == 0 and proc.stdout.read() == ""
