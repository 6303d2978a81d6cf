"""The workflows of appointments (预约), waiting-list entries, queue tickets and suspensions.

Appointment: held → booked (confirm) | expired | cancelled | offered (a waiting-list place) →
booked (accept) | lapsed | cancelled; booked → booked (reschedule) | cancelled | checked_in |
no_show. Waiting entry: waiting → offered → accepted | lapsed; waiting/offered → left. Ticket:
waiting → called (call, recall) → served | absent; waiting/called → waiting at another window
(transfer). Suspension: active → appealed → lifted | active; active → ended | lifted.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F

from backend.appointments import notices
from backend.appointments.models import Appointment, Suspension, Ticket, WaitingEntry
from backend.kit.workflow import Step, StepContext, Workflow


def _inactive(appointment: Appointment, step: StepContext) -> dict[str, Any]:
    """Leaving the active statuses frees the person-item-day key and the hold."""
    return {"active_key": None, "hold_until": None}


def _booked(appointment: Appointment, step: StepContext) -> dict[str, Any]:
    return {"hold_until": None}


APPOINTMENT_LABELS = {
    "held": "待确认",
    "offered": "候补待确认",
    "booked": "已预约",
    "cancelled": "已取消",
    "expired": "已超时释放",
    "lapsed": "候补已过期",
    "checked_in": "已签到",
    "no_show": "爽约",
}
APPOINTMENT_ACTIVE = ("held", "offered", "booked")
APPOINTMENT_STEPS = [
    Step("confirm", {"held": "booked"}, "已确认预约", "确认预约", effect=_booked),
    # A waiting-list place: created held for the first in line, then offered to them with a deadline.
    Step("offer", {"held": "offered"}, "有名额空出，已为您保留，请在期限内确认", "分配候补名额"),
    Step("accept", {"offered": "booked"}, "已接受候补名额", "接受候补名额", effect=_booked),
    Step("expire", {"held": "expired"}, "未在规定时间内确认，名额已释放", "超时释放", effect=_inactive),
    Step("lapse", {"offered": "lapsed"}, "候补名额未在期限内接受，已让给下一位", "候补过期", effect=_inactive),
    Step("cancel", {"held": "cancelled", "offered": "cancelled", "booked": "cancelled"}, "已取消预约", "取消预约", effect=_inactive),
    Step("reschedule", {"booked": "booked"}, "已改约", "改约"),
    Step("check_in", {"booked": "checked_in"}, "已到大厅签到取号", "签到", effect=_inactive),
    Step("mark_no_show", {"booked": "no_show"}, "未按预约到场（爽约）", "登记爽约", effect=_inactive),
]

APPOINTMENT: Workflow[Appointment] = Workflow(
    name="appointment",
    model=Appointment,
    labels=APPOINTMENT_LABELS,
    initial="held",
    steps={s.action: s for s in APPOINTMENT_STEPS},
    subject=lambda a: f"person:{a.person_id}",
    noun="预约",
    on_event=notices.tell_resident,
)

WAITING_LABELS = {"waiting": "候补中", "offered": "已有名额待确认", "accepted": "已约上", "lapsed": "未确认已过期", "left": "已退出候补"}
WAITING_STEPS = [
    Step("offer", {"waiting": "offered"}, "有名额空出，已为您保留", "分配名额"),
    Step("accept", {"offered": "accepted"}, "已接受候补名额", "接受名额", effect=lambda e, s: {"active_key": None}),
    Step("lapse", {"offered": "lapsed"}, "未在期限内接受，名额已让给下一位", "候补过期", effect=lambda e, s: {"active_key": None}),
    Step("leave", {"waiting": "left", "offered": "left"}, "已退出候补", "退出候补", effect=lambda e, s: {"active_key": None}),
]
WAITING: Workflow[WaitingEntry] = Workflow(
    name="waiting_entry",
    model=WaitingEntry,
    labels=WAITING_LABELS,
    initial="waiting",
    steps={s.action: s for s in WAITING_STEPS},
    subject=lambda e: f"person:{e.person_id}",
    noun="候补",
)


def _called(ticket: Ticket, step: StepContext) -> dict[str, Any]:
    return {"calls": F("calls") + 1, "called_at": step.now}


def _finished(ticket: Ticket, step: StepContext) -> dict[str, Any]:
    started = ticket.called_at or step.now
    return {"finished_at": step.now, "service_seconds": max(0, int((step.now - started).total_seconds()))}


TICKET_LABELS = {"waiting": "等候中", "called": "已叫号", "served": "已办理", "absent": "过号未到"}
TICKET_STEPS = [
    Step("call", {"waiting": "called"}, "已叫号，请到窗口办理", "叫号", effect=_called),
    Step("recall", {"called": "called"}, "再次叫号", "重呼", effect=_called),
    Step("transfer", {"waiting": "waiting", "called": "waiting"}, "已转到其他窗口，请留意叫号", "转窗口"),
    Step("serve", {"called": "served"}, "已在窗口办理", "办结", effect=_finished),
    Step("mark_absent", {"called": "absent"}, "多次叫号未到，已过号", "过号", effect=_finished),
]
TICKET: Workflow[Ticket] = Workflow(
    name="ticket",
    model=Ticket,
    labels=TICKET_LABELS,
    initial="waiting",
    steps={s.action: s for s in TICKET_STEPS},
    subject=lambda t: f"person:{t.person_id}" if t.person_id else None,
    noun="排队号",
)

SUSPENSION_LABELS = {"active": "暂停网上预约", "appealed": "申诉处理中", "lifted": "已解除", "ended": "已到期恢复"}
SUSPENSION_STEPS = [
    Step("appeal", {"active": "appealed"}, "已提交申诉", "申诉"),
    Step("lift", {"active": "lifted", "appealed": "lifted"}, "工作人员已解除暂停", "解除暂停"),
    Step("refuse_appeal", {"appealed": "active"}, "申诉未通过，暂停至原定日期", "驳回申诉"),
    Step("end", {"active": "ended", "appealed": "ended"}, "暂停期已满，恢复网上预约", "到期恢复"),
]
SUSPENSION: Workflow[Suspension] = Workflow(
    name="suspension",
    model=Suspension,
    labels=SUSPENSION_LABELS,
    initial="active",
    steps={s.action: s for s in SUSPENSION_STEPS},
    subject=lambda s: f"person:{s.person_id}",
    noun="预约资格",
    on_event=notices.tell_suspension,
)
