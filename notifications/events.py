"""What each event is worth: which outside channels, how urgent, how long a push may wait, and its outside words.

The sending domain writes the inbox words (title, body) and the public fields; this table
decides the channels and holds the only words that leave the server: a fixed title, body,
phrase and remark per event, whose ``{…}`` placeholders are public fields (notifications.public).
``critical`` events also go by SMS and ignore quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventPolicy:
    name: str
    external: bool = True  # False: inbox and live stream only (the person did it themselves)
    critical: bool = False  # also by SMS, at any hour
    urgency: str = "normal"  # Web Push Urgency: very-low | low | normal | high
    ttl: int = 3 * 86400  # Web Push TTL (s): how long the push service keeps it for an offline phone
    wechat_template: str = "progress"  # key of YIWANG_WECHAT_TEMPLATE_* (the template's field layout is fixed below)
    # Outside words (lock screen, WeChat card, text message): placeholders {subject} {reference} {time} {place} only.
    phrase: str = "有更新"  # ≤ 5 汉字: the status on a WeChat card and in the text message
    title: str = "办理进度更新：{subject}"
    body: str = "受理号 {reference}。详情请登录“一网通办”查看。"
    remark: str = "点击查看办理详情"  # WeChat thing ≤ 20 chars


_POLICIES = [
    # Account security: a takeover attempt must reach the person on every channel they have.
    EventPolicy(
        "account.channel_added",
        critical=True,
        urgency="high",
        ttl=86400,
        phrase="已绑定",
        title="账号新增了登录方式",
        body="您的账号刚刚新增了一种登录方式。如果不是您本人操作，请登录“一网通办”，在“账号与安全”里点“不是我本人”。",
        remark="非本人操作请及时处理",
    ),
    # The code texted to the phone on record is itself the outside notice of a join request.
    EventPolicy(
        "account.join_requested",
        external=False,
        phrase="待确认",
        title="有人申请加入您的账号",
        body="有人正在申请用您的身份证号加入您的账号。验证码请勿告诉他人；如果不是您本人，请登录“一网通办”点“不是我本人”。",
    ),
    EventPolicy(
        "account.join_refused",
        critical=True,
        urgency="high",
        ttl=86400,
        phrase="已拦截",
        title="有人用您的身份证号实名",
        body="有人在新账号上填写了您的身份证号，该账号看不到您的任何信息。如果不是您本人，请登录“一网通办”点“不是我本人”。",
        remark="该账号看不到您的信息",
    ),
    EventPolicy(
        "account.channel_removed",
        external=False,
        phrase="已移除",
        title="已移除登录方式",
        body="您已移除一种登录方式，它的登录已全部失效。",
    ),
    EventPolicy(
        "case.submitted",
        external=False,
        phrase="已提交",
        title="已提交：{subject}",
        body="受理号 {reference}。审核结果会在“一网通办”里告诉您。",
    ),
    EventPolicy(
        "case.resubmitted", external=False, phrase="已提交", title="已重新提交：{subject}", body="补正的材料已收到，受理号 {reference}。"
    ),
    EventPolicy("case.withdrawn", external=False, phrase="已撤回", title="已撤回：{subject}", body="申请已撤回，受理号 {reference}。"),
    EventPolicy("case.accepted", phrase="已受理", title="已受理：{subject}", body="受理号 {reference}。办理进度请登录“一网通办”查看。"),
    EventPolicy(
        "case.correction_requested",
        urgency="high",
        phrase="待补正",
        title="需要补正材料：{subject}",
        body="受理号 {reference}。需要补正的内容请登录“一网通办”查看。",
        remark="请登录查看补正内容",
    ),
    EventPolicy(
        "case.rejected", urgency="high", phrase="未通过", title="未通过：{subject}", body="受理号 {reference}。原因请登录“一网通办”查看。"
    ),
    EventPolicy("case.approved", phrase="已通过", title="审批通过：{subject}", body="受理号 {reference} 已办结，证照制作好后会再通知您。"),
    EventPolicy("case.trip_recorded", external=False, phrase="已登记", title="已登记来访：{subject}"),
    EventPolicy(
        "certificate.ready",
        critical=True,
        urgency="high",
        ttl=7 * 86400,
        phrase="已出证",
        title="证照已办好：{subject}",
        body="可凭受理号 {reference} 到大厅领取，或登录“一网通办”申请免费邮寄。",
    ),
    EventPolicy(
        "certificate.collected", external=False, phrase="已领取", title="已领取：{subject}", body="证照已领取，受理号 {reference}。"
    ),
    EventPolicy("certificate.delivered", phrase="已签收", title="已签收：{subject}", body="证照已送达，受理号 {reference}。"),
    # The pickup code is a secret: it is read in the app, never on a lock screen.
    EventPolicy(
        "parcel.out_for_delivery",
        critical=True,
        urgency="high",
        ttl=86400,
        wechat_template="delivery",
        phrase="派送中",
        title="证照派送中：{subject}",
        body="运单号 {reference}。详情请登录“一网通办”查看。",
        remark="点击查看配送详情",
    ),
    EventPolicy(
        "parcel.pickup_code",
        critical=True,
        urgency="high",
        ttl=2 * 86400,
        wechat_template="delivery",
        phrase="待取件",
        title="证照待取件：{subject}",
        body="运单号 {reference}。取件码请登录“一网通办”查看。",
        remark="登录后查看取件码",
    ),
    EventPolicy(
        "parcel.shipped",
        wechat_template="delivery",
        phrase="已寄出",
        title="证照已寄出：{subject}",
        body="运单号 {reference}。物流详情请登录“一网通办”查看。",
    ),
    EventPolicy(
        "parcel.picked_up",
        external=False,
        wechat_template="delivery",
        phrase="已揽收",
        title="邮政已揽收：{subject}",
        body="运单号 {reference}。",
    ),
    EventPolicy(
        "parcel.failed_attempt",
        urgency="high",
        wechat_template="delivery",
        phrase="未投递",
        title="投递未成功：{subject}",
        body="运单号 {reference}，投递员会再次投递。详情请登录“一网通办”查看。",
        remark="请留意再次投递",
    ),
    EventPolicy(
        "parcel.returned",
        urgency="high",
        wechat_template="delivery",
        phrase="已退回",
        title="邮件已退回：{subject}",
        body="运单号 {reference} 已退回。详情请登录“一网通办”查看。",
        remark="请联系大厅",
    ),
    EventPolicy("parcel.cancelled", external=False, wechat_template="delivery", phrase="已取消", title="已取消邮寄：{subject}"),
    EventPolicy(
        "parcel.unmonitored",
        wechat_template="delivery",
        phrase="停止跟踪",
        title="物流已停止跟踪：{subject}",
        body="运单号 {reference} 长时间没有物流更新。如未收到，请联系大厅。",
        remark="如未收到请联系大厅",
    ),
    EventPolicy(
        "appointment.reminder",
        critical=True,
        urgency="high",
        ttl=86400,
        wechat_template="appointment",
        phrase="待办理",
        title="预约提醒：{subject}",
        body="请于 {time} 到 {place} 办理。",
        remark="请按时到达，带齐材料",
    ),
    # The queue at the hall: the ticket label ({reference}) and the window ({place}) only.
    EventPolicy(
        "queue.near",
        urgency="high",
        ttl=1800,
        wechat_template="appointment",
        phrase="快到了",
        title="快到您了：{reference}",
        body="您的号码 {reference} 快到了，请到窗口附近留意叫号。",
        remark="请留意大厅叫号",
    ),
    EventPolicy(
        "queue.called",
        urgency="high",
        ttl=1800,
        wechat_template="appointment",
        phrase="已叫号",
        title="请到{place}办理：{reference}",
        body="您的号码 {reference} 已叫号，请到 {place} 办理。",
        remark="请尽快到窗口办理",
    ),
    # Appointments: the subject is the service item, the time the slot (or the date a suspension ends), the place the hall.
    EventPolicy(
        "appointment.booked",
        external=False,
        wechat_template="appointment",
        phrase="已预约",
        title="预约成功：{subject}",
        body="请于 {time} 到 {place} 办理。",
        remark="请按时到达，带齐材料",
    ),
    EventPolicy(
        "appointment.cancelled",
        wechat_template="appointment",
        phrase="已取消",
        title="预约已取消：{subject}",
        body="{time} 在 {place} 的预约已取消。如果不是您本人操作，请登录“一网通办”查看。",
        remark="详情请登录查看",
    ),
    EventPolicy(
        "appointment.rescheduled",
        wechat_template="appointment",
        phrase="已改期",
        title="预约已改期：{subject}",
        body="已改到 {time}，请到 {place} 办理。",
        remark="请按新的时间到达",
    ),
    # A freed place waits for an answer within hours: it must reach the person whatever the hour.
    EventPolicy(
        "appointment.offer",
        critical=True,
        urgency="high",
        ttl=7200,
        wechat_template="appointment",
        phrase="待确认",
        title="候补有名额了：{subject}",
        body="{time} 在 {place} 空出一个名额，已为您保留。请尽快登录“一网通办”确认，过期将让给下一位。",
        remark="请在期限内登录确认",
    ),
    EventPolicy(
        "appointment.offer_lapsed",
        wechat_template="appointment",
        phrase="已过期",
        title="候补名额已过期：{subject}",
        body="{time} 的候补名额没有在期限内确认，已让给下一位。",
        remark="需要时请重新预约",
    ),
    EventPolicy(
        "appointment.expired",
        external=False,
        wechat_template="appointment",
        phrase="已释放",
        title="预约未确认：{subject}",
        body="{time} 的名额没有在规定时间内确认，已释放。",
        remark="需要时请重新预约",
    ),
    EventPolicy(
        "appointment.no_show",
        external=False,
        wechat_template="appointment",
        phrase="未到场",
        title="未按预约到场：{subject}",
        body="{time} 在 {place} 的预约登记为未到场。",
        remark="不能前往请提前取消",
    ),
    EventPolicy(
        "appointment.suspended",
        urgency="high",
        wechat_template="appointment",
        phrase="已暂停",
        title="网上预约已暂停",
        body="因近期多次预约后未到场，网上预约暂停至 {time}。详情和申诉请登录“一网通办”。",
        remark="仍可到大厅现场取号",
    ),
    EventPolicy(
        "appointment.suspension_lifted",
        wechat_template="appointment",
        phrase="已恢复",
        title="网上预约已恢复",
        body="工作人员已解除暂停，现在可以重新网上预约。",
        remark="欢迎继续使用网上预约",
    ),
    EventPolicy(
        "appointment.appeal_refused",
        wechat_template="appointment",
        phrase="未通过",
        title="申诉未通过",
        body="网上预约仍暂停至 {time}。详情请登录“一网通办”查看。",
        remark="仍可到大厅现场取号",
    ),
    EventPolicy(
        "appointment.suspension_ended",
        external=False,
        wechat_template="appointment",
        phrase="已恢复",
        title="网上预约已恢复",
        body="暂停期已满，现在可以重新网上预约。",
        remark="欢迎继续使用网上预约",
    ),
    # 帮办代办: what township staff did for a villager under a delegation reaches the villager outside
    # the app (by text when they have no WeChat or push), since they did not do it themselves.
    EventPolicy(
        "assist.draft_started",
        phrase="已代办开始",
        title="代办员已为您开始填写：{subject}",
        body="申请还没有提交，提交后会再告诉您。如有疑问请联系乡镇代办员，或登录“一网通办”查看。",
        remark="代办员为您办理",
    ),
    EventPolicy(
        "assist.case_submitted",
        phrase="已代办提交",
        title="代办员已为您提交：{subject}",
        body="受理号 {reference}。如有疑问请联系乡镇代办员，或登录“一网通办”查看。",
        remark="代办员为您办理",
    ),
    EventPolicy(
        "assist.case_withdrawn",
        phrase="已代办撤回",
        title="代办员已为您撤回：{subject}",
        body="受理号 {reference}。如有疑问请联系乡镇代办员，或登录“一网通办”查看。",
        remark="代办员为您办理",
    ),
    EventPolicy(
        "assist.booked",
        wechat_template="appointment",
        phrase="已代办预约",
        title="代办员已为您预约：{subject}",
        body="请于 {time} 到 {place} 办理。如有疑问请联系乡镇代办员。",
        remark="请按时到达，带齐材料",
    ),
    EventPolicy(
        "assist.waiting_joined",
        phrase="已代办候补",
        title="代办员已为您登记候补：{subject}",
        body="{place} 当天已约满，有人取消时会通知您确认。如有疑问请联系乡镇代办员。",
        remark="有名额时请及时确认",
    ),
    EventPolicy(
        "assist.delivery_requested",
        wechat_template="delivery",
        phrase="已代办邮寄",
        title="代办员已为您申请邮寄：{subject}",
        body="受理号 {reference}。证照办好后将邮寄给您，详情请登录“一网通办”查看。",
        remark="代办员为您办理",
    ),
    EventPolicy(
        "assist.delivery_cancelled",
        wechat_template="delivery",
        phrase="已代办取消",
        title="代办员已为您取消邮寄：{subject}",
        body="如需证照，可到大厅领取或请代办员重新申请邮寄。",
        remark="代办员为您办理",
    ),
    EventPolicy("test.ping", urgency="normal", ttl=600, phrase="测试", title="测试消息", body="推送可以送达。", remark="测试消息"),
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
