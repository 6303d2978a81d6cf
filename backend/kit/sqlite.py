"""tortoise-orm's SQLite client with transactions that take the write lock when they begin.

Several processes may share one SQLite file (the app behind nginx with two processes, a worker beside
the server). tortoise begins a transaction with a plain (deferred) ``BEGIN``: it reads from a
snapshot and asks for the write lock only at its first write. In WAL mode, when another process
has committed since that snapshot, the write fails at once with "database is locked"
(SQLITE_BUSY_SNAPSHOT) — ``busy_timeout`` cannot help, because waiting would not make the snapshot
current. ``BEGIN IMMEDIATE`` takes the write lock first (waiting up to ``busy_timeout``), so a
transaction never has to upgrade. Inside one process nothing changes: tortoise already runs every
query of the SQLite client through one connection under one lock. The engine is chosen in
``backend.kit.db`` (this module's name must contain "sqlite": tortoise's migrations pick their
schema editor by it).
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
