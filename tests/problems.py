"""Every problem+json answer the tests see, held against the OpenAPI entry of the operation that gave it.

``install()`` wraps ``Starlette.__call__`` for the test process, so each in-process client (httpx's
ASGI transport, schemathesis' own) is observed without changing the fixtures that build it. An
answer is kept as (method, route template, status, code); the template is the one the app's own
router matches, so it is the operation that answered. ``undocumented()`` lists the answers whose
code the document does not name under that status.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, Mount

from backend.kit.errors import PROBLEM_CONTENT_TYPE

_CONVERTOR = re.compile(r"\{(\w+):\w+\}")
_lock = threading.Lock()


@dataclass(frozen=True)
class Answer:
    method: str
    path: str  # the OpenAPI path of the operation, e.g. /api/v1/applications/{application_id}
    status: int
    code: str


# Each answer once, with the first test that saw it (for the failure message).
OBSERVED: dict[Answer, str] = {}
current_test = ""


@cache
def _document() -> dict[str, Any]:
    from backend.app import openapi_document

    return openapi_document()


def _is_yiwang(app: Starlette) -> bool:
    """Our application (backend.app.create_app), not a test-only app or a fake outside service."""
    return any(getattr(r, "path", None) == "/api/openapi.json" for r in app.routes)


def route_template(routes: Iterable[BaseRoute], method: str, path: str) -> str | None:
    """The OpenAPI path of the route the router would send this request to (None: no route for it)."""

    def walk(routes: Iterable[BaseRoute], scope: dict[str, Any], prefix: str) -> str | None:
        for route in routes:
            match, child = route.matches(scope)
            if match is Match.NONE:
                continue
            if isinstance(route, Mount):
                # Starlette does not fall through from a Mount that matched.
                return walk(route.routes, {**scope, **child}, prefix + route.path)
            if match is Match.FULL:
                return _CONVERTOR.sub(r"{\1}", prefix + getattr(route, "path", ""))
        return None

    return walk(routes, {"type": "http", "method": method, "path": path, "root_path": ""}, "")


def record(app: Starlette, method: str, path: str, status: int, code: str) -> None:
    template = route_template(app.routes, method, path)
    if template is None:
        return  # no operation answered (unknown address or method): nothing to hold it to
    answer = Answer("GET" if method == "HEAD" else method, template, status, code)
    with _lock:
        OBSERVED.setdefault(answer, current_test)


def undocumented(answers: Iterable[Answer], document: dict[str, Any] | None = None) -> list[Answer]:
    """The answers whose code the operation's OpenAPI entry does not list under their status."""
    paths = (document or _document())["paths"]
    missing = []
    for answer in answers:
        operation = paths.get(answer.path, {}).get(answer.method.lower())
        if operation is None:
            continue  # a plain route (the PWA, the docs page), not a declared operation
        response = operation["responses"].get(str(answer.status), {})
        if answer.code not in response.get("x-problem-codes", []):
            missing.append(answer)
    return missing


def report(answers: Iterable[Answer]) -> str:
    return "\n".join(f"  {a.method} {a.path} → {a.status} {a.code}   (seen in {OBSERVED.get(a, '?')})" for a in answers)


def install() -> None:
    """Observe every answer of our app in this process (idempotent)."""
    original = Starlette.__call__
    if getattr(original, "observed", False):
        return

    async def observed(self: Starlette, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _is_yiwang(self):
            await original(self, scope, receive, send)
            return
        seen: dict[str, Any] = {"status": 0, "problem": False, "body": b"", "gzip": False}

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                seen["problem"] = content_type.split(b";")[0].strip().decode() == PROBLEM_CONTENT_TYPE
                # Larger answers leave the app gzipped (backend/kit/compression.py).
                seen["gzip"] = dict(message.get("headers") or []).get(b"content-encoding", b"") == b"gzip"
            elif message["type"] == "http.response.body" and seen["problem"]:
                seen["body"] += message.get("body", b"")
            await send(message)

        try:
            await original(self, scope, receive, watch)
        finally:
            if seen["problem"]:
                try:
                    code = json.loads(gzip.decompress(seen["body"]) if seen["gzip"] else seen["body"])["code"]
                except (ValueError, KeyError, TypeError, OSError, EOFError):
                    code = "<no code>"
                record(self, scope["method"], scope["path"], seen["status"], code)

    observed.observed = True  # type: ignore[attr-defined]
    Starlette.__call__ = observed  # type: ignore[method-assign]
