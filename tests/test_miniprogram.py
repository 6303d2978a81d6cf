"""The WeChat mini-program (miniprogram/) against a real backend: its Jest suite, run by this test.

One app process on loopback (``yiwang serve``, SQLite: what is tested here is the mini-program's side of the API,
which the database does not change), migrated and seeded with the demo data (``yiwang seed-demo``), configured for
WeChat with the fake WeChat server (tests/fakes/wechat.py) behind it. ``npx jest`` in miniprogram/ then renders the
pages with miniprogram-simulate, its ``wx`` adapter (miniprogram/tests/support/wx.js) sending the real HTTP requests
to the app (BASE_URL) and asking the fake for wx.login and getPhoneNumber codes (WECHAT_URL). The contract test in
that suite reads the app's /api/openapi.json. Any failing Jest test fails this test, with Jest's output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DATA_KEY, IN_CI, INDEX_KEY, ROOT
from tests.fakes.ems import make_fake_carrier
from tests.fakes.server import serve
from tests.fakes.sms import FakeSms
from tests.fakes.wechat import FakeWeChat
from tests.stack import YIWANG, AppProcess, start_app

MINIPROGRAM = ROOT / "miniprogram"
# Subscribe-message templates as a deployment adds them in 公众平台 (field layouts: notifications/events.py).
TEMPLATES = {
    "progress": ("tmpl-progress", ("character_string1", "thing2", "phrase3", "time4", "thing5")),
    "delivery": ("tmpl-delivery", ("character_string1", "thing2", "phrase3", "time4", "thing5")),
    "appointment": ("tmpl-appointment", ("thing1", "time2", "thing3", "thing4")),
}


@dataclass
class Backend:
    url: str
    wechat_url: str
    wechat: FakeWeChat
    app: AppProcess
    # staff log in with the SMS code from the fake gateway (a clerk accepts a case, staff issue a certificate); the
    # fake EMS takes the waybill order that 出证 queues and pushes the parcel's events to the app.
    sms_url: str = ""
    carrier_url: str = ""


@pytest.fixture(scope="module")
def jest_installed() -> Path:
    jest = MINIPROGRAM / "node_modules" / ".bin" / "jest"
    if not jest.exists():
        message = "miniprogram/node_modules missing: run make test (npm ci in miniprogram/)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return jest


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[Backend]:
    workdir = tmp_path_factory.mktemp("miniprogram")
    wechat = FakeWeChat(templates={template_id: keys for template_id, keys in TEMPLATES.values()})
    # a fake SMS gateway (staff login codes; no per-minute limit: tests log staff in often) and a fake EMS carrier
    sms = FakeSms(minute_window=0)
    carrier = make_fake_carrier()
    with serve(wechat.app()) as wechat_url, serve(sms.app()) as sms_url, serve(carrier.app()) as carrier_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
        env.update(
            {
                "YIWANG_DATA_KEY": DATA_KEY,
                "YIWANG_INDEX_KEY": INDEX_KEY,
                "YIWANG_DATABASE_URL": f"sqlite://{workdir / 'miniprogram.sqlite3'}",
                "YIWANG_MEDIA_DIR": str(workdir / "media"),
                "YIWANG_WECHAT_APPID": wechat.appid,
                "YIWANG_WECHAT_SECRET": wechat.secret,
                "YIWANG_WECHAT_API_BASE": wechat_url,
                "YIWANG_QUIET_HOURS": "off",
                # 办件 (case.test.js): staff login codes through the fake SMS gateway; the app's own dispatcher
                # (YIWANG_DISPATCHER left at its default, inprocess) sends the subscribe messages.
                "YIWANG_SMS_PROVIDER": "aliyun",
                "YIWANG_SMS_API_BASE": sms_url,
                "YIWANG_SMS_ACCESS_KEY_ID": sms.access_key_id,
                "YIWANG_SMS_ACCESS_KEY_SECRET": sms.access_key_secret,
                "YIWANG_SMS_RESEND_SECONDS": "1",
                **{f"YIWANG_WECHAT_TEMPLATE_{name.upper()}": template_id for name, (template_id, _) in TEMPLATES.items()},
            }
        )
        # 证照寄递 (delivery.test.js): 出证 queues the waybill order the fake EMS takes; it pushes the parcel's events.
        env.update(
            {
                "YIWANG_EMS_API_BASE": carrier_url,
                "YIWANG_EMS_SENDER_NO": carrier.sender_no,
                "YIWANG_EMS_AUTHORIZATION": carrier.authorization,
                "YIWANG_EMS_SIGN_KEY": carrier.sign_key,
            }
        )
        # 预约候补 (waiting.test.js): a cancelled place reopens at once (no delay before it goes to the waiting list) and
        # the sweeper runs every second, so an offer is made while the test waits (backend/appointments/booking.py).
        env.update({"YIWANG_BOOKING_REOPEN_MINUTES": "0", "YIWANG_APPOINTMENT_SWEEP_SECONDS": "1"})
        subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([YIWANG, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        app = start_app(env, workdir)
        try:
            yield Backend(f"http://127.0.0.1:{app.port}", wechat_url, wechat, app, sms_url=sms_url, carrier_url=carrier_url)
        finally:
            app.stop()


def test_miniprogram_jest_suite_against_the_backend(jest_installed, backend: Backend, tmp_path):
    from tests.photos import photo

    photo_path = tmp_path / "id_card.jpg"
    photo_path.write_bytes(photo(1600, 1200))
    env = dict(
        os.environ,
        BASE_URL=backend.url,
        WECHAT_URL=backend.wechat_url,
        PHOTO_PATH=str(photo_path),
        WECHAT_TEMPLATES=",".join(template_id for template_id, _ in TEMPLATES.values()),
        SMS_GATEWAY_URL=backend.sms_url,  # 证照寄递: staff login codes
        CARRIER_URL=backend.carrier_url,  # 证照寄递: the fake EMS (orders, pushes)
        CI="true",  # jest: no watch mode, no interactive output
    )
    # 办件 (case.test.js): a photo too small to read (the backend answers its too_small hint), the SMS gateway, and
    # the demo clerk who accepts cases (backend/demo.py).
    from backend.demo import DEMO_PASSWORD, DEMO_PEOPLE

    small_path = tmp_path / "small.jpg"
    small_path.write_bytes(photo(400, 300))
    clerk = next(p for p in DEMO_PEOPLE if p["role"] == "staff")
    env.update(SMALL_PHOTO_PATH=str(small_path), STAFF_PHONE=clerk["phone"], STAFF_PASSWORD=DEMO_PASSWORD)
    npx = shutil.which("npx") or "npx"
    result = subprocess.run([npx, "jest", "--ci", "--colors=false"], cwd=MINIPROGRAM, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    app_log = backend.app.log_path.read_text(errors="replace")[-4000:]
    assert result.returncode == 0, f"jest failed in miniprogram/:\n{output[-20000:]}\n\napp log:\n{app_log}"
    assert "Tests:" in output and " failed" not in output.split("Tests:")[-1].split("\n")[0], output[-3000:]
