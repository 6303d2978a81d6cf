"""Per-field error messages in Chinese and English from pydantic validation errors."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

# pydantic error type → Chinese message template (ctx values are substituted).
_ZH: dict[str, str] = {
    "missing": "此项必填",
    "string_type": "应为文字",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为“是”或“否”",
    "bool_parsing": "应为“是”或“否”",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "literal_error": "不是允许的选项",
    "enum": "不是允许的选项",
    "extra_forbidden": "不认识的字段",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "date_type": "应为日期",
    "date_parsing": "日期格式不正确，应为 年-月-日",
    "date_from_datetime_parsing": "日期格式不正确，应为 年-月-日",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "日期时间格式不正确",
    "uuid_parsing": "格式不正确",
    "string_unicode": "包含无法识别的字符",
}


def field_errors(exc: ValidationError, *, location: str) -> list[dict[str, Any]]:
    """One entry per invalid field: dotted ``field``, pydantic ``code``, messages in both languages."""
    result: list[dict[str, Any]] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        ctx = err.get("ctx") or {}
        kind = err["type"]
        if kind == "value_error":
            # Our own validators raise ValueError("中文说明|English text").
            text = str(ctx.get("error", err["msg"]))
            zh, _, en = text.partition("|")
            message_zh, message_en = zh, en or zh
        else:
            template = _ZH.get(kind, "格式不正确")
            try:
                message_zh = template.format(**ctx)
            except (KeyError, IndexError):
                message_zh = "格式不正确"
            message_en = err["msg"]
        result.append(
            {
                "field": f"{location}.{loc}" if loc else location,
                "code": kind,
                "message_zh": message_zh,
                "message_en": message_en,
            }
        )
    return result
