"""PostgreSQL backends terminated while a real `yiwang serve` handles submits and SMS logins.

A separate admin connection ends every other backend of the test database, again and again, as a
failover or an operator would. A request may fail with a 5xx, but the same request repeated
(same Idempotency-Key, same SMS code) must succeed within a second; nothing may be left half
written, and no Idempotency-Key may stay locked.

PostgreSQL only: SQLite has no backends to end. Its half of what applies runs elsewhere: the
key release after a failed request (tests/kit/test_idempotency.py) and a database failure
during an SMS login (tests/auth/test_sms_login.py).

YIWANG_FAULT_SECONDS sets how long each test hurts the database (default 6 s).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from auth.models import Account, OneTimeCode, Session
from backend.applications.models import Application
from backend.kit.models import AuditEntry, IdempotencyRecord, WorkflowEvent
from notifications.models import Notification
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.notifications.conftest import settings_env
from tests.photos import photo
from tests.stack import start_app

pytestmark = pytest.mark.parametrize("backend_kind", ["postgres"])
SECONDS = float(os.environ.get("YIWANG_FAULT_SECONDS", "6"))
RECOVER_WITHIN = 1.0
TERMINATE = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


@dataclass
class Figures:
    terminations: int = 0  # backends ended
    requests: int = 0
    failures: int = 0  # first answers that were a 5xx
    retries: int = 0
    recoveries: list[float] = field(default_factory=list)  # seconds from the first 5xx to the success
    unrecoverable: int = 0  # 5xx a retry cannot fix (a failed code send: its per-number limit already counted)

    def __str__(self) -> str:
        worst = max(self.recoveries, default=0.0)
        return (
            f"{self.terminations} backends terminated, {self.requests} requests, {self.failures} answered 5xx, "
            f"{self.retries} retries, slowest recovery {worst:.3f} s, {self.unrecoverable} failed code sends"
        )


async def terminating(database_url: str, figures: Figures, stop: asyncio.Event) -> None:
    """End the app's backends at random moments 50–250 ms apart until told to stop."""
    admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        while not stop.is_set():
            await asyncio.sleep(random.uniform(0.05, 0.25))
            figures.terminations += await admin.fetchval(TERMINATE)
    finally:
        await admin.close()


async def until_answered(send: Callable[[], Awaitable[httpx.Response]], figures: Figures) -> httpx.Response:
    """The answer to a request, repeating it after a 5xx the way a client would; it must recover within a second."""
    figures.requests += 1
    r = await send()
    if r.status_code < 500:
        return r
    figures.failures += 1
    first = time.monotonic()
    while True:
        await asyncio.sleep(0.02)
        figures.retries += 1
        r = await send()
        # A 409 in_flight after a failure means the failed request kept its key: not an answer.
        if r.status_code < 500 and not (r.status_code == 409 and r.json().get("code") == "idempotency.in_flight"):
            figures.recoveries.append(time.monotonic() - first)
            return r
        assert time.monotonic() - first < RECOVER_WITHIN, f"no recovery within {RECOVER_WITHIN} s: {r.status_code} {r.text}"


@pytest.fixture
def app_env(auth_settings) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(auth_settings)


async def hurt(settings, work: Callable[[Figures], Awaitable[None]]) -> Figures:
    figures = Figures()
    stop = asyncio.Event()
    terminator = asyncio.create_task(terminating(settings.database_url, figures, stop))
    try:
        await work(figures)
    finally:
        stop.set()
        await terminator
    # The test's own pooled connections were ended too: let them see it before the checks query.
    await asyncio.sleep(0.5)
    return figures


