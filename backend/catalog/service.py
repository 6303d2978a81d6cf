"""Catalog decisions: publish items, search them by Chinese, pinyin or initials, cached.

The whole published catalog is small (hundreds of items), so each process keeps it in memory
with the rendered answers to recent searches. A version number in the broker says when any
process changed the catalog; processes look at it at most once a second.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from tortoise.exceptions import IntegrityError

from backend.catalog import checks
from backend.catalog.models import Department, Hall, ServiceItem, ServiceVersion
from backend.catalog.schemas import DepartmentList, DepartmentOut, SearchQuery, ServiceGuide, ServiceItemIn, ServicePage, ServiceSummary
from backend.kit import audit, errors
from backend.kit.errors import BrokerUnavailable
from backend.kit.resources import current
from backend.kit.transactions import transaction

VERSION_KEY = "catalog:version"
VERSION_CHECK_SECONDS = 1.0
MAX_CACHED_ANSWERS = 2000


class ServiceNotFound(errors.NotFound, code="catalog.service_not_found"):
    zh = "找不到该事项|没有找到编码为 {code} 的办事事项，它可能已经下线。请回到事项列表重新查找。"
    en = "Service not found|There is no service item {code}; it may have been withdrawn."


class UnknownDepartment(errors.Invalid, code="catalog.unknown_department"):
    zh = "部门不存在|部门编码 {department} 不存在。"
    en = "Unknown department|There is no department {department}."


def search_text(name: str, keywords: str) -> str:
    """What a query is matched against: the words, their pinyin and their initials, lower case."""
    # Imported here: its dictionaries take seconds to load, which processes that never search (workers) should not pay.
    from pypinyin import Style, lazy_pinyin

    text = f"{name} {keywords}"
    words = [w for w in text.split() if w]
    full = " ".join("".join(lazy_pinyin(w)) for w in words)
    initials = " ".join("".join(lazy_pinyin(w, style=Style.FIRST_LETTER)) for w in words)
    return f"{text} {full} {initials}".lower()


def _normalize(query: str) -> str:
    return "".join(query.split()).lower()


@dataclass
class _Snapshot:
    version: bytes | None
    items: list[ServiceItem]
    departments: dict[str, str]
    answers: OrderedDict[tuple, bytes]
    by_query_string: dict[bytes, bytes]
    names: dict[str, str] = field(default_factory=dict)  # code → name of the published items

    def __post_init__(self) -> None:
        self.names = {item.code: item.name for item in self.items}


_snapshot: _Snapshot | None = None
_checked_at = 0.0


async def _current_version(known: _Snapshot | None) -> bytes | None:
    try:
        return await current().broker.get(VERSION_KEY)
    except BrokerUnavailable:
        # Serve what this process has (the catalog changes rarely); with nothing loaded yet the
        # rows are read and checked again once the broker answers.
        return known.version if known is not None else None


async def _fresh() -> _Snapshot:
    """This process's catalog, reloaded when another process (or this one) changed it."""
    global _snapshot, _checked_at
    now = time.monotonic()
    if _snapshot is not None and now - _checked_at < VERSION_CHECK_SECONDS:
        return _snapshot
    version = await _current_version(_snapshot)
    _checked_at = now
    if _snapshot is None or _snapshot.version != version:
        items = await ServiceItem.filter(published=True).order_by("department_id", "code")
        departments = {d.code: d.name for d in await Department.all().order_by("sort", "code")}
        _snapshot = _Snapshot(version, items, departments, OrderedDict(), {})
    return _snapshot


async def changed() -> None:
    """Tell every process the catalog changed (call after the change committed)."""
    global _snapshot
    await current().broker.set(VERSION_KEY, str(time.time_ns()).encode())
    _snapshot = None


def _summary(item: ServiceItem, departments: dict[str, str]) -> ServiceSummary:
    return ServiceSummary(
        code=item.code,
        name=item.name,
        department=item.department_id,
        department_name=departments.get(item.department_id, ""),
        kind=item.kind,
        promised_limit_days=item.promised_limit_days,
        online_full=item.online_full,
        max_one_trip=item.max_one_trip,
        instant=item.instant,
        ems_allowed=item.ems_allowed,
        appointment_needed=item.appointment_needed,
        assurance_required=item.assurance_required,
    )


