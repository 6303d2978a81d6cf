"""The one way to open a transaction; nested use becomes a savepoint. Work can wait for the commit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections
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
        async with _outermost() as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    for callback in callbacks:  # committed: now the rows are visible to everyone
        await _run(callback)


@asynccontextmanager
async def _outermost() -> AsyncIterator[BaseDBAsyncClient]:
    """tortoise's ``in_transaction``, safe when PostgreSQL drops the connection under it.

    tortoise 1.1.9 gets two things wrong then. When BEGIN fails it keeps the connection out of
    the pool and leaves the task pointed at the dead transaction. When handing the broken
    connection back to the pool fails (asyncpg then closes it itself), it raises even after a
    COMMIT that went through, and again leaves the task pointed at the dead transaction, so
    every later query of the request fails with "connection has been released back to the pool".
    """
    ctx = in_transaction("default")
    if not isinstance(ctx, TransactionContextPooled):  # SQLite: one connection, nothing to hand back
        async with ctx as conn:
            yield conn
        return
    try:
        conn = await ctx.__aenter__()
    except BaseException:
        await _abandon(ctx)
        raise
    try:
        yield conn
    except BaseException as exc:
        try:
            await ctx.__aexit__(type(exc), exc, exc.__traceback__)
        except Exception:  # the ROLLBACK on a dead connection: the first error is the one to report
            log.warning("rolling back on a broken database connection failed", exc_info=True)
        finally:
            _point_back(ctx)
        raise
    try:
        await ctx.__aexit__(None, None, None)
    except Exception:
        _point_back(ctx)
        if not ctx.client._finalized:  # the COMMIT itself failed: the work is not done
            raise
        log.warning("handing a broken database connection back to the pool failed after COMMIT", exc_info=True)


async def _abandon(ctx: TransactionContextPooled) -> None:
    """Undo a half-entered transaction: the connection back to the pool, the task pointed back."""
    if getattr(ctx, "token", None) is None:  # failed before it took a connection
        return
    try:
        await ctx.client._parent._pool.release(ctx.client._connection)
    except Exception:  # asyncpg closes a connection it cannot reset, which frees its pool slot
        log.warning("handing a broken database connection back to the pool failed", exc_info=True)
    _point_back(ctx)


def _point_back(ctx: TransactionContext) -> None:
    token = getattr(ctx, "token", None)
    if token is not None and not token._used:
        get_connections().reset(token)


def is_open() -> bool:
    """Whether this task is inside ``transaction()``."""
    return _after_commit.get() is not None


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
