"""Versions of service items (事项版本): the guide a case was drafted under, and the administrator's history.

A version's snapshot never changes once written, so each process keeps the guides it built
from them (``guide_of``) without asking whether they are still current.
"""

from __future__ import annotations

from typing import Any

from auth.admin import masked_names, person_of
from backend.catalog import service as catalog
from backend.catalog.models import Department, ServiceItem, ServiceVersion
from backend.catalog.schemas import (
    AdminItemDetail,
    AdminItemList,
    AdminItemOut,
    Change,
    ServiceGuide,
    ServiceItemIn,
    VersionDetail,
    VersionOut,
)
from backend.kit import errors

MAX_CACHED_GUIDES = 1000

LABELS = {
    "name": "事项名称",
    "department": "实施部门",
    "kind": "事项类型",
    "summary": "事项简介",
    "conditions": "受理条件",
    "materials": "申请材料",
    "form_schema": "申请表",
    "legal_limit_days": "法定办结时限",
    "promised_limit_days": "承诺办结时限",
    "fee": "收费标准",
    "places": "办理地点",
    "hours": "办理时间",
    "phone": "咨询电话",
    "steps": "办理流程",
    "legal_basis": "设定依据",
    "result_name": "结果名称",
    "result_delivery": "结果送达方式",
    "eligibility": "身份条件",
    "online_full": "全程网办",
    "max_one_trip": "最多跑一次",
    "instant": "即办件",
    "ems_allowed": "可邮寄",
    "appointment_needed": "需预约",
    "assurance_required": "身份核验等级",
    "keywords": "搜索关键词",
    "published": "发布状态",
}
_KEYED = {"materials": "name", "form_schema": "label"}  # lists of entries with a key, and the words that name an entry
_SHORT = 60  # a value longer than this is not repeated in the history, only said to have changed


class VersionNotFound(errors.NotFound, code="catalog.version_not_found"):
    zh = "找不到该版本|事项 {code} 没有第 {version} 版。"
    en = "Version not found|Item {code} has no version {version}."


_guides: dict[tuple[str, int], ServiceGuide] = {}


def _item_in(code: str, snapshot: dict[str, Any]) -> ServiceItemIn:
    """The snapshot read as the item it was (fields the schema dropped since are left out)."""
    return ServiceItemIn.model_validate({k: v for k, v in snapshot.items() if k in ServiceItemIn.model_fields} | {"code": code})


async def guide_of(*, code: str, version: int) -> ServiceGuide:
    """The 办事指南 as version ``version`` of the item said it: what a case drafted under it follows."""
    cached = _guides.get((code, version))
    if cached is not None:
        return cached
    row = await ServiceVersion.get_or_none(item_id=code, version=version)
    if row is None:
        raise catalog.ServiceNotFound(code=code[:32])
    item = _item_in(code, row.snapshot)
    departments = {d.code: d.name for d in await Department.all()}
    guide = ServiceGuide(
        **item.model_dump(exclude={"department", "keywords", "published"}),
        department=item.department,
        department_name=departments.get(item.department, ""),
        version=version,
    )
    if len(_guides) >= MAX_CACHED_GUIDES:
        _guides.clear()
    _guides[(code, version)] = guide
    return guide


def forget_guides() -> None:
    """Forget this process's guides (tests switch databases within one process)."""
    _guides.clear()


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What differs between two snapshots, field by field, in the order the guide shows them."""
    if before is None:
        return []
    found: list[Change] = []
    for field, label in LABELS.items():
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        change = Change(field=field, label=label)
        if field in _KEYED:
            name = _KEYED[field]
            old_by_key = {e["key"]: e for e in old or []}
            new_by_key = {e["key"]: e for e in new or []}
            change.added = [new_by_key[k].get(name, k) for k in new_by_key if k not in old_by_key]
            change.removed = [old_by_key[k].get(name, k) for k in old_by_key if k not in new_by_key]
            change.changed = [new_by_key[k].get(name, k) for k in new_by_key if k in old_by_key and old_by_key[k] != new_by_key[k]]
        elif isinstance(new, list) and all(isinstance(e, str) for e in new) and all(isinstance(e, str) for e in old or []):
            change.added = [_short(e) for e in new if e not in (old or [])]
            change.removed = [_short(e) for e in old or [] if e not in new]
        elif not isinstance(new, (list, dict)):
            change.before, change.after = (_short(old) if old is not None else None), _short(new)
        found.append(change)
    return found


async def _history(code: str) -> list[tuple[ServiceVersion, list[Change]]]:
    rows = await ServiceVersion.filter(item_id=code).order_by("version")
    history: list[tuple[ServiceVersion, list[Change]]] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        history.append((row, changes(previous, row.snapshot)))
        previous = row.snapshot
    return history


async def _saver_names(rows: list[ServiceVersion]) -> dict[int, str | None]:
    return await masked_names(p for p in (person_of(r.created_by) for r in rows) if p is not None)


def _version_out(row: ServiceVersion, found: list[Change], names: dict[int, str | None]) -> VersionOut:
    person = person_of(row.created_by)
    return VersionOut(
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        created_by_name=names.get(person) if person is not None else None,
        changes=found,
    )


async def admin_items() -> AdminItemList:
    """Every item, published or not, with its current version (事项管理 list)."""
    departments = {d.code: d.name for d in await Department.all()}
    items = await ServiceItem.all().order_by("department_id", "code")
    return AdminItemList(
        items=[
            AdminItemOut(
                code=i.code,
                name=i.name,
                department=i.department_id,
                department_name=departments.get(i.department_id, ""),
                kind=i.kind,
                published=i.published,
                version=i.version,
                updated_at=i.updated_at,
            )
            for i in items
        ]
    )


async def admin_item(*, code: str) -> AdminItemDetail:
    """The current item as the editor loads it, with every version and what each changed, newest first."""
    item = await ServiceItem.get_or_none(code=code)
    if item is None:
        raise catalog.ServiceNotFound(code=code[:32])
    history = await _history(code)
    current = next((row for row, _ in history if row.version == item.version), None)
    if current is None:  # every save writes its version in the same transaction; this only guards a hand-edited database
        raise VersionNotFound(code=code[:32], version=item.version)
    names = await _saver_names([row for row, _ in history])
    return AdminItemDetail(
        item=_item_in(code, current.snapshot),
        version=item.version,
        updated_at=item.updated_at,
        versions=[_version_out(row, found, names) for row, found in reversed(history)],
    )


async def admin_version(*, code: str, version: int) -> VersionDetail:
    """One version of an item as it was saved, and what it changed."""
    for row, found in await _history(code):
        if row.version == version:
            names = await _saver_names([row])
            return VersionDetail(**_version_out(row, found, names).model_dump(), item=_item_in(code, row.snapshot))
    if not await ServiceItem.exists(code=code):
        raise catalog.ServiceNotFound(code=code[:32])
    raise VersionNotFound(code=code[:32], version=version)
