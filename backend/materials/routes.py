"""Material endpoints: streamed photo upload with an instant quality answer, the library, files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.kit import errors
from backend.kit.api import API
from backend.kit.errors import wants_english
from backend.kit.files import file_response
from backend.kit.validation import field_errors
from backend.materials import service as materials
from backend.materials.models import Material

api = API(prefix="/api/v1")
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


class BadUpload(errors.BadRequest, code="material.bad_upload"):
    zh = "上传内容格式有误|请以 multipart/form-data 上传一张照片（字段名 file）。"
    en = "Malformed upload|Send one photo as multipart/form-data in the field 'file'."


class UploadForm(BaseModel):
    """The multipart/form-data fields of an upload (``file`` is read as a stream, not through this model)."""

    model_config = ConfigDict(extra="forbid")
    file: bytes = Field(
        json_schema_extra={"format": "binary", "contentMediaType": "image/*"},
        description="one photo (JPEG, PNG, HEIC or WebP); sent with a filename",
    )
    kind: str = Field(
        "",
        max_length=40,
        pattern=r"^([a-z][a-z0-9_]{1,39})?$",
        description="the material key of the service item the photo is for, e.g. id_card (a catalog key)",
    )
    # A form field is text or absent, never JSON null: the document shows a plain date.
    expires_on: Annotated[date | None, WithJsonSchema({"type": "string", "format": "date"})] = Field(
        None, description="when the document shown expires (YYYY-MM-DD)"
    )


JPEG = {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}


class Hint(BaseModel):
    code: str
    message: str


class MaterialOut(BaseModel):
    id: int
    kind: str = Field(description="the material key it was taken for (id_card), or a certificate's name; a code, not for display")
    name: str | None = Field(description="what to call it: the catalog's material name (居民身份证) or the certificate's; null if unknown")
    created_at: datetime
    width: int
    height: int
    size_bytes: int
    trust_level: int
    expires_on: date | None
    warnings: list[Hint] = Field(description="quality hints; the photo is kept, the resident may retake it")
    reused: bool = False
    file_url: str
    thumbnail_url: str


class MaterialList(BaseModel):
    items: list[MaterialOut]


def _out(material: Material, *, name: str | None, english: bool, reused: bool = False) -> MaterialOut:
    hints = materials.HINTS_EN if english else materials.HINTS_ZH
    return MaterialOut(
        id=material.id,
        kind=material.kind,
        name=name,
        created_at=material.created_at,
        width=material.width,
        height=material.height,
        size_bytes=material.size_bytes,
        trust_level=material.trust_level,
        expires_on=material.expires_on,
        reused=reused,
        warnings=[Hint(code=w, message=hints[w]) for w in material.warnings],
        file_url=f"/api/v1/materials/{material.id}/file",
        thumbnail_url=f"/api/v1/materials/{material.id}/thumbnail",
    )


@api.post(
    "/materials",
    summary="Upload one photo (201; 200 with reused=true when I uploaded the same photo before)",
    tags=["materials"],
    form=UploadForm,
    response=MaterialOut,
    status=201,
    also=[200],
    errors=[BadUpload, materials.UnsupportedImage, materials.ImageUnreadable, materials.ImageTooLarge, errors.PayloadTooLarge],
    wrappers=[requires(verified=True, acting=True)],
)
async def upload(request: Request, *, session: SessionInfo):
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise errors.UnsupportedMediaType(expected="multipart/form-data")
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=1024)
    except HTTPException:
        raise BadUpload() from None
    try:
        upload_file = form.get("file")
        if upload_file is None or isinstance(upload_file, str):
            raise BadUpload()
        # A field sent twice stays a list, which the model refuses, rather than one copy silently winning.
        fields = {k: vs[0] if len(vs) == 1 else vs for k in form.keys() if k != "file" for vs in [form.getlist(k)]}
        try:
            # The same model the document shows; the photo itself is checked by the image pipeline.
            checked = UploadForm.model_validate({"file": b"", **fields})
        except ValidationError as exc:
            raise errors.ValidationFailed(errors=field_errors(exc, location="form")) from None
        material, created = await materials.upload(session=session, file=upload_file.file, kind=checked.kind, expires_on=checked.expires_on)
    finally:
        await form.close()  # removes the spooled temporary file
    name = (await materials.names([material]))[material.id]
    body = _out(material, name=name, english=wants_english(request.headers.get("accept-language")), reused=not created)
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)


@api.get(
    "/materials",
    summary="My material library (expired ones are not offered)",
    tags=["materials"],
    response=MaterialList,
    wrappers=[requires(verified=True, acting=True)],
)
async def my_materials(request: Request, *, session: SessionInfo) -> MaterialList:
    english = wants_english(request.headers.get("accept-language"))
    items = await materials.library(session=session)
    names = await materials.names(items)
    return MaterialList(items=[_out(m, name=names[m.id], english=english) for m in items])


async def _serve(request: Request, session: SessionInfo, thumbnail: bool) -> Response:
    path = await materials.file_path(session=session, material_id=request.path_params["material_id"], thumbnail=thumbnail)
    return file_response(path, media_type="image/jpeg", cache="private, no-store")


@api.get(
    "/materials/{material_id:int}/file",
    summary="The stored photo (owner only)",
    tags=["materials"],
    content=JPEG,
    errors=[materials.MaterialNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def material_file(request: Request, *, session: SessionInfo) -> Response:
    return await _serve(request, session, thumbnail=False)


@api.get(
    "/materials/{material_id:int}/thumbnail",
    summary="The thumbnail (owner only)",
    tags=["materials"],
    content=JPEG,
    errors=[materials.MaterialNotFound],
    wrappers=[requires(verified=True, acting=True)],
)
async def material_thumbnail(request: Request, *, session: SessionInfo) -> Response:
    return await _serve(request, session, thumbnail=True)
