"""What every browser journey (pwa/e2e/*.mjs) needs from a test stack: staff made with the CLI,
photos on disk, and the run itself with its pass/fail summary checked."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.stack import YIWANG


def db_suffix(stack: Any) -> str:
    """ "1" on the SQLite stack, "2" on PostgreSQL: journeys on both share the fake SMS gateway, not phones."""
    return "1" if "sqlite" in str(stack.nginx.workdir) else "2"


def create_staff(stack: Any, *, role: str, name: str, phone: str, password: str, scope: str | None = None) -> None:
    scoped = ["--scope", scope] if scope else []
    subprocess.run(
        [YIWANG, "createuser", "--role", role, "--name", name, "--phone", phone, "--password-stdin", *scoped],
        env=stack.env,
        cwd=ROOT,
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


def photo_file(tmp_path: Path, name: str = "id_card.jpg", **kwargs: Any) -> str:
    from tests.photos import photo

    path = tmp_path / name
    path.write_bytes(photo(1600, 1200, **kwargs))
    return str(path)


def run_journey(script: str, stack: Any, tmp_path: Path, *, timeout: int, screenshots: str | None = None, **env: str) -> str:
    """Run pwa/e2e/<script> against the stack's nginx; every check must pass. Returns its output."""
    full = dict(os.environ, BASE_URL=stack.nginx.url, SMS_GATEWAY_URL=stack.sms_url, SCREENSHOT_DIR=screenshots or str(tmp_path), **env)
    result = subprocess.run(["node", f"e2e/{script}"], cwd=ROOT / "pwa", env=full, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0 and " 0 failed" in result.stdout, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def stack_with(stack: Any, workdir: Path, root: Path, **settings: str) -> Iterator[Any]:
    """A second stack (two app processes behind nginx) on the shared one's database, broker and media, with extra settings.

    Its nginx hands out the shared stack's media (photos go by X-Accel-Redirect), so files stored by either are served.
    """
    from tests.stack import start_app, start_nginx
    from tests.test_nginx import Stack

    media = Path(stack.env["YIWANG_MEDIA_DIR"])
    media.mkdir(parents=True, exist_ok=True)
    (workdir / "media").symlink_to(media, target_is_directory=True)
    env = dict(stack.env, **settings)
    apps = [start_app(env, workdir), start_app(env, workdir)]
    try:
        nginx = start_nginx(upstreams=[a.port for a in apps], root=root, workdir=workdir)
    except Exception:
        for a in apps:
            a.stop()
        raise
    try:
        yield Stack(nginx, apps, env, stack.sms_url, stack.push_url)
    finally:
        nginx.stop()
        for a in apps:
            a.stop()


def journey_on(kind: str) -> pytest.MarkDecorator:
    """Run a browser journey on one database only.

    Every API test runs on both databases; a journey drives the same API through a browser, and running each one twice
    doubled the suite's longest part. The journeys are split between SQLite (the `make run` default) and
    PostgreSQL + Redis (production), so each stack is still driven by browsers.
    """
    return pytest.mark.parametrize("stack", [kind], indirect=True)
