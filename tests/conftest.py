"""Shared fixtures: every database test runs on SQLite and on PostgreSQL + Redis.

PostgreSQL and Redis come from YIWANG_TEST_POSTGRES_URL / YIWANG_TEST_REDIS_URL (defaults: the
local servers). When they are unreachable the PostgreSQL half is skipped on a developer machine
and fails under CI=true, so CI can never pass without them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis
from tortoise.backends.base.executor import EXECUTOR_CACHE

from backend.catalog import service as catalog
from backend.kit import db
from backend.kit.config import Settings
from backend.kit.pii import generate_key
from backend.kit.resources import Resources, opened
from tests import problems
from tests.stack import pg_admin

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# Each pytest-xdist worker (gw0, gw1, …) its own Redis database, counting down from the one given: tests flush theirs.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
_REDIS_BASE = urlsplit(os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
REDIS_URL = urlunsplit(_REDIS_BASE._replace(path=f"/{int(_REDIS_BASE.path.strip('/') or 0) - _WORKER}"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DATA_KEY = f"t1:{generate_key()}"
INDEX_KEY = generate_key()
problems.install()  # every problem answer of the app is held against its OpenAPI entry (pytest_sessionfinish)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_postgres_and_redis() -> None:
    missing = [name for name, url, port in (("PostgreSQL", PG_URL, 5432), ("Redis", REDIS_URL, 6379)) if not _reachable(url, port)]
    if missing:
        message = f"{' and '.join(missing)} unreachable ({PG_URL}, {REDIS_URL})"
        if IN_CI:
            pytest.fail(message + ": CI must test against real PostgreSQL and Redis")
        pytest.skip(message)


def _db_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


async def _admin(sql: str) -> None:
    await pg_admin(sql, PG_URL)


def _migrate(url: str) -> None:
    async def run() -> None:
        await db.migrate(url)
        await db.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    _migrate(f"sqlite://{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    require_postgres_and_redis()
    name = f"yiwang_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = _db_url(PG_URL, name)
    _migrate(url)
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_postgres(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'")
        ]
        # DELETE with the foreign-key triggers off and the sequences restarted: what TRUNCATE ... RESTART IDENTITY
        # does, ten times faster on tables this small (TRUNCATE makes new files for every table each time).
        sequences = [r["sequencename"] for r in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        statements = [f'DELETE FROM "{t}"' for t in tables] + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica; " + "; ".join(statements))
        await conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1)", "0" * 64)
    finally:
        await conn.close()


def make_settings(database_url: str, redis_url: str | None, tmp_path: Path, **overrides: object) -> Settings:
    env = {
        "YIWANG_DATABASE_URL": database_url,
        "YIWANG_REDIS_URL": redis_url or "",
        "YIWANG_MEDIA_DIR": str(tmp_path / "media"),
        "YIWANG_DATA_KEY": DATA_KEY,
        "YIWANG_INDEX_KEY": INDEX_KEY,
        "YIWANG_PWA_DIR": str(ROOT / "pwa" / "dist"),
        "YIWANG_DISPATCHER": "off",  # tests drive the dispatcher themselves (one test checks the in-process one)
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return Settings.from_env(env)


@pytest.fixture(params=["sqlite", "postgres"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend_kind: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Settings:
    """Settings for a fresh, migrated database: SQLite + in-process broker, or PostgreSQL + Redis."""
    # tortoise caches built SQL per connection name; this process switches dialects between tests.
    EXECUTOR_CACHE.clear()
    catalog.reset_process_cache()
    if backend_kind == "sqlite":
        path = tmp_path / "db.sqlite3"
        shutil.copy(sqlite_template, path)
        return make_settings(f"sqlite://{path}", None, tmp_path)
    url = request.getfixturevalue("postgres_database")
    asyncio.run(_reset_postgres(url))
    redis.Redis.from_url(REDIS_URL).flushdb()
    return make_settings(url, REDIS_URL, tmp_path)


@pytest.fixture
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    """Database pool and broker open for the test, as the app's lifespan would open them."""
    async with opened(settings) as res:
        yield res


async def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator:
    from backend.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(app) as c:
        yield c


@pytest.fixture(scope="session")
def pwa_dist() -> Path:
    """The built PWA (make test builds it); missing is a skip locally and a failure in CI."""
    dist = ROOT / "pwa" / "dist"
    if not (dist / "index.html").is_file():
        message = "PWA not built: run make test (npm ci && npm run build in pwa/)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return dist


def _whole_suite(config: pytest.Config) -> bool:
    """The run collects the whole suite (make test), not a file or a -k selection."""
    return (
        not config.option.keyword
        and not config.option.markexpr
        and not config.option.deselect
        and [Path(a).resolve() for a in config.args] == [ROOT / "tests"]
    )


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    problems.current_test = nodeid


# Tests that start processes behind nginx, browsers or the mini-program's Jest run on one pytest-xdist worker, one at a
# time: two of them at once on two cores make each slow enough to time out, and they share module-scoped stacks.
STACK_MODULES = ("test_nginx", "test_browser_", "test_miniprogram")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1].startswith(STACK_MODULES):
            item.add_marker(pytest.mark.xdist_group("stack"))


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """pytest-xdist: the controller gathers what each worker saw, for the whole-suite checks below."""
    from backend.kit.workflow import EXERCISED

    seen = getattr(node, "workeroutput", {})
    EXERCISED.update(tuple(move) for move in seen.get("exercised", []))
    for answer, test in seen.get("observed", []):
        problems.OBSERVED.setdefault(problems.Answer(*answer), test)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a whole-suite run in which some workflow move was taken by no test (backend.kit.workflow),
    or in which the app answered with a problem code its OpenAPI entry does not list (tests/problems.py)."""
    from backend.kit.workflow import EXERCISED, Coverage

    if _is_worker(session.config):  # a worker saw part of the suite: it hands that to the controller
        output = session.config.workeroutput  # type: ignore[attr-defined]
        output["exercised"] = sorted(EXERCISED)
        output["observed"] = [((a.method, a.path, a.status, a.code), test) for a, test in problems.OBSERVED.items()]
        return
    if exitstatus != 0 or not _whole_suite(session.config):
        return
    import backend.app  # noqa: F401  (every domain's workflows registered: under xdist this process ran no test)

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    missing = Coverage.now().missing
    if missing:
        lines = [f"  {name}: {source} --{action}-->" for name, source, action in missing]
        if reporter is not None:
            reporter.write_line("workflow moves no test took:\n" + "\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    undocumented = problems.undocumented(problems.OBSERVED)
    if undocumented:
        if reporter is not None:
            reporter.write_line(
                "problem codes answered but not in the operation's OpenAPI entry:\n" + problems.report(undocumented), red=True
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
