"""Races on every uniqueness rule: 50 requests at once, one winner, the rest a 4xx problem, never a 5xx.

Requests go through the real app in-process. On PostgreSQL they run on the pool's connections at
the same time, so the database decides the race; on SQLite the one connection serialises
statements, so the same tests check the application's own check-then-write windows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Iterable

import httpx

from tests.notifications.conftest import *  # noqa: F401,F403  (fake WeChat/SMS/Web Push, client, resident, approver)

N = 50


async def race(requests: Iterable[Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*requests))


def outcome(answers: list[httpx.Response]) -> Counter:
    """status (and problem code) → how many, for readable assertion messages."""
    return Counter(
        f"{r.status_code} {r.json().get('code')}"
        if r.headers.get("content-type", "").startswith("application/problem+json")
        else str(r.status_code)
        for r in answers
    )


def assert_no_5xx(answers: list[httpx.Response]) -> None:
    failures = [r.text for r in answers if r.status_code >= 500]
    assert not failures, failures[:3]


def assert_one_winner(answers: list[httpx.Response], *, status: int, losers: dict[int, set[str]]) -> httpx.Response:
    """Exactly one answer with ``status``; every other one a problem+json with an allowed status and code."""
    assert_no_5xx(answers)
    winners = [
        r for r in answers if r.status_code == status and not r.headers.get("content-type", "").startswith("application/problem+json")
    ]
    assert len(winners) == 1, outcome(answers)
    for r in answers:
        if r is winners[0]:
            continue
        assert r.status_code in losers, outcome(answers)
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["code"] in losers[r.status_code], outcome(answers)
    return winners[0]


async def race_with_inserts_held(
    settings, table: str, requests: Iterable[Awaitable[httpx.Response]], *, hold: float = 0.5
) -> list[httpx.Response]:
    """Like ``race``, but on PostgreSQL inserts into ``table`` wait until every request has read.

    A fast check-then-insert lets the first request commit before the others look, so they never
    collide in-process. Holding a lock that blocks INSERT but not SELECT makes all of them find
    nothing and then insert at once: the race a busy server has.
    """
    if not settings.database_url.startswith("postgres"):
        return await race(requests)
    import asyncpg

    conn = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://", 1))
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
        pending = asyncio.ensure_future(race(requests))
        await asyncio.sleep(hold)
        await transaction.rollback()
        return await pending
    finally:
        await conn.close()
