"""Finds the request's session (Bearer token or cookie) and enforces CSRF for cookie sessions."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from auth import sessions
from auth.errors import CsrfFailed
from backend.kit.http import problem_response

SESSION_COOKIE = "yiwang_session"
CSRF_COOKIE = "yiwang_csrf"
CSRF_HEADER = "x-csrf-token"
REVOKED = "yiwang.session_revoked"  # scope key: the request's token was signed out from another device
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# The two ways a request carries its session, as the OpenAPI document declares them.
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Apps and the mini-program: the `token` from a login with transport=bearer.",
    },
    "session_cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The PWA: the HttpOnly cookie set by a login with transport=cookie.",
    },
    "csrf_token": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "With the cookie, on POST/PUT/DELETE: the `csrf_token` of the login (also in the yiwang_csrf cookie).",
    },
}


def security_requirements(method: str) -> tuple[dict[str, list[str]], ...]:
    """Bearer token, or the cookie (plus the CSRF header when the method changes something)."""
    cookie: dict[str, list[str]] = {"session_cookie": []} if method in SAFE_METHODS else {"session_cookie": [], "csrf_token": []}
    return ({"bearer": []}, cookie)


def _token(scope: Scope) -> tuple[str | None, str | None]:
    """(token, how it came): the Authorization header wins over the cookie."""
    cookie_header = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip(), "bearer"
        elif name == b"cookie":
            cookie_header = value.decode("latin-1")
    if cookie_header:
        for part in cookie_header.split(";"):
            key, _, val = part.strip().partition("=")
            if key == SESSION_COOKIE and val:
                return val, "cookie"
    return None, None


class SessionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        token, transport = _token(scope)
        if token is not None and len(token) <= 128:
            info = await sessions.resolve(token)
            if info is not None and info.transport == transport:
                if transport == "cookie" and scope["method"] not in SAFE_METHODS:
                    sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == CSRF_HEADER.encode()), "")
                    if not hmac.compare_digest(sent.encode(), info.csrf_token.encode()):
                        await problem_response(Request(scope), CsrfFailed())(scope, receive, send)
                        return
                scope["yiwang.session"] = info
                scope["yiwang.principal"] = f"account:{info.account_id}" if info.account_id else f"person:{info.person_id}"
            elif info is None and await sessions.signed_out_elsewhere(token):
                scope[REVOKED] = True
        await self.app(scope, receive, send)
