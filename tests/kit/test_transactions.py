"""One transaction helper: commit, roll back, nested use is a savepoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.kit.models import IdempotencyRecord
from backend.kit.transactions import transaction


def _record(key: str) -> dict:
    return dict(scope="t", key=key, request_hash="h", state="done", locked_until=datetime.now(UTC))


async def test_committed_work_is_kept(resources):
    async with transaction():
        await IdempotencyRecord.create(**_record("a"))
    assert await IdempotencyRecord.filter(key="a").exists()


async def test_error_rolls_back_everything(resources):
    with pytest.raises(RuntimeError):
        async with transaction():
            await IdempotencyRecord.create(**_record("a"))
            raise RuntimeError("boom")
    assert not await IdempotencyRecord.filter(key="a").exists()


async def test_nested_failure_rolls_back_only_the_savepoint(resources):
    async with transaction():
        await IdempotencyRecord.create(**_record("outer"))
        with pytest.raises(RuntimeError):
            async with transaction():
                await IdempotencyRecord.create(**_record("inner"))
                raise RuntimeError("inner fails")
        await IdempotencyRecord.create(**_record("after"))
    keys = set(await IdempotencyRecord.all().values_list("key", flat=True))
    assert keys == {"outer", "after"}


async def test_outer_failure_rolls_back_committed_savepoint(resources):
    with pytest.raises(RuntimeError):
        async with transaction():
            async with transaction():
                await IdempotencyRecord.create(**_record("inner"))
            raise RuntimeError("outer fails")
    assert await IdempotencyRecord.all().count() == 0
