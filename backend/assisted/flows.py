"""The workflow of a delegation (授权委托), declared as data for ``backend.kit.workflow``.

pending (waiting for evidence) → active once the photo of the signed 授权委托书 or the villager's
SMS code is in → withdrawn by the villager or staff, or expired once its end date has passed
(taken lazily by the one check, ``service.active_delegation``, and by the lists).
"""

from __future__ import annotations

from typing import Any

from backend.assisted.models import Delegation
from backend.kit.workflow import Step, StepContext, Workflow

LABELS = {
    "pending": "待确认授权",
    "active": "授权有效",
    "withdrawn": "已撤回",
    "expired": "已过期",
}


def _code_spent(delegation: Delegation, step: StepContext) -> dict[str, Any]:
    """Once the delegation leaves pending its SMS code is of no further use."""
    return {"code_hash": ""}


STEPS = [
    Step("attach_photo", {"pending": "active"}, "已上传签字的授权委托书，授权生效", "上传授权委托书", effect=_code_spent),
    Step("confirm_code", {"pending": "active"}, "本人已用短信验证码确认，授权生效", "确认授权", effect=_code_spent),
    Step("withdraw", {"pending": "withdrawn", "active": "withdrawn"}, "授权已撤回", "撤回授权", effect=_code_spent),
    Step("expire", {"pending": "expired", "active": "expired"}, "授权已到期", "到期", effect=_code_spent),
]

DELEGATION: Workflow[Delegation] = Workflow(
    name="delegation",
    model=Delegation,
    labels=LABELS,
    initial="pending",
    steps={s.action: s for s in STEPS},
    subject=lambda d: f"person:{d.person_id}",
    noun="授权",
)
