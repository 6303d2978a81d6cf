"""HTTP endpoints of the consent documents: anyone may read them (before logging in)."""

from __future__ import annotations

from starlette.requests import Request

from auth import consent
from auth.errors import DocumentNotFound
from auth.schemas import DocumentOut, DocumentsOut, DocumentTextOut
from backend.kit.api import API, anyone

api = API(prefix="/api/v1")


def _text(doc: consent.Document) -> DocumentTextOut:
    versions = sorted(consent.library().versions[doc.document], key=consent._order)
    return DocumentTextOut(document=doc.document, version=doc.version, title=doc.title, body=doc.body, versions=versions)


@api.get(
    "/legal/documents",
    summary="The current 用户协议, 隐私政策 and 身份证号码处理单独同意书 (titles and versions)",
    tags=["consent"],
    response=DocumentsOut,
    wrappers=[anyone],
)
async def documents(request: Request) -> DocumentsOut:
    lib = consent.library()
    return DocumentsOut(
        documents=[DocumentOut(document=d, version=lib.current(d).version, title=lib.current(d).title) for d in consent.DOCUMENTS]
    )


@api.get(
    "/legal/documents/{document}",
    summary="The text of a document's current version",
    tags=["consent"],
    response=DocumentTextOut,
    errors=[DocumentNotFound],
    wrappers=[anyone],
)
async def document_text(request: Request) -> DocumentTextOut:
    return _text(consent.library().get(request.path_params["document"]))


@api.get(
    "/legal/documents/{document}/{version}",
    summary="The text of one published version (what someone agreed to)",
    tags=["consent"],
    response=DocumentTextOut,
    errors=[DocumentNotFound],
    wrappers=[anyone],
)
async def document_version(request: Request) -> DocumentTextOut:
    return _text(consent.library().get(request.path_params["document"], request.path_params["version"]))
