"""The one way to open a transaction; nested use becomes a savepoint."""

from __future__ import annotations

from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction


def transaction() -> TransactionContext:
    """``async with transaction() as conn:`` — commit on success, roll back on error.

    Inside an open transaction this opens a savepoint instead, so a service may call another
    service that opens its own transaction and a failure rolls back only the inner part.
    Queries made inside the block run on the transaction's connection without passing it.
    """
    return in_transaction("default")
