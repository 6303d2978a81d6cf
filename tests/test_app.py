"""The real app: probes, OpenAPI document, docs page, PWA fallback."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Mount, Route

from backend.app import create_app
from tests.conftest import make_settings


async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_readyz_checks_database_broker_and_migrations(client):
    r = await client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("status", "database", "broker", "migrations", "down")} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "migrations": "ok",
        "down": [],
    }
    # Whether a restart of the broker would reset the rate limits (README, operations notes).
    assert body["broker_persistence"] == "none (in-process)" or body["broker_persistence"] in ("aof", "rdb", "aof+rdb", "none")


async def test_readyz_is_503_when_redis_is_unreachable(tmp_path, sqlite_template):
    import shutil

    db = tmp_path / "db.sqlite3"
    shutil.copy(sqlite_template, db)
    app = create_app(make_settings(f"sqlite://{db}", "redis://127.0.0.1:1/0", tmp_path))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["broker"].startswith("error")
    assert r.json()["database"] == "ok"
    assert r.json()["down"] == ["broker"]
    assert r.headers["Retry-After"] == "5"


async def test_readyz_is_503_until_migrations_are_applied(tmp_path):
    app = create_app(make_settings(f"sqlite://{tmp_path / 'empty.sqlite3'}", None, tmp_path))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["migrations"].startswith("pending: ")
    assert "kit.0001_initial" in r.json()["migrations"]


def _served_operations(app) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(routes, prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount) and route.routes:
                walk(route.routes, prefix + route.path)
            elif isinstance(route, Route) and route.path not in ("/api/openapi.json", "/api/docs", "/"):
                for method in route.methods or ():
                    if method != "HEAD":
                        found.add((method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)))

    walk(app.routes, "")
    return found


async def test_openapi_documents_exactly_the_served_operations(client, app):
    document = (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == _served_operations(app)
    assert "Problem" in document["components"]["schemas"]


async def test_docs_page_renders_without_outside_assets(client):
    r = await client.get("/api/docs")
    assert r.status_code == 200
    assert "/api/openapi.json" in r.text
    assert "http://" not in r.text and "https://" not in r.text


async def test_unknown_api_path_is_problem_not_the_pwa(client):
    r = await client.get("/api/v2/anything")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_pwa_shell_and_client_side_routes_are_served_with_cache_rules(pwa_dist, client):
    index = await client.get("/")
    assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
    deep = await client.get("/services")
    assert deep.status_code == 200 and deep.text == index.text
    sw = await client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["cache-control"] == "no-cache"
    assert (await client.get("/missing.png")).status_code == 404


async def test_access_log_is_one_json_object_with_the_request_id(client):
    import io
    import json
    import logging

    from backend.kit.logs import JSONFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("yiwang.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        r = await client.get("/healthz", headers={"x-request-id": "trace-42"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == r.headers["x-request-id"] == "trace-42"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
    assert entry["time"].endswith("Z") and entry["duration_ms"] >= 0
