"""What an administrator's item must satisfy beyond the shape of each field (the schema checks those).

Each problem names the field it is about (``body.form_schema.2.key``), so the editor can put the
message beside the right row.
"""

from __future__ import annotations

from typing import Any

from backend.catalog.schemas import ServiceItemIn


def _problem(field: str, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"field": f"body.{field}", "code": code, "message_zh": zh, "message_en": en}


def _blank_lines(name: str, label: str, lines: list[str]) -> list[dict[str, Any]]:
    return [
        _problem(f"{name}.{i}", "blank", f"{label}第 {i + 1} 条是空的", "Must not be blank")
        for i, line in enumerate(lines)
        if not line.strip()
    ]


def problems(item: ServiceItemIn) -> list[dict[str, Any]]:
    """Every rule the item breaks; empty when it may be saved."""
    found: list[dict[str, Any]] = []
    if item.legal_limit_days < 1:
        found.append(_problem("legal_limit_days", "not_positive", "法定办结时限至少 1 个工作日", "The legal time limit is at least 1 day"))
    if item.promised_limit_days > item.legal_limit_days:
        found.append(
            _problem(
                "promised_limit_days",
                "above_legal",
                f"承诺时限不能长于法定时限（{item.legal_limit_days} 个工作日）",
                f"The promised limit cannot exceed the legal limit ({item.legal_limit_days} days)",
            )
        )
    found += _blank_lines("conditions", "受理条件", item.conditions)
    found += _blank_lines("steps", "办理流程", item.steps)
    found += _blank_lines("legal_basis", "设定依据", item.legal_basis)
    seen: set[str] = set()
    for i, material in enumerate(item.materials):
        if material.key in seen:
            found.append(
                _problem(f"materials.{i}.key", "duplicate", f"材料编码“{material.key}”重复", f"Material key {material.key} is used twice")
            )
        seen.add(material.key)
        if not material.name.strip():
            found.append(_problem(f"materials.{i}.name", "blank", "请填写材料名称", "Must not be blank"))
    keys = [f.key for f in item.form_schema]
    seen = set()
    for i, field in enumerate(item.form_schema):
        where = f"form_schema.{i}"
        if field.key in seen:
            found.append(_problem(f"{where}.key", "duplicate", f"表单项编码“{field.key}”重复", f"Field key {field.key} is used twice"))
        seen.add(field.key)
        if not field.label.strip():
            found.append(_problem(f"{where}.label", "blank", "请填写表单项名称", "Must not be blank"))
        if field.type == "select" and not field.options:
            found.append(
                _problem(f"{where}.options", "options_missing", "下拉选择项至少要有一个选项", "A select needs at least one option")
            )
        if len(set(field.options)) != len(field.options) or any(not o.strip() for o in field.options):
            found.append(_problem(f"{where}.options", "options_invalid", "选项不能为空或重复", "Options must be non-blank and distinct"))
        if field.min is not None and field.max is not None and field.min > field.max:
            found.append(_problem(f"{where}.min", "min_above_max", "最小值不能大于最大值", "min is above max"))
        if field.required_if is not None and (field.required_if.key == field.key or field.required_if.key not in keys):
            found.append(
                _problem(
                    f"{where}.required_if.key",
                    "unknown_field",
                    "“条件必填”指向的表单项不存在",
                    "required_if names no other field of the form",
                )
            )
    return found
