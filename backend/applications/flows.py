"""The one state machine of an application. Nothing else writes ``Application.status``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from backend.applications import notices
from backend.applications.models import Application, TimelineEntry
from backend.kit import audit, errors
from backend.kit.transactions import transaction
from backend.kit.workdays import add_working_days, working_days_between

STATUSES = (
    "draft", "submitted", "correction_requested", "accepted", "rejected", "approved",
    "certificate_issued", "collected", "delivered", "withdrawn",
)

# (from status, action) → to status
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "accept"): "accepted",             # 受理
    ("submitted", "request_correction"): "correction_requested",  # 一次性告知补正
    ("submitted", "reject"): "rejected",             # 不予受理
    ("submitted", "withdraw"): "withdrawn",
    ("correction_requested", "resubmit"): "submitted",
    ("correction_requested", "withdraw"): "withdrawn",
    ("accepted", "approve"): "approved",             # 准予
    ("accepted", "reject"): "rejected",              # 不予许可
    ("approved", "issue_certificate"): "certificate_issued",
    ("certificate_issued", "collect"): "collected",
    ("certificate_issued", "deliver"): "delivered",
}
COMPLETING = {"approved", "rejected"}  # 办结: on time or late is decided here

# What the resident reads on the timeline for each action.
TIMELINE_TEXT = {
    "submit": "已提交申请", "resubmit": "已补正并重新提交", "accept": "已受理", "request_correction": "需要补正材料",
    "reject": "不予受理/不予许可", "approve": "审批通过", "issue_certificate": "已出证", "collect": "已领取",
    "deliver": "已寄达", "withdraw": "已撤回",
}


class IllegalTransition(errors.ServiceError):
    code = "application.illegal_transition"
    status = 409
    title_zh = "当前状态不能进行此操作"
    title_en = "Not possible in the current state"
    detail_zh = "办件当前状态为“{status}”，不能“{action}”。请刷新后查看最新进度。"
    detail_en = "The case is '{status}', so '{action}' is not possible. Reload to see the latest state."


async def transition(
    application: Application, *, action: str, actor: str, note: str = "", changes: dict | None = None, today: date | None = None
) -> Application:
    """Move a case along the table: status, deadline, timeline and audit in one transaction.

    The UPDATE is conditional on the status read, so two clerks acting at once cannot both win.
    """
    source = application.status
    target = TRANSITIONS.get((source, action))
    if target is None:
        raise IllegalTransition(status=source, action=action)
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC)
    values: dict = dict(changes or {})
    values["status"] = target
    if action == "submit":
        values["submitted_at"] = now
    if action == "request_correction":
        values["correction_since"] = today
    if action == "resubmit" and application.correction_since is not None:
        paused = working_days_between(application.correction_since, today)
        values["paused_working_days"] = application.paused_working_days + paused
        values["due_date"] = add_working_days(application.due_date, paused) if application.due_date else None
        values["correction_since"] = None
    if target in COMPLETING:
        values["completed_at"] = now
        due = values.get("due_date", application.due_date)
        values["on_time"] = due is None or today <= due
    async with transaction():
        updated = await Application.filter(id=application.id, status=source).update(**values)
        if updated != 1:
            current = await Application.get(id=application.id)
            raise IllegalTransition(status=current.status, action=action)
        entry = await TimelineEntry.create(application_id=application.id, at=now, action=action, status_from=source, status_to=target,
                                           actor=actor, note=note[:2000])
        await audit.record(actor=actor, subject=f"person:{application.person_id}", action=f"application.{action}",
                           object_type="application", object_id=application.id, detail={"from": source, "to": target})
        for key, value in values.items():
            setattr(application, key, value)
        await notices.tell_resident(application, entry)  # same transaction: no change without its notice, no notice without it
    return application


def due_date(start: date, promised_days: int) -> date:
    """The promised completion day: ``promised_days`` working days after ``start`` (即办: same day)."""
    return start if promised_days == 0 else add_working_days(start, promised_days)