async def cached_search(query_string: bytes) -> bytes | None:
    """The answer to a query string that was validated and answered before, if still current."""
    return (await _fresh()).by_query_string.get(query_string)


async def search(*, query: SearchQuery, query_string: bytes | None = None) -> bytes:
    """The JSON page of items matching the query (rendered once, then served from memory)."""
    snap = await _fresh()
    if query_string is not None and len(snap.by_query_string) < MAX_CACHED_ANSWERS:
        # Filled only after validation; bounded, so odd query strings cannot grow it without end.
        snap.by_query_string[query_string] = _answer(snap, query)
        return snap.by_query_string[query_string]
    return _answer(snap, query)


def _answer(snap: _Snapshot, query: SearchQuery) -> bytes:
    key = (query.q, query.department, query.flag, query.page, query.page_size)
    cached = snap.answers.get(key)
    if cached is not None:
        snap.answers.move_to_end(key)
        return cached
    needle = _normalize(query.q)
    matches = [
        item
        for item in snap.items
        if (not needle or needle in item.search_text.replace(" ", "") or needle in item.search_text)
        and (query.department is None or item.department_id == query.department)
        and (query.flag is None or getattr(item, query.flag))
    ]
    start = (query.page - 1) * query.page_size
    page = ServicePage(
        items=[_summary(i, snap.departments) for i in matches[start : start + query.page_size]],
        total=len(matches),
        page=query.page,
        page_size=query.page_size,
    )
    body = page.model_dump_json().encode()
    snap.answers[key] = body
    if len(snap.answers) > MAX_CACHED_ANSWERS:
        snap.answers.popitem(last=False)
    return body


async def guide(*, code: str) -> ServiceGuide:
    """The complete 办事指南 of a published item."""
    snap = await _fresh()
    item = next((i for i in snap.items if i.code == code), None)
    if item is None:
        raise ServiceNotFound(code=code[:32])
    return ServiceGuide(
        **_summary(item, snap.departments).model_dump(),
        version=item.version,
        summary=item.summary,
        conditions=item.conditions,
        materials=item.materials,
        form_schema=item.form_schema,
        legal_limit_days=item.legal_limit_days,
        fee=item.fee,
        places=item.places,
        hours=item.hours,
        phone=item.phone,
        steps=item.steps,
        legal_basis=item.legal_basis,
        result_name=item.result_name,
        result_delivery=item.result_delivery,
        eligibility=item.eligibility,
    )


async def published_name(code: str) -> str | None:
    """The name of a published item (None: no such item, or not published), from this process's copy."""
    return (await _fresh()).names.get(code)


async def material_names() -> dict[str, str]:
    """Material key → the name items give it (居民身份证 for id_card), for labelling the library."""
    names: dict[str, str] = {}
    for item in (await _fresh()).items:
        for material in item.materials:
            names.setdefault(material["key"], material["name"])
    return names


async def departments() -> DepartmentList:
    snap = await _fresh()
    counts: dict[str, int] = {}
    for item in snap.items:
        counts[item.department_id] = counts.get(item.department_id, 0) + 1
    return DepartmentList(departments=[DepartmentOut(code=c, name=n, items=counts.get(c, 0)) for c, n in snap.departments.items()])


async def ensure_department(*, code: str, name: str, sort: int = 0) -> None:
    async with transaction():
        await Department.update_or_create(code=code, defaults={"name": name, "sort": sort})


class ItemInvalid(errors.Invalid, code="catalog.item_invalid"):
    zh = "事项内容有误|请按提示修改后再保存。"
    en = "The item has errors|Correct the fields listed and save again."


class VersionConflict(errors.Conflict, code="catalog.version_conflict"):
    zh = "事项已被他人修改|您编辑期间，该事项已被保存为第 {version} 版。请刷新页面，核对后再保存。"
    en = "Changed by someone else|While you were editing, the item was saved as version {version}. Reload, check and save again."


