"""The one way to open a transaction; nested use becomes a savepoint. Work can wait for the commit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

log = logging.getLogger("yiwang.transactions")

AfterCommit = Callable[[], Awaitable[None]]
# The callbacks of the outermost open transaction of this task (None: no transaction open).
_after_commit: ContextVar[list[AfterCommit] | None] = ContextVar("yiwang_after_commit", default=None)


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """``async with transaction() as conn:`` — commit on success, roll back on error.

    Inside an open transaction this opens a savepoint instead, so a service may call another
    service that opens its own transaction and a failure rolls back only the inner part.
    Queries made inside the block run on the transaction's connection without passing it.
    """
    pending = _after_commit.get()
    if pending is not None:  # a savepoint: its callbacks go if it rolls back
        mark = len(pending)
        try:
            async with in_transaction("default") as conn:
                yield conn
        except BaseException:
            del pending[mark:]
            raise
        return
    callbacks: list[AfterCommit] = []
    token = _after_commit.set(callbacks)
    try:
        async with in_transaction("default") as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    for callback in callbacks:  # committed: now the rows are visible to everyone
        await _run(callback)


def after_commit(callback: AfterCommit) -> None:
    """Run ``callback`` once the outermost transaction commits; never if it rolls back.

    For signals about rows (wake a worker, publish to a live stream) that must not arrive
    before the rows are visible to other connections. Outside a transaction it is only queued
    if one is open, so callers must be inside ``transaction()``.
    """
    pending = _after_commit.get()
    if pending is None:
        raise RuntimeError("after_commit() needs an open transaction()")
    pending.append(callback)


async def _run(callback: AfterCommit) -> None:
    try:
        await callback()
    except Exception:  # a signal lost is recovered by polling; the commit stands
        log.exception("after-commit callback failed")
