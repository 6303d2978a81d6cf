"""Notifications (the outbox and the inbox in one row), their deliveries, and how to reach a person."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

CHANNELS = ("wechat", "webpush", "sms")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "dead")


class Notification(Model):
    """One event told to one person. Written in the transaction of the change it reports.

    It is the inbox item too: the in-app inbox and the live stream always show it.
    """

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField()
    event = fields.CharField(max_length=40)
    dedupe_key = fields.CharField(max_length=120, unique=True)
    title = fields.CharField(max_length=100)
    body = fields.TextField()
    link = fields.CharField(max_length=200, null=True)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    critical = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
        indexes = (("person_id", "id"),)


class Delivery(Model):
    """One attempt stream to deliver a notification on one outside channel (WeChat, Web Push, SMS)."""

    id = fields.BigIntField(primary_key=True)
    notification: fields.ForeignKeyRelation[Notification] = fields.ForeignKeyField(
        "notifications.Notification", related_name="deliveries", on_delete=fields.CASCADE
    )
    notification_id: int  # the column tortoise adds for the relation, declared for the type checker
    channel = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    # Due time while pending, lease end while sending: a dead worker's rows come back then.
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=40, null=True)
    last_error = fields.CharField(max_length=300, null=True)
    provider_message_id = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification_delivery"
        unique_together = (("notification", "channel"),)
        indexes = (("status", "next_attempt_at"),)


class PushSubscription(Model):
    """A browser's Web Push subscription (one per device and browser)."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField(db_index=True)
    endpoint = fields.CharField(max_length=1000)
    endpoint_hash = fields.CharField(max_length=64, unique=True)
    p256dh = fields.CharField(max_length=100)
    auth = fields.CharField(max_length=40)
    user_agent = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()
    last_success_at = fields.DatetimeField(null=True)

    class Meta:
        table = "push_subscription"


class WeChatQuota(Model):
    """One-time subscribe-message credits a person granted for one template (wx.requestSubscribeMessage)."""

    id = fields.BigIntField(primary_key=True)
    person_id = fields.BigIntField()
    template_id = fields.CharField(max_length=64)
    credits = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "wechat_subscribe_quota"
        unique_together = (("person_id", "template_id"),)


class Preference(Model):
    """A person's channel choices and quiet hours (no row: the defaults)."""

    person_id = fields.BigIntField(primary_key=True, generated=False)
    wechat = fields.BooleanField(default=True)
    webpush = fields.BooleanField(default=True)
    sms = fields.BooleanField(default=True)
    quiet_hours = fields.BooleanField(default=True)
    quiet_start = fields.CharField(max_length=5, default="22:00")
    quiet_end = fields.CharField(max_length=5, default="07:00")
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notification_preference"
