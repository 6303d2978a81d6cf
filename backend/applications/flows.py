"""The workflow of an application (办件), declared as data for ``backend.kit.workflow``.

draft → submitted → accepted | correction_requested | rejected → approved | rejected →
certificate_issued → collected | delivered (by EMS, the delivery domain's signature); withdrawn
before acceptance.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.expressions import F

from backend.applications import notices
from backend.applications.models import Application
from backend.applications.notices import REFUSAL
from backend.kit.models import WorkflowEvent
from backend.kit.resources import current
from backend.kit.workdays import add_working_days, working_days_between
from backend.kit.workflow import Step, StepContext, Workflow

LABELS = {
    "draft": "草稿",
    "submitted": "已提交",
    "correction_requested": "待补正",
    "accepted": "已受理",
    "rejected": "未通过",
    "approved": "审批通过",
    "certificate_issued": "已出证",
    "collected": "已领取",
    "delivered": "已送达",
    "withdrawn": "已撤回",
}
# What residents and clerks read on a case (status_label in the API): longer than LABELS, which
# also fill WeChat's 5-character "phrase" field of progress messages.
STATUS_TEXT = {
    "draft": "草稿",
    "submitted": "已提交，待受理",
    "correction_requested": "需要补正",
    "accepted": "已受理，审批中",
    "rejected": "未通过",
    "approved": "已办结（通过）",
    "certificate_issued": "已出证",
    "collected": "已领取",
    "delivered": "已送达",
    "withdrawn": "已撤回",
}
EDITABLE = ("draft", "correction_requested")
# The staff queue's tabs: what waits for a clerk (待办), what waits for the resident (补正中), and
# what is finished (已办结: decided, issued, collected or withdrawn after submission).
TODO = ("submitted", "accepted")
WAITING = ("correction_requested",)
FINISHED = ("approved", "certificate_issued", "collected", "delivered", "rejected", "withdrawn")
QUEUE_VIEWS = {"todo": TODO, "waiting": WAITING, "finished": FINISHED}
OPEN = ("submitted", "correction_requested", "accepted", "approved", "certificate_issued", "rejected", "collected")


def _submitted(application: Application, step: StepContext) -> dict[str, Any]:
    return {"submitted_at": step.now}


def _correction_started(application: Application, step: StepContext) -> dict[str, Any]:
    return {"correction_since": step.today}


def _correction_ended(application: Application, step: StepContext) -> dict[str, Any]:
    """The legal clock stood still while the resident was correcting (补正期间不计时)."""
    if application.correction_since is None:
        return {}
    region = deployment_region()
    paused = working_days_between(application.correction_since, step.today, region)
    return {
        "paused_working_days": application.paused_working_days + paused,
        "due_date": add_working_days(application.due_date, paused, region) if application.due_date else None,
        "correction_since": None,
    }


def _completed(application: Application, step: StepContext) -> dict[str, Any]:
    """办结: on time or late is decided here, against the deadline of the day."""
    return {"completed_at": step.now, "on_time": application.due_date is None or step.today <= application.due_date}


def _trip(application: Application, step: StepContext) -> dict[str, Any]:
    return {"trips": F("trips") + 1}


def _same(*statuses: str) -> dict[str, str]:
    return {s: s for s in statuses}


STEPS = [
    Step("submit", {"draft": "submitted"}, "已提交申请", "提交", effect=_submitted),
    Step("resubmit", {"correction_requested": "submitted"}, "已补正并重新提交", "重新提交", effect=_correction_ended),
    Step("withdraw", {"draft": "withdrawn", "submitted": "withdrawn", "correction_requested": "withdrawn"}, "已撤回", "撤回"),
    Step("accept", {"submitted": "accepted"}, "已受理", "受理"),  # 受理
    Step(
        "request_correction",
        {"submitted": "correction_requested"},
        "需要补正材料",
        "要求补正",  # 一次性告知
        effect=_correction_started,
    ),
    Step("reject", {"submitted": "rejected", "accepted": "rejected"}, "不予受理/不予许可", "作出不予决定", effect=_completed),
    Step("approve", {"accepted": "approved"}, "审批通过", "审批通过", effect=_completed),  # 准予
    Step("issue_certificate", {"approved": "certificate_issued"}, "已出证", "出证"),
    Step("collect", {"certificate_issued": "collected"}, "已领取", "登记领取"),  # 窗口领取
    Step("deliver", {"certificate_issued": "delivered"}, "证照已送达", "登记送达"),  # EMS 签收 (backend.delivery)
    Step("record_trip", _same(*OPEN), "到大厅办理一次", "登记跑动", effect=_trip),  # 跑动次数
    # Guards only: the form and the materials change while the resident can still edit.
    Step("edit", _same(*EDITABLE), "", "修改申请表", recorded=False),
    Step("attach", _same(*EDITABLE), "", "添加材料", recorded=False),
    Step("detach", _same(*EDITABLE), "", "移除材料", recorded=False),
]


async def _after_step(application: Application, entry: WorkflowEvent) -> None:
    """The notice of each step; a certificate issued also sends a delivery that was waiting for it (same transaction)."""
    await notices.tell_resident(application, entry)
    if entry.action == "issue_certificate":
        from backend.delivery import service as delivery  # imported here: delivery builds on this workflow

        await delivery.certificate_ready(application_id=application.id)


APPLICATION: Workflow[Application] = Workflow(
    name="application",
    model=Application,
    labels=LABELS,
    initial="draft",
    steps={s.action: s for s in STEPS},
    subject=lambda a: f"person:{a.person_id}",
    noun="办件",
    on_event=_after_step,
)
TIMELINE_TEXT = {s.action: s.timeline for s in STEPS if s.recorded}


def timeline_text(action: str, status_from: str | None) -> str:
    """What the timeline says for a step; a refusal says which refusal it was."""
    if action == "reject" and status_from in REFUSAL:
        return REFUSAL[status_from]
    return TIMELINE_TEXT.get(action, action)


def deployment_region() -> str:
    """The deployment's division code (YIWANG_REGION): its regional holidays move the legal clock too."""
    return current().settings.region


def due_date(start: date, promised_days: int) -> date:
    """The promised completion day: ``promised_days`` working days after ``start`` (即办: same day), in the deployment's region."""
    return start if promised_days == 0 else add_working_days(start, promised_days, deployment_region())
