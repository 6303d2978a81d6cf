"""Every move of the delivery workflow through the code that takes it; the monitor of quiet parcels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.delivery import jobs, service, tracking
from backend.delivery.flows import DELIVERY, KIND_STEPS, RANK
from backend.delivery.models import DeliveryOrder
from backend.kit.models import AuditEntry
from backend.kit.workflow import Principal
from tests.applications.test_applications import submitted
from tests.delivery.conftest import event, request_delivery

STEP_KINDS = {step: kind for kind, step in KIND_STEPS.items()}


async def _copy(order: DeliveryOrder, status: str, n: int) -> DeliveryOrder:
    """Another order of the same case, parked in ``status`` (tests may write rows as they like)."""
    fields = {k: getattr(order, k) for k in order._meta.db_fields if k not in ("id", "active_key", "waybill_no", "status")}
    return await DeliveryOrder.create(
        **{**fields, "status": status, "waybill_no": f"1100{n:09d}", "moved_at": datetime.now(UTC) - timedelta(hours=1)}
    )


async def test_every_move_of_the_table_is_taken_by_the_code_that_owns_it(client, resident, stations):
    case = await submitted(client, resident)
    base = await DeliveryOrder.get(id=(await request_delivery(client, resident, case["id"]))["id"])
    now = datetime.now(UTC)
    for n, (source, action, target) in enumerate(DELIVERY.moves()):
        if action == "waybill":
            continue  # taken with the fake carrier (test_path)
        order = await _copy(base, source, n)
        if action in STEP_KINDS:
            counts = await tracking.apply([event(order.waybill_no, STEP_KINDS[action], f"c{n}", at=now + timedelta(seconds=n))])
            assert counts["applied"] == 1, (source, action)
        elif action == "cancel":
            await service.cancel(person_id=order.person_id, by=Principal(actor=f"person:{order.person_id}"), delivery_id=order.id)
        elif action == "stop_monitoring":
            await DeliveryOrder.filter(id=order.id).update(moved_at=now - timedelta(days=61), last_event_at=None)
            await jobs.monitor(now)
        assert (await DeliveryOrder.get(id=order.id)).status == target, (source, action)


async def test_no_event_moves_a_parcel_backwards(client, resident, stations):
    case = await submitted(client, resident)
    base = await DeliveryOrder.get(id=(await request_delivery(client, resident, case["id"]))["id"])
    now = datetime.now(UTC)
    for n, (status, rank) in enumerate(RANK.items()):
        order = await _copy(base, status, 100 + n)
        for m, kind in enumerate(KIND_STEPS):
            target = DELIVERY.steps[KIND_STEPS[kind]].moves.get(status)
            if target is None or RANK[target] < rank:
                await tracking.apply([event(order.waybill_no, kind, f"b{m}", at=now + timedelta(seconds=m))])
                assert (await DeliveryOrder.get(id=order.id)).status == status, (status, kind)


async def test_quiet_for_three_days_is_escalated_once(client, resident, approver, stations):
    case = await submitted(client, resident)
    base = await DeliveryOrder.get(id=(await request_delivery(client, resident, case["id"]))["id"])
    quiet = await _copy(base, "in_transit", 1)
    lively = await _copy(base, "in_transit", 2)
    now = datetime.now(UTC)
    await DeliveryOrder.filter(id=quiet.id).update(last_event_at=now - timedelta(days=3, minutes=1))
    await DeliveryOrder.filter(id=lively.id).update(last_event_at=now - timedelta(days=2))
    assert await jobs.monitor(now) == {"escalated": 1, "stopped": 0}
    assert await jobs.monitor(now) == {"escalated": 0, "stopped": 0}
    assert (await DeliveryOrder.get(id=quiet.id)).escalated_at is not None
    assert await AuditEntry.filter(action="delivery.escalated").count() == 1
    trouble = (await client.get("/api/v1/staff/deliveries", headers=approver)).json()["items"]
    assert [t["id"] for t in trouble] == [quiet.id] and trouble[0]["escalated"] is True
    # A new event clears the flag.
    await tracking.apply([event(quiet.waybill_no, "out_for_delivery", "702")])
    assert (await DeliveryOrder.get(id=quiet.id)).escalated_at is None


async def test_sixty_days_without_change_stops_monitoring_visibly(client, resident, stations):
    case = await submitted(client, resident)
    base = await DeliveryOrder.get(id=(await request_delivery(client, resident, case["id"]))["id"])
    await DeliveryOrder.filter(id=base.id).update(status="in_transit", waybill_no="1100000000777")
    now = datetime.now(UTC)
    await DeliveryOrder.filter(id=base.id).update(moved_at=now - timedelta(days=60, minutes=1), last_event_at=now - timedelta(days=61))
    result = await jobs.monitor(now)
    assert result["stopped"] == 1
    card = (await client.get(f"/api/v1/applications/{case['id']}/delivery", headers=resident)).json()
    assert card["status"] == "unmonitored" and card["status_label"] == "已停止跟踪"
    assert card["steps"][-1]["action"] == "stop_monitoring"
