"""Consent (PIPL): terms and privacy policy before personal data, a separate ID-number consent, new versions ask again."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from auth import consent, service, sessions
from auth.models import Consent, OneTimeCode, Person
from backend.app import create_app
from backend.kit.models import AuditEntry
from tests.auth.conftest import bearer, sms_login
from tests.consents import agreed

IDENTITY = "/api/v1/me/identity"
ID_NUMBER = "11010519491231002X"
CURRENT = consent.load().current("privacy").version


@asynccontextmanager
async def app_client(settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app process of its own on the test's database (a restart, e.g. after publishing a document)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def publish(directory: Path, document: str, version: str, title: str = "新版本") -> None:
    """A new version as an operator publishes it: a file in YIWANG_LEGAL_DIR, read when the app starts."""
    (directory / document).mkdir(parents=True, exist_ok=True)
    (directory / document / f"{version}.md").write_text(f"# {title}\n\n## 变更\n\n- 新增一条说明。\n", encoding="utf-8")


async def test_documents_are_listed_and_readable_without_logging_in(client):
    listed = (await client.get("/api/v1/legal/documents")).json()["documents"]
    assert [d["document"] for d in listed] == ["terms", "privacy", "id_number"]
    assert all(d["version"] == CURRENT and d["title"] for d in listed)
    text = (await client.get("/api/v1/legal/documents/privacy")).json()
    assert text["title"] == "一网通办隐私政策" and "## 四、您的权利" in text["body"] and text["versions"] == [CURRENT]
    assert (await client.get(f"/api/v1/legal/documents/privacy/{CURRENT}")).json()["body"] == text["body"]
    for path in ("/api/v1/legal/documents/cookies", "/api/v1/legal/documents/privacy/1999-01-01"):
        r = await client.get(path)
        assert r.status_code == 404 and r.json()["code"] == "auth.document_not_found"


async def test_a_login_that_agreed_records_the_versions_and_when(client, sms, phone):
    session = await sms_login(client, sms, phone)
    assert session["consent_required"] == []
    rows = await Consent.all().order_by("document")
    assert [(r.document, r.version) for r in rows] == [("privacy", CURRENT), ("terms", CURRENT)]
    assert all(r.account_id is not None and r.person_id is None and r.accepted_at for r in rows)
    audited = await AuditEntry.filter(action="consent.accepted").values_list("detail", flat=True)
    assert sorted(d["document"] for d in audited) == ["privacy", "terms"]
    assert (await client.get("/api/v1/me/channels", headers=bearer(session))).status_code == 200


async def test_without_agreeing_a_session_sees_only_what_it_must_agree_to(client, sms, phone):
    session = await sms_login(client, sms, phone, agree=False)
    assert [d["document"] for d in session["consent_required"]] == ["terms", "privacy"]
    me = (await client.get("/api/v1/me", headers=bearer(session))).json()
    assert [(d["document"], d["version"]) for d in me["consent_required"]] == [("terms", CURRENT), ("privacy", CURRENT)]
    for method, path, body in (
        ("GET", "/api/v1/me/channels", None),
        ("GET", "/api/v1/applications", None),
        ("POST", IDENTITY, {"name": "张三", "id_number": ID_NUMBER, "accept": agreed("id_number")}),
    ):
        r = await client.request(method, path, json=body, headers=bearer(session))
        assert r.status_code == 403 and r.json()["code"] == "auth.consent_required", (path, r.text)
    assert await Person.all().count() == 0
    r = await client.post("/api/v1/me/consents", json={"accept": agreed()}, headers=bearer(session))
    assert r.status_code == 200 and r.json()["consent_required"] == []
    assert (await client.get("/api/v1/me/channels", headers=bearer(session))).status_code == 200


async def test_a_resident_who_does_not_agree_can_still_log_out(client, sms, phone):
    session = await sms_login(client, sms, phone, agree=False)
    assert (await client.post("/api/v1/auth/logout", headers=bearer(session))).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer(session))).status_code == 401


async def test_agreeing_to_a_version_that_is_not_current_is_refused_and_the_code_stays_usable(client, sms, phone):
    await client.post("/api/v1/auth/sms/send", json={"phone": phone})
    code = sms.codes_for(phone)[-1]
    stale = [{"document": "terms", "version": "2020-01-01"}, *agreed("privacy")]
    r = await client.post("/api/v1/auth/sms/verify", json={"phone": phone, "code": code, "transport": "bearer", "accept": stale})
    assert r.status_code == 409 and r.json()["code"] == "auth.document_outdated"
    assert (await OneTimeCode.get()).attempts == 0
    r = await client.post("/api/v1/auth/sms/verify", json={"phone": phone, "code": code, "transport": "bearer", "accept": agreed()})
    assert r.status_code == 200 and r.json()["consent_required"] == []
    r = await client.post("/api/v1/me/consents", json={"accept": stale[:1]}, headers=bearer(r.json()))
    assert r.status_code == 409 and r.json()["code"] == "auth.document_outdated"


@pytest.mark.parametrize(
    "accept",
    [[], agreed("terms", "privacy"), [{"document": "id_number", "version": "2020-01-01"}]],
    ids=["nothing", "not-the-id-number-consent", "an-old-version"],
)
async def test_binding_needs_the_separate_consent_to_processing_the_id_number(client, sms, phone, accept):
    session = await sms_login(client, sms, phone)
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": ID_NUMBER, "accept": accept}, headers=bearer(session))
    assert r.status_code in (409, 422) and r.json()["code"] in ("auth.id_number_consent_required", "auth.document_outdated"), r.text
    if not any(a["document"] == "id_number" for a in accept):
        assert r.status_code == 422 and r.json()["code"] == "auth.id_number_consent_required"
        assert "单独同意" in r.json()["detail"]
    assert await Person.all().count() == 0 and not await Consent.filter(document="id_number").exists()


async def test_binding_with_the_consent_records_it_for_the_person(client, sms, phone):
    session = await sms_login(client, sms, phone)
    r = await client.post(IDENTITY, json={"name": "张三", "id_number": ID_NUMBER, "accept": agreed("id_number")}, headers=bearer(session))
    assert r.status_code == 200 and r.json()["verified"] and r.json()["consent_required"] == []
    row = await Consent.get(document="id_number")
    assert row.version == CURRENT and row.person_id == r.json()["person_id"]
    entry = await AuditEntry.get(action="consent.accepted", object_id=str(row.id))
    assert entry.subject == f"person:{row.person_id}" and entry.detail == {"document": "id_number", "version": CURRENT}


async def test_a_new_version_asks_again_after_it_is_published(auth_settings, sms, tmp_path):
    legal = tmp_path / "legal"
    async with app_client(auth_settings) as c:
        bound = await sms_login(c, sms, "13900000101")
        r = await c.post(IDENTITY, json={"name": "张三", "id_number": ID_NUMBER, "accept": agreed("id_number")}, headers=bearer(bound))
        assert r.status_code == 200, r.text
        unbound = await sms_login(c, sms, "13900000102")
    publish(legal, "privacy", "2099-01-01", "隐私政策（新版）")
    publish(legal, "id_number", "2099-01-01")
    async with app_client(dataclasses.replace(auth_settings, legal_dir=legal)) as c:
        listed = {d["document"]: d["version"] for d in (await c.get("/api/v1/legal/documents")).json()["documents"]}
        assert listed == {"terms": CURRENT, "privacy": "2099-01-01", "id_number": "2099-01-01"}
        assert (await c.get("/api/v1/legal/documents/privacy")).json()["versions"] == [CURRENT, "2099-01-01"]
        # Those who agreed to the earlier ID-number consent are asked again; the others only at binding.
        asked = {}
        for name, session in (("bound", bound), ("unbound", unbound)):
            me = (await c.get("/api/v1/me", headers=bearer(session))).json()
            asked[name] = [(d["document"], d["version"]) for d in me["consent_required"]]
            r = await c.get("/api/v1/me/channels", headers=bearer(session))
            assert r.status_code == 403 and r.json()["code"] == "auth.consent_required"
        assert asked == {"bound": [("privacy", "2099-01-01"), ("id_number", "2099-01-01")], "unbound": [("privacy", "2099-01-01")]}
        accept = [{"document": d, "version": v} for d, v in asked["bound"]]
        r = await c.post("/api/v1/me/consents", json={"accept": accept}, headers=bearer(bound))
        assert r.status_code == 200 and r.json()["consent_required"] == []
        assert (await c.get("/api/v1/applications", headers=bearer(bound))).status_code == 200
        assert await Consent.filter(document="privacy").count() == 3  # two earlier logins, then the new version


async def test_a_malformed_document_stops_the_start(auth_settings, tmp_path):
    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "2099-01-01.md").write_text("no title line\n", encoding="utf-8")
    with pytest.raises(consent.DocumentError):
        create_app(dataclasses.replace(auth_settings, legal_dir=tmp_path))
    (tmp_path / "privacy" / "2099-01-01.md").unlink()
    (tmp_path / "privacy" / "draft.md").write_text("# 草稿\n\n正文\n", encoding="utf-8")
    with pytest.raises(consent.DocumentError):
        consent.load(tmp_path)  # not <document>/<version>.md


async def test_staff_sessions_are_not_asked(client):
    person = await service.create_person(name="王管理", phone="13600000099", actor="test")
    await service.grant_role(person=person, role="admin", actor="test")
    token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=True, user_agent="t", ip="t")
    me = await client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["consent_required"] == []
