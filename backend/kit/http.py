"""HTTP plumbing: request id and access log, default response headers, body size limit, problem+json errors."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.kit import errors, resources
from backend.kit.context import new_request_id, request_id_var
from backend.kit.netaddr import network_of

access_log = logging.getLogger("yiwang.access")
error_log = logging.getLogger("yiwang.error")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CLIENT_CLOSED = 499  # nginx's status for "client closed request": nothing was answered

# The PWA's policy; nginx.conf sends the same one for the files it serves itself (keep them equal:
# tests/test_nginx.py compares them).
PWA_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# API answers are data, never pages: nothing in them may run or be framed. img-src: a photo opened
# on its own is an image document, which some browsers would otherwise refuse to show.
API_CSP = "default-src 'none'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Same-origin only: page addresses (/track/<number>) must not reach other sites as a Referer.
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(self)"),
)


def with_default_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add the security headers, and ``no-store`` for API answers, unless the response set its own."""
    present = {name.lower() for name, _ in headers}
    api = path.startswith("/api/")
    defaults = [*SECURITY_HEADERS, (b"content-security-policy", (API_CSP if api else PWA_CSP).encode())]
    if api:
        # Almost every API answer is personal (profile, cases, ID numbers in prefill): no cache,
        # shared or private, may keep one. A route that is safe to cache says so itself.
        defaults.append((b"cache-control", b"no-store"))
    return headers + [(name, value) for name, value in defaults if name not in present]


class RequestContextMiddleware:
    """Assigns the request id (or keeps a sane incoming X-Request-ID) and writes the access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        # The app's typed lifespan state carries the resources; this request's services reach them through it.
        bound = resources.bind((scope.get("state") or {}).get("resources"))
        started = time.perf_counter()
        status = 500

        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                headers = with_default_headers(scope["path"], list(message.get("headers", [])))
                message["headers"] = headers + [(b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # A phone that lost its signal mid-upload: nobody is left to answer and nothing failed here.
            if not started_response:
                status = CLIENT_CLOSED
            access_log.info("client aborted the request", extra={"method": scope["method"], "path": scope["path"]})
        except Exception as exc:
            # Answer here, inside the request's context, so the reply carries the request id.
            error_log.error("unhandled exception", exc_info=exc)
            if started_response:
                raise
            await _send_problem(scope, send_with_id, errors.InternalError(request_id=request_id))
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
            resources.unbind(bound)


class BodyLimitMiddleware:
    """Answers 413 for bodies over the limit, by Content-Length or while chunks arrive."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # path prefix → limit, for upload routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next((n for prefix, n in self.larger.items() if scope["path"].startswith(prefix)), self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit or declared < 0:
                    await _send_problem(scope, send, errors.PayloadTooLarge(limit=limit) if declared >= 0 else errors.MalformedRequest())
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise errors.PayloadTooLarge(limit=limit)
            return message

        await self.app(scope, limited_receive, send)


def client_network(request: Request) -> str:
    """The client's address for per-address limits: IPv6 by its /64, which one subscriber gets whole."""
    return network_of(request.client.host if request.client else "")


async def _send_problem(scope: Scope, send: Send, error: errors.ServiceError) -> None:
    request = Request(scope)
    response = problem_response(request, error)
    await response(scope, _drain, send)


async def _drain() -> Message:
    return {"type": "http.disconnect"}


def problem_response(request: Request, error: errors.ServiceError) -> Response:
    english = errors.wants_english(request.headers.get("accept-language"))
    body = error.problem(english=english, instance=request.url.path)
    headers = {"Content-Language": "en" if english else "zh-CN", "Cache-Control": "no-store", **error.headers}
    return JSONResponse(body, status_code=error.status, headers=headers, media_type=errors.PROBLEM_CONTENT_TYPE)


async def service_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ServiceError)
    return problem_response(request, exc)


_HTTP_ERRORS: dict[int, type[errors.ServiceError]] = {
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kind = _HTTP_ERRORS.get(exc.status_code)
    if kind is errors.PayloadTooLarge:
        error: errors.ServiceError = errors.PayloadTooLarge(limit="?")
    elif kind is not None:
        error = kind()
    else:
        error = errors.MalformedRequest()
    response = problem_response(request, error)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def exception_handlers() -> dict[Any, Any]:
    return {
        errors.ServiceError: service_error_handler,
        HTTPException: http_exception_handler,
    }
