"""`yiwang worker` processes: killed mid-batch they lose and duplicate nothing; two never send one delivery twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from backend.kit.transactions import transaction
from notifications.models import Delivery
from notifications.outbox import notify
from tests.conftest import ROOT
from tests.notifications.conftest import person_id, settings_env, subscribe_browser
from tests.stack import YIWANG


def start_worker(settings, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(settings)
    return subprocess.Popen([YIWANG, "worker", *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        _, err = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, err = worker.communicate()
    return err or ""


async def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def many_notifications(n: int, tag: str) -> list[int]:
    pid = await person_id()
    ids = []
    async with transaction():
        for i in range(n):
            ids.append((await notify(person_id=pid, event="case.accepted", dedupe_key=f"{tag}:{i}", title=f"第{i}条", body="受理")).id)
    return ids


async def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(client, resident, push, auth_settings):
    await subscribe_browser(client, resident, push)
    ids = await many_notifications(30, "kill")
    push.delay = 3.0  # the push service holds each request: the worker dies with all of them in flight
    worker = start_worker(auth_settings, "--lease", "2", "--concurrency", "64")
    try:
        await wait_for(lambda: _count("sending", 30), 20, "the worker to claim the batch")
        await asyncio.sleep(0.7)  # the requests are on the wire, waiting for answers
    finally:
        worker.kill()  # SIGKILL: no clean-up, no outcome recorded
        worker.wait()
    push.delay = 0.0
    await wait_for(lambda: _true(len(push.aborted) == 30), 10, "the push service to notice the sender hung up")
    assert push.received() == []  # nothing was delivered by the dead worker
    assert await Delivery.filter(status="sending").count() == 30  # claimed rows wait for their lease to run out

    successor = start_worker(auth_settings, "--lease", "2")
    try:
        await wait_for(lambda: _count("sent", 30), 30, "a new worker to deliver everything")
    finally:
        err = stop(successor)
    assert "Traceback" not in err, err
    received = Counter(m.json()["id"] for m in push.received())
    assert received == Counter(ids)  # every notification exactly once
    assert {d.attempts for d in await Delivery.all()} == {2}


@pytest.mark.parametrize("backend_kind", ["postgres"])
async def test_two_workers_never_send_the_same_delivery_twice(client, resident, push, auth_settings):
    await subscribe_browser(client, resident, push)
    ids = await many_notifications(300, "two")
    push.delay = 0.01
    workers = [start_worker(auth_settings, "--concurrency", "8"), start_worker(auth_settings, "--concurrency", "8")]
    try:
        await wait_for(lambda: _count("sent", 300), 60, "two workers to deliver everything")
    finally:
        errors = [stop(w) for w in workers]
    assert all("Traceback" not in e for e in errors), errors
    received = Counter(m.json()["id"] for m in push.received())
    assert received == Counter(ids)
    by_worker = Counter(d.claimed_by.rsplit("-", 1)[0] for d in await Delivery.all())
    assert len(by_worker) == 2, by_worker  # both took part
    assert {d.attempts for d in await Delivery.all()} == {1}


async def _count(status: str, n: int) -> bool:
    return await Delivery.filter(status=status).count() == n


async def _true(value: bool) -> bool:
    return value
