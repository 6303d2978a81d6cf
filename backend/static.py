"""Serves the built PWA: hashed assets cached for a year, the shell and service worker never."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

NO_CACHE = ("index.html", "sw.js", "registerSW.js", "manifest.webmanifest")


class PWAFiles(StaticFiles):
    """Static files with cache headers per kind and index.html for client-side routes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path.startswith(("api/", "assets/")) or "." in Path(path).name:
                raise
            response = await super().get_response("index.html", scope)
            path = "index.html"
        name = Path(path).name or "index.html"
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif name in NO_CACHE or name.endswith(".html"):
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response
