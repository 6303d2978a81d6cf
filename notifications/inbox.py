"""The in-app inbox, the person's channel preferences and their WeChat subscribe-message credits."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from backend.kit import errors
from backend.kit.resources import current
from backend.kit.transactions import transaction
from notifications.models import Delivery, Notification, Preference, WeChatQuota
from notifications.outbox import preferences as preferences  # part of the inbox's interface too


class NotificationNotFound(errors.NotFound, code="notification.not_found"):
    zh = "没有找到这条消息|这条消息不存在，或者不是发给您的。"
    en = "Notification not found|This notification does not exist or is not yours."


class UnknownTemplate(errors.Invalid, code="notification.unknown_template"):
    zh = "订阅的消息模板不存在|订阅的消息模板不是本小程序的，请更新小程序后重试。"
    en = "Unknown message template|The reported template is not one of ours; update the mini-program."


class DeliveryNotFound(errors.NotFound, code="notification.delivery_not_found"):
    zh = "没有找到可重发的投递|这条投递不存在，或者不是失败状态，不能重发。"
    en = "No such dead delivery|The delivery does not exist or has not failed."


async def page(*, person_id: int, before: int | None, limit: int) -> tuple[list[Notification], int | None]:
    """Newest first; ``before`` is the id the previous page ended at."""
    query = Notification.filter(person_id=person_id)
    if before is not None:
        query = query.filter(id__lt=before)
    items = await query.order_by("-id").limit(limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].id if more else None)


async def unread_count(*, person_id: int) -> int:
    return await Notification.filter(person_id=person_id, read_at__isnull=True).count()


async def mark_read(*, person_id: int, notification_id: int) -> None:
    if not await Notification.filter(id=notification_id, person_id=person_id).exists():
        raise NotificationNotFound()
    await Notification.filter(id=notification_id, person_id=person_id, read_at__isnull=True).update(read_at=datetime.now(UTC))


async def mark_all_read(*, person_id: int) -> int:
    return await Notification.filter(person_id=person_id, read_at__isnull=True).update(read_at=datetime.now(UTC))


async def _update_or_create(model, filters: dict, *, update: dict, create: dict) -> None:
    """UPDATE the row, or INSERT it; two requests racing to insert end as one insert plus one update."""
    async with transaction():
        if await model.filter(**filters).update(**update):
            return
        try:
            async with transaction():  # a savepoint: the losing insert must not abort the outer transaction
                await model.create(**filters, **create)
        except IntegrityError:
            await model.filter(**filters).update(**update)


async def set_preferences(*, person_id: int, values: dict) -> Preference:
    now = datetime.now(UTC)
    await _update_or_create(
        Preference, {"person_id": person_id}, update={**values, "updated_at": now}, create={**values, "updated_at": now}
    )
    return await preferences(person_id)


async def grant_wechat(*, person_id: int, accepted: list[str]) -> dict[str, int]:
    """Record the templates the person accepted in wx.requestSubscribeMessage: one send each."""
    known = {t for t in current().settings.wechat_templates.values() if t}
    if any(t not in known for t in accepted):
        raise UnknownTemplate()
    now = datetime.now(UTC)
    async with transaction():
        for template_id in accepted:
            await _update_or_create(
                WeChatQuota,
                {"person_id": person_id, "template_id": template_id},
                update={"credits": F("credits") + 1, "updated_at": now},
                create={"credits": 1, "updated_at": now},
            )
    rows = await WeChatQuota.filter(person_id=person_id)
    return {r.template_id: r.credits for r in rows}


async def deliveries(*, status: str, limit: int) -> list[Delivery]:
    """For the admin's dead-letter view."""
    return await Delivery.filter(status=status).order_by("-id").limit(limit).prefetch_related("notification")
