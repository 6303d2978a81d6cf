"""The live stream across processes: two app processes behind the real nginx, a change made elsewhere."""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import pytest

from auth import service as identity
from auth import sessions
from backend.kit.transactions import transaction
from notifications.outbox import notify
from tests.consents import agree
from tests.notifications.conftest import settings_env
from tests.stack import start_app, start_nginx


@pytest.fixture
def stack(settings, tmp_path, pwa_dist):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")} | settings_env(settings)
    env |= {"YIWANG_PWA_DIR": str(pwa_dist), "YIWANG_STREAM_HEARTBEAT": "2"}
    apps = [start_app(env, tmp_path), start_app(env, tmp_path)]
    try:
        nginx = start_nginx(upstreams=[a.port for a in apps], root=pwa_dist, workdir=tmp_path)
    except Exception:
        for a in apps:
            a.stop()
        raise
    yield apps, nginx
    nginx.stop()
    for a in apps:
        a.stop()


async def read_events(url: str, headers: dict[str, str], into: list, ready: asyncio.Event) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=30)) as http:
        async with http.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            event: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line.startswith(": connected"):
                    ready.set()
                elif line.startswith(": ping"):
                    into.append("ping")
                elif line == "":
                    if "id" in event:
                        into.append({"id": int(event["id"]), "data": json.loads(event["data"])})
                    event = {}
                elif ": " in line and not line.startswith(":"):
                    name, value = line.split(": ", 1)
                    event[name] = value


async def wait_for_events(events: list, n: int, timeout: float = 15) -> list[dict]:
    for _ in range(int(timeout / 0.05)):
        found = [e for e in events if isinstance(e, dict)]
        if len(found) >= n:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {n} events, got {events}")


async def test_a_change_made_elsewhere_reaches_open_pages_on_every_process_and_through_nginx(stack, resources):
    apps, nginx = stack
    person = await identity.create_person(name="赵六", phone="13700000077", actor="test")
    await agree(person_id=person.id)
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="t", ip="t")
    headers = {"Authorization": f"Bearer {token}"}
    urls = [
        f"http://127.0.0.1:{apps[0].port}/api/v1/stream",
        f"http://127.0.0.1:{apps[1].port}/api/v1/stream",
        f"{nginx.url}/api/v1/stream",
    ]
    streams = [([], asyncio.Event()) for _ in urls]
    readers = [asyncio.create_task(read_events(url, headers, events, ready)) for url, (events, ready) in zip(urls, streams, strict=True)]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for _, ready in streams)), 10)
        async with transaction():  # this test process is a third process: a worker, a clerk's app process…
            first = await notify(
                person_id=person.id, event="case.submitted", dedupe_key="s:1", title="已提交：测试", body="b", data={"application_id": 5}
            )
        for events, _ in streams:
            got = await wait_for_events(events, 1)
            assert [e["id"] for e in got] == [first.id] and got[0]["data"]["data"]["application_id"] == 5
        # Heartbeats keep proxies from closing idle streams: one within a few heartbeats (2 s each;
        # on SQLite the quiet time is checked at the once-a-second table look).
        for _ in range(80):
            if all("ping" in events for events, _ in streams):
                break
            await asyncio.sleep(0.1)
        assert all("ping" in events for events, _ in streams)
    finally:
        for r in readers:
            r.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    # Offline for a moment: the next connection says where it stopped and gets what it missed.
    async with transaction():
        missed = await notify(person_id=person.id, event="case.withdrawn", dedupe_key="s:2", title="已撤回：测试", body="b")
    events, ready = [], asyncio.Event()
    reader = asyncio.create_task(read_events(urls[2], headers | {"Last-Event-ID": str(first.id)}, events, ready))
    try:
        got = await wait_for_events(events, 1)
        assert [e["id"] for e in got] == [missed.id]
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
