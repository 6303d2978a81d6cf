"""One truth for what an item needs: the 办事指南, the form and the submit check agree, for every
demo item; conditions read from the ID number (age, region) are checked when applying and at
submit, explained in plain words; each form field type refuses bad input with its own message."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from auth.idnumber import check_character
from backend.catalog import demo
from backend.catalog import service as catalog
from backend.catalog import versions as catalog_versions
from backend.catalog.eligibility import age_on
from backend.catalog.schemas import Eligibility
from tests.auth.conftest import bearer, sms_login
from tests.consents import agreed
from tests.photos import photo

API = "/api/v1/applications"
OLD_AGE = "000110004000"  # 高龄津贴申领: 80周岁以上
MINIMUM_LIVING = "000110001000"  # 最低生活保障: 本地户籍 (德安县 360426)
MARRIAGE = "000110005000"  # 结婚登记预约
YYZZ = "000105001000"


def id_number(born: date, region: str = "360426", sequence: int = 1) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        pytest.skip("the boundary day does not exist in that year")


async def person(client, sms, phone: str, number: str, name: str = "张三") -> dict[str, str]:
    session = await sms_login(client, sms, phone)
    r = await client.post(
        "/api/v1/me/identity", json={"name": name, "id_number": number, "accept": agreed("id_number")}, headers=bearer(session)
    )
    assert r.status_code == 200, r.text
    return bearer(session)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def valid_value(field: dict, own_id: str):
    """A value a careful resident would type into the field."""
    kind = field["type"]
    if kind == "select":
        return field["options"][0]
    if kind == "number":
        low = field["min"] if field["min"] is not None else 0
        value = int(low) + 1
        return str(value if field["max"] is None or value <= field["max"] else int(low))
    if kind == "date":
        shift = {"past": -10, "future": 10}.get(field["when"], 0)
        return (today() + timedelta(days=shift)).isoformat()
    if kind == "phone":
        return "13912345678"
    if kind == "id_number":
        return own_id if field["key"] == "applicant_id_number" else id_number(date(1990, 5, 6), "110105", 2)
    return "德安县蒲亭镇一号"[: field["max_length"]]


@pytest.fixture
async def elder(client, sms) -> tuple[dict[str, str], str]:
    """A resident of the demo county aged 86: every demo item's checked conditions hold."""
    await demo.seed()
    number = id_number(date(1940, 3, 4))
    return await person(client, sms, "13912350001", number), number


async def test_guide_form_and_server_agree_on_what_is_required_for_every_demo_item(client, elder):
    headers, own_id = elder
    up = await client.post(
        "/api/v1/materials", headers=headers, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")}, data={"kind": "id_card"}
    )
    assert up.status_code in (200, 201), up.text
    library_photo = up.json()["id"]
    completed = 0
    for item in demo.ITEMS:
        guide = (await client.get(f"/api/v1/services/{item['code']}")).json()
        # The guide shows what the catalog declares: one declaration, nothing re-derived.
        assert [m["required"] for m in guide["materials"]] == [m.get("required", True) for m in item["materials"]]
        r = await client.post(API, json={"service_code": guide["code"], "form": {}}, headers=headers)
        assert r.status_code == 201, (guide["code"], r.text)
        case = r.json()["id"]
        # An empty form: the server names exactly the fields the guide marks required.
        r = await client.post(f"{API}/{case}/submit", headers=headers | key())
        assert r.status_code == 422 and r.json()["code"] == "application.form_invalid", (guide["code"], r.text)
        named = {e["field"] for e in r.json()["errors"]}
        assert named == {f"form.{f['key']}" for f in guide["form_schema"] if f["required"]}, guide["code"]
        assert all(e["message"].startswith("请填写“") for e in r.json()["errors"])
        # Every field filled, no material: exactly the materials marked 必交 are asked for.
        form = {f["key"]: valid_value(f, own_id) for f in guide["form_schema"]}
        r = await client.put(f"{API}/{case}/form", json={"form": form}, headers=headers)
        assert r.status_code == 200, (guide["code"], r.text)
        r = await client.post(f"{API}/{case}/submit", headers=headers | key())
        required = {f"materials.{m['key']}" for m in guide["materials"] if m["required"]}
        if required:
            assert r.status_code == 422 and r.json()["code"] == "application.materials_missing", (guide["code"], r.text)
            assert {e["field"] for e in r.json()["errors"]} == required, guide["code"]
        # The required materials (and no optional one) are enough.
        if any(m["min_trust"] > 1 for m in guide["materials"] if m["required"]):
            continue  # a clerk-checked copy or an e-certificate is needed: a photo cannot complete it
        for m in guide["materials"]:
            if m["required"]:
                r = await client.put(f"{API}/{case}/materials/{m['key']}", json={"material_id": library_photo}, headers=headers)
                assert r.status_code == 200, (guide["code"], r.text)
        r = await client.post(f"{API}/{case}/submit", headers=headers | key())
        assert r.status_code == 200 and r.json()["status"] == "submitted", (guide["code"], r.text)
        completed += 1
    assert completed == len(demo.ITEMS) - 1  # all but 食品经营许可, whose 营业执照 must be clerk-checked


