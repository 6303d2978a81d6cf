"""File storage behind a small interface: a local directory now, object storage later.

Files are addressed by their SHA-256, so an identical photo is stored once. Writes go to a
temporary file and are renamed into place, so a crash never leaves half a file under a real name.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...
    async def keys(self) -> list[str]: ...
    def relative_path(self, key: str) -> str:
        """Where the file sits below the media root (what nginx's internal location serves)."""
        return f"{key[:2]}/{key}"

    def local_path(self, key: str) -> Path | None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("storage keys are flat names chosen by the server")
        return self.root / key[:2] / key

    def relative_path(self, key: str) -> str:
        """Where the file sits below the media root (what nginx's internal location serves)."""
        return f"{key[:2]}/{key}"

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return await asyncio.to_thread(path.read_bytes) if path.is_file() else None

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def keys(self) -> list[str]:
        def walk() -> list[str]:
            return [p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")]

        return await asyncio.to_thread(walk)
