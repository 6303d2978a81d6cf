"""代办模式 in the PWA (pwa/src/acting.ts) sends Yiwang-Delegation exactly on the routes that accept it:
a route that does not opt in refuses the header (403 assist.acting_not_allowed), and one left out would
quietly act as the worker instead of the villager."""

from __future__ import annotations

import re

from backend.app import openapi_document
from tests.conftest import ROOT

ACTING_TS = ROOT / "pwa" / "src" / "acting.ts"


def pwa_patterns() -> list[re.Pattern[str]]:
    block = ACTING_TS.read_text(encoding="utf-8").split("const ACTING_PATHS = [", 1)[1].split("]\n", 1)[0]
    return [re.compile(m) for m in re.findall(r"^\s*/(.+)/,$", block, flags=re.M)]


def sample_url(path: str) -> str:
    """/api/v1 + the path with each parameter filled in (numbers where the route wants an int)."""
    return "/api/v1" + re.sub(r"\{[^}]+\}", lambda m: "7" if m.group(0).endswith(":int}") or m.group(0).endswith("_id}") else "abc", path)


def test_the_pwa_sends_the_delegation_header_exactly_where_routes_opt_in():
    patterns = pwa_patterns()
    assert len(patterns) >= 5
    opted: dict[str, set[bool]] = {}
    for path, operations in openapi_document()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in operations.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            takes = any(p.get("in") == "header" and p.get("name") == "Yiwang-Delegation" for p in op.get("parameters", []))
            opted.setdefault(path.removeprefix("/api/v1"), set()).add(takes)
    wrong = []
    for path, takes in sorted(opted.items()):
        sent = any(p.match(sample_url(path)) for p in patterns)
        if takes == {True} and not sent:
            wrong.append(f"{path}: accepts the header, the PWA does not send it")
        elif takes == {False} and sent:
            wrong.append(f"{path}: refuses the header, the PWA sends it")
        elif takes == {True, False} and sent:
            wrong.append(f"{path}: only some methods accept the header, the PWA sends it on all")
    assert not wrong, "\n".join(wrong)
