"""The least code that can do what a measured endpoint does: bare Starlette, asyncpg, redis-py.

Run by bench/run.py under the same uvicorn settings as the app, so the ratio shows what our
layering (middleware, declarations, ORM, broker abstraction) costs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from contextlib import asynccontextmanager

import asyncpg
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DATABASE_URL = os.environ["BENCH_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
REDIS_URL = os.environ["BENCH_REDIS_URL"]
resources: dict = {}


async def readyz(request: Request) -> JSONResponse:
    async def db() -> None:
        async with resources["pool"].acquire() as conn:
            await conn.execute("SELECT 1")

    await asyncio.gather(db(), resources["redis"].ping())
    return JSONResponse({"status": "ok", "database": "ok", "broker": "ok", "migrations": "ok"})


async def me(request: Request) -> JSONResponse:
    """The least that GET /api/v1/me must do: session from Redis, person row by primary key."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    raw = await resources["redis"].get("yiwang:session:" + hashlib.sha256(token.encode()).hexdigest())
    if raw is None:
        return JSONResponse({"detail": "not authenticated"}, status_code=401)
    session = json.loads(raw)
    async with resources["pool"].acquire() as conn:
        person = await conn.fetchrow("SELECT * FROM person WHERE id = $1", session["person_id"])
    return JSONResponse({"person_id": person["id"], "verified": person["verified_at"] is not None, "roles": session["roles"]})


async def search(request: Request) -> Response:
    """The same JSON bytes our catalog search returns, from memory: the floor for a cached answer."""
    return Response(resources["search_body"], media_type="application/json")


async def submit(request: Request) -> JSONResponse:
    """The least a submit must write: the conditional status change and its timeline entry."""
    application_id = int(request.path_params["application_id"])
    async with resources["pool"].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "UPDATE application SET status = 'submitted', submitted_at = now(), tracking_no = $2 "
            "WHERE id = $1 AND status = 'draft' RETURNING id",
            application_id,
            f"B{application_id}",
        )
        if row is None:
            return JSONResponse({"detail": "conflict"}, status_code=409)
        await conn.execute(
            "INSERT INTO workflow_event (object_type, object_id, at, action, status_from, status_to, actor, note) "
            "VALUES ('application', $1, now(), 'submit', 'draft', 'submitted', 'bench', '')",
            application_id,
        )
    return JSONResponse({"id": application_id, "status": "submitted"})


async def plain(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette):
    resources["pool"] = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10)
    resources["redis"] = aioredis.Redis.from_url(REDIS_URL)
    body_file = os.environ.get("BENCH_SEARCH_BODY_FILE")
    resources["search_body"] = open(body_file, "rb").read() if body_file else b"{}"
    yield
    await resources["pool"].close()
    await resources["redis"].aclose()


app = Starlette(
    routes=[
        Route("/readyz", readyz),
        Route("/me", me),
        Route("/search", search),
        Route("/json", plain),
        Route("/submit/{application_id:int}", submit, methods=["POST"]),
    ],
    lifespan=lifespan,
)
