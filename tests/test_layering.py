"""auth/ and notifications/ import nothing of backend/ but backend.kit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", ["auth", "notifications"])
def test_package_uses_only_backend_kit(package):
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if (name == "backend" or name.startswith("backend.")) and not (name == "backend.kit" or name.startswith("backend.kit."))
    ]
    assert offenders == []


def test_kit_imports_no_domain():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "backend" / "kit").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("auth", "notifications") or (name.startswith("backend.") and not name.startswith("backend.kit"))
    ]
    assert offenders == []
