"""Materials: photos verified, cleaned and stored once; the person's library for reuse."""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, date, datetime
from typing import BinaryIO, cast

from tortoise.exceptions import IntegrityError

from auth.permissions import authorize
from auth.sessions import SessionInfo
from backend.catalog import service as catalog
from backend.kit import audit, errors
from backend.kit.images import ImageRejected, Processed, process
from backend.kit.resources import current
from backend.kit.storage import LocalStorage
from backend.kit.transactions import transaction
from backend.materials.models import Material

HINTS_ZH = {
    "too_small": "照片太小，请靠近一些重拍",
    "blurry": "照片模糊，请对准后重拍",
    "too_dark": "照片太暗，请到光线充足的地方重拍",
    "overexposed": "照片反光或过亮，请避开强光重拍",
}
HINTS_EN = {
    "too_small": "The photo is too small; move closer and retake it",
    "blurry": "The photo is blurry; hold steady and retake it",
    "too_dark": "The photo is too dark; retake it in better light",
    "overexposed": "The photo is too bright or has glare; retake it away from strong light",
}
PIPELINE_SLOTS = 2  # Pillow work per process: as many at once as there are cores
# One semaphore per event loop: a semaphore that ever made a task wait is bound to that loop.
_pipelines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _pipeline() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if (semaphore := _pipelines.get(loop)) is None:
        semaphore = _pipelines[loop] = asyncio.Semaphore(PIPELINE_SLOTS)
    return semaphore


class UnsupportedImage(errors.ServiceError, status=415, code="material.unsupported_type"):
    zh = "不支持的文件类型|只能上传照片（JPEG、PNG、WebP 或 HEIC）。请用手机拍照后上传。"
    en = "Unsupported file type|Upload a photo (JPEG, PNG, WebP or HEIC)."


class ImageUnreadable(errors.Invalid, code="material.unreadable"):
    zh = "照片无法读取|照片文件不完整或已损坏，请重新拍照上传。"
    en = "The photo cannot be read|The file is empty, truncated or damaged; take the photo again."


class ImageTooLarge(errors.Invalid, code="material.image_too_large"):
    zh = "照片像素过大|照片像素过大，请用手机相机的普通模式拍摄。"
    en = "Too many pixels|The image has too many pixels; use the camera's normal mode."


class MaterialNotFound(errors.NotFound, code="material.not_found"):
    zh = "找不到该材料"
    en = "Material not found"


def _storage() -> LocalStorage:
    return LocalStorage(current().settings.media_dir)


def _keys(sha256: str) -> tuple[str, str]:
    return f"{sha256}.jpg", f"{sha256}.thumb.jpg"


async def upload(*, session: SessionInfo, file: BinaryIO, kind: str, expires_on: date | None) -> tuple[Material, bool]:
    """Store a photo for the person; an identical photo they uploaded before is returned instead."""
    await authorize(session, verified=True)
    async with _pipeline():
        try:
            result: Processed = await asyncio.to_thread(process, file)
        except ImageRejected as exc:
            raise {"unsupported_type": UnsupportedImage, "too_many_pixels": ImageTooLarge}.get(exc.code, ImageUnreadable)() from None
    existing = await Material.get_or_none(person_id=session.person_id, sha256=result.sha256)
    if existing is not None:
        return existing, False
    image_key, thumb_key = _keys(result.sha256)
    storage = _storage()
    await storage.put(image_key, result.data)
    await storage.put(thumb_key, result.thumbnail)
    try:
        async with transaction():
            material = await Material.create(
                person_id=session.person_id,
                kind=kind,
                sha256=result.sha256,
                width=result.width,
                height=result.height,
                size_bytes=len(result.data),
                warnings=result.warnings,
                expires_on=expires_on,
            )
            await audit.record(
                actor=session.principal.actor,  # township staff when they photograph it for a villager (帮办代办)
                subject=f"person:{session.person_id}",
                action="material.uploaded",
                object_type="material",
                object_id=material.id,
                detail={"kind": kind, "warnings": result.warnings, **(session.principal.detail() if session.acting else {})},
            )
    except IntegrityError:
        # The same photo sent twice at once (a double tap, a retry): the first stored it, this one reuses it.
        winner = await Material.get_or_none(person_id=session.person_id, sha256=result.sha256)
        if winner is None:
            raise
        return winner, False
    except Exception:
        if not await Material.exists(sha256=result.sha256):
            await storage.delete(image_key)
            await storage.delete(thumb_key)
        raise
    return material, True


