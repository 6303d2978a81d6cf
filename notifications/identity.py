"""What a person is told about their own account: a new login channel, someone bringing their ID number.

Registered with `auth.events` at start-up. Every such notice is critical (also by SMS, at any
hour): a takeover attempt must reach the person even if the attacker's channel is the one
they would otherwise read. The words are fixed; nothing personal goes into them.
"""

from __future__ import annotations

from auth import events
from notifications.outbox import notify

CHANNEL_NAMES = {"wechat_mp": "微信小程序", "phone": "手机号"}
SECURITY_PAGE = "/me/security"

# Inbox words (the person reads them after login); what leaves the server is the event's fixed
# words in notifications.events.
_WORDS = {
    "channel_added": (
        "账号新增了登录方式",
        "您的账号刚刚新增了一种登录方式（{channel}）。如果不是您本人操作，请在“我的—账号与安全”点“不是我本人”。",
    ),
    "join_requested": (
        "有人申请加入您的账号",
        "有人正在申请用您的身份证号加入您的账号，验证码已发到您登记的手机。请勿把验证码告诉他人；"
        "如果不是您本人，请在“我的—账号与安全”点“不是我本人”。",
    ),
    "join_refused": (
        "有人用您的身份证号实名",
        "有人在一个新的{channel}账号上填写了您的身份证号，该账号看不到您的任何信息。"
        "如果是您本人，可在新账号上申请加入；如果不是，请在“我的—账号与安全”点“不是我本人”。",
    ),
    "channel_removed": ("已移除登录方式", "您已移除一种登录方式，它的所有登录已失效。"),
}


async def tell_person(notice: events.IdentityNotice) -> None:
    """Write the notification for one identity event, in the transaction that caused it."""
    title, body = _WORDS[notice.kind]
    channel = CHANNEL_NAMES.get(notice.params.get("channel", ""), "新")
    await notify(
        person_id=notice.person_id,
        event=f"account.{notice.kind}",
        dedupe_key=notice.dedupe_key,
        title=title,
        body=body.format(channel=channel),
        link=SECURITY_PAGE,
        fields={"subject": "账号与安全"},
        data={"kind": notice.kind, "join_request_id": notice.params.get("request_id")},
    )


def register() -> None:
    events.listen(tell_person)
