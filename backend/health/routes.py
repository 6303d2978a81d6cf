"""Liveness and readiness probes for the load balancer and the operator."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from backend.kit import db
from backend.kit.api import API, anyone
from backend.kit.resources import current

api = API()


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    broker: str
    migrations: str
    # aof, rdb, aof+rdb, none, unknown (…): without persistence a Redis restart resets rate limits
    broker_persistence: str
    down: list[str] = []  # the parts not ready: database, broker, migrations


async def _check_migrations(request: Request) -> str:
    # Once current, stays current for the life of the app: skip the work on every probe.
    if getattr(request.app.state, "migrations_current", False):
        return "ok"
    pending = await db.pending_migrations(current().settings.database_url)
    if pending:
        return "pending: " + ", ".join(pending)
    request.app.state.migrations_current = True
    return "ok"


RETRY_AFTER = 5


async def _probe(check) -> str:
    try:
        async with asyncio.timeout(2):
            await check()
    except Exception as exc:  # any failure means not ready; the reason goes to the operator
        return f"error: {type(exc).__name__}"
    return "ok"


@api.get("/healthz", summary="Process is up (liveness)", tags=["ops"], response=Health, wrappers=[anyone])
async def healthz(request: Request) -> Health:
    return Health(status="ok")


# Not ready is 503 with the same body (which part failed), not a problem+json.
@api.get(
    "/readyz",
    summary="Database and broker reachable, migrations applied (readiness; 503 when not)",
    tags=["ops"],
    response=Readiness,
    also=[503],
    wrappers=[anyone],
)
async def readyz(request: Request) -> JSONResponse | Readiness:
    database, broker = await asyncio.gather(_probe(db.ping), _probe(current().broker.ping))
    migrations = await _check_migrations(request) if database == "ok" else "unknown"
    persistence = await current().broker.persistence() if broker == "ok" else "unknown"
    parts = {"database": database, "broker": broker, "migrations": migrations}
    down = [name for name, state in parts.items() if state != "ok"]
    result = Readiness(status="unavailable" if down else "ok", **parts, broker_persistence=persistence, down=down)
    if down:
        return JSONResponse(result.model_dump(), status_code=503, headers={"Cache-Control": "no-store", "Retry-After": str(RETRY_AFTER)})
    return result
