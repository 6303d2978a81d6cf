"""The app's own security headers: on every answer, without nginx in front, never twice."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from starlette.requests import Request

from backend.kit import http
from tests.conftest import ROOT

EXPECTED = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}


def assert_secured(response, csp: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], (response.url, name)
    assert response.headers.get_list("content-security-policy") == [csp], response.url
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/departments", "/api/v1/nowhere", "/api/openapi.json", "/api/v1/me"])
async def test_api_answers_carry_the_headers_and_the_strict_policy(client, path):
    assert_secured(await client.get(path), http.API_CSP)


@pytest.mark.parametrize("path", ["/", "/services/zone", "/manifest.webmanifest", "/healthz"])
async def test_the_pwa_served_by_the_app_carries_the_headers_and_its_policy(pwa_dist, client, path):
    r = await client.get(path)
    assert r.status_code == 200
    assert_secured(r, http.PWA_CSP)


async def test_answers_made_by_the_middleware_itself_are_secured_too(kit_client):
    crashed = await kit_client.get("/api/v1/boom")
    too_large = await kit_client.post("/api/v1/greetings", content=b"x" * 2048, headers={"content-type": "application/json"})
    assert (crashed.status_code, too_large.status_code) == (500, 413)
    for r in (crashed, too_large):
        assert_secured(r, http.API_CSP)
        assert r.headers.get_list("cache-control") == ["no-store"]


def test_a_header_the_route_chose_is_kept_and_not_sent_twice():
    chosen = [(b"Cache-Control", b"public, max-age=60"), (b"X-Content-Type-Options", b"nosniff"), (b"content-security-policy", b"sandbox")]
    headers = http.with_default_headers("/api/v1/services", chosen)
    names = [name.lower() for name, _ in headers]
    assert len(names) == len(set(names))
    assert dict(headers)[b"Cache-Control"] == b"public, max-age=60" and dict(headers)[b"content-security-policy"] == b"sandbox"
    assert (b"cache-control", b"no-store") not in headers


def test_only_api_answers_default_to_no_store():
    assert (b"cache-control", b"no-store") in http.with_default_headers("/api/v1/me", [])
    assert not [v for k, v in http.with_default_headers("/assets/app.js", []) if k == b"cache-control"]


def test_the_pwa_policy_is_the_one_nginx_sends_for_its_files():
    conf = (ROOT / "nginx.conf").read_text(encoding="utf-8")
    block = re.search(r"map \$upstream_http_content_security_policy \$yiwang_csp \{\s*\"\"\s+\"([^\"]+)\";", conf)
    assert block is not None and block.group(1) == http.PWA_CSP
    assert re.search(r'map \$upstream_http_referrer_policy \$yiwang_referrer_policy \{\s*""\s+"same-origin";', conf)


async def test_the_docs_page_may_run_its_own_inline_script_and_nothing_else(client):
    r = await client.get("/api/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    for tag in ("script", "style"):
        source = re.search(rf"<{tag}>(.*?)</{tag}>", r.text, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    ("host", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_client_network_groups_an_ipv6_subscriber_by_its_64(host, network):
    assert http.client_network(Request({"type": "http", "client": (host, 1234), "headers": []})) == network
