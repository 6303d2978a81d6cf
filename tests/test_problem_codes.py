"""Meta-tests: every problem code a route answers is in its OpenAPI entry; every route says who may call it.

The whole-suite check (tests/conftest.py ``pytest_sessionfinish``) holds every answer any test saw to
the document; these tests exercise that machinery on a few requests, so it is tested in partial runs too.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from backend.app import _apis, create_app, openapi_document
from backend.kit.api import API, access
from tests import problems
from tests.conftest import make_settings
from tests.problems import Answer

PLAIN_PUBLIC = {
    # Plain routes outside the declared API: the document itself, its viewer and the PWA's static files.
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/"),
}


async def test_answers_are_recorded_against_their_operation_and_documented(client):
    sent = [
        (await client.get("/api/v1/services/NOSUCHITEM"), Answer("GET", "/api/v1/services/{code}", 404, "catalog.service_not_found")),
        (await client.get("/api/v1/me"), Answer("GET", "/api/v1/me", 401, "auth.not_authenticated")),
        (
            await client.post("/api/v1/auth/sms/send", content=b"{", headers={"content-type": "application/json"}),
            Answer("POST", "/api/v1/auth/sms/send", 400, "request.malformed_json"),
        ),
        (
            await client.get("/api/v1/applications/12/qr.svg"),
            Answer("GET", "/api/v1/applications/{application_id}/qr.{kind}", 401, "auth.not_authenticated"),
        ),
    ]
    for response, answer in sent:
        assert (response.status_code, response.json()["code"]) == (answer.status, answer.code)
        assert answer in problems.OBSERVED
    assert problems.undocumented([answer for _, answer in sent]) == []


async def test_an_answer_no_operation_gave_is_not_held_to_one(client):
    before = set(problems.OBSERVED)
    r = await client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert not [a for a in set(problems.OBSERVED) - before if a.path.startswith("/api/v1/no-such")]


def test_a_code_or_status_missing_from_the_entry_is_reported():
    wrong_code = Answer("GET", "/api/v1/services/{code}", 404, "application.not_found")
    wrong_status = Answer("GET", "/api/v1/services/{code}", 409, "catalog.service_not_found")
    right = Answer("GET", "/api/v1/services/{code}", 404, "catalog.service_not_found")
    assert problems.undocumented([wrong_code, wrong_status, right]) == [wrong_code, wrong_status]


def test_the_document_lists_each_status_codes():
    submit = openapi_document()["paths"]["/api/v1/applications/{application_id}/submit"]["post"]["responses"]
    assert {"idempotency.key_missing", "idempotency.key_invalid"} <= set(submit["400"]["x-problem-codes"])
    assert "application.materials_missing" in submit["422"]["x-problem-codes"]


def _app(tmp_path) -> Starlette:
    return create_app(make_settings(f"sqlite://{tmp_path / 'unused.sqlite3'}", None, tmp_path))


def test_the_router_names_the_template_of_the_route_that_answers(tmp_path):
    routes = _app(tmp_path).routes
    assert problems.route_template(routes, "GET", "/api/v1/applications/12/qr.svg") == "/api/v1/applications/{application_id}/qr.{kind}"
    assert problems.route_template(routes, "GET", "/api/v1/services/000105001000") == "/api/v1/services/{code}"
    assert problems.route_template(routes, "GET", "/readyz") == "/readyz"
    assert problems.route_template(routes, "GET", "/api/v1/applications/x12") is None


# ---- who may call each route ---------------------------------------------------------------------


def _routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            found += _routes(route.routes, prefix + route.path)
        elif isinstance(route, Mount):
            found.append(("GET", prefix + route.path or "/"))
        elif isinstance(route, Route):
            found += [(m, prefix + route.path) for m in sorted(route.methods or {"GET"}) if m != "HEAD"]
    return found


def undeclared(app: Starlette, apis: list[API]) -> list[str]:
    """Routes of the app that neither name who may call them (requires(...)) nor say anyone may."""
    operations = {(op.method, api.prefix + op.path): op for api in apis for op in api.operations}
    problems_found = []
    for method, path in _routes(app.routes):
        op = operations.get((method, path))
        if op is None:
            if (method, path) not in PLAIN_PUBLIC:
                problems_found.append(f"{method} {path}: a plain route; declare it through backend.kit.api")
        elif len(access(op)) != 1:
            problems_found.append(
                f"{method} {path}: declares who may call it {len(access(op))} times (wrappers=[requires(...)] or [anyone])"
            )
    return problems_found


def test_every_route_declares_who_may_call_it(tmp_path):
    app = _app(tmp_path)
    assert len(_routes(app.routes)) > 50
    assert undeclared(app, list(_apis())) == []


def test_a_route_without_a_declaration_is_found():
    api = API(prefix="/api/v1")

    @api.get("/forgotten", summary="No one said who may call this")
    async def forgotten(request):
        return {}

    app = Starlette(routes=[*api.mount(), Route("/extra", forgotten)])
    assert undeclared(app, [api]) == [
        "GET /api/v1/forgotten: declares who may call it 0 times (wrappers=[requires(...)] or [anyone])",
        "GET /extra: a plain route; declare it through backend.kit.api",
    ]
