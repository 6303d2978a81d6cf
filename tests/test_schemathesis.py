"""Schema fuzzing: whatever the OpenAPI document allows, the server answers as the document says.

schemathesis generates requests from the document served at /api/openapi.json (valid ones and, on
purpose, invalid ones) and sends them to the app in-process, as a signed-in verified resident and
without credentials, on SQLite and on PostgreSQL + Redis. Every answer must be: not a 5xx, a
documented status code and content type, a body matching its documented schema, no operation that
declares a security requirement answering 2xx without (or with made-up) credentials, and no request
the document forbids accepted.

Run alone: ``pytest tests/test_schemathesis.py`` (-k sqlite for half). YIWANG_FUZZ_EXAMPLES=N sets the
examples per operation (15), YIWANG_FUZZ_EXPLORE=1 draws new ones instead of the fixed set. A failure
names the operation, the broken check and the answer, and prints a curl command that reproduces it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.python import asgi
from tortoise.backends.base.executor import EXECUTOR_CACHE

from auth import service as identity
from auth import sessions
from auth.models import CLAIMED
from backend.app import create_app, openapi_document
from backend.applications import service as applications
from backend.catalog import demo
from backend.catalog import service as catalog
from backend.kit.config import Settings
from backend.kit.resources import opened
from notifications.push import generate_vapid_private_key
from tests.auth.conftest import wechat_server  # noqa: F401  (the fake WeChat API, a session fixture)
from tests.conftest import REDIS_URL, _reset_postgres, make_settings
from tests.consents import agree

EXAMPLES = int(os.environ.get("YIWANG_FUZZ_EXAMPLES", "15"))
CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
    # Also the other way round: what the document forbids (e.g. quiet_hours: 0 for a boolean) is refused.
    "negative_data_rejection",
]
STREAM = "/api/v1/stream"
STREAMS = {STREAM, "/api/v1/halls/{code}/board/stream"}  # event streams: they never end by design
BASE_URL = "http://testserver"
# These end the caller's own session: each of their cases gets a throwaway resident's session, so the
# main resident stays signed in for the operations after them.
ENDS_SESSION = {"POST /api/v1/auth/logout", "DELETE /api/v1/me/sessions/{session_id}"}
THROWAWAY = 5 * EXAMPLES + 20
YYZZ = "000105001000"  # a demo item: 个体工商户设立登记

load_all_checks()
schema = schemathesis.openapi.from_dict(openapi_document())
# Deterministic, so the suite is a stable gate; YIWANG_FUZZ_EXPLORE=1 draws new examples on every run.
schema.config.generation.update(
    max_examples=EXAMPLES,
    deterministic=os.environ.get("YIWANG_FUZZ_EXPLORE") != "1",
    database="none",
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
# Throwaway test credentials: show them, so the printed curl command reproduces the failure as is.
schema.config.output.sanitization.update(enabled=False)


@dataclass
class Target:
    app: object
    token: str | None = None
    throwaway: list[str] = field(default_factory=list)

    def headers(self, operation: str) -> dict[str, str]:
        token = self.token
        if token is not None and operation in ENDS_SESSION:
            token = self.throwaway.pop() if len(self.throwaway) > 1 else self.throwaway[0]
        return {"Authorization": f"Bearer {token}"} if token else {}


async def _resident(phone: str) -> tuple[str, sessions.SessionInfo]:
    person = await identity.create_person(name="张三", phone=phone, actor="test")
    await agree(person_id=person.id)
    return await sessions.create(
        account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="fuzz", ip="t", assurance=CLAIMED
    )


async def _prepare(settings: Settings, who: str) -> Target:
    """Seed the catalog and, for the resident, open bearer sessions and a draft, before the app starts."""
    target = Target(app=create_app(settings))
    async with opened(settings):
        await demo.seed()
        if who == "resident":
            target.token, session = await _resident("13912345678")
            await applications.create_draft(session=session, service_code=YYZZ, form={})
            target.throwaway = [(await _resident(f"137{n:08d}"))[0] for n in range(THROWAWAY)]
    return target


@pytest.fixture(scope="module", params=["sqlite-resident", "sqlite-anonymous", "postgres-resident", "postgres-anonymous"])
def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    wechat_server,  # noqa: F811  (pytest hands in the fixture imported above)
) -> Iterator[Target]:
    kind, who = request.param.split("-")
    wx, wx_url = wechat_server
    # Everything configured (WeChat through its local fake, Web Push keys): a 503 "not configured" is no finding.
    configured = {
        "YIWANG_WECHAT_APPID": wx.appid,
        "YIWANG_WECHAT_SECRET": wx.secret,
        "YIWANG_WECHAT_API_BASE": wx_url,
        "YIWANG_VAPID_PRIVATE_KEY": generate_vapid_private_key(),
    }
    EXECUTOR_CACHE.clear()
    catalog.reset_process_cache()
    tmp = tmp_path_factory.mktemp(request.param)
    if kind == "sqlite":
        shutil.copy(sqlite_template, tmp / "db.sqlite3")
        settings = make_settings(f"sqlite://{tmp / 'db.sqlite3'}", None, tmp, **configured)
    else:
        url = request.getfixturevalue("postgres_database")
        asyncio.run(_reset_postgres(url))
        redis.Redis.from_url(REDIS_URL).flushdb()
        settings = make_settings(url, REDIS_URL, tmp, **configured)
    prepared = asyncio.run(_prepare(settings, who))
    EXECUTOR_CACHE.clear()
    try:
        yield prepared
    finally:
        # schemathesis ran the app's lifespan in its own event-loop thread: end it there.
        asgi.shutdown_lifespans()


@schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_the_server_answers_as_the_document_says(case, target):
    # The live stream never ends by design: judge what arrived in its first moment.
    timeout = 0.2 if case.path in STREAMS else 30
    # On the schema, not per call: the ignored_auth check sends its own probes through the schema's transport.
    case.operation.schema.app = case.operation.app = target.app
    names = CHECK_NAMES
    if case.media_type == "multipart/form-data":
        # Form fields are text: a "boolean" false arrives as the text "false", which a text field rightly takes.
        # The upload's refusals are tested one by one in tests/materials.
        names = [n for n in CHECK_NAMES if n != "negative_data_rejection"]
    checks = CHECKS.get_by_names(names)
    try:
        case.call_and_validate(base_url=BASE_URL, headers=target.headers(case.operation.label), checks=checks, timeout=timeout)
    except requests.exceptions.ReadTimeout:
        if case.path not in STREAMS:
            raise
        # Not even the start of an answer in that moment (a busy machine): once more, with time to answer.
        # A refusal (401, 404) then arrives; a stream that opens is cut at the longer deadline.
        case.call_and_validate(base_url=BASE_URL, headers=target.headers(case.operation.label), checks=checks, timeout=5)
