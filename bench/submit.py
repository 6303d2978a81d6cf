"""`make bench`: application submit throughput on PostgreSQL, against a bare UPDATE + INSERT.

Every state change writes an audit row. This measures how close the whole submit (session,
authorisation, form validation, status UPDATE, timeline, audit row, notification outbox,
idempotency record) comes to the least a submit must write, measured in the same run:

* bare: the conditional ``UPDATE application`` + ``INSERT workflow_event`` in one
  transaction, from asyncpg directly, ``--connections`` transactions in flight at once;
* yiwang: ``POST /api/v1/applications/{id}/submit`` (each draft once, its own Idempotency-Key)
  against 1 and then 2 real ``yiwang serve`` processes (uvicorn, uvloop, httptools,
  PostgreSQL + Redis), wrk with the same number of connections in total.

After the load it waits until every audit row is linked into the hash chain and runs
``yiwang audit verify``. Targets: ratio >= 0.5, and 2 processes faster than 1. The app
processes' CPU ms per submit is printed too: on a shared machine the rates move with other
load, the CPU cost hardly does (and once nothing serialises submits, it is what bounds them).

    python -m bench.submit [--seconds 5] [--connections 16] [--block 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.notify import cpu_seconds
from bench.run import Load, _submit_script, parse_wrk
from tests.stack import ROOT, YIWANG, AppProcess, pg_admin, start_app

PG_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DB_NAME = "yiwang_bench_submit"


class Drafts:
    """Hands out disjoint ranges of the prepared draft ids, so no draft is submitted twice."""

    def __init__(self, first: int, count: int) -> None:
        self.next, self.end = first, first + count

    def take(self, n: int) -> int:
        if self.next + n > self.end:
            raise SystemExit(f"bench: out of drafts (need {n} more): raise --block")
        start, self.next = self.next, self.next + n
        return start


async def bare_submit(dsn: str, drafts: Drafts, *, connections: int, seconds: float, block: int) -> Load:
    """The bare UPDATE + INSERT at ``connections`` transactions in flight, for ``seconds``."""
    import asyncpg

    first = drafts.take(block)
    ids = iter(range(first, first + block))
    latencies: list[float] = []
    errors = 0
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)

    async def worker(deadline: float) -> None:
        nonlocal errors
        async with pool.acquire() as conn:
            while time.monotonic() < deadline:
                application_id = next(ids, None)
                if application_id is None:
                    raise SystemExit("bench: the bare run used up its drafts: raise --block")
                started = time.perf_counter()
                async with conn.transaction():
                    row = await conn.fetchrow(
                        "UPDATE application SET status = 'submitted', submitted_at = now(), tracking_no = $2 "
                        "WHERE id = $1 AND status = 'draft' RETURNING id",
                        application_id,
                        f"B{application_id}",
                    )
                    if row is None:
                        errors += 1
                        continue
                    await conn.execute(
                        "INSERT INTO workflow_event (object_type, object_id, at, action, status_from, status_to, actor, note) "
                        "VALUES ('application', $1, now(), 'submit', 'draft', 'submitted', 'bench', '')",
                        application_id,
                    )
                latencies.append(time.perf_counter() - started)

    try:
        await asyncio.gather(*(worker(time.monotonic() + 1) for _ in range(connections)))  # warm-up
        latencies.clear()
        started = time.monotonic()
        await asyncio.gather(*(worker(started + seconds) for _ in range(connections)))
        elapsed = time.monotonic() - started
    finally:
        await pool.close()
    latencies.sort()
    return Load(len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000, errors)


def app_submit(
    apps: list[AppProcess], drafts: Drafts, *, connections: int, seconds: int, block: int, token: str, workdir: Path
) -> tuple[Load, float]:
    """wrk against each app process at once (connections split between them): summed throughput,
    and the app processes' CPU ms per submit (steady on a shared machine, where rates are not)."""
    per = connections // len(apps)
    for phase, length in (("warm", 1), ("run", seconds)):
        cpu = sum(cpu_seconds(a.proc.pid) for a in apps)
        procs = []
        for app in apps:
            script = _submit_script(workdir / f"{phase}-{app.port}.lua", "/api/v1/applications/{}/submit", drafts.take(block), token)
            procs.append(
                subprocess.Popen(
                    ["wrk", "-t1", f"-c{per}", f"-d{length}s", "--latency", "-s", str(script), f"http://127.0.0.1:{app.port}/"],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        outs = [p.communicate()[0] for p in procs]
        cpu = sum(cpu_seconds(a.proc.pid) for a in apps) - cpu
    loads = [parse_wrk(out) for out in outs]
    load = Load(sum(x.rps for x in loads), max(x.p50_ms for x in loads), max(x.p99_ms for x in loads), sum(x.errors for x in loads))
    return load, cpu * 1000 / (load.rps * seconds)


async def audit_backlog(dsn: str) -> tuple[int, int]:
    """(audit rows, rows not yet linked into the chain); the second is 0 on a chain linked synchronously."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetchval("SELECT count(*) FROM audit_entry")
        if await conn.fetchval("SELECT to_regclass('audit_link') IS NULL"):
            return rows, 0
        return rows, await conn.fetchval(
            "SELECT count(*) FROM audit_entry e WHERE NOT EXISTS (SELECT 1 FROM audit_link l WHERE l.entry_id = e.id)"
        )
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16, help="transactions / HTTP connections in flight (even)")
    parser.add_argument("--block", type=int, default=10000, help="drafts set aside for each timed run (must outlast it)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install wrk (make bench does)", file=sys.stderr)
        return 2

    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
    asyncio.run(pg_admin(f'CREATE DATABASE "{DB_NAME}"', PG_URL))
    db_url = urlunsplit(urlsplit(PG_URL)._replace(path="/" + DB_NAME))
    dsn = db_url.replace("postgres://", "postgresql://", 1)
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-submit-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(
        {
            "YIWANG_DATABASE_URL": db_url,
            "YIWANG_REDIS_URL": REDIS_URL,
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_DATA_KEY": os.environ["YIWANG_DATA_KEY"],
            "YIWANG_INDEX_KEY": os.environ["YIWANG_INDEX_KEY"],
            "YIWANG_LOG_LEVEL": "WARNING",
        }
    )
    apps = []
    try:
        subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([YIWANG, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        # bare (warm-up + run: 6 blocks), 1 process (warm + run), 2 processes (2 × (warm + run))
        total = args.block * 12
        token, first, count = subprocess.run(
            [sys.executable, "-m", "bench.fixtures", "--drafts", str(total)], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split()[-3:]
        drafts = Drafts(int(first), int(count))
        c = args.connections
        print(f"bench submit: PostgreSQL + Redis, {c} in flight, {args.seconds}s runs after a 1-s warm-up\n")

        bare = asyncio.run(bare_submit(dsn, drafts, connections=c, seconds=args.seconds, block=6 * args.block))
        print(f"bare UPDATE + INSERT (asyncpg, {c} conns)   {bare}")
        apps.append(start_app(env, workdir))
        one, one_cpu = app_submit(apps[:1], drafts, connections=c, seconds=args.seconds, block=args.block, token=token, workdir=workdir)
        print(f"yiwang submit, 1 process (wrk -c{c})        {one}  app CPU {one_cpu:.2f} ms/submit")
        apps.append(start_app(env, workdir))
        two, two_cpu = app_submit(apps, drafts, connections=c, seconds=args.seconds, block=args.block, token=token, workdir=workdir)
        print(f"yiwang submit, 2 processes (2 × wrk -c{c // 2})  {two}  app CPU {two_cpu:.2f} ms/submit")

        started = time.monotonic()
        rows, unlinked = asyncio.run(audit_backlog(dsn))
        while unlinked and time.monotonic() - started < 30:
            time.sleep(0.1)
            rows, unlinked = asyncio.run(audit_backlog(dsn))
        lag = time.monotonic() - started
        verify = subprocess.run([YIWANG, "audit", "verify"], env=env, cwd=ROOT, capture_output=True, text=True)
        report = json.loads(verify.stdout) if verify.stdout.strip().startswith("{") else {"ok": False, "problems": [verify.stderr[-500:]]}
        print(
            f"\naudit: {rows} rows, {unlinked} unlinked {lag:.1f}s after the load; yiwang audit verify ok={report['ok']}"
            + (f" problems={report['problems'][:3]}" if not report["ok"] else "")
        )
        print()
        for name, load in (("1 process", one), ("2 processes", two)):
            print(
                f"submit, {name:12} ratio vs bare: throughput {load.rps / bare.rps:.2f} (target >= 0.50), "
                f"p99 {bare.p99_ms / load.p99_ms:.2f} (higher is better)"
            )
        print(f"2 processes / 1 process: {two.rps / one.rps:.2f} (target > 1)")
    finally:
        for a in apps:
            a.stop()
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
