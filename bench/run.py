"""`make bench`: every figure as a ratio against a baseline measured in the same run.

Servers start the way production runs them (uvicorn, uvloop, httptools, one process each,
PostgreSQL + Redis); wrk (Debian's package) is the load generator on the other core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.stack import ROOT, YIWANG, free_port, pg_admin, start_app, stop_process, wait_until_ready

PG_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def __str__(self) -> str:
        return f"{self.rps:9.0f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms" + (
            f"  errors {self.errors}" if self.errors else ""
        )


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, *, seconds: int, connections: int, token: str | None = None, script: str | None = None) -> Load:
    headers = ["-H", f"Authorization: Bearer {token}"] if token else []
    scripted = ["-s", script] if script else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, *scripted, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?)\D*(\d+)", out))
    return Load(rps, p50, p99, errors)


def measure(url: str, args: argparse.Namespace, token: str | None = None) -> Load:
    wrk(url, seconds=1, connections=args.connections, token=token)  # warm-up: pools, caches, lazy imports
    runs = [wrk(url, seconds=args.seconds, connections=args.connections, token=token) for _ in range(args.rounds)]
    return max(runs, key=lambda r: r.rps)


DRAFTS = 40000  # two blocks; each must outlast a 5-s run at the bare rate


def _submit_script(path: Path, template: str, first: int, token: str) -> Path:
    """A wrk script that submits each prepared draft once, each with its own Idempotency-Key."""
    path.write_text(
        f"counter = {first}\n"
        "request = function()\n"
        "  local id = counter\n"
        "  counter = counter + 1\n"
        f'  return wrk.format("POST", string.format("{template.replace("{}", "%d")}", id), '
        f'{{["Authorization"] = "Bearer {token}", ["Idempotency-Key"] = "bench-" .. id}}, "")\n'
        "end\n"
    )
    return path


async def _admin(sql: str) -> None:
    await pg_admin(sql, PG_URL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install wrk (make bench does)", file=sys.stderr)
        return 2

    name = "yiwang_bench"
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    db_url = urlunsplit(urlsplit(PG_URL)._replace(path="/" + name))
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(
        {
            "YIWANG_DATABASE_URL": db_url,
            "YIWANG_REDIS_URL": REDIS_URL,
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_DATA_KEY": os.environ["YIWANG_DATA_KEY"],
            "YIWANG_INDEX_KEY": os.environ["YIWANG_INDEX_KEY"],
            "YIWANG_LOG_LEVEL": "WARNING",
            "BENCH_DATABASE_URL": db_url,
            "BENCH_REDIS_URL": REDIS_URL,
        }
    )
    subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([YIWANG, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    token, first_draft, drafts = subprocess.run(
        [sys.executable, "-m", "bench.fixtures", "--drafts", str(DRAFTS)], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()[-3:]
    first_draft, drafts = int(first_draft), int(drafts)

    ours = start_app(env, workdir)
    search_path = "/api/v1/services?q=yyzz&page_size=20"
    body_file = workdir / "search.json"
    body_file.write_bytes(httpx.get(f"http://127.0.0.1:{ours.port}{search_path}").content)
    env["BENCH_SEARCH_BODY_FILE"] = str(body_file)
    base_port = free_port()
    baseline = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "bench.baseline:app",
            "--port",
            str(base_port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{base_port}/readyz", proc=baseline)
        print(
            f"bench: uvicorn+uvloop+httptools, 1 process each, PostgreSQL + Redis, wrk -t1 -c{args.connections}, "
            f"best of {args.rounds} × {args.seconds}s\n"
        )
        bare_json = measure(f"http://127.0.0.1:{base_port}/json", args)
        bare = measure(f"http://127.0.0.1:{base_port}/readyz", args)
        mine = measure(f"http://127.0.0.1:{ours.port}/readyz", args)
        bare_search = measure(f"http://127.0.0.1:{base_port}/search", args)
        mine_search = measure(f"http://127.0.0.1:{ours.port}{search_path}", args)
        half = drafts // 2
        ours_script = _submit_script(workdir / "ours.lua", "/api/v1/applications/{}/submit", first_draft, token)
        bare_script = _submit_script(workdir / "bare.lua", "/submit/{}", first_draft + half, token)
        mine_submit = wrk(f"http://127.0.0.1:{ours.port}/", seconds=args.seconds, connections=8, script=str(ours_script))
        bare_submit = wrk(f"http://127.0.0.1:{base_port}/", seconds=args.seconds, connections=8, script=str(bare_script))
        bare_me = measure(f"http://127.0.0.1:{base_port}/me", args, token)
        mine_me = measure(f"http://127.0.0.1:{ours.port}/api/v1/me", args, token)
        print(f"bare Starlette JSON (scale)      {bare_json}")
        print(f"bare Starlette SELECT 1 + PING   {bare}")
        print(f"yiwang GET /readyz               {mine}")
        print(f"bare same search JSON bytes      {bare_search}")
        print(f"yiwang GET /api/v1/services?q=   {mine_search}")
        print(f"bare UPDATE + timeline INSERT    {bare_submit}")
        print(f"yiwang POST …/submit (c8)        {mine_submit}")
        print(f"bare Redis GET + person by PK    {bare_me}")
        print(f"yiwang GET /api/v1/me            {mine_me}")
        print()
        for name, base, ours_load in (
            ("GET /readyz", bare, mine),
            ("GET /api/v1/me (target >= 0.80)", bare_me, mine_me),
            ("catalog search (target >= 0.70)", bare_search, mine_search),
            ("submit application (PostgreSQL)", bare_submit, mine_submit),
        ):
            print(
                f"{name:34} ratio vs bare: throughput {ours_load.rps / base.rps:.2f}, "
                f"p99 {base.p99_ms / ours_load.p99_ms:.2f} (higher is better)"
            )
    finally:
        ours.stop()
        stop_process(baseline)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