async def prepare_issued(image: bytes) -> Processed:
    """Clean and store the image of an issued e-certificate; ``store_issued`` then records it.

    Kept apart so the caller's transaction is not held open while the image is processed; a
    file no material comes to refer to is removed by ``collect_garbage``.
    """
    result: Processed = await asyncio.to_thread(process, image)
    image_key, thumb_key = _keys(result.sha256)
    storage = _storage()
    await storage.put(image_key, result.data)
    await storage.put(thumb_key, result.thumbnail)
    return result


async def store_issued(*, person_id: int, issued: Processed, kind: str, expires_on: date | None, actor: str) -> Material:
    """Put an issued e-certificate into the person's library (trust level 3, above any photo)."""
    async with transaction():
        material = await Material.create(
            person_id=person_id,
            kind=kind,
            sha256=issued.sha256,
            width=issued.width,
            height=issued.height,
            size_bytes=len(issued.data),
            warnings=[],
            trust_level=3,
            expires_on=expires_on,
        )
        await audit.record(
            actor=actor,
            subject=f"person:{person_id}",
            action="material.certificate_stored",
            object_type="material",
            object_id=material.id,
            detail={"kind": kind},
        )
    return material


async def library(*, session: SessionInfo, kind: str | None = None, min_trust: int = 1) -> list[Material]:
    """The person's reusable materials, newest first; expired ones are not offered."""
    await authorize(session, verified=True)
    today = datetime.now(UTC).date()
    query = Material.filter(person_id=session.person_id, trust_level__gte=min_trust)
    if kind:
        query = query.filter(kind=kind)
    return [m for m in await query.order_by("-id").limit(200) if m.expires_on is None or m.expires_on >= today]


async def names(items: list[Material]) -> dict[int, str | None]:
    """What to call each material: the catalog's name of its key (居民身份证), a certificate's own name.

    None when the photo was not taken for a known material (the reader shows a plain "照片").
    """
    catalog_names = await catalog.material_names()
    return {m.id: m.kind if m.trust_level == 3 and m.kind else catalog_names.get(m.kind) for m in items}


async def by_ids(ids: list[int]) -> dict[int, Material]:
    """Materials by id in one query (for showing a case's slots)."""
    return {m.id: m for m in await Material.filter(id__in=ids)} if ids else {}


async def owned(*, session: SessionInfo, material_id: int) -> Material:
    """One of the reader's own materials; someone else's is 404, as if it did not exist."""
    material = await Material.get_or_none(id=material_id, person_id=session.person_id)
    if material is None:
        raise MaterialNotFound()
    return material


async def file_path(*, session: SessionInfo, material_id: int, thumbnail: bool):
    """The stored file of one of the reader's own materials."""
    material = await owned(session=session, material_id=material_id)
    return await stored_file(material_id=material.id, thumbnail=thumbnail)


async def stored_file(*, material_id: int, thumbnail: bool):
    """The file behind a material, for callers that already checked who may read it."""
    material = await Material.get_or_none(id=material_id)
    if material is None:
        raise MaterialNotFound()
    image_key, thumb_key = _keys(material.sha256)
    path = _storage().local_path(thumb_key if thumbnail else image_key)
    if path is None:
        raise MaterialNotFound()
    return path


async def collect_garbage() -> int:
    """Delete stored files no material refers to (left by failed requests); returns how many."""
    storage = _storage()
    # values_list(flat=True) gives the values; tortoise types them as tuples
    referenced = set(cast(list[str], await Material.all().values_list("sha256", flat=True)))
    removed = 0
    for key in await storage.keys():
        if key.split(".", 1)[0] not in referenced:
            await storage.delete(key)
            removed += 1
    return removed
