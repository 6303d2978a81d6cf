"""Serves the built PWA: hashed assets cached for a year, the shell and service worker never.

The build writes ``name.br`` and ``name.gz`` beside each compressible file (vite.config.ts); a
request that accepts one gets it with ``Content-Encoding`` and the compressed file's own ETag,
as nginx's ``gzip_static``/``brotli_static`` do in production.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

NO_CACHE = ("index.html", "sw.js", "registerSW.js", "manifest.webmanifest")
# Preferred first: brotli is 15-20 % smaller than gzip on our JavaScript.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str) -> set[str]:
    """The codings an Accept-Encoding header allows (q=0 refuses one; ``*`` stands for any)."""
    accepted: set[str] = set()
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding and q > 0:
            accepted.add(coding)
    if "*" in accepted:
        accepted |= {coding for coding, _ in PRECOMPRESSED}
    return accepted


class PWAFiles(StaticFiles):
    """Static files with cache headers per kind, precompressed variants and index.html for client-side routes."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path.startswith(("api/", "assets/")) or "." in Path(path).name:
                raise
            response = await super().get_response("index.html", scope)
            path = "index.html"
        if isinstance(response, (FileResponse, NotModifiedResponse)):
            if os.path.isdir(os.path.join(str(self.directory), path)):
                path = os.path.join(path, "index.html")
            response = await self._precompressed(path, scope) or response
        name = Path(path).name or "index.html"
        if path.startswith("assets/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif name in NO_CACHE or name.endswith(".html"):
            response.headers["Cache-Control"] = "no-cache"
        else:
            response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    async def _precompressed(self, path: str, scope: Scope) -> Response | None:
        """The ``.br`` or ``.gz`` twin of ``path`` the client accepts, or None to send the file as it is.

        Whenever a twin exists the answer varies by Accept-Encoding, so caches keep one copy per coding.
        """
        accepted = accepted_encodings(Headers(scope=scope).get("accept-encoding", ""))
        found: list[tuple[str, str, os.stat_result]] = []
        for coding, suffix in PRECOMPRESSED:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path + suffix)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                found.append((coding, full_path, stat_result))
        if not found:
            return None
        chosen = next((twin for twin in found if twin[0] in accepted), None)
        if chosen is None:
            # The plain file, still marked as one variant among several.
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path)
            assert stat_result is not None
            response = self.file_response(full_path, stat_result, scope)
            response.headers["Vary"] = "Accept-Encoding"
            return response
        coding, full_path, stat_result = chosen
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        plain = FileResponse(full_path, stat_result=stat_result, media_type=media_type)
        plain.headers["Content-Encoding"] = coding
        plain.headers["Vary"] = "Accept-Encoding"
        if self.is_not_modified(plain.headers, Headers(scope=scope)):
            return NotModifiedResponse(plain.headers)
        return plain
