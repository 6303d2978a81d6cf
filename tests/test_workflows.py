"""Meta-tests over every registered workflow (backend.kit.workflow)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import auth.identity  # noqa: F401  (registers join_request)
import backend.applications.flows  # noqa: F401  (registers application)
import backend.appointments.flows  # noqa: F401  (registers appointment, waiting_entry, ticket, suspension)
import backend.assisted.flows  # noqa: F401  (registers delegation)
import backend.delivery.flows  # noqa: F401  (registers delivery)
from backend.kit.workflow import REGISTRY, Step, Workflow

ROOT = Path(__file__).resolve().parent.parent
# The engine, and the dispatcher's guarded writer with its own table of allowed moves.
STATUS_WRITERS = {"backend/kit/workflow.py", "notifications/delivery_status.py"}


def test_the_scan_knows_the_models_with_a_status():
    assert {"Application", "JoinRequest", "Delivery", "DeliveryOrder", "Delegation"} <= STATUS_MODELS


def test_the_domains_register_their_workflows():
    assert {"application", "join_request", "delivery", "delegation"} <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_status_is_reachable(name: str):
    workflow = REGISTRY[name]
    assert workflow.reachable() == set(workflow.labels), f"{name}: unreachable {set(workflow.labels) - workflow.reachable()}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_step_has_words_people_read(name: str):
    for step in REGISTRY[name].steps.values():
        assert step.verb and (step.timeline or not step.recorded), f"{name}.{step.action}"
        assert all("_" not in REGISTRY[name].labels[s] for s in step.moves), "labels are words, not codes"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_refused_step_names_the_status_and_the_action_in_words_never_codes(name: str):
    """WF.error says "办件当前为“审批通过”，不能“修改申请表”", never "approved" or "edit"."""
    workflow = REGISTRY[name]
    for status in [*workflow.labels, "no_such_status"]:
        for action, step in [*workflow.steps.items(), ("no_such_action", None)]:
            if step is not None and status in step.moves:
                continue
            for english in (False, True):
                body = workflow.illegal(status, action).problem(english=english)
                text = f"{body['title']} {body['detail']}"
                assert status not in text and action not in text, f"{name}: {text}"
                assert body["code"] == f"{name}.illegal_transition"
            detail = workflow.illegal(status, action).problem(english=False)["detail"]
            if status in workflow.labels:
                assert f"“{workflow.labels[status]}”" in detail, detail
            if step is not None:
                assert f"“{step.verb}”" in detail, detail


def test_a_move_to_an_unknown_status_is_refused_when_declared():
    with pytest.raises(ValueError, match="unknown status"):
        Workflow(
            name="broken",
            model=object,
            labels={"a": "甲"},
            initial="a",  # type: ignore[arg-type]
            steps={"go": Step("go", {"a": "b"}, "去", "去")},
            subject=lambda o: None,
        )
    REGISTRY.pop("broken", None)


def _models_with_status() -> set[str]:
    """Names of the tortoise models that have a status column."""
    names = set()
    for path in list(ROOT.glob("*/models.py")) + list(ROOT.glob("backend/*/models.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "status" for t in item.targets) for item in node.body
            ):
                names.add(node.name)
    return names


STATUS_MODELS = _models_with_status()


def _status_writes(path: Path) -> list[str]:
    """Places in a file that write a ``status`` column: keyword status= in update/create calls,
    ``.status = …`` assignments, and SQL that sets status."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("update", "create", "get_or_create", "update_or_create") or name in STATUS_MODELS:
                if any(k.arg == "status" for k in node.keywords):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(status=…)")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} .status =")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "set status" in node.value.lower():
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL SET status")
    return found


def test_no_code_outside_the_engine_writes_a_status_column():
    offenders = []
    for package in ("backend", "auth", "notifications"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if "/migrations/" in relative or relative in STATUS_WRITERS:
                continue
            offenders += _status_writes(path)
    assert offenders == [], "status is written only by backend.kit.workflow.transition:\n" + "\n".join(offenders)


def test_the_scan_finds_a_status_write(tmp_path: Path):
    sample = ROOT / "backend" / "_sample_for_scan.py"
    sample.write_text("async def f(m):\n    await M.filter(id=1).update(status='x')\n    m.status = 'y'\n", encoding="utf-8")
    try:
        assert len(_status_writes(sample)) == 2
    finally:
        sample.unlink()
