"""Photo materials: verified by decoding, oriented, stripped, stored once; bad files refused."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageDraw

from backend.materials import service as materials
from backend.materials.models import Material
from tests.consents import agreed
from tests.photos import photo

URL = "/api/v1/materials"


def files(data: bytes, name="photo.jpg", content_type="image/jpeg", **fields):
    return {"files": {"file": (name, data, content_type)}, "data": fields}


async def upload(client, headers, data: bytes, **kw):
    return await client.post(URL, headers=headers, **files(data, **kw))


async def test_phone_photo_is_oriented_stripped_downscaled_and_thumbnailed(client, resident):
    r = await upload(client, resident, photo(orientation=6, gps=True), kind="id_card")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["width"], body["height"]) == (1200, 1600)  # rotated to portrait, longest side 1600
    stored = await client.get(body["file_url"], headers=resident)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (1200, 1600)
    assert not image.getexif() and image.getexif().get_ifd(0x8825) == {}
    assert b"Exif" not in stored.content[:200]
    thumb = Image.open(io.BytesIO((await client.get(body["thumbnail_url"], headers=resident)).content))
    assert max(thumb.size) == 320


async def test_identical_photo_is_stored_once(client, resident):
    data = photo()
    first = await upload(client, resident, data)
    second = await upload(client, resident, data, name="again.jpg")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["reused"] is True and second.json()["id"] == first.json()["id"]
    assert len(await materials._storage().keys()) == 2  # the image and its thumbnail
    assert await Material.all().count() == 1


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
async def test_png_and_webp_are_accepted_and_become_jpeg(client, resident, fmt):
    r = await upload(client, resident, photo(1200, 900, fmt=fmt), name="x.bin", content_type="application/octet-stream")
    assert r.status_code == 201, r.text


async def test_heic_from_an_iphone_is_accepted(client, resident):
    import pillow_heif

    image = Image.new("RGB", (1000, 800), (120, 130, 140))
    ImageDraw.Draw(image).rectangle([100, 100, 900, 700], outline=(0, 0, 0), width=8)
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80)
    r = await upload(client, resident, out.getvalue(), name="IMG_0001.HEIC", content_type="image/heic")
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "data, name",
    [
        (b"<html><script>alert(1)</script></html>", "x.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.jpg"),
        (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "scan.jpg"),
        (b"MZ\x90\x00" + b"\x00" * 200, "a.jpg.php"),
    ],
)
async def test_files_that_are_not_photos_are_415_whatever_their_name(client, resident, data, name):
    r = await upload(client, resident, data, name=name)
    assert r.status_code == 415 and r.json()["code"] == "material.unsupported_type"
    assert await materials._storage().keys() == []


async def test_empty_and_truncated_images_are_422(client, resident):
    for data in (b"", photo()[:2000]):
        r = await upload(client, resident, data)
        assert r.status_code == 422 and r.json()["code"] == "material.unreadable"
    assert await Material.all().count() == 0 and await materials._storage().keys() == []


async def test_pixel_bomb_is_refused_fast_from_the_header(client, resident):
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1_000_000
    started = time.perf_counter()
    r = await upload(client, resident, bomb.getvalue(), name="bomb.png")
    assert r.status_code == 422 and r.json()["code"] == "material.image_too_large"
    assert time.perf_counter() - started < 1.0


async def test_body_over_the_upload_limit_is_413(client, resident):
    r = await upload(client, resident, b"\xff\xd8" + b"\x00" * (16 * 1024 * 1024))
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"


async def test_two_files_or_no_file_or_not_multipart_are_refused(client, resident):
    data = photo(800, 600)
    r = await client.post(URL, headers=resident, files=[("file", ("a.jpg", data, "image/jpeg")), ("file", ("b.jpg", data, "image/jpeg"))])
    assert r.status_code == 400 and r.json()["code"] == "material.bad_upload"
    r = await client.post(URL, headers=resident, files={"other": ("a.jpg", data, "image/jpeg")})
    assert r.status_code == 400
    r = await client.post(URL, headers=resident | {"content-type": "image/jpeg"}, content=data)
    assert r.status_code == 415


async def test_quality_hints_answer_at_once_in_chinese(client, resident):
    small = await upload(client, resident, photo(400, 300))
    assert {w["code"] for w in small.json()["warnings"]} >= {"too_small"}
    dark = await upload(client, resident, photo(1200, 900, color=(8, 8, 8), pattern=False))
    assert "too_dark" in {w["code"] for w in dark.json()["warnings"]}
    flat = await upload(client, resident, photo(1200, 900, color=(150, 150, 150), pattern=False))
    hint = next(w for w in flat.json()["warnings"] if w["code"] == "blurry")
    assert hint["message"] == "照片模糊，请对准后重拍"
    sharp = await upload(client, resident, photo())
    assert sharp.json()["warnings"] == []


async def test_someone_elses_material_is_404(client, resident, sms):
    from tests.auth.conftest import bearer, sms_login

    mine = (await upload(client, resident, photo())).json()
    other = await sms_login(client, sms, "13912349999")
    await client.post(
        "/api/v1/me/identity",
        json={"name": "李四", "id_number": "440524188001010014", "accept": agreed("id_number")},
        headers=bearer(other),
    )
    assert (await client.get(mine["file_url"], headers=bearer(other))).status_code == 404


async def test_library_offers_unexpired_materials(client, resident):
    await upload(client, resident, photo(1000, 800), kind="id_card", expires_on="2020-01-01")
    valid = (await upload(client, resident, photo(1100, 800), kind="id_card", expires_on="2099-01-01")).json()
    items = (await client.get(URL, headers=resident)).json()["items"]
    assert [i["id"] for i in items] == [valid["id"]]
    r = await upload(client, resident, photo(900, 800), expires_on="not-a-date")
    assert r.status_code == 422


async def test_garbage_collection_removes_orphan_files(client, resident):
    kept = (await upload(client, resident, photo())).json()
    await materials._storage().put("f" * 64 + ".jpg", b"left by a failed request")
    assert await materials.collect_garbage() == 1
    assert (await client.get(kept["file_url"], headers=resident)).status_code == 200
