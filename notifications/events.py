"""What each event is worth: which outside channels, how urgent, how long a push may wait.

The sending domain writes the words (title, body) and the structured fields; this table
decides the channels. ``critical`` events also go by SMS and ignore quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventPolicy:
    name: str
    external: bool = True       # False: inbox and live stream only (the person did it themselves)
    critical: bool = False      # also by SMS, at any hour
    urgency: str = "normal"     # Web Push Urgency: very-low | low | normal | high
    ttl: int = 3 * 86400        # Web Push TTL (s): how long the push service keeps it for an offline phone
    wechat_template: str = "progress"  # key of YIWANG_WECHAT_TEMPLATE_* (the template's field layout is fixed below)


_POLICIES = [
    EventPolicy("case.submitted", external=False),
    EventPolicy("case.resubmitted", external=False),
    EventPolicy("case.withdrawn", external=False),
    EventPolicy("case.accepted"),
    EventPolicy("case.correction_requested", urgency="high"),
    EventPolicy("case.rejected", urgency="high"),
    EventPolicy("case.approved"),
    EventPolicy("case.trip_recorded", external=False),
    EventPolicy("certificate.ready", critical=True, urgency="high", ttl=7 * 86400),
    EventPolicy("certificate.collected", external=False),
    EventPolicy("certificate.delivered"),
    EventPolicy("parcel.out_for_delivery", critical=True, urgency="high", ttl=86400, wechat_template="delivery"),
    EventPolicy("parcel.pickup_code", critical=True, urgency="high", ttl=2 * 86400, wechat_template="delivery"),
    EventPolicy("appointment.reminder", critical=True, urgency="high", ttl=86400, wechat_template="appointment"),
    EventPolicy("account.channel_added", critical=True, urgency="high", ttl=86400),
    EventPolicy("account.join_requested", critical=True, urgency="high", ttl=3600),
    EventPolicy("account.join_refused", critical=True, urgency="high", ttl=86400),
    EventPolicy("account.channel_removed", external=False),
    EventPolicy("test.ping", urgency="normal", ttl=600),
]
POLICIES: dict[str, EventPolicy] = {p.name: p for p in _POLICIES}


def policy(event: str) -> EventPolicy:
    try:
        return POLICIES[event]
    except KeyError:
        raise ValueError(f"unknown notification event {event!r}: add it to notifications.events") from None


# The field layout each WeChat subscribe-message template must have (chosen from WeChat's public
# template library when the template is added in the mini-program console). Fields are named by
# WeChat type: thing ≤ 20 chars, character_string ≤ 32 without 汉字, phrase ≤ 5 汉字, time.
WECHAT_TEMPLATE_FIELDS: dict[str, dict[str, str]] = {
    # 办理进度通知: 受理编号 / 事项名称 / 办理状态 / 更新时间 / 温馨提示
    "progress": {"character_string1": "reference", "thing2": "subject", "phrase3": "phrase", "time4": "time", "thing5": "remark"},
    # 证照寄递通知: 运单号 / 物品名称 / 配送状态 / 更新时间 / 备注
    "delivery": {"character_string1": "reference", "thing2": "subject", "phrase3": "phrase", "time4": "time", "thing5": "remark"},
    # 预约提醒: 预约事项 / 预约时间 / 办理地点 / 温馨提示
    "appointment": {"thing1": "subject", "time2": "time", "thing3": "place", "thing4": "remark"},
}
