"""Catalog endpoints: search, 办事指南, departments, and the administrator's edit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.catalog import service as catalog
from backend.catalog import versions
from backend.catalog.schemas import (
    AdminItemDetail,
    AdminItemList,
    DepartmentList,
    SavedOut,
    SaveQuery,
    SearchQuery,
    ServiceGuide,
    ServiceItemIn,
    ServicePage,
    VersionDetail,
)
from backend.kit import errors
from backend.kit.api import API, anyone

api = API(prefix="/api/v1")


class CodeMismatch(errors.Invalid, code="catalog.code_mismatch"):
    zh = "事项编码不一致|地址中的事项编码与提交内容中的编码不一致。"
    en = "Item code mismatch|The code in the address differs from the code in the body."


@api.get(
    "/services",
    summary="Search the service catalog (Chinese, pinyin or initials)",
    tags=["catalog"],
    query=SearchQuery,
    response=ServicePage,
    cached=catalog.cached_search,
    wrappers=[anyone],
)
async def search_services(request: Request, *, query: SearchQuery) -> Response:
    return Response(await catalog.search(query=query, query_string=request.scope["query_string"]), media_type="application/json")


@api.get(
    "/services/{code}",
    summary="The complete 办事指南 of one item",
    tags=["catalog"],
    response=ServiceGuide,
    errors=[catalog.ServiceNotFound],
    wrappers=[anyone],
)
async def service_guide(request: Request) -> ServiceGuide:
    return await catalog.guide(code=request.path_params["code"])


@api.get(
    "/departments", summary="Departments with their number of published items", tags=["catalog"], response=DepartmentList, wrappers=[anyone]
)
async def list_departments(request: Request) -> DepartmentList:
    return await catalog.departments()


@api.get(
    "/admin/services",
    summary="Every service item, published or not, with its version (administrator)",
    tags=["admin"],
    response=AdminItemList,
    wrappers=[requires(roles=("admin",))],
)
async def admin_services(request: Request, *, session: SessionInfo) -> AdminItemList:
    return await versions.admin_items()


@api.get(
    "/admin/services/{code}",
    summary="One service item as its editor loads it, with its versions (administrator)",
    tags=["admin"],
    response=AdminItemDetail,
    errors=[catalog.ServiceNotFound, versions.VersionNotFound],
    wrappers=[requires(roles=("admin",))],
)
async def admin_service(request: Request, *, session: SessionInfo) -> AdminItemDetail:
    return await versions.admin_item(code=request.path_params["code"])


@api.get(
    "/admin/services/{code}/versions/{version:int}",
    summary="One version of a service item as it was saved (administrator)",
    tags=["admin"],
    response=VersionDetail,
    errors=[catalog.ServiceNotFound, versions.VersionNotFound],
    wrappers=[requires(roles=("admin",))],
)
async def admin_service_version(request: Request, *, session: SessionInfo) -> VersionDetail:
    return await versions.admin_version(code=request.path_params["code"], version=request.path_params["version"])


@api.put(
    "/admin/services/{code}",
    summary="Create or replace a service item (administrator)",
    tags=["admin"],
    query=SaveQuery,
    body=ServiceItemIn,
    response=SavedOut,
    errors=[CodeMismatch, catalog.UnknownDepartment, catalog.ItemInvalid, catalog.VersionConflict],
    wrappers=[requires(roles=("admin",))],
)
async def save_service(request: Request, *, query: SaveQuery, body: ServiceItemIn, session: SessionInfo) -> SavedOut:
    """Every save that changes something is a new version; publish and unpublish are saves too."""
    if body.code != request.path_params["code"]:
        raise CodeMismatch()
    changed, version = await catalog.save_item(item=body, actor=f"person:{session.person_id}", base_version=query.base_version)
    return SavedOut(code=body.code, changed=changed, version=version)
