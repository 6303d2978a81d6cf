"""The WeChat mini-program (miniprogram/) against a real backend: its Jest suite, run by this test.

One app process on loopback (``yiwang serve``, SQLite: what is tested here is the mini-program's side of the API,
which the database does not change), migrated and seeded with the demo data (``yiwang seed-demo``), configured for
WeChat with the fake WeChat server (tests/fakes/wechat.py) behind it. ``npx jest`` in miniprogram/ then renders the
pages with miniprogram-simulate, its ``wx`` adapter (miniprogram/tests/support/wx.js) sending the real HTTP requests
to the app (BASE_URL) and asking the fake for wx.login and getPhoneNumber codes (WECHAT_URL). The contract test in
that suite reads the app's /api/openapi.json. Any failing Jest test fails this test, with Jest's output.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
    # 申诉 (appeal.test.js): a WeChat resident suspended for no-shows, and the date the suspension ends
    suspended_openid: str = ""
    suspended_until: str = ""


# ---- 申诉 (appeal.test.js): a resident suspended for no-shows ------------------------------------------------------
# Nobody can be suspended through the API within a test: only a slot that has begun can be marked a no-show, and the
# earliest bookable slot is tomorrow. So the person is made here, through the service layer with the app's settings,
# the way production ends up with one: a WeChat login (the fake's code for a chosen openid), 实名认证, then on each
# of the last working days a booking made the day before (hold + confirm, with that day's clock), which the hall's
# clerk (李窗口, hall:1, backend/demo.py) marks as a no-show now; the published rule then suspends the person.
APPEAL_HALL = "1"


async def suspended_resident(env: dict[str, str], wechat: FakeWeChat) -> tuple[str, str]:
    """A verified WeChat resident suspended by ``noshow.mark``; returns the openid and the suspension's end (ISO)."""
    from auth import consent, sessions
    from auth import identity as binding
    from auth import service as identity
    from auth.idnumber import check_character
    from backend.appointments import booking, noshow, slots
    from backend.appointments.admin import hall_detail
    from backend.appointments.models import Suspension
    from backend.demo import DEMO_PEOPLE
    from backend.kit.config import Settings
    from backend.kit.resources import opened

    settings = Settings.from_env(env)
    openid = "o" + secrets.token_urlsafe(20)
    client = identity.Client(ip="127.0.0.1", user_agent="miniprogram-test")
    async with opened(settings):
        library = consent.load()
        at_login = [(d, library.current(d).version) for d in consent.AT_LOGIN]
        token, _ = await identity.login_with_wechat(code=wechat.issue_login_code(openid), client=client, accepted=at_login)
        session = await sessions.resolve(token)
        assert session is not None
        first17 = f"360426{1950 + secrets.randbelow(40)}0{1 + secrets.randbelow(9)}1{secrets.randbelow(9)}{100 + secrets.randbelow(800)}"
        await binding.bind_identity(
            session=session,
            name="孙申诉",
            id_number=first17 + check_character(first17),
            accepted=[("id_number", library.current("id_number").version)],
            ip=client.ip,
        )
        resident = await sessions.resolve(token)  # now bound to the person
        assert resident is not None and resident.person_id is not None
        clerk_phone = next(p["phone"] for p in DEMO_PEOPLE if p["scope"] == f"hall:{APPEAL_HALL}" and p["role"] == "staff")
        clerk_person = await identity.find_by_phone(phone=clerk_phone)
        assert clerk_person is not None
        _, clerk = await sessions.create(
            account_id=None, person_id=clerk_person.id, transport="bearer", mfa=True, user_agent="miniprogram-test", ip=client.ip
        )
        # the first item the hall lists for booking (GET /halls/1: what the booking page offers)
        service = (await hall_detail(await booking.find_hall(APPEAL_HALL))).services[0].code
        t = await booking.target(APPEAL_HALL, service)
        today = slots.local_today()
        days: list[date] = []
        day = today
        while len(days) < settings.no_show_limit:
            day -= timedelta(days=1)
            assert day > today - timedelta(days=settings.no_show_days), "no open days for the no-shows within the rule's window"
            plan = booking.plan_of(t, day, day - timedelta(days=1))
            if plan.open:
                days.append(day)
        suspension = None
        for day in sorted(days):
            the_day_before = datetime.combine(day - timedelta(days=1), time(10, 0), tzinfo=slots.hall_zone()).astimezone(UTC)
            start = booking.plan_of(t, day, day - timedelta(days=1)).times[0][0]
            held, _, _ = await booking.hold(
                person_id=resident.person_id,
                by=resident.principal,
                hall_code=APPEAL_HALL,
                service_code=service,
                day=day,
                start=start,
                now=the_day_before,
            )
            await booking.confirm(person_id=resident.person_id, by=resident.principal, appointment_id=held.id, now=the_day_before)
            _, suspension = await noshow.mark(session=clerk, appointment_id=held.id)
        assert suspension is not None, "the no-show rule did not suspend the resident"
        assert await Suspension.filter(person_id=resident.person_id).count() == 1
        return openid, suspension.until.isoformat()


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
        # 申诉 (appeal.test.js): a resident suspended by our own code, before the app starts.
        suspended = asyncio.run(suspended_resident(env, wechat))
        app = start_app(env, workdir)
        try:
            yield Backend(
                f"http://127.0.0.1:{app.port}",
                wechat_url,
                wechat,
                app,
                sms_url=sms_url,
                carrier_url=carrier_url,
                suspended_openid=suspended[0],
                suspended_until=suspended[1],
            )
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
        SUSPENDED_OPENID=backend.suspended_openid,  # 申诉: the WeChat user whose online booking is suspended
        SUSPENDED_UNTIL=backend.suspended_until,
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
    if result.returncode != 0:
        # pytest.fail, not assert: an assertion's message is cut to a few lines unless -vv, and CI must show why.
        failures = "\n".join(block[:3000] for block in output.split("  ● ")[1:]) or output[-20000:]
        pytest.fail(f"jest failed in miniprogram/:\n{failures}\n\n{output[-1500:]}\n\napp log:\n{app_log}", pytrace=False)
    assert "Tests:" in output and " failed" not in output.split("Tests:")[-1].split("\n")[0], output[-3000:]
