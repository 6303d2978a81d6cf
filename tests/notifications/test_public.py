"""What leaves the server (Web Push, WeChat, SMS) is fixed words per event: no clerk's note, no personal data.

A Web Push shows on the lock screen and WeChat and SMS pass through outside companies, so a
correction reason naming a person, their ID number and phone must stay inside: the resident reads
it in the inbox after login. Each channel is checked at the fake provider, which holds what really
left the server (the fake push service decrypts the payload).
"""

from __future__ import annotations

import json

import pytest

from backend.kit.transactions import transaction
from notifications import public
from notifications.events import POLICIES
from notifications.models import Delivery
from notifications.outbox import notify
from tests.fakes.wechat import check_template_value
from tests.notifications.conftest import RESIDENT_PHONE, TEMPLATES, dispatcher, drain, person_id, submitted_case, subscribe_browser
from tests.notifications.test_delivery import wechat_resident

NAME, ID_NUMBER, PHONE = "欧阳娜娜", "11010519491231002X", "13800138000"
REASON = f"租赁合同的承租人{NAME}（身份证号 {ID_NUMBER}，电话 {PHONE}）缺少出租方签字"
# What must not leave: the person's name, ID number and phone, masked or not, and the clerk's words.
SECRETS = (NAME, ID_NUMBER, PHONE, "002X", "138****", "出租方签字", "承租人")
SERVICE = "个体工商户设立登记（营业执照）"


def leaked(sent: object) -> list[str]:
    text = sent if isinstance(sent, str) else json.dumps(sent, ensure_ascii=False)
    return [s for s in SECRETS if s in text]


async def reach_by(channel: str, client, resident, wechat, push, sms=None) -> dict | None:
    """Make ``channel`` the one the resident reads; returns the browser subscription for Web Push."""
    if channel == "wechat":
        mini = await wechat_resident(client, wechat, sms, "oWX_public_0001")
        wechat.accept("oWX_public_0001", TEMPLATES["progress"])
        r = await client.post("/api/v1/me/wechat-subscriptions", json={"results": {TEMPLATES["progress"]: "accept"}}, headers=mini)
        assert r.status_code == 200, r.text
    if channel == "webpush":
        return await subscribe_browser(client, resident, push)
    return None  # no WeChat credit, no browser: the villager is texted


def sent_on(channel: str, wechat, push, sms) -> list:
    if channel == "webpush":
        return [m.text for m in push.received()]
    if channel == "wechat":
        return list(wechat.subscribe_messages)
    return [m for m in sms.messages if m["phone"] == RESIDENT_PHONE and m["template"] == "SMS_NOTICE"]


@pytest.mark.parametrize("channel", ["webpush", "wechat", "sms"])
async def test_a_correction_note_with_personal_data_stays_in_the_inbox(channel, client, resident, approver, wechat, push, sms):
    await reach_by(channel, client, resident, wechat, push, sms)
    case = await submitted_case(client, resident)
    r = await client.post(
        f"/api/v1/staff/applications/{case['id']}/request-correction",
        json={"items": [{"item": "premises", "reason": REASON}]},
        headers=approver,
    )
    assert r.status_code == 200, r.text
    assert [d.channel for d in await Delivery.filter(notification__event="case.correction_requested")] == [channel]
    await drain(dispatcher())
    assert (await Delivery.get(notification__event="case.correction_requested")).status == "sent"

    [sent] = sent_on(channel, wechat, push, sms)
    assert leaked(sent) == []
    # Still useful on the lock screen: which case, what kind of step, where to tap.
    if channel == "webpush":
        shown = json.loads(sent)
        assert shown["title"] == f"需要补正材料：{SERVICE}"
        assert case["tracking_no"] in shown["body"] and shown["url"] == f"/cases/{case['id']}"
    elif channel == "wechat":
        assert sent["data"]["character_string1"]["value"] == case["tracking_no"]
        assert sent["data"]["phrase3"]["value"] == "待补正"
    else:
        assert sent["params"] == {"subject": SERVICE, "phrase": "待补正", "reference": case["tracking_no"]}

    # After login the inbox tells the resident what to correct; ID number and phone only masked.
    r = await client.get("/api/v1/notifications", headers=resident)
    assert r.status_code == 200, r.text
    [item] = [i for i in r.json()["items"] if i["event"] == "case.correction_requested"]
    assert "租赁合同" in item["body"] and "缺少出租方签字" in item["body"] and NAME in item["body"]
    assert ID_NUMBER not in item["body"] and PHONE not in item["body"]
    assert "110***********002X" in item["body"] and "138****8000" in item["body"]


