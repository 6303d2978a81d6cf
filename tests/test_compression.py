"""Compressed answers: the PWA's precompressed files by Accept-Encoding, gzip for API JSON, never for secrets."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from backend.kit.compression import ApiCompressionMiddleware
from backend.static import PWAFiles, accepted_encodings

SCRIPT = b"export const hello = 'world';\n" * 100


async def raw_get(client: httpx.AsyncClient, url: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The answer and its body exactly as sent (httpx would otherwise decode it)."""
    async with client.stream("GET", url, headers=headers) as r:
        body = b"".join([chunk async for chunk in r.aiter_raw()])
    return r, body


@pytest.fixture
async def static_client(tmp_path: Path):
    """A built PWA in miniature: an asset with .br and .gz twins, a shell with a .gz twin, an icon."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "icons").mkdir()
    (tmp_path / "assets" / "app-1a2b.js").write_bytes(SCRIPT)
    # The handler sends the twin as it is: any bytes tell which file went out.
    (tmp_path / "assets" / "app-1a2b.js.br").write_bytes(b"BROTLI" + SCRIPT[:40])
    (tmp_path / "assets" / "app-1a2b.js.gz").write_bytes(gzip.compress(SCRIPT))
    (tmp_path / "index.html").write_bytes(b"<!doctype html><title>shell</title>" * 30)
    (tmp_path / "index.html.gz").write_bytes(gzip.compress((tmp_path / "index.html").read_bytes()))
    (tmp_path / "icons" / "icon.png").write_bytes(b"\x89PNG" + b"\0" * 2000)
    app = Starlette(routes=[Mount("/", app=PWAFiles(directory=tmp_path, html=True))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "coding", "suffix"),
    [
        ("gzip, deflate, br, zstd", "br", ".br"),
        ("br", "br", ".br"),
        ("gzip", "gzip", ".gz"),
        ("br;q=0, gzip;q=0.8", "gzip", ".gz"),
        ("*", "br", ".br"),
        ("identity", None, ""),
        ("", None, ""),
    ],
)
async def test_a_static_file_comes_precompressed_as_the_client_accepts(static_client, tmp_path, accept, coding, suffix):
    r, body = await raw_get(static_client, "/assets/app-1a2b.js", **{"accept-encoding": accept})
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == coding
    assert body == (tmp_path / "assets" / f"app-1a2b.js{suffix}").read_bytes()
    assert int(r.headers["content-length"]) == len(body)
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["vary"] == "Accept-Encoding"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_each_coding_has_its_own_etag_and_revalidates_to_304(static_client):
    etags = {}
    for accept in ("br", "gzip", "identity"):
        r, _ = await raw_get(static_client, "/assets/app-1a2b.js", **{"accept-encoding": accept})
        etags[accept] = r.headers["etag"]
    assert len(set(etags.values())) == 3
    for accept, etag in etags.items():
        again, body = await raw_get(static_client, "/assets/app-1a2b.js", **{"accept-encoding": accept, "if-none-match": etag})
        assert again.status_code == 304 and body == b"", accept
        assert again.headers["etag"] == etag and again.headers["vary"] == "Accept-Encoding"
    # A cached brotli copy does not satisfy a client that now only takes gzip.
    other, body = await raw_get(static_client, "/assets/app-1a2b.js", **{"accept-encoding": "gzip", "if-none-match": etags["br"]})
    assert other.status_code == 200 and other.headers["content-encoding"] == "gzip" and gzip.decompress(body) == SCRIPT


async def test_client_side_routes_get_the_compressed_shell(static_client, tmp_path):
    r, body = await raw_get(static_client, "/services/000105001000", **{"accept-encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"  # the shell has no .br twin here
    assert gzip.decompress(body) == (tmp_path / "index.html").read_bytes()
    assert r.headers["cache-control"] == "no-cache" and r.headers["content-type"].startswith("text/html")
    root, _ = await raw_get(static_client, "/", **{"accept-encoding": "gzip"})
    assert root.headers["content-encoding"] == "gzip"


async def test_images_and_files_without_twins_go_as_they_are(static_client):
    r, body = await raw_get(static_client, "/icons/icon.png", **{"accept-encoding": "gzip, br"})
    assert r.status_code == 200 and "content-encoding" not in r.headers and "vary" not in r.headers
    assert body.startswith(b"\x89PNG")
    head = await static_client.head("/assets/app-1a2b.js", headers={"accept-encoding": "br"})
    assert head.status_code == 200 and head.headers["content-encoding"] == "br"


def test_accept_encoding_is_read_with_its_weights():
    assert accepted_encodings("gzip, deflate, br, zstd") >= {"gzip", "br"}
    assert accepted_encodings("br;q=0, gzip") == {"gzip"}
    assert accepted_encodings("BR ; Q=0.5") == {"br"}
    assert accepted_encodings("gzip;q=bogus") == set()
    assert accepted_encodings("*") >= {"br", "gzip"}
    assert accepted_encodings("") == set()


def test_the_build_writes_br_and_gz_twins_of_what_the_first_paint_loads(pwa_dist):
    index = (pwa_dist / "index.html").read_text(encoding="utf-8")
    loaded = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', index)
    assert loaded and len(re.findall(r'rel="stylesheet"', index)) == 1, "one render-blocking stylesheet"
    for name in ["index.html", "sw.js", *loaded]:
        plain = (pwa_dist / name).read_bytes()
        if len(plain) < 512:  # vite.config.ts threshold: not worth a round of decompression
            continue
        assert gzip.decompress((pwa_dist / f"{name}.gz").read_bytes()) == plain, name
        assert (pwa_dist / f"{name}.br").stat().st_size < len(plain), name
    # The icon font is a file of its own, not a data URL inside the first stylesheet.
    assert list((pwa_dist / "assets").glob("vant-icon-*.woff2"))
    assert all("data:font" not in css.read_text(encoding="utf-8") for css in (pwa_dist / "assets").glob("*.css"))


async def test_the_app_serves_the_built_pwa_compressed(pwa_dist, client):
    index, body = await raw_get(client, "/", **{"accept-encoding": "gzip, deflate, br"})
    assert index.headers["content-encoding"] == "br" and index.headers["vary"] == "Accept-Encoding"
    assert body == (pwa_dist / "index.html.br").read_bytes()
    script = re.search(r'src="/(assets/[^"]+\.js)"', (pwa_dist / "index.html").read_text(encoding="utf-8"))
    assert script is not None
    r, body = await raw_get(client, "/" + script.group(1), **{"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and body == (pwa_dist / f"{script.group(1)}.gz").read_bytes()


# ---- API answers -----------------------------------------------------------------------------


async def test_api_json_is_gzipped_for_clients_that_accept_it(client):
    r, body = await raw_get(client, "/api/openapi.json", **{"accept-encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip" and "Accept-Encoding" in r.headers["vary"]
    document = json.loads(gzip.decompress(body))
    assert document["openapi"].startswith("3.")
    plain, body = await raw_get(client, "/api/openapi.json", **{"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and json.loads(body) == document
    assert len(body) > 4 * int(r.headers["content-length"])


def _api_app() -> Starlette:
    big = {"items": [{"name": f"item {i}", "note": "x" * 40} for i in range(40)]}

    async def json_answer(request: Request) -> Response:
        return JSONResponse(big)

    async def photo(request: Request) -> Response:
        return Response(b"\xff\xd8" + b"\0" * 4000, media_type="image/jpeg")

    async def stream(request: Request) -> Response:
        async def events():
            yield b"data: " + b"x" * 2000 + b"\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/api/v1/auth/sms/verify", json_answer),
            Route("/api/v1/services", json_answer),
            Route("/api/v1/photo", photo),
            Route("/api/v1/stream", stream),
        ],
        middleware=[Middleware(ApiCompressionMiddleware)],
    )


async def test_answers_carrying_session_or_csrf_tokens_photos_and_the_stream_are_not_compressed():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_api_app()), base_url="http://t") as c:
        listed, _ = await raw_get(c, "/api/v1/services", **{"accept-encoding": "gzip"})
        assert listed.headers["content-encoding"] == "gzip"
        for path in ("/api/v1/auth/sms/verify", "/api/v1/photo", "/api/v1/stream"):
            r, _ = await raw_get(c, path, **{"accept-encoding": "gzip"})
            assert "content-encoding" not in r.headers, path
