"""What the resident is told at each step of a case (the words; notifications decides the channels)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.applications.models import Application, TimelineEntry
from notifications.outbox import notify


@dataclass(frozen=True)
class Notice:
    event: str
    title: str   # "{service}" is the service item's name
    body: str    # may use {no}, {due}, {note}
    phrase: str  # ≤ 5 汉字: the status on a WeChat card


NOTICES: dict[str, Notice] = {
    "submit": Notice("case.submitted", "已提交：{service}", "受理号 {no}。工作人员审核后会马上告诉您结果。", "已提交"),
    "resubmit": Notice("case.resubmitted", "已重新提交：{service}", "补正的材料已收到，受理号 {no}。", "已提交"),
    "accept": Notice("case.accepted", "已受理：{service}", "受理号 {no}，承诺 {due} 前办结。{note}", "已受理"),
    "request_correction": Notice("case.correction_requested", "需要补正材料：{service}",
                                 "请按提示一次补齐后重新提交：{note}", "待补正"),
    "reject": Notice("case.rejected", "未通过：{service}", "原因：{note}。如有疑问可拨打大厅电话咨询。", "未通过"),
    "approve": Notice("case.approved", "审批通过：{service}", "受理号 {no} 已办结，证照制作好后会再通知您。{note}", "已通过"),
    "issue_certificate": Notice("certificate.ready", "证照已办好：{service}",
                                "电子证照已放入您的材料库，可凭受理号 {no} 到大厅领取，或在线申请免费邮寄。", "已出证"),
    "collect": Notice("certificate.collected", "已领取：{service}", "证照已领取，受理号 {no}。", "已领取"),
    "deliver": Notice("certificate.delivered", "已签收：{service}", "证照已送达，受理号 {no}。", "已签收"),
    "withdraw": Notice("case.withdrawn", "已撤回：{service}", "申请已撤回。需要时可以重新申请。", "已撤回"),
}


async def tell_resident(application: Application, entry: TimelineEntry) -> None:
    """Write the notification for one timeline step, in the transaction that wrote the step."""
    notice = NOTICES.get(entry.action)
    if notice is None:
        return
    no = application.tracking_no or "—"
    due = f"{application.due_date.year}年{application.due_date.month}月{application.due_date.day}日" if application.due_date else "规定时限"
    body = notice.body.format(no=no, due=due, note=entry.note.strip()).strip()
    await notify(
        person_id=application.person_id,
        event=notice.event,
        dedupe_key=f"application:{application.id}:step:{entry.id}",
        title=notice.title.format(service=application.service_name),
        body=body,
        link=f"/cases/{application.id}",
        fields={"reference": no, "subject": application.service_name, "phrase": notice.phrase, "remark": "点击查看办理详情"},
        data={"application_id": application.id, "status": entry.status_to, "action": entry.action},
    )
