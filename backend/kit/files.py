"""Answering with a stored file: by the app itself, or handed to nginx with X-Accel-Redirect.

Behind nginx (``YIWANG_ACCEL_REDIRECT_PREFIX`` set, e.g. ``/_media/``), the app only decides
who may read the file; nginx sends the bytes from its ``internal`` location, so a large photo
never ties up an app process.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, Response

from backend.kit.resources import current


def file_response(path: Path, *, media_type: str, cache: str) -> Response:
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"}
    prefix = current().settings.accel_redirect_prefix
    if prefix:
        relative = path.relative_to(current().settings.media_dir)
        return Response(
            status_code=200, media_type=media_type, headers=headers | {"X-Accel-Redirect": prefix.rstrip("/") + "/" + relative.as_posix()}
        )
    return FileResponse(path, media_type=media_type, headers=headers)