async def test_submits_survive_terminated_backends(auth_settings, app_env, resident, tmp_path):
    app = start_app(app_env, tmp_path)
    submitted: list[int] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.port}/api/v1", headers=resident, timeout=10) as http:

            async def one_case(figures: Figures) -> None:
                # Starting again after a failure returns the same open draft (one per person and item).
                r = await until_answered(lambda: http.post("/applications", json={"service_code": YYZZ, "form": VALID_FORM}), figures)
                assert r.status_code in (200, 201), r.text
                case = r.json()["id"]
                files = {"file": ("id.jpg", photo(600, 450), "image/jpeg")}
                up = await until_answered(lambda: http.post("/materials", files=files, data={"kind": "id_card"}), figures)
                assert up.status_code in (200, 201), up.text
                put = await until_answered(
                    lambda: http.put(f"/applications/{case}/materials/id_card", json={"material_id": up.json()["id"]}), figures
                )
                assert put.status_code == 200, put.text
                key = {"Idempotency-Key": uuid.uuid4().hex}
                done = await until_answered(lambda: http.post(f"/applications/{case}/submit", headers=key), figures)
                assert done.status_code == 200, done.text
                assert done.json()["status"] == "submitted"
                submitted.append(case)

            async def work(figures: Figures) -> None:
                deadline = time.monotonic() + SECONDS
                while time.monotonic() < deadline:
                    await one_case(figures)

            figures = await hurt(auth_settings, work)
    finally:
        app.stop()
    print(f"\nsubmits: {len(submitted)} cases; {figures}")
    assert figures.terminations > 0 and submitted
    assert await IdempotencyRecord.filter(state="in_progress").count() == 0
    assert await IdempotencyRecord.filter(state="done").count() == len(submitted)
    # No second draft from a retried start, and every submitted case has its event, audit row and notice.
    assert await Application.all().count() == len(submitted)
    for case in submitted:
        assert await WorkflowEvent.filter(object_type="application", object_id=case, action="submit").count() == 1
        assert await AuditEntry.filter(action="application.submit", object_id=case).count() == 1
    assert await Notification.filter(event="case.submitted").count() == len(submitted)


async def test_sms_logins_survive_terminated_backends(auth_settings, app_env, client, sms, tmp_path):
    app = start_app(app_env, tmp_path)
    logged_in: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.port}/api/v1", timeout=10) as http:

            def verify(body: dict, client: dict) -> Callable[[], Awaitable[httpx.Response]]:
                return lambda: http.post("/auth/sms/verify", json=body, headers=client)

            async def work(figures: Figures) -> None:
                deadline, i = time.monotonic() + SECONDS, 0
                while time.monotonic() < deadline:
                    i += 1
                    phone = f"137{i:08d}"
                    # Each resident from an address of their own, so the per-address limits stay out of the way.
                    client = {"X-Forwarded-For": f"10.{i // 250}.{i % 250}.9"}
                    figures.requests += 1
                    sent = await http.post("/auth/sms/send", json={"phone": phone}, headers=client)
                    if sent.status_code >= 500:
                        # The send's per-number limit already counted: this resident would wait a minute.
                        figures.failures += 1
                        figures.unrecoverable += 1
                        continue
                    assert sent.status_code == 202, sent.text
                    code = sms.codes_for(phone)[-1]
                    if i % 4 == 0:  # a wrong guess first: it counts whatever happens after
                        wrong = f"{(int(code) + 1) % 10**6:06d}"
                        body = {"phone": phone, "code": wrong, "transport": "bearer"}
                        r = await until_answered(verify(body, client), figures)
                        assert r.status_code == 401, r.text
                    body = {"phone": phone, "code": code, "transport": "bearer"}
                    # After a 5xx the same code must still work: a failed login does not use it up.
                    r = await until_answered(verify(body, client), figures)
                    assert r.status_code == 200, r.text
                    token = {"Authorization": f"Bearer {r.json()['token']}"}
                    me = await until_answered(lambda token=token: http.get("/me", headers=token), figures)
                    assert me.status_code == 200, me.text
                    logged_in.append(phone)

            figures = await hurt(auth_settings, work)
    finally:
        app.stop()
    print(f"\nSMS logins: {len(logged_in)} logins; {figures}")
    assert figures.terminations > 0 and logged_in
    # One session, one account and one success audit per login: a failed attempt left nothing behind.
    assert await Session.all().count() == len(logged_in)
    assert await Account.filter(kind="phone").count() == len(logged_in)
    assert await AuditEntry.filter(action="login.succeeded").count() == len(logged_in)
    codes = await OneTimeCode.filter(consumed_at__not_isnull=True).count()
    assert codes == len(logged_in)