@pytest.mark.parametrize("channel", ["webpush", "wechat", "sms"])
async def test_free_text_given_to_notify_has_no_way_out(channel, client, resident, wechat, push, sms):
    """Whatever a domain writes as title and body is for the inbox; outside, the event's own words."""
    await reach_by(channel, client, resident, wechat, push, sms)
    async with transaction():
        await notify(
            person_id=await person_id(),
            event="case.rejected",
            dedupe_key="t:free",
            title=f"{NAME} {PHONE}",
            body=REASON,
            link="/cases/7",
            data={"note": REASON},
        )
    await drain(dispatcher())
    [sent] = sent_on(channel, wechat, push, sms)
    assert leaked(sent) == []
    if channel == "webpush":
        assert json.loads(sent)["title"] == POLICIES["case.rejected"].title.format(subject=public.DEFAULTS["subject"])


@pytest.mark.parametrize("channel", ["webpush", "wechat", "sms"])
async def test_personal_data_in_a_structured_field_is_stripped(channel, client, resident, wechat, push, sms):
    await reach_by(channel, client, resident, wechat, push, sms)
    async with transaction():
        await notify(
            person_id=await person_id(),
            event="case.accepted",
            dedupe_key="t:field",
            title="已受理",
            body="受理",
            fields={"subject": f"{NAME}的手机 {PHONE}", "reference": ID_NUMBER},
        )
    await drain(dispatcher())
    [sent] = sent_on(channel, wechat, push, sms)
    assert [s for s in (PHONE, ID_NUMBER, "002X") if s in (sent if isinstance(sent, str) else json.dumps(sent))] == []


async def test_notify_refuses_fields_and_links_that_could_carry_free_text(client, resident):
    pid = await person_id()
    for bad in ({"remark": REASON}, {"note": "x"}, {"phrase": "待补正"}):
        with pytest.raises(ValueError, match="not a public field"):
            async with transaction():
                await notify(person_id=pid, event="case.accepted", dedupe_key="t:bad", title="t", body="b", fields=bad)
    for link in ("https://evil.example/", f"/cases/1?phone={PHONE}", f"/people/{ID_NUMBER}", "/cases/1#note"):
        with pytest.raises(ValueError, match="link"):
            async with transaction():
                await notify(person_id=pid, event="case.accepted", dedupe_key="t:bad", title="t", body="b", link=link)


def test_every_template_uses_only_public_values():
    for p in POLICIES.values():
        for text in (p.title, p.body):
            assert public.template_names(text) <= set(public.PUBLIC_FIELDS), (p.name, text)
        assert not public.personal_data(p.title + p.body + p.remark)
        # Fixed words WeChat refuses would lose the message for good (47003).
        assert check_template_value("phrase3", p.phrase) is None and check_template_value("thing5", p.remark) is None, p.name


def test_personal_numbers_are_found_and_case_numbers_are_not():
    for text in (
        ID_NUMBER,
        f"身份证{ID_NUMBER.lower()}号",
        "11010519491231002X，",
        PHONE,
        f"+86 {PHONE}",
        "电话138-0013-8000",
        "139 1234 5678",
    ):
        assert public.personal_data(text), text
    for text in ("26111213000012", "20261122000017", "受理号 13912345", "1391234567", "139123456789", "110105194912310021"):
        assert not public.personal_data(text), text  # tracking numbers, too short or long, a wrong ID check character
    assert public.mask(f"身份证 {ID_NUMBER}，电话 {PHONE}") == "身份证 110***********002X，电话 138****8000"
