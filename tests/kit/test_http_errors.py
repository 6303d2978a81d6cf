"""Bad requests get problem+json with a stable code and the right status, never a 500."""

from __future__ import annotations

import json

PROBLEM = "application/problem+json"


async def test_malformed_json_is_400_with_code(kit_client):
    r = await kit_client.post("/api/v1/greetings", content='{"name": "张三", '.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["code"] == "request.malformed_json"
    assert body["status"] == 400
    assert body["title"] == "请求内容不是有效的 JSON"


async def test_wrong_types_and_missing_fields_list_every_field_in_chinese(kit_client):
    r = await kit_client.post("/api/v1/greetings", json={"age": "old"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "request.invalid"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["body.name"]["code"] == "missing"
    assert by_field["body.name"]["message"] == "此项必填"
    assert by_field["body.age"]["code"] == "int_parsing"
    assert by_field["body.age"]["message"] == "应为整数"


async def test_overlong_string_names_the_limit(kit_client):
    r = await kit_client.post("/api/v1/greetings", json={"name": "很" * 11, "age": 3})
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error == {"field": "body.name", "code": "string_too_long", "message": "不能超过 10 个字符"}


async def test_english_on_accept_language_en(kit_client):
    r = await kit_client.post("/api/v1/greetings", json={"name": "x"}, headers={"accept-language": "en-US,en;q=0.9,zh;q=0.5"})
    assert r.status_code == 422
    assert r.headers["content-language"] == "en"
    body = r.json()
    assert body["title"] == "Some fields are invalid"
    assert body["errors"][0]["message"] == "Field required"


async def test_chinese_preferred_over_english_when_ranked_higher(kit_client):
    r = await kit_client.post("/api/v1/greetings", json={}, headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert r.json()["title"] == "填写的内容有误"


async def test_valid_body_is_accepted(kit_client):
    r = await kit_client.post("/api/v1/greetings", json={"name": "张三", "age": 70})
    assert r.status_code == 201
    assert r.json() == {"name": "张三", "age": 70}


async def test_non_json_content_type_is_415(kit_client):
    r = await kit_client.post("/api/v1/greetings", content=b"name=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert r.json()["code"] == "request.unsupported_media_type"


async def test_body_over_limit_by_content_length_is_413(kit_client):
    r = await kit_client.post("/api/v1/greetings", content=b"{" + b" " * 2000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "request.too_large"


async def test_chunked_body_over_limit_is_413(kit_client):
    async def chunks():
        for _ in range(10):
            yield b" " * 200

    r = await kit_client.post("/api/v1/greetings", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["code"] == "request.too_large"


async def test_query_validation_is_422(kit_client):
    r = await kit_client.get("/api/v1/search", params={"page": "zero"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.page"
    assert (await kit_client.get("/api/v1/search", params={"page": "2"})).json() == {"page": 2}


async def test_unknown_path_is_problem_404(kit_client):
    r = await kit_client.get("/api/v1/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["code"] == "not_found"


async def test_wrong_method_is_problem_405(kit_client):
    r = await kit_client.delete("/api/v1/greetings")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


async def test_unexpected_error_is_generic_500_without_internals(kit_client):
    r = await kit_client.get("/api/v1/boom")
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "internal"
    assert "secret internal detail" not in json.dumps(body)
    assert r.headers["x-request-id"] in body["detail"]


async def test_request_id_is_echoed_when_sane_and_replaced_when_not(kit_client):
    r = await kit_client.get("/api/v1/search", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await kit_client.get("/api/v1/search", headers={"x-request-id": "bad\nid"})
    assert r.headers["x-request-id"] != "bad\nid"
    assert len(r.headers["x-request-id"]) == 16
