"""What the resident's inbox says at each step of a case (notifications decides the channels).

These words, the clerk's note included, are read in the app after login. Lock screens, WeChat
cards and text messages show the event's fixed words from notifications.events instead, filled
with the tracking number and the item's name only.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.applications.models import Application
from backend.kit.models import WorkflowEvent
from backend.kit.workflow import Principal
from notifications.outbox import notify


@dataclass(frozen=True)
class Notice:
    event: str
    title: str  # "{service}" is the service item's name
    body: str  # may use {no}, {due}, {note}


# A step staff took for a villager under a delegation (帮办代办) goes out by the villager's channel
# (by text when they have no WeChat or push): they did not do it themselves.
ACTED = {"case.submitted": "assist.case_submitted", "case.resubmitted": "assist.case_submitted", "case.withdrawn": "assist.case_withdrawn"}


def delegated(entry: WorkflowEvent) -> bool:
    return (entry.authorisation or "").startswith("delegation:")


# The one ``reject`` step reads by where it starts: before 受理 it is 不予受理, after it 不予许可.
REFUSAL = {"submitted": "不予受理", "accepted": "不予许可"}

NOTICES: dict[str, Notice] = {
    "submit": Notice("case.submitted", "已提交：{service}", "受理号 {no}。工作人员审核后会马上告诉您结果。"),
    "resubmit": Notice("case.resubmitted", "已重新提交：{service}", "补正的材料已收到，受理号 {no}。"),
    "accept": Notice("case.accepted", "已受理：{service}", "受理号 {no}，承诺 {due} 前办结。{note}"),
    "request_correction": Notice("case.correction_requested", "需要补正材料：{service}", "请按提示一次补齐后重新提交：{note}"),
    "reject": Notice("case.rejected", "{refusal}：{service}", "理由：{note}。如有疑问可拨打大厅电话咨询。"),
    "approve": Notice("case.approved", "审批通过：{service}", "受理号 {no} 已办结，证照制作好后会再通知您。{note}"),
    "issue_certificate": Notice(
        "certificate.ready", "证照已办好：{service}", "电子证照已放入您的材料库，可凭受理号 {no} 到大厅领取，或在线申请免费邮寄。"
    ),
    "collect": Notice("certificate.collected", "已领取：{service}", "证照已领取，受理号 {no}。"),
    "record_trip": Notice("case.trip_recorded", "已登记到大厅办理：{service}", "您为受理号 {no} 到大厅办理了一次。"),
    "withdraw": Notice("case.withdrawn", "已撤回：{service}", "申请已撤回。需要时可以重新申请。"),
}


async def tell_resident(application: Application, entry: WorkflowEvent) -> None:
    """Write the notification for one step of the case, in the transaction that took the step."""
    notice = NOTICES.get(entry.action)
    if notice is None:
        return
    no = application.tracking_no or "—"
    due = f"{application.due_date.year}年{application.due_date.month}月{application.due_date.day}日" if application.due_date else "规定时限"
    body = notice.body.format(no=no, due=due, note=entry.note.strip()).strip()
    if delegated(entry):
        body = f"乡镇代办员受您委托办理。{body}"
    await notify(
        person_id=application.person_id,
        event=ACTED.get(notice.event, notice.event) if delegated(entry) else notice.event,
        dedupe_key=f"application:{application.id}:event:{entry.id}",
        title=notice.title.format(service=application.service_name, refusal=REFUSAL.get(entry.status_from or "", "未通过")),
        body=body,
        link=f"/cases/{application.id}",
        fields={"reference": application.tracking_no, "subject": application.service_name},
        data={
            "application_id": application.id,
            "status": entry.status_to,
            "action": entry.action,
            "actor": entry.actor,
            "on_behalf_of": entry.on_behalf_of,
            "authorisation": entry.authorisation,
        },
    )


async def tell_draft_started(application: Application, *, by: Principal) -> None:
    """A draft township staff started for a villager (帮办代办): the villager hears of it, in the draft's transaction."""
    await notify(
        person_id=application.person_id,
        event="assist.draft_started",
        dedupe_key=f"application:{application.id}:draft_started",
        title=f"代办员已为您开始填写：{application.service_name}",
        body="乡镇代办员受您委托办理。申请还没有提交，提交后会再告诉您受理号。",
        link=f"/cases/{application.id}",
        fields={"subject": application.service_name},
        data={
            "application_id": application.id,
            "status": application.status,
            **by.notice_data(),
        },
    )
