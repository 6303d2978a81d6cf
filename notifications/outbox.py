"""``notify()``: the one way a domain tells a person something. Written with the change it reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from backend.kit.resources import current
from backend.kit.transactions import after_commit, transaction
from notifications import delivery_status
from notifications.events import EventPolicy, policy
from notifications.models import Delivery, Notification, Preference, PushSubscription, WeChatQuota
from notifications.public import check_link, mask, public_fields

WAKE_CHANNEL = "notifications:wake"


def wake_dispatchers_after_commit() -> None:
    """Tell every dispatcher there is due work, once the open transaction has committed."""
    broker = current().broker
    after_commit(lambda: broker.publish(WAKE_CHANNEL, b"1"))


def inbox_channel(person_id: int) -> str:
    """The broker channel of a person's live stream."""
    return f"inbox:{person_id}"


def present(n: Notification) -> dict[str, Any]:
    """A notification as the inbox, the live stream and the API show it."""
    return {
        "id": n.id,
        "event": n.event,
        "title": n.title,
        "body": n.body,
        "link": n.link,
        "data": n.data,
        "created_at": _utc(n.created_at),
        "read_at": _utc(n.read_at) if n.read_at else None,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def quiet_until(prefs: Preference, now: datetime, tz: str) -> datetime | None:
    """The end of the person's quiet hours if ``now`` falls inside them (local time), else None."""
    if not prefs.quiet_hours:
        return None
    local = now.astimezone(ZoneInfo(tz))
    start, end, minute = _minutes(prefs.quiet_start), _minutes(prefs.quiet_end), local.hour * 60 + local.minute
    inside = (start <= minute < end) if start < end else (minute >= start or minute < end)
    if start == end or not inside:
        return None
    end_at = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at.astimezone(UTC)


async def preferences(person_id: int) -> Preference:
    """The person's preferences, or the site's defaults (not saved) if they never chose."""
    saved = await Preference.get_or_none(person_id=person_id)
    if saved is not None:
        return saved
    quiet = current().settings.quiet_hours  # "22:00-07:00" or "off"
    start, end = quiet.split("-") if quiet != "off" else ("22:00", "07:00")
    return Preference(person_id=person_id, quiet_hours=quiet != "off", quiet_start=start, quiet_end=end, updated_at=datetime.now(UTC))


def wechat_template_id(event_policy: EventPolicy) -> str:
    return current().settings.wechat_templates.get(event_policy.wechat_template, "")


async def choose_channels(person_id: int, event_policy: EventPolicy, prefs: Preference) -> list[str]:
    """The outside channels for one event: the one the person reads, plus SMS when it is critical.

    WeChat when they granted a subscribe-message credit for the template, else Web Push when a
    browser of theirs is subscribed, else SMS (villagers without a smartphone are reached by text).
    """
    if not event_policy.external:
        return []
    primary = None
    template_id = wechat_template_id(event_policy)
    if prefs.wechat and template_id and await WeChatQuota.filter(person_id=person_id, template_id=template_id, credits__gt=0).exists():
        primary = "wechat"
    elif prefs.webpush and await PushSubscription.filter(person_id=person_id).exists():
        primary = "webpush"
    channels = [primary] if primary else []
    if event_policy.critical or (primary is None and prefs.sms):
        channels.append("sms")
    return channels


async def notify(
    *,
    person_id: int,
    event: str,
    dedupe_key: str,
    title: str,
    body: str,
    link: str | None = None,
    fields: dict[str, str | None] | None = None,
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Record a notification and its deliveries in the caller's transaction.

    ``dedupe_key`` names the event once and for all (e.g. a timeline step): a second call with
    it records nothing and returns None, so a retried request never notifies twice.

    ``title`` and ``body`` are the inbox item, read after login: they may carry details such as a
    clerk's note (ID and mobile numbers in them are masked) and never leave the server. Outside
    channels show the event's fixed words (``events.py``) filled with ``fields``, the public values
    only (``public.PUBLIC_FIELDS``: reference, subject, time, place); any other key is a ValueError,
    a value that looks like an ID or phone number is dropped. ``link`` is a path of ids
    (``/cases/42``). ``data`` is free JSON for the app (e.g. the case id to refresh). A rolled-back
    caller leaves nothing behind; the live stream and the dispatcher hear of it only after commit.
    """
    event_policy = policy(event)
    public = public_fields(fields, event=event, strict=True)
    link = check_link(link)
    now = datetime.now(UTC)
    async with transaction():
        try:
            async with transaction():  # a savepoint: a duplicate must not abort the caller's transaction
                notification = await Notification.create(
                    person_id=person_id,
                    event=event,
                    dedupe_key=dedupe_key[:120],
                    title=mask(title)[:100],
                    body=mask(body),
                    link=link,
                    data={**(data or {}), "fields": public},
                    critical=event_policy.critical,
                    created_at=now,
                )
        except IntegrityError:
            return None
        prefs = await preferences(person_id)
        channels = await choose_channels(person_id, event_policy, prefs)
        held = None if event_policy.critical else quiet_until(prefs, now, current().settings.timezone)
        if channels:
            await Delivery.bulk_create(
                [
                    delivery_status.new(notification_id=notification.id, channel=channel, next_attempt_at=held or now, created_at=now)
                    for channel in channels
                ]
            )
        message = json.dumps({"type": "notification", "notification": present(notification)}, ensure_ascii=False).encode()
        broker = current().broker
        after_commit(lambda: broker.publish(inbox_channel(person_id), message))
        if channels and held is None:
            wake_dispatchers_after_commit()
    return notification
