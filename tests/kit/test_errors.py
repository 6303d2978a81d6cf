"""Error declarations: three lines each, one stable code per failure, no free text."""

from __future__ import annotations

import pytest

import backend.app  # noqa: F401  (imports every domain, so every declared error class exists)
from backend.kit import errors


class _Example(errors.NotFound, code="example.not_found"):
    zh = "找不到示例|没有编号为 {number} 的示例。"
    en = "Example not found|There is no example {number}."


def _declared(cls: type[errors.ServiceError]) -> list[type[errors.ServiceError]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_declared(sub))]


def test_a_declaration_gives_status_code_and_both_languages():
    zh = _Example(number=7).problem(english=False)
    assert zh == {
        "type": errors.TYPE_BASE + "example.not_found",
        "title": "找不到示例",
        "status": 404,
        "detail": "没有编号为 7 的示例。",
        "code": "example.not_found",
    }
    en = _Example(number=7).problem(english=True)
    assert (en["title"], en["detail"]) == ("Example not found", "There is no example 7.")


def test_a_title_alone_is_also_the_detail():
    body = errors.MethodNotAllowed().problem(english=False)
    assert (body["title"], body["detail"]) == ("不支持该操作", "不支持该操作")


def test_a_failure_without_its_own_code_or_text_is_refused_at_declaration():
    with pytest.raises(TypeError, match="code="):

        class NoCode(errors.ServiceError):  # noqa: F841
            zh, en = "标题", "Title"

    with pytest.raises(TypeError, match="zh ="):

        class NoText(errors.NotFound, code="example.silent"):  # noqa: F841
            pass


def test_a_kind_of_failure_cannot_be_raised_itself():
    with pytest.raises(TypeError, match="kind of failure"):
        raise errors.Conflict()


def test_free_text_cannot_be_passed_for_the_detail():
    with pytest.raises(TypeError):
        _Example(number=1, detail_zh="别的意思")
    with pytest.raises(TypeError):
        errors.MalformedRequest(detail_zh="随便写")


def test_each_code_names_one_failure():
    by_code: dict[str, set[str]] = {}
    for cls in _declared(errors.ServiceError):
        if cls.code and not cls.__module__.startswith("tests."):
            by_code.setdefault(cls.code, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert len(by_code) > 60
    assert {code: names for code, names in by_code.items() if len(names) > 1} == {}
    assert {"application.material_expired", "application.material_trust_too_low"} <= set(by_code)
    assert "application.material_not_acceptable" not in by_code