def _as_version(item: ServiceItemIn) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude={"code"})


async def save_item(*, item: ServiceItemIn, actor: str, base_version: int | None = None) -> tuple[bool, int]:
    """Create or replace an item; returns (something changed, the item's version now). Searches see it at once.

    A save that changes anything writes the next immutable ServiceVersion and bumps the item's
    version in one compare-and-set UPDATE, so of two saves at once only one gets a number: the
    other is refused (409 ``catalog.version_conflict``) and nothing of it is kept. ``base_version``
    is the version the administrator's edit started from: a save on top of another one since is
    refused too.
    """
    if found := checks.problems(item):
        raise ItemInvalid(errors=found)
    if not await Department.exists(code=item.department):
        raise UnknownDepartment(
            department=item.department,
            errors=[{"field": "body.department", "code": "unknown", "message_zh": "部门不存在", "message_en": "No such department"}],
        )
    values = item.model_dump(exclude={"code", "department"}, mode="json")
    values["department_id"] = item.department
    values["search_text"] = search_text(item.name, item.keywords)
    async with transaction():
        existing = await ServiceItem.get_or_none(code=item.code)
        if existing is None:
            if base_version:  # the editor loaded an item that is not there (any more)
                raise VersionConflict(version=0)
            try:
                async with transaction():  # a savepoint: a racing create of the same code loses here, not with a 500
                    await ServiceItem.create(code=item.code, version=1, **values)
                    await ServiceVersion.create(item_id=item.code, version=1, snapshot=_as_version(item), created_by=actor[:64])
                    version = 1
            except IntegrityError:
                existing = await ServiceItem.get(code=item.code)
        if existing is not None:
            current = existing.version
            if base_version is not None and base_version != current:
                raise VersionConflict(version=current)
            if all(getattr(existing, k) == v for k, v in values.items()):
                return False, current
            version = current + 1
            if not await ServiceItem.filter(code=item.code, version=current).update(**values, version=version):
                raise VersionConflict(version=(await ServiceItem.get(code=item.code)).version)
            try:
                async with transaction():
                    await ServiceVersion.create(item_id=item.code, version=version, snapshot=_as_version(item), created_by=actor[:64])
            except IntegrityError:  # the compare-and-set above already decides; the unique (item, version) backs it
                raise VersionConflict(version=version) from None
        await audit.record(
            actor=actor,
            action="catalog.item_saved",
            object_type="service_item",
            object_id=item.code,
            detail={"created": existing is None, "published": item.published, "version": version},
        )
    await changed()
    return True, version


async def save_hall(*, code: str, name: str, address: str, items: list[str], actor: str) -> bool:
    """Create or replace a hall and the items it handles; returns True when something changed."""
    unknown = sorted(set(items) - set(await ServiceItem.filter(code__in=items).values_list("code", flat=True)))
    if unknown:
        raise ServiceNotFound(code=unknown[0][:32])
    values = {"name": name, "address": address, "items": sorted(set(items))}
    async with transaction():
        existing = await Hall.get_or_none(code=code)
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            return False
        await Hall.update_or_create(code=code, defaults=values)
        await audit.record(actor=actor, action="catalog.hall_saved", object_type="hall", object_id=code, detail={"items": len(items)})
    return True


async def items_of_halls(*, codes: list[str]) -> set[str]:
    """The service items the windows of these halls take (a ``hall:`` scope covers their cases)."""
    if not codes:
        return set()
    # values_list(flat=True) gives the values; tortoise types them as tuples
    lists = cast(list[list[str]], await Hall.filter(code__in=codes).values_list("items", flat=True))
    return {code for items in lists for code in items}


async def halls_handling(*, service_code: str) -> list[str]:
    """The codes of the halls whose windows take this item."""
    return [h.code for h in await Hall.all() if service_code in h.items]


def reset_process_cache() -> None:
    """Forget this process's copy (tests switch databases within one process)."""
    global _snapshot, _checked_at
    _snapshot, _checked_at = None, 0.0
    from backend.catalog import versions  # it builds on this module

    versions.forget_guides()
