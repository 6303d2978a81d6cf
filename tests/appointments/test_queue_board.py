"""The hall's public queue board and its live stream: numbers and windows, never a person."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from auth import service as identity
from tests.appointments.queue_setup import *  # noqa: F401,F403  (hall groups, clerk, fakes, client, resident)
from tests.appointments.queue_setup import HALL, appointment, now
from tests.appointments.test_queue import CALL, CHECK_IN, call, walk_in

BOARD = f"/api/v1/halls/{HALL}/board"


async def test_board_shows_numbers_windows_and_waits_but_no_personal_data(client, resident, groups, clerk):
    general, business = groups
    booked = await appointment(business, starts_at=now())
    r = await client.post(CHECK_IN, json={"code": booked.code}, headers=clerk)
    assert r.status_code == 201
    for _ in range(3):
        await walk_in(client, clerk, group_id=general.id)
    called = await call(client, clerk, general.id, "2号窗口")
    await call(client, clerk, business.id, "5号窗口")

    r = await client.get(BOARD)  # no login: the big screen
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-cache"
    state = r.json()
    assert state["hall_name"] == "德安县政务服务中心"
    assert [(c["label"], c["window"], c["current"]) for c in state["called"]] == [("B001", "5号窗口", True), ("A001", "2号窗口", True)]
    assert [(g["name"], g["waiting"], g["windows"], g["estimated_wait_minutes"]) for g in state["groups"]] == [
        ("综合窗口", 2, 2, 5),
        ("商事登记窗口", 0, 1, 0),
    ]
    r = await client.post(f"/api/v1/staff/tickets/{called['id']}/serve", headers=clerk)
    assert r.status_code == 200
    assert [c["current"] for c in (await client.get(BOARD)).json()["called"]] == [True, False]

    text = (await client.get(BOARD)).text
    person = await identity.find_by_phone(phone="13912345678")
    assert person is not None
    for secret in ("张三", "13912345678", "11010519491231002X", booked.code, '"person', "application"):
        assert secret not in text

    r = await client.get("/api/v1/halls/nowhere/board")
    assert r.status_code == 404 and r.json()["code"] == "appointments.hall_not_found"


class Stream:
    """A GET on the app that stays open (httpx's in-process transport waits for the whole body)."""

    def __init__(self, app, path: str) -> None:
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.buffer = ""
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},  # before 2.4: the response listens for the disconnect
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            await self.chunks.put(message.get("body", b""))

    async def event(self, timeout: float = 10) -> dict:
        """The next ``event: board`` as its data (pings and comments skipped)."""
        while True:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
                if fields.get("event") == "board":
                    return json.loads(fields["data"])
            self.buffer += (await asyncio.wait_for(self.chunks.get(), timeout)).decode()

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 10)


async def test_board_stream_delivers_a_call_made_in_another_request(app, client, resident, groups, clerk):
    general, _ = groups
    await walk_in(client, clerk, group_id=general.id)
    stream = Stream(app, f"{BOARD}/stream")
    try:
        first = await stream.event()
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        assert "gzip" not in stream.headers.get("content-encoding", "")
        assert first["called"] == [] and first["groups"][0]["waiting"] == 1

        r = await client.post(CALL, json={"group_id": general.id, "window": "1号窗口"}, headers=clerk)
        assert r.status_code == 200
        update = await stream.event()
        assert update["called"][0]["label"] == "A001" and update["called"][0]["window"] == "1号窗口"
        assert update["groups"][0]["waiting"] == 0

        await walk_in(client, clerk, group_id=general.id)  # a new ticket changes the count on the board too
        assert (await stream.event())["groups"][0]["waiting"] == 1
    finally:
        await stream.close()
    r = await client.get("/api/v1/halls/nowhere/board/stream")
    assert r.status_code == 404


async def test_board_stream_looks_at_the_table_when_no_signal_comes(app, client, resident, groups, clerk):
    """A change whose signal was lost (another process on the in-process broker, Redis down) still shows."""
    import dataclasses

    from backend.appointments import queue
    from backend.appointments.models import Ticket
    from backend.kit import resources
    from backend.kit.transactions import transaction

    general, _ = groups
    original = resources._process
    assert original is not None
    resources._process = dataclasses.replace(original, settings=dataclasses.replace(original.settings, stream_heartbeat=1.0))
    stream = Stream(app, f"{BOARD}/stream")
    try:
        assert (await stream.event())["groups"][0]["waiting"] == 0
        async with transaction():  # a ticket written without publishing
            await queue._issue(general, now=now() - timedelta(seconds=1), rank=1, due_at=now(), service_code="x")
        assert await Ticket.exists()
        assert (await stream.event())["groups"][0]["waiting"] == 1
    finally:
        await stream.close()
        resources._process = original
