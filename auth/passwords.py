"""Password hashing for staff accounts (scrypt from the standard library), off the event loop."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

_N, _R, _P = 2**14, 8, 1
# One scrypt takes ~30 ms of CPU and 16 MB: at most one per core at once (max 4), the rest
# queue. The global attempt budget in service.py keeps that queue short.
HASH_THREADS = min(os.cpu_count() or 2, 4)


@functools.cache
def _workers() -> ThreadPoolExecutor:
    # A private pool, not asyncio.to_thread: its size is the bound, it is not tied to one event
    # loop, and queued hashes never take the default pool's threads from file and image work.
    return ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="scrypt")


def _scrypt(password: str, salt: bytes, n: int = _N, r: int = _R, p: int = _P) -> bytes:
    # hashlib.scrypt releases the GIL, so the event loop keeps running while a worker hashes.
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_workers(), fn, *args)


async def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = await _off_loop(_scrypt, password, salt)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _check(password: str, stored: str | None) -> bool:
    if not stored:
        # Same work as a real check, so timing does not tell whether the account exists.
        _scrypt(password, b"0" * 16)
        return False
    try:
        _, n, r, p, salt, digest = stored.split("$")
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


async def check_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; with nothing stored, the same work and False."""
    return await _off_loop(_check, password, stored)
