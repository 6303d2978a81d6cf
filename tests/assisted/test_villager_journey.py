"""A villager registered by a township worker is told by text at each step, later logs in with SMS,
verifies the same ID number and sees the case filed for them, with the 代办员 on its timeline."""

from __future__ import annotations

from backend.kit.models import AuditEntry
from notifications.models import Delivery, Notification
from tests.applications.conftest import VALID_FORM, YYZZ
from tests.assisted.conftest import VILLAGER_ID
from tests.assisted.test_acting import API, acting, file_case, setup
from tests.auth.conftest import bearer, sms_login
from tests.consents import agreed
from tests.notifications.conftest import dispatcher, drain

VILLAGER_PHONE = "13500000031"  # the phone tests.assisted.test_delegations.register records


def texts(sms, phone: str) -> list[dict]:
    return [m for m in sms.messages if m["phone"] == phone and m["template"] == "SMS_NOTICE"]


async def test_the_villager_is_texted_a_template_message_for_the_step_staff_took(client, resident, sms):
    worker, _, villager, delegation = await setup(client, phone="13700000061")
    case = await file_case(client, acting(worker, delegation))
    notice = await Notification.get(person_id=villager["id"], event="assist.case_submitted")
    assert "代办员" in notice.body
    assert [d.channel for d in await Delivery.filter(notification_id=notice.id)] == ["sms"]  # no WeChat, no push: a text
    started = await Notification.get(person_id=villager["id"], event="assist.draft_started")  # told of the draft too
    assert "代办员" in started.body and started.link == f"/cases/{case['id']}"
    await drain(dispatcher())
    subject = "个体工商户设立登记（营业执照）"
    # The gateway's fixed template with the public fields only: no free text, no name, no ID number.
    assert sorted((t["params"]["phrase"], t["params"]["reference"], t["params"]["subject"]) for t in texts(sms, VILLAGER_PHONE)) == [
        ("已代办开始", "-", subject),
        ("已代办提交", case["tracking_no"], subject),
    ]
    for text in texts(sms, VILLAGER_PHONE):
        assert text["template"] == "SMS_NOTICE" and set(text["params"]) == {"subject", "phrase", "reference"}
        assert not any(secret in str(text) for secret in ("王小花", "王", VILLAGER_ID, VILLAGER_ID[-4:]))


async def test_a_villager_registered_by_staff_logs_in_later_and_sees_the_case_and_who_filed_it(client, resident, sms, carrier):
    worker, session, villager, delegation = await setup(client, phone="13700000062")
    case = await file_case(client, acting(worker, delegation))

    # 王小花 gets a phone of her own number and logs in; the carrier knows the number is hers.
    carrier.register(phone=VILLAGER_PHONE, name="王小花", id_number=VILLAGER_ID)
    login = await sms_login(client, sms, VILLAGER_PHONE)
    r = await client.post(
        "/api/v1/me/identity", json={"name": "王小花", "id_number": VILLAGER_ID, "accept": agreed("id_number")}, headers=bearer(login)
    )
    assert r.status_code == 200, r.text
    me = bearer(login)

    mine = await client.get(API, headers=me)
    assert mine.status_code == 200, mine.text
    [seen] = mine.json()["items"]
    assert seen["id"] == case["id"] and seen["tracking_no"] == case["tracking_no"]
    [submit] = [step for step in seen["timeline"] if step["action"] == "submit"]
    assert submit["text"] == "已提交申请（代办员 王** 代办）"  # the worker 王代办, masked
    materials = (await client.get("/api/v1/materials", headers=me)).json()["items"]
    assert [m["id"] for m in materials] == [case["material_id"]]  # the photo staff took is in her library
    delegations = (await client.get("/api/v1/me/delegations", headers=me)).json()["items"]
    assert [d["id"] for d in delegations] == [delegation["id"]] and delegations[0]["status"] == "active"
    inbox = await Notification.filter(person_id=villager["id"]).values_list("event", flat=True)
    assert "assist.case_submitted" in inbox

    # She withdraws the delegation: the worker can do nothing more for her.
    r = await client.post(f"/api/v1/me/delegations/{delegation['id']}/withdraw", headers=me)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = await client.post(API, json={"service_code": YYZZ, "form": VALID_FORM}, headers=acting(worker, delegation))
    assert r.status_code == 403 and r.json()["code"] == "assist.no_delegation"
    withdrawn = await AuditEntry.get(action="delegation.withdraw", object_id=str(delegation["id"]))
    assert withdrawn.actor == f"person:{villager['id']}"
