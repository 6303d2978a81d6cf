"""What the resident is told at each step of a delivery, the pickup-code SMS, and the case's own end.

Inbox words are read after login; outside channels show the event's fixed words
(notifications.events ``parcel.*``) with the waybill number and the item's name only. The pickup
code itself goes only by the SMS template with {code, waybill}, sent after the step commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from backend.applications.flows import APPLICATION
from backend.applications.models import Application
from backend.delivery.models import DeliveryOrder
from backend.kit.models import WorkflowEvent
from backend.kit.resources import current
from backend.kit.transactions import after_commit
from backend.kit.workflow import Principal, transition
from notifications.outbox import notify

log = logging.getLogger("yiwang.delivery")
PHONE_PURPOSE = "delivery.recipient_phone"
PICKUP_TEMPLATE = "pickup_code"  # the key of settings.sms_templates


@dataclass(frozen=True)
class Notice:
    event: str
    title: str  # "{service}" is the service item's name
    body: str  # may use {waybill}


NOTICES: dict[str, Notice] = {
    "waybill": Notice("parcel.shipped", "证照已交邮政寄出：{service}", "运单号 {waybill}，可在办件详情里查看物流。"),
    "pick_up": Notice("parcel.picked_up", "邮政已揽收：{service}", "运单号 {waybill}。"),
    "dispatch": Notice(
        "parcel.out_for_delivery", "证照派送中：{service}", "运单号 {waybill}。签收码已短信发送，也可在办件详情里查看，请只告诉投递员。"
    ),
    "deliver": Notice("certificate.delivered", "证照已签收：{service}", "运单号 {waybill} 已签收。签收照片可在办件详情里查看。"),
    "fail_attempt": Notice("parcel.failed_attempt", "投递未成功：{service}", "运单号 {waybill}，投递员会再次投递。"),
    "return_parcel": Notice("parcel.returned", "邮件已退回：{service}", "运单号 {waybill} 已退回发证部门，请联系大厅领取或重新申请邮寄。"),
    "cancel": Notice("parcel.cancelled", "已取消邮寄：{service}", "如需证照，可到大厅领取或重新申请邮寄。"),
    "stop_monitoring": Notice(
        "parcel.unmonitored", "物流已停止跟踪：{service}", "运单号 {waybill} 60 天没有物流更新，已停止跟踪。如未收到，请联系大厅。"
    ),
}


# A step township staff took for a villager under a delegation (帮办代办) goes out by the villager's channel.
ACTED = {"parcel.cancelled": "assist.delivery_cancelled"}


async def on_event(order: DeliveryOrder, entry: WorkflowEvent) -> None:
    """DELIVERY.on_event, in the step's transaction: the notice, the pickup-code SMS, and on delivery the case's end."""
    application = await Application.get(id=order.application_id)
    notice = NOTICES.get(entry.action)
    if notice is not None:
        waybill = order.waybill_no or "—"
        await notify(
            person_id=order.person_id,
            event=ACTED.get(notice.event, notice.event) if (entry.authorisation or "").startswith("delegation:") else notice.event,
            dedupe_key=f"delivery:{order.id}:event:{entry.id}",
            title=notice.title.format(service=application.service_name),
            body=notice.body.format(waybill=waybill),
            link=f"/cases/{application.id}/delivery",
            fields={"reference": order.waybill_no or application.tracking_no, "subject": application.service_name},
            data={
                "application_id": application.id,
                "delivery_id": order.id,
                "status": entry.status_to,
                "action": entry.action,
                "actor": entry.actor,
                "on_behalf_of": entry.on_behalf_of,
                "authorisation": entry.authorisation,
            },
        )
    if entry.action == "dispatch":
        send_code_after_commit(order)
    if entry.action == "deliver" and application.status == "certificate_issued":
        # 已送达: the case ends with its certificate in the resident's hands, in the same transaction.
        await transition(
            APPLICATION, application, action="deliver", by=Principal(actor=entry.actor), note=f"运单号 {order.waybill_no or ''}"
        )


async def tell_requested_for(order: DeliveryOrder, by: Principal) -> None:
    """A delivery township staff requested for a villager under a delegation (帮办代办): the villager is told,
    by text when they have no WeChat or push, since they did not ask for it themselves."""
    application = await Application.get(id=order.application_id)
    await notify(
        person_id=order.person_id,
        event="assist.delivery_requested",
        dedupe_key=f"delivery:{order.id}:requested",
        title=f"代办员已为您申请邮寄：{application.service_name}",
        body="乡镇代办员受您委托申请了证照邮寄，证照办好后会寄到您指定的地址，可在办件详情里查看。",
        link=f"/cases/{application.id}/delivery",
        fields={"reference": application.tracking_no, "subject": application.service_name},
        data={
            "application_id": application.id,
            "delivery_id": order.id,
            "status": order.status,
            **by.notice_data(),
        },
    )


def send_code_after_commit(order: DeliveryOrder) -> None:
    """Text the pickup code to the recipient once the step that made it has committed (never if it rolls back)."""
    if not order.code_sealed:
        return
    keyring = current().keyring
    code = keyring.decrypt(order.code_sealed, purpose="delivery.pickup_code")
    phone = keyring.decrypt(order.recipient_phone, purpose=PHONE_PURPOSE)
    waybill = order.waybill_no or ""
    order_id = order.id

    async def send() -> None:
        resources = current()
        try:
            # The template (YIWANG_SMS_TEMPLATE_PICKUP_CODE) takes ${code} and ${waybill}, nothing else.
            await resources.providers.sms.send(phone=phone, template=PICKUP_TEMPLATE, params={"code": code, "waybill": waybill})
        except Exception:  # the code stays on the owner's card; a clerk can send a new one
            log.warning("pickup code SMS failed", extra={"delivery_id": order_id})

    after_commit(send)
