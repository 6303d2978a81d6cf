"""The least code that lists a hall's slots: bare Starlette + asyncpg running the same queries as
GET /api/v1/halls/{code}/slots (hall, its window groups, the weekday's schedule, the date's
override, the slot counters) and answering the same JSON. Run by bench/appointments.py."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from datetime import date

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.kit.workdays import is_working_day

DATABASE_URL = os.environ["BENCH_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
resources: dict = {}


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


async def slots(request: Request) -> JSONResponse:
    code = request.path_params["code"]
    day = date.fromisoformat(request.query_params["date"])
    service = request.query_params["service"]
    async with resources["pool"].acquire() as conn:
        hall = await conn.fetchrow("SELECT code, items, region FROM catalog_hall WHERE code = $1", code)
        groups = await conn.fetch("SELECT id, items FROM appointments_window_group WHERE hall_code = $1 AND active ORDER BY id", code)
        group_id = next((g["id"] for g in groups if service in g["items"]), None)
        if group_id is None or not is_working_day(day, region=hall["region"]):
            return JSONResponse({"detail": "not bookable"}, status_code=422)
        schedule = await conn.fetchrow("SELECT * FROM appointments_schedule WHERE group_id = $1 AND weekday = $2", group_id, day.weekday())
        override = await conn.fetchrow("SELECT * FROM appointments_day_override WHERE group_id = $1 AND date = $2", group_id, day)
        rows = {r["start"]: r for r in await conn.fetch("SELECT * FROM appointments_slot WHERE group_id = $1 AND date = $2", group_id, day)}
    capacity = schedule["capacity"] + (override["extra_capacity"] if override else 0)
    out, start, step = [], _minutes(schedule["opens"]), schedule["slot_minutes"]
    while start + step <= _minutes(schedule["closes"]):
        s, e = f"{start // 60:02d}:{start % 60:02d}", f"{(start + step) // 60:02d}:{(start + step) % 60:02d}"
        row = rows.get(s)
        cap = row["capacity"] if row else capacity
        out.append({"start": s, "end": e, "capacity": cap, "remaining": max(0, cap - row["taken"]) if row else cap})
        start += step
    full = all(x["remaining"] == 0 for x in out)
    return JSONResponse({"date": day.isoformat(), "group_id": group_id, "slots": out, "full": full, "waiting": {"open": full, "length": 0}})


async def readyz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette):
    import json

    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

    resources["pool"] = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10, init=init)
    yield
    await resources["pool"].close()


app = Starlette(routes=[Route("/halls/{code}/slots", slots), Route("/readyz", readyz)], lifespan=lifespan)
