"""A page of cases costs a fixed number of database queries, whatever its size."""

from __future__ import annotations

import logging

import pytest

from backend.kit.context import current_request_id
from tests.applications.test_applications import submitted
from tests.applications.test_workflow_moves import STAFF


class QueryCounter(logging.Handler):
    """Counts the statements tortoise's database clients log (one debug line per query) for the request."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if current_request_id() is None:  # a background task's query (the audit chainer), not the request's
            return
        text = record.getMessage()
        if any(text.lstrip().upper().startswith(verb) for verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(text)


async def _count(client, path: str, headers: dict) -> int:
    logger = logging.getLogger("tortoise.db_client")
    counter, level = QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        r = await client.get(path, headers=headers)
        assert r.status_code == 200, r.text
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return len(counter.statements)


@pytest.mark.parametrize("path", ["/api/v1/applications", STAFF])
async def test_a_list_costs_the_same_queries_for_one_case_and_for_many(client, resident, approver, path):
    from backend.applications.models import Application

    await submitted(client, resident)
    headers = resident if path == "/api/v1/applications" else approver
    one = await _count(client, path, headers)
    template = await Application.first()
    for _ in range(6):  # more submitted cases of the same resident, as the queue would hold them
        await Application.create(**{k: v for k, v in template.__dict__.items() if not k.startswith("_") and k not in ("id", "tracking_no")})
    many = await _count(client, path, headers)
    assert one > 0 and many == one, (one, many)
