"""Certificate delivery by EMS (证照寄递): stations, saved addresses, orders, carrier events and carrier calls.

Personal data (recipient name, phone, address detail, proxy and signer names, carrier texts that
may name a person) is stored encrypted (``backend.kit.pii``), the pickup code as an HMAC with an
encrypted copy for its owner. Carrier calls are rows a worker takes with a lease.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Station(Model):
    """A delivery station (投递站) and the division-code prefixes of the places it serves."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)  # S331002: couriers hold the scope station:S331002
    name = fields.CharField(max_length=64)
    region_prefixes: fields.JSONField[list[str]] = fields.JSONField(default=list)  # ["331002", "3310"]: longest match wins
    phone = fields.CharField(max_length=20, default="")  # the station's desk, for a courier whose code is locked

    class Meta:
        table = "delivery_station"


class SavedAddress(Model):
    """A resident's saved address, reused for later deliveries (常用地址)."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField(db_index=True)
    label = fields.CharField(max_length=20, default="")  # 家, 单位
    recipient_name = fields.TextField()  # encrypted
    recipient_phone = fields.TextField()  # encrypted
    province = fields.CharField(max_length=32)
    city = fields.CharField(max_length=32)
    district = fields.CharField(max_length=32)
    street = fields.CharField(max_length=32, default="")
    region_code = fields.CharField(max_length=6)
    detail = fields.TextField()  # encrypted
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delivery_saved_address"


class DeliveryOrder(Model):
    """One delivery of one case's certificate (寄递单), from request to signature."""

    id = fields.BigIntField(primary_key=True)
    application_id = fields.BigIntField(db_index=True)
    # The application id while the order is not cancelled: the unique index is the one-delivery-per-case rule.
    active_key = fields.BigIntField(null=True, unique=True)
    person_id = fields.BigIntField(db_index=True)
    station: fields.ForeignKeyRelation[Station] = fields.ForeignKeyField("delivery.Station", related_name="orders")
    station_id: int  # the column tortoise adds for the relation, declared for the type checker
    status = fields.CharField(max_length=24, db_index=True)
    recipient_name = fields.TextField()  # encrypted
    recipient_phone = fields.TextField()  # encrypted
    province = fields.CharField(max_length=32)
    city = fields.CharField(max_length=32)
    district = fields.CharField(max_length=32)
    street = fields.CharField(max_length=32, default="")
    region_code = fields.CharField(max_length=6)
    detail = fields.TextField()  # encrypted
    allow_proxy = fields.BooleanField(default=False)
    proxy_name = fields.TextField(default="")  # encrypted, empty when any adult at the address may sign
    allow_locker = fields.BooleanField(default=False)
    waybill_no = fields.CharField(max_length=32, null=True, unique=True)
    moved_at = fields.DatetimeField(null=True)  # the last status change (60 days without one: monitoring stops)
    last_event_at = fields.DatetimeField(null=True)  # the newest carrier event heard of
    escalated_at = fields.DatetimeField(null=True)  # no carrier event for 3 days: shown to staff
    code_hash = fields.CharField(max_length=64, default="")  # pickup code (签收码), HMAC with the index key
    code_sealed = fields.TextField(default="")  # encrypted copy for the owner's card, erased once the parcel is done
    wrong_tries = fields.IntField(default=0)
    attempt_reason = fields.CharField(max_length=20, default="")
    next_attempt = fields.DateField(null=True)
    photo_key = fields.CharField(max_length=80, default="")  # proof photo in the media storage
    signer_kind = fields.CharField(max_length=8, default="")  # self | proxy | locker
    signer_name = fields.TextField(default="")  # encrypted
    relation = fields.CharField(max_length=20, default="")
    confirmed_at = fields.DatetimeField(null=True)
    courier_id = fields.BigIntField(null=True)  # the courier's person id
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "delivery_order"


class TrackingEvent(Model):
    """One carrier event heard (EMS push, Kuaidi100 callback, the courier's phone), applied or only recorded."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[DeliveryOrder] = fields.ForeignKeyField(
        "delivery.DeliveryOrder", related_name="events", on_delete=fields.CASCADE
    )
    order_id: int
    source = fields.CharField(max_length=12)  # ems | kuaidi100 | courier
    key = fields.CharField(max_length=200, unique=True)  # the dedupe key: a duplicate push records nothing
    kind = fields.CharField(max_length=20)
    code = fields.CharField(max_length=16, default="")
    at = fields.DatetimeField()
    text = fields.TextField(default="")  # encrypted: the carrier's words may name a person
    place = fields.CharField(max_length=100, default="")
    signer = fields.CharField(max_length=8, default="")
    applied = fields.BooleanField(default=False)  # False: out of order or no move, kept on the carrier timeline only
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delivery_tracking_event"


class CarrierCall(Model):
    """One call to the carrier (create_order, subscribe, cancel), worked by the carrier worker with a lease."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[DeliveryOrder] = fields.ForeignKeyField(
        "delivery.DeliveryOrder", related_name="calls", on_delete=fields.CASCADE
    )
    order_id: int
    kind = fields.CharField(max_length=16)
    state = fields.CharField(max_length=10, default="pending", db_index=True)  # pending | running | done | failed
    attempts = fields.IntField(default=0)
    next_at = fields.DatetimeField(db_index=True)
    locked_until = fields.DatetimeField(null=True)
    error_code = fields.CharField(max_length=40, default="")  # the carrier's code or our class name, never personal data
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "delivery_carrier_call"
        unique_together = (("order", "kind"),)
