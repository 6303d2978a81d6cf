"""gzip for API answers, as nginx does in production; the PWA's files come precompressed (backend/static.py).

What is never compressed here, and why:
- answers that carry a secret an attacker could guess byte by byte from compressed lengths
  (BREACH): the session token and CSRF token of the login answers under ``/api/v1/auth/``
  (nginx.conf turns its gzip off there too);
- the live stream (``text/event-stream``: each event must leave at once), photos and other
  already-compressed media (Starlette's excluded types), and bodies under 512 bytes (most
  problem+json answers: not worth the CPU on either side).
Other problem+json answers are compressed like any JSON: they carry no secret.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# Login and second-factor answers carry the session and CSRF tokens (auth/routes.py SessionOut).
SECRET_PREFIXES = ("/api/v1/auth/",)
MINIMUM_SIZE = 512  # nginx.conf gzip_min_length
LEVEL = 6  # nginx's level 5-6: most of level 9's gain for a third of its CPU


class ApiCompressionMiddleware:
    """Starlette's GZipMiddleware on ``/api/`` answers, except the ones that carry secrets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE, compresslevel=LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/api/") and not path.startswith(SECRET_PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
