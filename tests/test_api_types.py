"""The PWA's API types are generated from the OpenAPI document and can never drift from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from backend.applications.flows import APPLICATION, STATUS_TEXT
from tests.conftest import IN_CI, ROOT

SCHEMA = ROOT / "pwa" / "src" / "api" / "schema.d.ts"
GENERATOR = ROOT / "pwa" / "scripts" / "api-types.mjs"


def test_the_committed_api_types_match_the_openapi_document(tmp_path):
    node = shutil.which("node")
    if node is None or not (ROOT / "pwa" / "node_modules" / "openapi-typescript").is_dir():
        message = "node or pwa/node_modules missing: run make test (npm ci in pwa/)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    fresh = tmp_path / "schema.d.ts"
    env = {**os.environ, "YIWANG_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    subprocess.run([node, str(GENERATOR), "--out", str(fresh)], cwd=ROOT / "pwa", env=env, check=True, capture_output=True)
    assert fresh.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8"), (
        "pwa/src/api/schema.d.ts is stale: run `cd pwa && npm run api-types` and commit it"
    )


def test_every_application_status_has_words_for_people():
    assert set(STATUS_TEXT) == set(APPLICATION.labels)
    assert all(text and "_" not in text for text in STATUS_TEXT.values())


def test_the_pwa_copies_no_status_names():
    sources = [p for p in (ROOT / "pwa" / "src").rglob("*") if p.suffix in (".ts", ".vue") and "i18n" not in p.parts and p != SCHEMA]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "已受理，审批中" not in text and "STATUS_TEXT" not in text, f"{path}: status names come from the API (status_label)"
