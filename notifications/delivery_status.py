"""A delivery's status (发送状态): the table of allowed moves and the only code that writes it.

pending → sending (claim) → sent | pending (retry) | dead | failed; dead/failed → pending when an
admin resends. Every writer puts the move's allowed sources (and, for a claimed row, the claim
token) in its UPDATE's WHERE, so an illegal or stale move changes no row and returns 0.
Deliveries keep this small table instead of the workflow engine because the dispatcher's hot
path must stay one statement per claim and per batch of sent outcomes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from tortoise import connections
from tortoise.expressions import Case, F, Subquery, When

from backend.kit import db
from backend.kit.transactions import transaction
from notifications.models import Delivery


class Move(NamedTuple):
    sources: tuple[str, ...]
    target: str
    owned: bool  # only the worker holding the claim (its token) may make it


INITIAL = "pending"
MOVES: dict[str, Move] = {
    "claim": Move(("pending", "sending"), "sending", owned=False),  # from sending: its lease ran out
    "sent": Move(("sending",), "sent", owned=True),
    "retry": Move(("sending",), "pending", owned=True),
    "dead": Move(("sending",), "dead", owned=True),
    "failed": Move(("sending",), "failed", owned=True),
    "resend": Move(("dead", "failed"), "pending", owned=False),
}


def _status_is(column: str, statuses: tuple[str, ...]) -> str:
    """SQL for "``column`` is one of ``statuses``" (the table's own constants, never input)."""
    if len(statuses) == 1:
        return f"{column} = '{statuses[0]}'"
    return f"{column} IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


_CLAIM, _SENT = MOVES["claim"], MOVES["sent"]

# Expired leases first, then due rows by due time: a killed worker's rows are sent again about
# a lease after it died, not behind a backlog of rows that became due before its lease ran out.
# Two locking scans (not one ORDER BY over a CASE) so each walks the (status, next_attempt_at) index.
_PG_CLAIM = f"""
WITH expired AS (
    SELECT id FROM notification_delivery
    WHERE status = '{_CLAIM.target}' AND next_attempt_at <= $3
    ORDER BY next_attempt_at LIMIT $4
    FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id FROM notification_delivery
    WHERE {_status_is("status", tuple(s for s in _CLAIM.sources if s != _CLAIM.target))} AND next_attempt_at <= $3
    ORDER BY next_attempt_at LIMIT GREATEST(0, $4 - (SELECT count(*) FROM expired))
    FOR UPDATE SKIP LOCKED
)
UPDATE notification_delivery SET status = '{_CLAIM.target}', claimed_by = $1, next_attempt_at = $2, attempts = attempts + 1
WHERE id IN (SELECT id FROM expired UNION ALL SELECT id FROM due)
RETURNING id, notification_id, channel, attempts
"""

_PG_SENT = f"""
UPDATE notification_delivery AS d
SET status = '{_SENT.target}', sent_at = $4, provider_message_id = v.message_id, last_error = NULL
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, token, message_id)
WHERE d.id = v.id AND d.claimed_by = v.token AND {_status_is("d.status", _SENT.sources)}
"""


def new(*, notification_id: int, channel: str, next_attempt_at: datetime, created_at: datetime) -> Delivery:
    """An unsaved delivery in its first status (for ``bulk_create``)."""
    return Delivery(
        notification_id=notification_id, channel=channel, status=INITIAL, next_attempt_at=next_attempt_at, created_at=created_at
    )


async def create(*, notification_id: int, channel: str, next_attempt_at: datetime, created_at: datetime) -> Delivery:
    """A saved delivery in its first status."""
    delivery = new(notification_id=notification_id, channel=channel, next_attempt_at=next_attempt_at, created_at=created_at)
    await delivery.save()
    return delivery


async def claim(*, token: str, lease_end: datetime, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Stamp up to ``limit`` due deliveries with ``token`` (sending until ``lease_end``); returns them."""
    if db.dialect() == "postgres":
        # One statement: lock due rows others have not locked, stamp them, hand them back.
        # (execute_query_dict: tortoise's execute_query returns no rows for an UPDATE … RETURNING)
        return await connections.get("default").execute_query_dict(_PG_CLAIM, [token, lease_end, now, limit])
    # SQLite has no row locks: one UPDATE statement takes the write lock and the rows at
    # once, so two processes on one file cannot both claim a row (nor deadlock upgrading a read).
    due = (
        Delivery.filter(status__in=_CLAIM.sources, next_attempt_at__lte=now)
        .annotate(renewal=Case(When(status=_CLAIM.target, then="0"), default="1"))  # expired leases first, as on PostgreSQL
        .order_by("renewal", "next_attempt_at")
        .limit(limit)
    )
    claimed = await Delivery.filter(id__in=Subquery(due.values("id"))).update(
        status=_CLAIM.target, claimed_by=token, next_attempt_at=lease_end, attempts=F("attempts") + 1
    )
    if not claimed:
        return []
    return await Delivery.filter(claimed_by=token, status=_CLAIM.target).values("id", "notification_id", "channel", "attempts")


async def record_sent(items: list[tuple[int, str, str]], *, now: datetime) -> int:
    """Mark ``(delivery id, claim token, provider message id)`` items sent, each only if still claimed by that token."""
    if db.dialect() == "postgres":
        updated, _ = await connections.get("default").execute_query(
            _PG_SENT, [[i for i, _, _ in items], [t for _, t, _ in items], [m for _, _, m in items], now]
        )
        return updated
    updated = 0
    async with transaction():
        for delivery_id, token, message_id in items:
            updated += await move(
                "sent", delivery_id=delivery_id, token=token, sent_at=now, provider_message_id=message_id, last_error=None
            )
    return updated


async def move(name: str, *, delivery_id: int, token: str | None = None, **columns: Any) -> int:
    """Make move ``name`` on one delivery if its status allows it (and ``token`` holds its claim); returns rows moved.

    ``columns`` are the other columns the move writes (last error, next attempt, …).
    """
    if name == "claim":
        raise ValueError("claims take due rows: use claim()")
    if "status" in columns:
        raise ValueError("the move decides the status")
    rule = MOVES[name]
    if rule.owned and token is None:
        raise ValueError(f"move {name!r} needs the claim token")
    rows = Delivery.filter(id=delivery_id, status__in=rule.sources)
    if rule.owned:
        rows = rows.filter(claimed_by=token)
    return await rows.update(status=rule.target, **columns)
