"""A delivery's status moves only as its table allows: every move works, every other move changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from notifications import delivery_status
from notifications.delivery_status import INITIAL, MOVES
from notifications.models import DELIVERY_STATUSES, Delivery, Notification


async def a_delivery() -> Delivery:
    now = datetime.now(UTC)
    n = await Notification.create(person_id=1, event="case.accepted", dedupe_key="t:status", title="t", body="b", created_at=now)
    return await delivery_status.create(notification_id=n.id, channel="sms", next_attempt_at=now, created_at=now)


async def claim(token: str) -> list[int]:
    """Claim everything, as if every lease had run out."""
    future = datetime.now(UTC) + timedelta(days=1)
    return [r["id"] for r in await delivery_status.claim(token=token, lease_end=future, now=future, limit=10)]


async def make(name: str, delivery: Delivery, token: str) -> int:
    if name == "claim":
        return len(await claim(token))
    if name == "sent":
        return await delivery_status.record_sent([(delivery.id, token, "m1")], now=datetime.now(UTC))
    return await delivery_status.move(name, delivery_id=delivery.id, token=token if MOVES[name].owned else None)


# Reaches every status through the table's own moves (no other writer), and uses every move.
PATH = ("claim", "retry", "claim", "dead", "resend", "claim", "failed", "resend", "claim", "claim", "sent")


def test_the_table_names_only_real_statuses_and_every_status_is_reachable():
    assert INITIAL in DELIVERY_STATUSES
    assert all(set(m.sources) | {m.target} <= set(DELIVERY_STATUSES) for m in MOVES.values())
    assert {INITIAL} | {m.target for m in MOVES.values()} == set(DELIVERY_STATUSES)
    assert set(PATH) == set(MOVES), "a move in the table is not exercised here"
    assert {(s, m.target) for m in MOVES.values() for s in m.sources} == {
        ("pending", "sending"),
        ("sending", "sending"),  # a claim, or a new claim once the lease ran out
        ("sending", "sent"),
        ("sending", "pending"),
        ("sending", "dead"),
        ("sending", "failed"),
        ("dead", "pending"),
        ("failed", "pending"),  # an admin resends
    }


async def test_every_move_in_the_table_works_and_every_other_move_changes_nothing(resources):
    delivery = await a_delivery()
    status, token, tried = INITIAL, "w0", set()
    for i, step in enumerate((*PATH, None)):
        for name, rule in MOVES.items():
            if status in rule.sources:
                continue
            # the row's own claim token, so only the status can stop an owned move
            assert await make(name, delivery, token) == 0, f"{name} moved a {status} delivery"
            assert (await Delivery.get(id=delivery.id)).status == status
            tried.add((name, status))
        if step is None:
            break
        if step == "claim":
            token = f"w{i + 1}"
        assert await make(step, delivery, token) == 1, f"{step} from {status}"
        status = MOVES[step].target
        assert (await Delivery.get(id=delivery.id)).status == status
    assert (await Delivery.get(id=delivery.id)).provider_message_id == "m1"
    illegal = {(name, s) for name, rule in MOVES.items() for s in DELIVERY_STATUSES if s not in rule.sources}
    assert tried == illegal


async def test_only_the_claims_holder_records_its_outcome(resources):
    delivery = await a_delivery()
    (claimed,) = await claim("w-first")
    (claimed,) = await claim("w-second")  # the first worker's lease ran out
    for name in ("retry", "dead", "failed"):
        assert await delivery_status.move(name, delivery_id=claimed, token="w-first") == 0
    assert await delivery_status.record_sent([(claimed, "w-first", "m")], now=datetime.now(UTC)) == 0
    assert (await Delivery.get(id=delivery.id)).status == "sending"
    assert await delivery_status.move("dead", delivery_id=claimed, token="w-second", last_error="x") == 1


async def test_the_status_is_written_by_the_move_alone(resources):
    delivery = await a_delivery()
    with pytest.raises(ValueError):
        await delivery_status.move("resend", delivery_id=delivery.id, status="sent")
    with pytest.raises(ValueError):
        await delivery_status.move("retry", delivery_id=delivery.id)  # an outcome needs the claim token
    with pytest.raises(ValueError):
        await delivery_status.move("claim", delivery_id=delivery.id)
    with pytest.raises(KeyError):
        await delivery_status.move("undo", delivery_id=delivery.id)
    assert (await Delivery.get(id=delivery.id)).status == INITIAL


async def test_a_dead_workers_rows_are_claimed_before_the_backlog(resources):
    """Rows whose lease ran out go first, even ahead of pending rows due long before (issue 11, point 5)."""
    now = datetime.now(UTC)
    backlog = []
    for i in range(6):
        n = await Notification.create(person_id=1, event="case.accepted", dedupe_key=f"t:backlog:{i}", title="t", body="b", created_at=now)
        backlog.append(await delivery_status.create(notification_id=n.id, channel="webpush", next_attempt_at=now, created_at=now))
    first = await delivery_status.claim(token="w-killed", lease_end=now + timedelta(seconds=3), now=now, limit=2)
    assert sorted(r["id"] for r in first) == [d.id for d in backlog[:2]]
    later = now + timedelta(seconds=4)  # the killed worker's lease has run out; four rows still wait
    again = await delivery_status.claim(token="w-next", lease_end=later + timedelta(seconds=3), now=later, limit=3)
    assert sorted((r["id"], r["attempts"]) for r in again) == [(backlog[0].id, 2), (backlog[1].id, 2), (backlog[2].id, 1)]


@pytest.mark.parametrize("backend_kind", ["postgres"])
async def test_a_text_is_recorded_sent_without_waiting_for_a_web_push_write(resources, settings):
    """A repeated text would be read twice: its outcome is written alone, not in a group that may wait (issue 11, point 4)."""
    import asyncpg

    from notifications.channels import Outcome
    from notifications.dispatcher import Claimed, Dispatcher

    now = datetime.now(UTC)
    n = await Notification.create(person_id=1, event="case.accepted", dedupe_key="t:alone", title="t", body="b", created_at=now)
    for channel in ("webpush", "sms"):
        await delivery_status.create(notification_id=n.id, channel=channel, next_attempt_at=now, created_at=now)
    claimed = await delivery_status.claim(token="w", lease_end=now + timedelta(seconds=60), now=now, limit=2)
    rows = {r["channel"]: Claimed(**r) for r in claimed}
    locker = await asyncpg.connect(settings.database_url)
    d = Dispatcher()
    try:
        async with locker.transaction():  # the Web Push row's write will wait for this lock
            await locker.execute("SELECT 1 FROM notification_delivery WHERE id = $1 FOR UPDATE", rows["webpush"].id)
            pushed = asyncio.create_task(d.record("w", rows["webpush"], n, Outcome("sent", message_id="p")))
            await asyncio.sleep(0)  # the push's outcome is waiting to be written when the text's arrives
            await asyncio.wait_for(d.record("w", rows["sms"], n, Outcome("sent", message_id="s")), 5)
            assert (await Delivery.get(id=rows["sms"].id)).status == "sent"
            assert not pushed.done()
        await asyncio.wait_for(pushed, 5)
    finally:
        await locker.close()
    assert (await Delivery.get(id=rows["webpush"].id)).status == "sent"
