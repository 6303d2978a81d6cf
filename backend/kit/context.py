"""Per-request context (request id, acting principal) carried through contextvars."""

from __future__ import annotations

import secrets
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("yiwang_request_id", default=None)


def new_request_id() -> str:
    return secrets.token_hex(8)


def current_request_id() -> str | None:
    return request_id_var.get()
