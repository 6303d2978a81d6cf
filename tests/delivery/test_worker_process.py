"""`yiwang worker` (beside YIWANG_DISPATCHER=off apps) works the carrier calls: a requested delivery gets its waybill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
import time

import pytest

from backend.delivery.models import CarrierCall
from tests.conftest import ROOT
from tests.delivery.conftest import issued_case, order_of, request_delivery, with_carrier
from tests.notifications.conftest import settings_env
from tests.stack import YIWANG


@pytest.fixture
def auth_settings(auth_settings, ems):
    return with_carrier(auth_settings, ems)


async def test_a_worker_process_asks_the_carrier_for_the_waybill(client, resident, approver, stations, ems, auth_settings):
    case = await issued_case(client, resident, approver)
    await request_delivery(client, resident, case["id"])
    assert (await CarrierCall.get(kind="create_order")).state == "pending"  # the app (dispatcher off) leaves it
    s = auth_settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(s)
    env |= {
        "YIWANG_EMS_API_BASE": s.ems_api_base,
        "YIWANG_EMS_SENDER_NO": s.ems_sender_no,
        "YIWANG_EMS_AUTHORIZATION": s.ems_authorization,
        "YIWANG_EMS_SIGN_KEY": s.ems_sign_key,
        "YIWANG_PUBLIC_URL": "http://127.0.0.1:9",
    }
    log = tempfile.TemporaryFile(mode="w+")
    worker = subprocess.Popen([YIWANG, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 60
        while (order := await order_of(case["id"])).waybill_no is None:
            assert worker.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "no waybill within 60 s"
            await asyncio.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.seek(0)
        errors = log.read()
        log.close()
    assert order.status == "waybill_created" and order.waybill_no.startswith("1100")
    assert (await CarrierCall.get(kind="create_order")).state == "done"
    assert "Traceback" not in errors, errors
    assert worker.returncode == 0, errors
