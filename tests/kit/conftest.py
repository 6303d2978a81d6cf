"""A small app declared with the kit's API, to exercise the plumbing through real HTTP handling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from tortoise import connections

from backend.kit import audit, errors, http
from backend.kit.api import API
from backend.kit.idempotency import HEADER_PARAMETER, idempotent
from backend.kit.models import AuditEntry
from backend.kit.resources import opened


class Greeting(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    age: int = Field(ge=0, le=150)


class Search(BaseModel):
    page: int = Field(default=1, ge=1)


class Thing(BaseModel):
    label: str = Field(max_length=20)


class Created(BaseModel):
    seq: int
    label: str


class LabelTaken(errors.Conflict, code="thing.label_taken"):
    zh = "名称已被占用"
    en = "Label taken"


class Gate:
    """Lets a test hold a request inside its handler."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.taken: set[str] = {"taken"}  # labels that conflict (a test may free one)
        self.drops = 0  # how many of the next requests lose their database connection mid-transaction


def build_app(settings, gate: Gate) -> Starlette:
    api = API(prefix="/api/v1")

    @api.post("/greetings", summary="Echo a greeting", body=Greeting, response=Greeting, status=201)
    async def greet(request: Request, *, body: Greeting) -> Greeting:
        return body

    @api.get("/search", summary="Query validation", query=Search)
    async def search(request: Request, *, query: Search) -> dict:
        return {"page": query.page}

    @api.get("/boom", summary="Fails unexpectedly")
    async def boom(request: Request) -> dict:
        raise RuntimeError("secret internal detail")

    @api.post(
        "/things",
        summary="Idempotent create that writes an audit row",
        body=Thing,
        response=Created,
        status=201,
        errors=[LabelTaken],
        wrappers=[idempotent],
        headers=[HEADER_PARAMETER],
    )
    async def create_thing(request: Request, *, body: Thing) -> Created:
        entry = await audit.record(actor="test", action="thing.created", object_type="thing", detail={"label": body.label})
        gate.entered.set()
        await gate.release.wait()
        if body.label in gate.taken:
            raise LabelTaken()
        if gate.drops:
            gate.drops -= 1
            # PostgreSQL ends this transaction's backend, as an operator or a failover would.
            await connections.get("default").execute_query("SELECT pg_terminate_backend(pg_backend_pid())")
        if body.label == "crash":
            raise RuntimeError("crash after writing")
        return Created(seq=entry.id, label=body.label)

    @api.get("/things/count", summary="How many audit rows exist")
    async def count(request: Request) -> dict:
        return {"count": await AuditEntry.all().count()}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with opened(settings):
            yield

    class PrincipalFromHeader:
        """Stands in for the session middleware of issue 3: the principal scopes idempotency keys."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                for k, v in scope["headers"]:
                    if k == b"x-test-principal":
                        scope["yiwang.principal"] = v.decode()
            await self.app(scope, receive, send)

    app = Starlette(
        routes=api.mount(),
        middleware=[
            Middleware(http.RequestContextMiddleware),
            Middleware(http.BodyLimitMiddleware, max_bytes=1024),
            Middleware(PrincipalFromHeader),
        ],
        exception_handlers=http.exception_handlers(),
        lifespan=lifespan,
    )
    app.state.api = api
    return app


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def kit_client(settings, gate) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, gate)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
