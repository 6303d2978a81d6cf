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


def test_model_docstrings_have_no_semicolons():
    """tortoise splits CREATE TABLE scripts at ';' and puts docstrings in table comments."""
    from tortoise.models import Model

    import auth.models
    import backend.applications.models
    import backend.catalog.models
    import backend.kit.models
    import backend.materials.models

    modules = (auth.models, backend.applications.models, backend.catalog.models, backend.kit.models, backend.materials.models)
    models = [v for m in modules for v in vars(m).values() if isinstance(v, type) and issubclass(v, Model) and v is not Model]
    assert [m.__name__ for m in models if ";" in (m.__doc__ or "")] == []
