"""The demo data: the station, the courier 孙投递 and a parcel out for delivery to the demo resident."""

from __future__ import annotations

from auth import service as identity
from auth import sessions
from backend import demo
from backend.delivery.models import DeliveryOrder


async def test_the_demo_courier_has_a_parcel_out_for_delivery(client):
    await demo.seed()
    again = await demo.seed()
    assert again["delivery"] == {"parcels": 0}
    courier = await identity.find_by_phone(phone="13800000005")
    assert courier is not None
    token, _ = await sessions.create(account_id=None, person_id=courier.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    parcels = (await client.get("/api/v1/courier/parcels", headers={"Authorization": f"Bearer {token}"})).json()["items"]
    assert len(parcels) == 1 and parcels[0]["status"] == "out_for_delivery" and parcels[0]["recipient_name"] == "陈**"
    order = await DeliveryOrder.get()
    assert order.code_hash and order.waybill_no == "1100880000012"
