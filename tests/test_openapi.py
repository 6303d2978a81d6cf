"""The OpenAPI document states what the server enforces: credentials, headers, body shapes, formats."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from auth.schemas import PHONE_PATTERN, IdentityIn, SmsSend
from auth.service import normalize_phone
from backend.app import openapi_document
from tests.applications.conftest import *  # noqa: F401,F403  (a verified resident through the real login)

DOC = openapi_document()
OPS = {(method.upper(), path): op for path, item in DOC["paths"].items() for method, op in item.items()}


def test_security_schemes_are_declared_and_required_where_a_session_is():
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert (schemes["session_cookie"]["in"], schemes["session_cookie"]["name"]) == ("cookie", "yiwang_session")
    assert (schemes["csrf_token"]["in"], schemes["csrf_token"]["name"]) == ("header", "X-CSRF-Token")
    assert OPS["GET", "/api/v1/me"]["security"] == [{"bearer": []}, {"session_cookie": []}]
    assert OPS["PUT", "/api/v1/me/notification-preferences"]["security"] == [{"bearer": []}, {"session_cookie": [], "csrf_token": []}]
    for public in (
        ("GET", "/api/v1/services"),
        ("POST", "/api/v1/auth/sms/send"),
        ("GET", "/api/v1/track/{tracking_no}"),
        ("GET", "/healthz"),
    ):
        assert "security" not in OPS[public], public
    # What the permission wrapper can answer is documented with it.
    staff = OPS["GET", "/api/v1/staff/applications"]["responses"]
    assert "auth.second_factor_required" in staff["403"]["description"] and "401" in staff


def test_the_idempotency_key_header_and_its_problems_are_documented():
    submit = OPS["POST", "/api/v1/applications/{application_id}/submit"]
    [header] = [p for p in submit["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
    assert header["required"] is True
    pattern = re.compile(header["schema"]["pattern"])
    assert pattern.match("9f1c2b7e-0d4a-4c55-8a51-3b8f0e6d2a10") and not pattern.match(" padded ") and not pattern.match("键")
    [acting] = [p for p in submit["parameters"] if p["in"] == "header" and p["name"] == "Yiwang-Delegation"]
    assert acting["required"] is False  # township staff acting for a villager (帮办代办)
    for status, code in (
        ("400", "idempotency.key_missing"),
        ("400", "idempotency.key_invalid"),
        ("409", "idempotency.in_flight"),
        ("422", "idempotency.key_reused"),
    ):
        assert code in submit["responses"][status]["description"]


def test_the_photo_upload_is_documented_as_multipart():
    upload = OPS["POST", "/api/v1/materials"]
    schema_ref = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = DOC["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    assert form["properties"]["expires_on"] == {**form["properties"]["expires_on"], "type": "string", "format": "date"}
    assert {"200", "201", "400", "413", "415", "422"} <= set(upload["responses"])


def test_readiness_documents_its_503_body():
    responses = OPS["GET", "/readyz"]["responses"]
    assert responses["503"]["content"] == responses["200"]["content"]


def test_path_parameters_say_what_the_router_accepts():
    params = {p["name"]: p["schema"] for p in OPS["GET", "/api/v1/applications/{application_id}/qr.{kind}"]["parameters"]}
    assert params["application_id"] == {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
    assert "404" in OPS["GET", "/api/v1/applications/{application_id}"]["responses"]


@pytest.mark.parametrize(
    "phone", ["13912345678", "139 1234 5678", "139-1234-5678", "+8613912345678", "+86 139 1234 5678", "008613912345678"]
)
def test_every_phone_the_document_allows_is_a_number_the_service_takes(phone):
    assert re.match(PHONE_PATTERN, phone)
    assert normalize_phone(phone) == "13912345678"


@pytest.mark.parametrize("phone", ["12345678901", "1391234567", "139123456789", "１３９１２３４５６７８", "١٣٩١٢٣٤٥٦٧٨", "139  1234 5678"])
def test_phones_outside_the_pattern_are_refused_by_the_body_model(phone):
    assert not re.match(PHONE_PATTERN, phone)
    with pytest.raises(ValidationError):
        SmsSend.model_validate({"phone": phone})


def test_id_number_pattern_admits_real_numbers_only_in_shape():
    pattern = re.compile(IdentityIn.model_json_schema()["properties"]["id_number"]["pattern"])
    assert pattern.match("11010519491231002X") and pattern.match("11010519491231002x")
    assert not pattern.match("00010519491231002X")  # no such province
    assert not pattern.match("11010519491331002X")  # month 13


async def test_quiet_hours_must_be_a_boolean_not_a_number(client, resident):
    prefs = {"wechat": True, "webpush": False, "sms": True, "quiet_hours": 0, "quiet_start": "22:00", "quiet_end": "07:00"}
    r = await client.put("/api/v1/me/notification-preferences", json=prefs, headers=resident)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.quiet_hours"
    r = await client.put("/api/v1/me/notification-preferences", json={**prefs, "quiet_hours": False}, headers=resident)
    assert r.status_code == 200 and r.json()["quiet_hours"] is False