async def test_the_business_licence_guide_shows_the_premises_proof_as_optional_with_its_condition(client):
    await demo.seed()
    guide = (await client.get(f"/api/v1/services/{YYZZ}")).json()
    premises = next(m for m in guide["materials"] if m["key"] == "premises")
    assert premises["required"] is False and "承诺制" in premises["condition"]
    assert [m["key"] for m in guide["materials"] if m["required"]] == ["id_card"]


async def test_an_old_age_allowance_is_refused_to_a_76_year_old_in_plain_words(client, sms):
    await demo.seed()
    number = id_number(years_before(today(), 76) - timedelta(days=30), "110105")
    headers = await person(client, sms, "13912350002", number)
    r = await client.post(API, json={"service_code": OLD_AGE, "form": {}}, headers=headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "application.condition_unmet" and body["title"] == "暂不符合办理条件"
    assert "年满80周岁" in body["detail"] and "您现在76周岁" in body["detail"]
    assert number not in r.text and number[6:14] not in r.text  # neither the number nor the birth date is echoed
    english = await client.post(API, json={"service_code": OLD_AGE, "form": {}}, headers=headers | {"Accept-Language": "en"})
    assert "at least 80" in english.json()["detail"]
    assert not await _cases(client, headers)  # nothing half-written


async def _cases(client, headers) -> list:
    return (await client.get(API, headers=headers)).json()["items"]


async def test_the_80th_birthday_itself_opens_the_allowance_and_the_day_before_does_not(client, sms):
    await demo.seed()
    turns_80_today = id_number(years_before(today(), 80), sequence=3)
    turns_80_tomorrow = id_number(years_before(today() + timedelta(days=1), 80), sequence=5)
    on_the_day = await person(client, sms, "13912350003", turns_80_today)
    r = await client.post(API, json={"service_code": OLD_AGE, "form": {}}, headers=on_the_day)
    assert r.status_code == 201, r.text
    day_before = await person(client, sms, "13912350004", turns_80_tomorrow, name="李四")
    r = await client.post(API, json={"service_code": OLD_AGE, "form": {}}, headers=day_before)
    assert r.status_code == 422 and r.json()["code"] == "application.condition_unmet"
    assert "您现在79周岁" in r.json()["detail"] and "生日当天起" in r.json()["detail"]


async def test_minimum_living_allowance_is_refused_to_an_id_number_of_another_region(client, sms):
    await demo.seed()
    beijing = id_number(date(1970, 1, 1), "110105", 7)
    headers = await person(client, sms, "13912350005", beijing)
    r = await client.post(API, json={"service_code": MINIMUM_LIVING, "form": {}}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "application.condition_unmet"
    assert "江西省九江市德安县" in r.json()["detail"] and "户口簿" in r.json()["detail"]
    assert beijing not in r.text
    local = await person(client, sms, "13912350006", id_number(date(1970, 1, 1), "360426", 9), name="李四")
    r = await client.post(API, json={"service_code": MINIMUM_LIVING, "form": {}}, headers=local)
    assert r.status_code == 201, r.text


async def test_submit_checks_the_conditions_of_the_case_version_not_a_later_one(client, elder):
    """Conditions changed by an administrator after the draft (a new catalog version) bind new drafts, not this case."""
    headers, own_id = elder
    guide = (await client.get(f"/api/v1/services/{OLD_AGE}")).json()
    form = {f["key"]: valid_value(f, own_id) for f in guide["form_schema"]}
    r = await client.post(API, json={"service_code": OLD_AGE, "form": form}, headers=headers)
    assert r.status_code == 201, r.text
    case = r.json()["id"]
    current = (await catalog_versions.admin_item(code=OLD_AGE)).item
    await catalog.save_item(item=current.model_copy(update={"eligibility": Eligibility(min_age=90)}), actor="test")
    r = await client.post(f"{API}/{case}/submit", headers=headers | key())
    assert r.status_code == 422 and r.json()["code"] == "application.materials_missing"  # past the conditions of its version
    r = await client.post(f"{API}/{case}/withdraw", headers=headers)
    assert r.status_code == 200, r.text
    r = await client.post(API, json={"service_code": OLD_AGE, "form": form}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "application.condition_unmet"
    assert "年满90周岁" in r.json()["detail"] and "您现在86周岁" in r.json()["detail"]


def test_age_counts_full_years_and_a_29_february_birthday_turns_on_1_march():
    assert age_on(date(1946, 11, 26), date(2026, 11, 26)) == 80
    assert age_on(date(1946, 11, 27), date(2026, 11, 26)) == 79
    assert age_on(date(1948, 2, 29), date(2027, 2, 28)) == 78
    assert age_on(date(1948, 2, 29), date(2027, 3, 1)) == 79
    assert age_on(date(1948, 2, 29), date(2028, 2, 29)) == 80


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("spouse_name", "", "请填写“配偶姓名”"),
        ("spouse_id_number", "11010519900506000", "身份证号码应为 18 位"),
        ("spouse_id_number", "110105199005060001", "校验位不正确"),
        ("spouse_phone", "12345", "请填写 11 位手机号码"),
        ("appointment_on", "2026/12/01", "“预约日期”请按 年-月-日 填写"),
        ("appointment_on", "2020-01-06", "“预约日期”不能早于今天"),
        ("time_slot", "晚上", "“预约时段”请从给出的选项中选择"),
        ("unknown", "x", "该事项没有这一项"),
    ],
)
async def test_each_marriage_form_field_refuses_bad_input_with_its_own_chinese_message(client, elder, field, value, message):
    headers, own_id = elder
    guide = (await client.get(f"/api/v1/services/{MARRIAGE}")).json()
    form = {f["key"]: valid_value(f, own_id) for f in guide["form_schema"]} | {field: value}
    r = await client.post(API, json={"service_code": MARRIAGE, "form": form}, headers=headers)
    if value == "":  # a draft may be incomplete: only submit demands every required field
        assert r.status_code == 201, r.text
        r = await client.post(f"{API}/{r.json()['id']}/submit", headers=headers | key())
    assert r.status_code == 422 and r.json()["code"] == "application.form_invalid", r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [f"form.{field}"] and message in errors[0]["message"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("三口人", "“家庭人口数”请填写数字"),
        ("0", "“家庭人口数”不能小于 1"),
        ("21", "“家庭人口数”不能大于 20"),
        (True, "请填写数字"),
    ],
)
async def test_number_fields_refuse_words_and_values_out_of_range(client, elder, value, message):
    headers, _ = elder
    r = await client.post(API, json={"service_code": MINIMUM_LIVING, "form": {"household_size": value}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "form.household_size", r.text
    assert message in r.json()["errors"][0]["message"]


async def test_numbers_typed_as_text_are_kept_as_numbers_and_a_past_date_cannot_be_tomorrow(client, elder):
    headers, _ = elder
    form = {"household_size": "3", "monthly_income": "1250.5"}
    r = await client.post(API, json={"service_code": MINIMUM_LIVING, "form": form}, headers=headers)
    assert r.status_code == 201 and r.json()["form"] == {"household_size": 3, "monthly_income": 1250.5}, r.text
    tomorrow = (today() + timedelta(days=1)).isoformat()
    r = await client.post(API, json={"service_code": "000110003000", "form": {"happened_on": tomorrow}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == "“发生日期”不能晚于今天"


async def test_the_condition_code_is_documented_where_it_can_be_answered(client):
    spec = (await client.get("/api/openapi.json")).json()
    for path, method in ((API, "post"), (API + "/{application_id}/submit", "post")):
        operation = spec["paths"][path][method]
        assert "application.condition_unmet" in str(operation), path


async def test_choosing_delivery_by_post_makes_the_mailing_address_required(client, elder):
    headers, own_id = elder
    code = "000109001000"  # 社会保障卡补领、换领
    guide = (await client.get(f"/api/v1/services/{code}")).json()
    form = {f["key"]: valid_value(f, own_id) for f in guide["form_schema"] if f["key"] != "mailing_address"}
    r = await client.post(API, json={"service_code": code, "form": form | {"pickup": "邮寄到家（到付）"}}, headers=headers)
    assert r.status_code == 201, r.text
    case = r.json()["id"]
    r = await client.post(f"{API}/{case}/submit", headers=headers | key())
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "form.mailing_address", "code": "missing", "message": "请填写“邮寄地址”（选择“邮寄到家（到付）”时必填）"}
    ]
    r = await client.put(f"{API}/{case}/form", json={"form": form | {"pickup": "窗口领取"}}, headers=headers)
    assert r.status_code == 200
    r = await client.post(f"{API}/{case}/submit", headers=headers | key())
    assert r.json()["code"] == "application.materials_missing"  # the form itself is now complete


@pytest.mark.parametrize("word", ["Infinity", "NaN", "1e999"])
async def test_numbers_that_are_not_finite_are_refused_not_stored(client, elder, word):
    headers, _ = elder
    body = f'{{"service_code": "{MINIMUM_LIVING}", "form": {{"household_size": {word}}}}}'
    r = await client.post(API, content=body, headers=headers | {"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert not await _cases(client, headers)
