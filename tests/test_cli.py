"""The yiwang command, run as a real subprocess against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_KEY, INDEX_KEY, PG_URL, ROOT, _db_url

YIWANG = str(Path(sys.executable).parent / "yiwang")


def run(*args: str, env: dict[str, str], check: bool = True, stdin: str = "") -> subprocess.CompletedProcess:
    result = subprocess.run([YIWANG, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, input=stdin)
    if check and result.returncode != 0:
        raise AssertionError(f"yiwang {' '.join(args)} failed: {result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def cli_env(backend_kind, tmp_path, request) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update({"YIWANG_DATA_KEY": DATA_KEY, "YIWANG_INDEX_KEY": INDEX_KEY, "YIWANG_MEDIA_DIR": str(tmp_path / "media")})
    if backend_kind == "sqlite":
        env["YIWANG_DATABASE_URL"] = f"sqlite://{tmp_path / 'var' / 'cli.sqlite3'}"
    else:
        request.getfixturevalue("postgres_database")  # fails in CI / skips locally without PostgreSQL
        import asyncio

        from tests.conftest import _admin

        name = f"yiwang_cli_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        request.addfinalizer(lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
        env["YIWANG_DATABASE_URL"] = _db_url(PG_URL, name)
    return env


def test_migrate_seed_createuser_and_verify(cli_env):
    run("migrate", env=cli_env)
    run("migrate", env=cli_env)  # nothing pending: a no-op
    first = json.loads(run("seed-demo", env=cli_env).stdout)
    again = json.loads(run("seed-demo", env=cli_env).stdout)
    assert first["created"] == 5 and again["created"] == 0 and first["cases"] == 2 and again["cases"] == 0
    assert first["catalog"]["items_changed"] >= 20 and again["catalog"]["items_changed"] == 0
    made = json.loads(
        run(
            "createuser",
            "--role",
            "staff",
            "--scope",
            "hall:7",
            "--name",
            "赵乡镇",
            "--phone",
            "139 0000 0009",
            "--password-stdin",
            env=cli_env,
            stdin="a-long-password\n",
        ).stdout
    )
    assert made["role"] == "staff" and made["scope"] == "hall:7"
    report = json.loads(run("audit", "verify", env=cli_env).stdout)
    assert report["ok"] is True
    items = first["catalog"]["items"]
    halls = first["catalog"]["halls"]
    # demo staff (with the auditor) and their roles, the demo resident, catalog items and halls, the resident's ID card photo
    # and two submitted cases, the courier and their role, the parcel's case (4 steps), its delivery request and
    # its 4 steps to 派送中, the township worker (帮办代办) and their role, then one more person and role
    assert report["rows"] == 4 + 4 + 1 + items + halls + 1 + 2 + 2 + 4 + 1 + 4 + 2 + 2


def test_createuser_refuses_a_short_password(cli_env):
    run("migrate", env=cli_env)
    result = run(
        "createuser",
        "--role",
        "admin",
        "--name",
        "x",
        "--phone",
        "13900000001",
        "--password-stdin",
        env=cli_env,
        check=False,
        stdin="short\n",
    )
    assert result.returncode == 1 and "8" in result.stderr


def test_createuser_rejects_a_bad_phone_in_chinese(cli_env):
    run("migrate", env=cli_env)
    result = run("createuser", "--role", "staff", "--name", "x", "--phone", "12345", env=cli_env, check=False)
    assert result.returncode == 1
    assert "auth.invalid_phone" in result.stderr and "11 位" in result.stderr


def test_missing_data_key_is_a_clear_configuration_error(cli_env):
    env = dict(cli_env)
    del env["YIWANG_DATA_KEY"]
    result = run("seed-demo", env=env, check=False)
    assert result.returncode == 2
    assert "YIWANG_DATA_KEY" in result.stderr


def test_keygen_and_vapid_print_usable_keys(cli_env):
    from notifications.push import public_key, signer

    lines = dict(line.split("=", 1) for line in run("keygen", env=cli_env).stdout.splitlines() if not line.startswith("#"))
    assert set(lines) == {"YIWANG_DATA_KEY", "YIWANG_INDEX_KEY", "YIWANG_VAPID_PRIVATE_KEY"}
    out = run("vapid", env=cli_env).stdout.splitlines()
    key = out[1].removeprefix("YIWANG_VAPID_PRIVATE_KEY=")
    assert out[0].endswith(public_key(signer(key)))  # the public key browsers subscribe with
    assert key != lines["YIWANG_VAPID_PRIVATE_KEY"]


def test_bad_notification_settings_are_clear_configuration_errors(cli_env):
    for name, value in (("YIWANG_DISPATCHER", "sometimes"), ("YIWANG_QUIET_HOURS", "22-7"), ("YIWANG_VAPID_SUBJECT", "ops@example.cn")):
        result = run("worker", env=cli_env | {name: value}, check=False)
        assert result.returncode == 2 and name in result.stderr, result.stderr
