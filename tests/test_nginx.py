"""The repository's nginx.conf in front of two app processes sharing one database."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import DATA_KEY, INDEX_KEY, PG_URL, REDIS_URL, ROOT, _admin, _db_url, require_postgres_and_redis
from tests.consents import agreed
from tests.fakes.server import serve
from tests.fakes.sms import FakeSms
from tests.journeys import create_staff, db_suffix, journey_on, photo_file, run_journey
from tests.stack import YIWANG, AppProcess, Nginx, start_app, start_nginx, stop_process

SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy")
# One code per number per this many seconds in the browser stacks (app countdown and SMS account alike): long enough to
# see the countdown, short enough that a journey does not wait a minute.
RESEND_SECONDS = 15


@dataclass
class Stack:
    nginx: Nginx
    apps: list[AppProcess]
    env: dict[str, str]
    sms_url: str
    push_url: str


@pytest.fixture(scope="module")
def sms_gateway() -> Iterator[tuple[FakeSms, str]]:
    fake = FakeSms(minute_window=RESEND_SECONDS)  # the stack's account allows what the app's countdown says
    with serve(fake.app()) as url:
        yield fake, url


@pytest.fixture(scope="module")
def push_service(tmp_path_factory) -> Iterator[str]:
    """The fake Web Push service in a process of its own (the browser test drives it over HTTP)."""
    log = tmp_path_factory.mktemp("webpush") / "stderr.log"
    with open(log, "wb") as stderr:  # a file, not a pipe nobody reads: warnings must never block the fake
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes", "webpush", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    line = proc.stdout.readline().strip()  # "READY http://127.0.0.1:PORT", then nothing more on stdout
    if not line.startswith("READY "):
        stop_process(proc)
        raise RuntimeError(f"fake push service did not start: {line!r}\n{log.read_text(errors='replace')[-2000:]}")
    yield line.split(" ", 1)[1]
    stop_process(proc)
    proc.stdout.close()


@pytest.fixture(scope="module")
def vapid_private_key() -> str:
    """YIWANG_VAPID_PRIVATE_KEY: base64url of a raw 32-byte P-256 private scalar, new per module."""
    scalar = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(scalar.to_bytes(32, "big")).rstrip(b"=").decode()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, tmp_path_factory, pwa_dist, sms_gateway, push_service, vapid_private_key) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    fake_sms, sms_url = sms_gateway
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(
        {
            "YIWANG_DATA_KEY": DATA_KEY,
            "YIWANG_INDEX_KEY": INDEX_KEY,
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_PWA_DIR": str(pwa_dist),
            "YIWANG_SMS_PROVIDER": "aliyun",
            "YIWANG_SMS_API_BASE": sms_url,
            "YIWANG_SMS_ACCESS_KEY_ID": fake_sms.access_key_id,
            "YIWANG_SMS_ACCESS_KEY_SECRET": fake_sms.access_key_secret,
            "YIWANG_ACCEL_REDIRECT_PREFIX": "/_media/",
            "YIWANG_VAPID_PRIVATE_KEY": vapid_private_key,
            "YIWANG_VAPID_SUBJECT": "mailto:ops@example.gov.cn",
            "YIWANG_PUSH_ENDPOINTS": push_service + "/",
            "YIWANG_SMS_RESEND_SECONDS": str(RESEND_SECONDS),
            "YIWANG_QUIET_HOURS": "off",
        }
    )  # the default quiet hours would hold pushes when CI runs at night
    cleanup = []
    if request.param == "sqlite":
        env["YIWANG_DATABASE_URL"] = f"sqlite://{workdir / 'shared.sqlite3'}"
    else:
        require_postgres_and_redis()
        name = f"yiwang_stack_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        cleanup.append(lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
        env["YIWANG_DATABASE_URL"] = _db_url(PG_URL, name)
        env["YIWANG_REDIS_URL"] = REDIS_URL
    subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([YIWANG, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    apps = [start_app(env, workdir), start_app(env, workdir)]
    try:
        nginx = start_nginx(upstreams=[a.port for a in apps], root=pwa_dist, workdir=workdir)
    except Exception:
        for a in apps:
            a.stop()
        raise
    yield Stack(nginx, apps, env, sms_url, push_service)
    nginx.stop()
    for a in apps:
        a.stop()
    for fn in cleanup:
        fn()


def test_shell_is_served_uncached_with_security_headers(stack):
    r = httpx.get(stack.nginx.url + "/")
    assert r.status_code == 200 and '<div id="app"' in r.text
    assert r.headers["cache-control"] == "no-cache"
    for header in SECURITY_HEADERS:
        assert header in r.headers, header
    assert "nginx/" not in r.headers.get("server", "")


def test_service_worker_and_manifest_are_never_cached_long(stack):
    for path in ("/sw.js", "/manifest.webmanifest"):
        r = httpx.get(stack.nginx.url + path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-cache", path
    assert httpx.get(stack.nginx.url + "/manifest.webmanifest").headers["content-type"].startswith("application/manifest+json")


def test_hashed_assets_are_cached_for_a_year(stack, pwa_dist):
    asset = max((pwa_dist / "assets").glob("*.js"), key=lambda p: p.stat().st_size)
    r = httpx.get(f"{stack.nginx.url}/assets/{asset.name}", headers={"accept-encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers.get("content-encoding") == "gzip"


def test_nginx_sends_the_builds_precompressed_files_and_gzips_api_json_but_not_login_answers(stack, pwa_dist, sms_gateway):
    asset = max((pwa_dist / "assets").glob("*.js"), key=lambda p: p.stat().st_size)
    for accept, coding, suffix in (("gzip, deflate, br", "br", ".br"), ("gzip", "gzip", ".gz")):
        with httpx.stream("GET", f"{stack.nginx.url}/assets/{asset.name}", headers={"accept-encoding": accept}) as r:
            body = b"".join(r.iter_raw())
        assert r.headers.get("content-encoding") == coding and "Accept-Encoding" in r.headers["vary"], accept
        assert body == (pwa_dist / "assets" / f"{asset.name}{suffix}").read_bytes(), accept
    api = httpx.get(stack.nginx.url + "/api/openapi.json", headers={"accept-encoding": "gzip"})
    assert api.headers.get("content-encoding") == "gzip" and api.json()["openapi"].startswith("3.")
    fake_sms, _ = sms_gateway
    phone = "1350007900" + ("1" if "sqlite" in str(stack.nginx.workdir) else "2")
    assert httpx.post(stack.nginx.url + "/api/v1/auth/sms/send", json={"phone": phone}).status_code == 202
    login = httpx.post(
        stack.nginx.url + "/api/v1/auth/sms/verify",
        json={"phone": phone, "code": fake_sms.codes_for(phone)[-1], "transport": "cookie"},
        headers={"accept-encoding": "gzip, br"},
    )
    assert login.status_code == 200 and login.json()["csrf_token"]
    assert "content-encoding" not in login.headers  # BREACH: tokens never go out compressed


def test_client_side_routes_fall_back_to_the_shell_but_missing_files_are_404(stack):
    assert '<div id="app"' in httpx.get(stack.nginx.url + "/services/zone").text
    assert httpx.get(stack.nginx.url + "/assets/missing-123.js").status_code == 404


def test_api_is_proxied_with_problem_json_and_request_id(stack):
    r = httpx.get(stack.nginx.url + "/api/v1/nowhere", headers={"accept-language": "en"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found" and r.json()["title"] == "Not found"
    assert len(r.headers["x-request-id"]) == 32  # nginx's $request_id reached the app
    assert "cache-control" in r.headers and r.headers["cache-control"] == "no-store"


def test_security_headers_go_out_once_whoever_made_the_answer(stack):
    from backend.kit.http import API_CSP, PWA_CSP

    app_url = f"http://127.0.0.1:{stack.apps[0].port}"
    answers = {
        "static shell": (httpx.get(stack.nginx.url + "/"), PWA_CSP),
        "app's API": (httpx.get(stack.nginx.url + "/api/v1/services"), API_CSP),
        "nginx's own 413": (httpx.post(stack.nginx.url + "/api/v1/materials", content=b"x" * (21 * 1024 * 1024)), PWA_CSP),
    }
    for what, (r, csp) in answers.items():
        for header in SECURITY_HEADERS:
            assert len(r.headers.get_list(header)) == 1, (what, header, r.headers.get_list(header))
        assert r.headers["content-security-policy"] == csp, what
        assert r.headers["referrer-policy"] == "same-origin", what
    # The app serving the shell itself (no nginx in front) sends what nginx sends.
    direct = httpx.get(app_url + "/")
    for header in (*SECURITY_HEADERS, "permissions-policy"):
        assert direct.headers.get_list(header) == answers["static shell"][0].headers.get_list(header), header


def test_photos_through_nginx_are_private_no_store(stack, sms_gateway):
    from tests.photos import photo

    fake_sms, _ = sms_gateway
    phone = "1377777000" + ("1" if "sqlite" in str(stack.nginx.workdir) else "2")
    with httpx.Client(base_url=stack.nginx.url) as c:
        assert c.post("/api/v1/auth/sms/send", json={"phone": phone}).status_code == 202
        session = c.post(
            "/api/v1/auth/sms/verify",
            json={"phone": phone, "code": fake_sms.codes_for(phone)[-1], "transport": "bearer", "accept": agreed()},
        ).json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        assert (
            c.post(
                "/api/v1/me/identity", json={"name": "钱七", "id_number": "110101198001017773", "accept": agreed("id_number")}, headers=auth
            ).status_code
            == 200
        )
        uploaded = c.post("/api/v1/materials", headers=auth, files={"file": ("id.jpg", photo(1200, 900), "image/jpeg")})
        assert uploaded.status_code in (200, 201), uploaded.text
        for url in (uploaded.json()["file_url"], uploaded.json()["thumbnail_url"]):
            r = c.get(url, headers=auth)
            assert r.status_code == 200 and r.content.startswith(b"\xff\xd8")  # sent by nginx from /_media/
            assert r.headers.get_list("cache-control") == ["private, no-store"], url
            for header in SECURITY_HEADERS:
                assert len(r.headers.get_list(header)) == 1, (url, header)


def test_api_paths_with_a_dot_reach_the_app_not_the_static_files(stack):
    r = httpx.get(stack.nginx.url + "/api/openapi.json")
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.")


def test_media_location_is_internal(stack):
    (stack.nginx.workdir / "media" / "ab").mkdir(parents=True, exist_ok=True)
    (stack.nginx.workdir / "media" / "ab" / "abc.jpg").write_bytes(b"not for you")
    assert httpx.get(stack.nginx.url + "/_media/ab/abc.jpg").status_code == 404


def test_readiness_through_nginx(stack):
    r = httpx.get(stack.nginx.url + "/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_requests_are_spread_over_both_processes(stack):
    before = [sum('"/healthz"' in line for line in a.log_lines()) for a in stack.apps]
    with httpx.Client() as c:
        for _ in range(40):
            assert c.get(stack.nginx.url + "/healthz").status_code == 200
    deadline = time.monotonic() + 5
    while True:  # an app writes its access-log line just after the answer has left: wait for the last ones
        after = [sum('"/healthz"' in line for line in a.log_lines()) for a in stack.apps]
        served = [b - a for a, b in zip(before, after, strict=True)]
        if sum(served) >= 40 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sum(served) == 40 and all(n > 0 for n in served), served


def test_body_over_the_proxy_limit_is_problem_413(stack):
    r = httpx.post(
        stack.nginx.url + "/api/v1/materials", content=b"x" * (21 * 1024 * 1024), headers={"content-type": "application/octet-stream"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "request.too_large"


def test_a_dead_app_process_does_not_fail_requests(stack):
    victim = stack.apps[1]
    victim.proc.kill()
    victim.proc.wait()
    try:
        with httpx.Client() as c:
            statuses = [c.get(stack.nginx.url + "/readyz").status_code for _ in range(10)]
        assert statuses == [200] * 10
    finally:
        stack.apps[1] = start_app(stack.env, stack.nginx.workdir, port=victim.port)


@journey_on("sqlite")
def test_pwa_shell_in_a_phone_browser_registers_its_service_worker_and_loads_offline(stack, tmp_path):
    """Playwright (playwright-core + Debian's chromium) runs pwa/e2e/shell.mjs through nginx."""
    env = dict(os.environ, BASE_URL=stack.nginx.url, SCREENSHOT_DIR=str(tmp_path))
    result = subprocess.run(["node", "e2e/shell.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"browser check failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout


@journey_on("sqlite")
def test_resident_login_journey_in_a_phone_browser(stack, tmp_path):
    """Phone + SMS login, real-name verification, masked "me", devices and logout, through nginx."""
    phone = "1391234" + ("5678" if "sqlite" in str(stack.nginx.workdir) else "5679")
    env = dict(os.environ, BASE_URL=stack.nginx.url, SMS_GATEWAY_URL=stack.sms_url, PHONE=phone, SCREENSHOT_DIR=str(tmp_path))
    result = subprocess.run(["node", "e2e/login.mjs"], cwd=ROOT / "pwa", env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"login journey failed:\n{result.stdout}\n{result.stderr}"
    assert " 0 failed" in result.stdout


@journey_on("sqlite")
def test_apply_correct_and_approve_journey_in_two_phone_browsers(stack, tmp_path):
    """Search → apply → photo → submit → one-time correction → fix → accept → approve, through nginx."""
    suffix = db_suffix(stack)
    staff_phone, password = "1360000009" + suffix, "clerk-password-2026"
    create_staff(stack, role="approver", scope="department:scjg", name="李审批", phone=staff_phone, password=password)
    run_journey(
        "apply.mjs",
        stack,
        tmp_path,
        timeout=180,
        RESIDENT_PHONE="1381111000" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        PHOTO_PATH=photo_file(tmp_path),
    )


@journey_on("postgres")
def test_live_timeline_and_web_push_in_a_phone_browser(stack, tmp_path):
    """Submit → enable notifications → a clerk accepts → the open case page updates by itself (SSE),
    the badge counts it, Web Push reaches the (fake) push service, the inbox item opens the case."""
    suffix = db_suffix(stack)
    staff_phone, password = "1360000008" + suffix, "clerk-password-2026"
    create_staff(stack, role="approver", scope="department:scjg", name="周受理", phone=staff_phone, password=password)
    run_journey(
        "notify.mjs",
        stack,
        tmp_path,
        timeout=240,
        PUSH_SERVICE_URL=stack.push_url,
        RESIDENT_PHONE="1382222000" + suffix,
        STAFF_PHONE=staff_phone,
        STAFF_PASSWORD=password,
        PHOTO_PATH=photo_file(tmp_path),
    )


@journey_on("postgres")
def test_account_security_journey_claims_join_and_not_me_in_three_phone_browsers(stack, tmp_path):
    """Issue 9 through nginx: a second phone with the same name + ID number joins only by the code
    texted to the phone on record; a stranger's claim sees nothing and 不是我本人 logs it out."""
    suffix = db_suffix(stack)
    admin_phone, password = "1360000007" + suffix, "admin-password-2026"
    create_staff(stack, role="admin", name="钱管理", phone=admin_phone, password=password)
    run_journey(
        "security.mjs",
        stack,
        tmp_path,
        timeout=240,
        PHONE_A="1383333000" + suffix,
        PHONE_B="1384444000" + suffix,
        PHONE_C="1385555000" + suffix,
        ADMIN_PHONE=admin_phone,
        ADMIN_PASSWORD=password,
        CATALOG_SHARED="1" if "YIWANG_REDIS_URL" in stack.env else "0",
    )
