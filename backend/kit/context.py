"""Per-request context (request id, acting principal) carried through contextvars."""

from __future__ import annotations

import random
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("yiwang_request_id", default=None)


def new_request_id() -> str:
    # Request ids correlate log lines; they are not secrets, so no system entropy per request.
    return f"{random.getrandbits(64):016x}"


def current_request_id() -> str | None:
    return request_id_var.get()
