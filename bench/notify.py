"""Notification delivery on PostgreSQL + Redis against the fake Web Push service (its own process).

1. Dispatch throughput: N notifications written with ``notify()`` (event ``case.accepted``, one
   Web Push subscription per person) *before* the workers start; then 1, and later 2, ``yiwang
   worker`` processes are started and timed until every delivery row is ``sent`` (DB polled every
   50 ms). The fake must have received each notification id exactly once. Baseline in the same
   run: the same number of pushes straight from pywebpush (``WebPusher.send_async``, one aiohttp
   session, same concurrency and connector limits, same payload shape, no database), in 1 and 2
   processes.
2. Latency: with the 2 workers running and idle, notifications are committed at a steady rate,
   each in its own transaction; latency = the fake's ``received_at`` − ``time.time()`` taken by an
   after-commit callback registered before ``notify()``'s own (so before its wake-up is published).

Each round also reports the CPU seconds of the senders, the fake, PostgreSQL (this database's backends)
and everything else on the machine: on a shared 2-core machine the rates move with other load, while
CPU ms per notification hardly does. ``--profile [DIR]`` adds one more 1-worker round run under
cProfile, with wall-clock timers around the dispatcher's stages and a count of the SQL it sends,
and prints where the time goes (keeping the raw profile in DIR if given).

    python -m bench.notify [--notifications 5000] [--persons 50] [--concurrency 64] [--rate 100] [--seconds 10]
                           [--pool N] [--profile [DIR]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.stack import ROOT, YIWANG, pg_admin, stop_process

PG_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DB_NAME = "yiwang_bench_notify"
TARGET_RATE = 500.0  # notifications/s
TARGET_P95 = 1.0  # s
LEASE = 60.0  # yiwang worker --lease: a sent row keeps next_attempt_at = claim time + LEASE, which dates the claim
CLK_TCK = os.sysconf("SC_CLK_TCK")
POLLER_PIDS: set[int] = set()  # the PostgreSQL backend of the benchmark's own polling connection


# ---- processes and CPU accounting ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def postgres_cpu() -> dict[int, float]:
    """CPU seconds by pid of the local PostgreSQL server's processes serving our database (and its shared
    background processes, e.g. the WAL writer); other databases' backends are left out."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            client = "(" in title or "[local]" in title  # "postgres: 15/main: user db 127.0.0.1(port) idle"
            if not client or f" {DB_NAME} " in title:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def machine_cpu() -> float:
    """CPU seconds all processes on this machine have used (busy time from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def own_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds the fake, PostgreSQL, and everything else on the machine use during one round."""

    def __init__(self, fake_pid: int) -> None:
        self.fake_pid = fake_pid
        self.start = (cpu_seconds(fake_pid), postgres_cpu(), machine_cpu(), own_cpu())

    def stop(self, senders: float) -> dict[str, float]:
        now = (cpu_seconds(self.fake_pid), machine_cpu(), own_cpu())
        fake, machine, own = (a - b for a, b in zip(now, (self.start[0], self.start[2], self.start[3]), strict=True))
        # per process: a backend that exits during the round drops out instead of making the sum negative
        pg = sum(cpu - self.start[1].get(pid, 0.0) for pid, cpu in postgres_cpu().items() if pid not in POLLER_PIDS)
        # "others": processes outside this benchmark (and our own polling process) — noise on a shared machine
        return {"cpu": senders, "fake_cpu": fake, "pg_cpu": pg, "other_cpu": max(0.0, machine - senders - fake - pg - own)}


def start_fake(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "webpush", "--port", "0"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        stop_process(proc)
        raise RuntimeError(f"fake Web Push did not start: {line!r}")
    return proc, line.split()[1]


# ---- the baseline: pywebpush straight to the fake, no database ----------------------------------


async def _bare_pushes(spec: dict) -> dict:
    import aiohttp
    from py_vapid import Vapid02
    from pywebpush import WebPusher

    subs, count, first, concurrency = spec["subscriptions"], spec["count"], spec["first_id"], spec["concurrency"]
    parts = urlsplit(subs[0]["endpoint"])
    audience = f"{parts.scheme}://{parts.netloc}"
    auth = Vapid02.from_raw(spec["vapid_private_key"].encode()).sign(
        {"aud": audience, "exp": int(time.time()) + 12 * 3600, "sub": spec["vapid_subject"]}
    )
    gate = asyncio.Semaphore(concurrency)
    done: list[float] = []
    failures = Counter()
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=10, connect=3), connector=aiohttp.TCPConnector(limit=100, limit_per_host=50)
    ) as session:

        async def one(i: int) -> None:
            sub = subs[i % len(subs)]
            nid = first + i
            data = json.dumps(
                {
                    "id": nid,
                    "title": "已受理",
                    "body": f"您的申请 B{nid} 已受理，请留意后续进度。",
                    "url": f"/cases/{nid}",
                    "tag": f"n{nid}",
                },
                ensure_ascii=False,
            ).encode()
            headers = {**auth, "Urgency": "normal", "Topic": f"n{nid}"}
            async with gate:
                try:
                    response = await WebPusher(sub, aiohttp_session=session).send_async(
                        data, headers, ttl=3 * 86400, content_encoding="aes128gcm", timeout=aiohttp.ClientTimeout(total=10)
                    )
                    if response.status != 201:
                        failures[str(response.status)] += 1
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    failures[type(exc).__name__] += 1
            done.append(time.time())

        start = time.time()
        await asyncio.gather(*(one(i) for i in range(count)))
    return {"start": start, "first_done": min(done), "last_done": max(done), "failures": dict(failures)}


def baseline_child() -> int:
    """``python -m bench.notify _baseline`` reads its spec as JSON on stdin, prints its result as JSON."""
    import resource

    result = asyncio.run(_bare_pushes(json.load(sys.stdin)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(result))
    return 0


# ---- a profiled worker: cProfile + wall-clock timers around the dispatcher's stages ------------


def worker_child(out: str, argv: list[str]) -> int:
    """``python -m bench.notify _worker OUT worker ...``: `yiwang worker` under cProfile with stage timers."""
    import cProfile
    from collections import defaultdict

    import asyncpg.pool
    from pywebpush import WebPusher

    from backend.cli import main as yiwang
    from notifications.channels import WebPushChannel
    from notifications.dispatcher import Dispatcher

    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def timed(owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        async def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                entry = stats[label]
                entry[0] += 1
                entry[1] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(Dispatcher, "claim", "claim (SELECT … FOR UPDATE SKIP LOCKED + UPDATE + SELECT)")
    timed(Dispatcher, "_jobs", "load notifications + contact_points")
    timed(Dispatcher, "deliver", "deliver (send + record), per delivery")
    timed(WebPushChannel, "send", "  WebPushChannel.send")
    timed(WebPushChannel, "_one", "    _one (push + last_success_at UPDATE)")
    timed(WebPusher, "send_async", "      WebPusher.send_async (encrypt + HTTP)")
    timed(Dispatcher, "record", "  record outcome (transaction + UPDATE)")
    timed(asyncpg.pool.Pool, "_acquire", "asyncpg pool acquire (waiting for a connection)")

    def counted(name: str) -> None:  # every SQL statement the worker sends, by its first word
        original = getattr(asyncpg.Connection, name)

        async def wrapper(self, query, *args, **kwargs):
            text = " ".join(query.split())[:90]
            statements[text] = statements.get(text, 0) + 1
            return await original(self, query, *args, **kwargs)

        setattr(asyncpg.Connection, name, wrapper)

    statements: dict[str, int] = {}
    for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
        counted(name)

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        code = yiwang(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out + ".prof")
        Path(out + ".stages.json").write_text(json.dumps({"stages": stats, "statements": statements}))
    return code


def _package(filename: str) -> str:
    """What a profiled function belongs to: a site-packages distribution, the stdlib module, or our package."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C: sockets, crypto, dict, …)"
    path = Path(filename)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    try:
        return str(path.relative_to(ROOT).parts[0]) + " (ours)"
    except ValueError:
        return "stdlib " + (
            path.parent.name if path.parent.name not in ("lib", "") and not path.parent.name.startswith("python") else path.stem
        )


def print_profile(out: str, deliveries: int, elapsed: float, top: int = 15) -> None:
    import io
    import pstats

    saved = json.loads(Path(out + ".stages.json").read_text())
    print(f"\nprofiled worker: wall-clock time in each stage (summed over concurrent tasks; the round took {elapsed:.1f} s)")
    for label, (count, total) in saved["stages"].items():
        print(f"  {label:58} {int(count):6} calls  {total:8.1f} s  {1000 * total / max(count, 1):7.1f} ms/call")
    statements = Counter(saved["statements"])
    print(f"\nSQL statements per delivery: {sum(statements.values()) / deliveries:.2f}")
    for text, count in statements.most_common(12):
        print(f"  {count / deliveries:5.2f}  {text}")
    stats = pstats.Stats(out + ".prof")
    by_package: Counter = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        by_package[_package(filename)] += tottime
    total = sum(by_package.values())
    print(f"\nworker CPU by package (cProfile own time, {1000 * total / deliveries:.1f} ms per delivery under the profiler):")
    for package, seconds in by_package.most_common(12):
        print(f"  {package:44} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    buffer = io.StringIO()
    pstats.Stats(out + ".prof", stream=buffer).strip_dirs().sort_stats("tottime").print_stats(top)
    text = buffer.getvalue()
    print(f"\ncProfile, top {top} functions by own time:")
    print(text[text.find("   ncalls") :].rstrip())


# ---- the benchmark ---------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], fake_url: str, workdir: Path) -> None:
        self.args, self.env, self.fake_url, self.workdir = args, env, fake_url, workdir
        self.fake_pid = 0
        self.workers: list[subprocess.Popen] = []
        self.persons: list[int] = []
        self.subscriptions: list[dict] = []
        self.serial = 0
        self.http = None
        self.poller = None  # an asyncpg connection of its own
        self.worker_env = env

    # fake control
    async def fake_reset(self) -> None:
        (await self.http.post(f"{self.fake_url}/_fake/reset", json={})).raise_for_status()

    async def fake_ids(self) -> tuple[list[int], list[float]]:
        r = await self.http.get(f"{self.fake_url}/_fake/messages", timeout=60)
        r.raise_for_status()
        messages = r.json()
        return [json.loads(m["text"])["id"] for m in messages], [m["received_at"] for m in messages]

    async def verify(self, what: str, expected: set[int]) -> None:
        ids, _ = await self.fake_ids()
        seen = Counter(ids)
        twice = sum(1 for c in seen.values() if c > 1)
        missing = len(expected - seen.keys())
        extra = len(seen.keys() - expected)
        if len(ids) != len(expected) or twice or missing or extra:
            print(
                f"!! {what}: fake received {len(ids)} messages for {len(expected)} notifications "
                f"({missing} missing, {twice} more than once, {extra} unexpected)"
            )
            if expected and min(expected) < 10_000_000:  # ours: how the deliveries went, and what the workers logged
                from notifications.models import Delivery

                attempts = Counter(await Delivery.filter(notification_id__in=sorted(expected)).values_list("attempts", flat=True))
                print(f"   deliveries by attempts: {dict(sorted(attempts.items()))}")
                logged = Counter()
                for log in self.workdir.glob("worker-*.log"):
                    for line in log.read_text(errors="replace").splitlines():
                        try:
                            record = json.loads(line)
                            logged[f"{record.get('level', '?')} {record.get('message', line)[:100]}"] += 1
                        except ValueError:
                            logged[line[:120]] += 1
                for message, count in logged.most_common(5):
                    print(f"   worker logs ({count}×): {message}")

    # set-up through our own code
    async def make_persons(self) -> None:
        from auth import service as identity
        from notifications import push

        key = push.public_key(push.signer(self.env["YIWANG_VAPID_PRIVATE_KEY"]))
        for i in range(self.args.persons):
            person = await identity.create_person(name=f"基准{i}", phone=f"1370001{i:04d}", actor="bench")
            r = await self.http.post(f"{self.fake_url}/_fake/subscriptions", json={"application_server_key": key})
            r.raise_for_status()
            sub = r.json()
            await push.subscribe(
                person_id=person.id, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"], user_agent="bench"
            )
            self.persons.append(person.id)
            self.subscriptions.append(sub)

    async def notify_one(self, i: int):
        from notifications.outbox import notify

        person = self.persons[i % len(self.persons)]
        return await notify(
            person_id=person,
            event="case.accepted",
            dedupe_key=f"bench:{i}",
            title="已受理",
            body=f"您的申请 B{i} 已受理，请留意后续进度。",
            link=f"/cases/{i}",
            fields={"reference": f"B{i}", "subject": "个体工商户登记"},
            data={"case_id": i},
        )

    async def create_notifications(self, count: int, batch: int = 250, parallel: int = 4) -> list[int]:
        """``count`` notifications, ``batch`` notify() calls per transaction, a few transactions at once."""
        from backend.kit.transactions import transaction

        first = self.serial
        self.serial += count
        gate = asyncio.Semaphore(parallel)
        ids: list[int] = []

        async def one_batch(start: int) -> None:
            async with gate, transaction():
                for i in range(start, min(start + batch, first + count)):
                    ids.append((await self.notify_one(i)).id)

        await asyncio.gather(*(one_batch(s) for s in range(first, first + count, batch)))
        return ids

    # workers
    def start_workers(self, n: int, profile: str | None = None) -> list[subprocess.Popen]:
        command = ["worker", "--concurrency", str(self.args.concurrency), "--lease", str(LEASE)]
        procs = []
        for _ in range(n):
            argv = [sys.executable, "-m", "bench.notify", "_worker", profile, *command] if profile else [YIWANG, *command]
            log = open(self.workdir / f"worker-{len(self.workers)}.log", "wb")
            proc = subprocess.Popen(argv, env=self.worker_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            procs.append(proc)
            self.workers.append(proc)
        return procs

    def stop_workers(self, procs: list[subprocess.Popen]) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            stop_process(proc)

    async def wait_sent(self, ids: list[int], procs: list[subprocess.Popen], timeout: float) -> None:
        """Poll every 50 ms (one query on our own connection, whose backend is left out of the CPU figures)."""
        deadline = time.monotonic() + timeout
        while True:
            left, bad = await self.poller.fetchrow(
                "SELECT count(*) FILTER (WHERE status <> 'sent'), count(*) FILTER (WHERE status IN ('failed', 'dead')) "
                "FROM notification_delivery WHERE notification_id BETWEEN $1 AND $2",
                min(ids),
                max(ids),
            )
            if left == 0:
                return
            if bad:
                raise RuntimeError(
                    "some deliveries failed: "
                    + str(
                        [
                            dict(r)
                            for r in await self.poller.fetch(
                                "SELECT id, status, last_error FROM notification_delivery WHERE notification_id BETWEEN $1 AND $2 "
                                "AND status IN ('failed', 'dead') LIMIT 3",
                                min(ids),
                                max(ids),
                            )
                        ]
                    )
                )
            for proc in procs:
                if proc.poll() is not None:
                    log = (self.workdir / f"worker-{self.workers.index(proc)}.log").read_text(errors="replace")
                    raise RuntimeError(f"a worker exited with {proc.returncode}:\n{log[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{left} deliveries still not sent after {timeout:.0f} s")
            await asyncio.sleep(0.05)

    async def sent_span(self, ids: list[int]) -> tuple[float, Counter]:
        """Seconds from the first to the last sent_at of these deliveries, and deliveries per worker process."""
        from notifications.models import Delivery

        rows = await Delivery.filter(notification_id__gte=min(ids), notification_id__lte=max(ids)).values_list("sent_at", "claimed_by")
        times = [r[0].timestamp() for r in rows]
        per_worker = Counter(claim.rsplit("-", 1)[0] for _, claim in rows)
        return max(times) - min(times), per_worker

    # the measurements
    async def bare(self, processes: int) -> dict:
        """The same pushes straight from pywebpush in ``processes`` processes (no database)."""
        await self.fake_reset()
        n = self.args.notifications
        share = [n // processes + (1 if k < n % processes else 0) for k in range(processes)]
        firsts = [10_000_000 + sum(share[:k]) for k in range(processes)]
        meter = CpuMeter(self.fake_pid)
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.notify", "_baseline"],
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        outputs = []
        for child, count, first in zip(children, share, firsts, strict=True):
            child.stdin.write(
                json.dumps(
                    {
                        "subscriptions": self.subscriptions,
                        "count": count,
                        "first_id": first,
                        "concurrency": self.args.concurrency,
                        "vapid_private_key": self.env["YIWANG_VAPID_PRIVATE_KEY"],
                        "vapid_subject": self.env["YIWANG_VAPID_SUBJECT"],
                    }
                )
            )
            child.stdin.close()
        for child in children:
            out = await asyncio.to_thread(child.stdout.read)
            await asyncio.to_thread(child.wait)
            if child.returncode != 0:
                raise RuntimeError(f"baseline process exited with {child.returncode}")
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.perf_counter() - started
        failures = Counter()
        for o in outputs:
            failures.update(o["failures"])
        if failures:
            print(f"!! bare pywebpush ×{processes}: failed pushes {dict(failures)}")
        await self.verify(f"bare pywebpush ×{processes}", set(range(firsts[0], firsts[0] + n)))
        span = max(o["last_done"] for o in outputs) - min(o["first_done"] for o in outputs)
        return {"wall": n / wall, "steady": (n - 1) / span, "seconds": wall, **meter.stop(sum(o["cpu"] for o in outputs))}

    async def ours(self, workers: int, *, keep: bool = False, profile: str | None = None) -> dict:
        """N notifications written first, then ``workers`` worker processes started and timed until all are sent."""
        n = self.args.notifications
        setup_started = time.perf_counter()
        ids = await self.create_notifications(n)
        setup = time.perf_counter() - setup_started
        await self.fake_reset()
        meter = CpuMeter(self.fake_pid)
        started = time.perf_counter()
        procs = self.start_workers(workers, profile)
        await self.wait_sent(ids, procs, timeout=max(60.0, n / 50))
        wall = time.perf_counter() - started
        result = {"wall": n / wall, "seconds": wall, "setup": setup, "procs": procs, **meter.stop(sum(cpu_seconds(p.pid) for p in procs))}
        span, per_worker = await self.sent_span(ids)
        result["steady"] = (n - 1) / span if span > 0 else float("inf")
        result["per_worker"] = sorted(per_worker.values(), reverse=True)
        await self.verify(f"yiwang worker ×{workers}", set(ids))
        if not keep:
            self.stop_workers(procs)
        return result

    async def latency(self) -> dict:
        """Notifications committed one by one at a steady rate while the workers are idle."""
        from backend.kit.transactions import after_commit, transaction

        await self.fake_reset()
        rate, count = self.args.rate, int(self.args.rate * self.args.seconds)
        committed: dict[int, float] = {}
        ids: list[int] = []
        first = self.serial
        self.serial += count

        async def one(i: int) -> None:
            stamp: list[float] = []

            async def at_commit() -> None:  # registered first, so it runs right after COMMIT, before notify()'s publishes
                stamp.append(time.time())

            async with transaction():
                after_commit(at_commit)
                notification = await self.notify_one(i)
            committed[notification.id] = stamp[0]
            ids.append(notification.id)

        tasks = []
        meter = CpuMeter(self.fake_pid)
        workers_cpu = sum(cpu_seconds(p.pid) for p in self.workers if p.poll() is None)
        started = time.perf_counter()
        for k in range(count):
            delay = started + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(first + k)))
        await asyncio.gather(*tasks)
        offered = (count - 1) / (max(committed.values()) - min(committed.values()))
        await self.wait_sent(ids, [p for p in self.workers if p.poll() is None], timeout=60)
        cpu = meter.stop(sum(cpu_seconds(p.pid) for p in self.workers if p.poll() is None) - workers_cpu)
        got, received_at = await self.fake_ids()
        await self.verify("latency run", set(ids))
        first_receipt: dict[int, float] = {}
        for nid, at in zip(got, received_at, strict=True):
            if nid in committed:
                first_receipt[nid] = min(at, first_receipt.get(nid, at))
        latencies = sorted(at - committed[nid] for nid, at in first_receipt.items())
        q = statistics.quantiles(latencies, n=100, method="inclusive")
        # where the time goes: commit → claim start (wake-up; negative when a claim that began just before the commit
        # still saw the row), claim start → push received (claim transaction, loading, encryption, HTTP)
        from notifications.models import Delivery

        claimed = {
            nid: at.timestamp() - LEASE
            for nid, at in await Delivery.filter(notification_id__in=ids).values_list("notification_id", "next_attempt_at")
        }
        to_claim = sorted(claimed[nid] - committed[nid] for nid in first_receipt)
        to_push = sorted(at - claimed[nid] for nid, at in first_receipt.items())
        parts = {
            name: statistics.quantiles(values, n=100, method="inclusive")
            for name, values in (("commit → claim start", to_claim), ("claim start → received", to_push))
        }
        return {
            "count": len(latencies),
            "offered": offered,
            "p50": q[49],
            "p95": q[94],
            "p99": q[98],
            "max": latencies[-1],
            "seconds": time.perf_counter() - started,
            "parts": parts,
            **cpu,
        }


async def run(args: argparse.Namespace, env: dict[str, str], bench: Bench) -> None:
    try:
        await measure(args, env, bench)
    finally:
        if bench.poller is not None:
            await bench.poller.close()


async def measure(args: argparse.Namespace, env: dict[str, str], bench: Bench) -> None:
    import asyncpg
    import httpx

    from backend.kit.config import Settings
    from backend.kit.resources import opened

    poller = await asyncpg.connect(env["YIWANG_DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    POLLER_PIDS.add(await poller.fetchval("SELECT pg_backend_pid()"))
    async with httpx.AsyncClient(timeout=10) as http, opened(Settings.from_env(env)):
        bench.http, bench.poller = http, poller
        await bench.make_persons()
        n, c = args.notifications, args.concurrency
        print(
            f"bench notify: PostgreSQL + Redis, fake Web Push (own process), {n} notifications over {args.persons} "
            f"subscriptions, concurrency {c} per process, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n"
        )
        bare1 = await bench.bare(1)
        ours1 = await bench.ours(1)
        bare2 = await bench.bare(2)
        ours2 = await bench.ours(2, keep=True)
        await asyncio.sleep(1.0)  # the two workers are idle now
        lat = await bench.latency()
        bench.stop_workers(ours2["procs"])
        profiled = None
        if args.profile:
            out = str(bench.workdir / "worker")
            profiled = await bench.ours(1, profile=out)

    print(
        f"{'':28} {'from start':>12} {'first→last':>12}   CPU s: {'senders':>7} {'fake':>6} {'postgres':>8} {'others':>7}"
        f"   CPU ms/notification"
    )
    for label, r in (
        ("bare pywebpush ×1", bare1),
        ("yiwang worker ×1", ours1),
        ("bare pywebpush ×2", bare2),
        ("yiwang worker ×2", ours2),
    ) + ((("yiwang worker ×1 (profiled)", profiled),) if profiled else ()):
        print(
            f"{label:28} {r['wall']:8.0f} /s  {r['steady']:8.0f} /s  {r['cpu']:14.1f} {r['fake_cpu']:6.1f} {r['pg_cpu']:8.1f} "
            f"{r['other_cpu']:7.1f}   {1000 * (r['cpu'] + r['pg_cpu']) / n:6.2f}"
            + (f"   per worker {r['per_worker']}" if len(r.get("per_worker", ())) > 1 else "")
        )
    print(
        f"\n(from start: N / time from starting the processes until the last push was sent; first→last: (N−1) / span "
        f"of the sent times; CPU s over the round: senders = workers or bare processes, postgres = its processes for this "
        f"database (not the benchmark's polling), others = the rest of the machine; "
        f"CPU ms/notification = (senders + postgres) / N, the figure least disturbed by other load; "
        f"set-up wrote {n} notify() calls in {ours1['setup']:.1f} s)"
    )
    print(
        f"\nlatency, 2 idle workers, {lat['count']} notifications at {lat['offered']:.0f}/s, commit → fake received: "
        f"p50 {1000 * lat['p50']:.0f} ms  p95 {1000 * lat['p95']:.0f} ms  p99 {1000 * lat['p99']:.0f} ms  max {1000 * lat['max']:.0f} ms\n"
        f"(over {lat['seconds']:.1f} s, CPU s: workers {lat['cpu']:.1f}, fake {lat['fake_cpu']:.1f}, postgres {lat['pg_cpu']:.1f}, "
        f"others {lat['other_cpu']:.1f}; the bench process itself commits the notifications)"
    )
    for name, q in lat["parts"].items():
        print(f"  {name:22} p50 {1000 * q[49]:5.0f} ms  p95 {1000 * q[94]:5.0f} ms  p99 {1000 * q[98]:5.0f} ms")
    if lat["offered"] < 0.9 * args.rate:
        print(f"  (the bench process committed only {lat['offered']:.0f}/s of the {args.rate:.0f}/s asked: the machine is short of CPU)")
    print()
    for label, ours, bare in (("dispatch, 1 worker", ours1, bare1), ("dispatch, 2 workers", ours2, bare2)):
        print(
            f"{label + ' (target >= 500/s)':34} {ours['wall']:5.0f}/s  ratio vs target {ours['wall'] / TARGET_RATE:.2f}, "
            f"vs bare pywebpush {ours['wall'] / bare['wall']:.2f} (first→last {ours['steady'] / bare['steady']:.2f}, "
            f"CPU per notification ×{(ours['cpu'] + ours['pg_cpu']) / (bare['cpu'] + bare['pg_cpu']):.1f})"
        )
    print(
        f"{'latency p95 (target <= 1 s)':34} {1000 * lat['p95']:5.0f} ms  ratio target/p95 {TARGET_P95 / lat['p95']:.1f} "
        f"({'met' if lat['p95'] <= TARGET_P95 else 'MISSED'})"
    )
    if profiled:
        print_profile(str(bench.workdir / "worker"), n, profiled["seconds"])
        if args.profile != "-":
            for suffix in (".prof", ".stages.json"):
                shutil.copy(bench.workdir / f"worker{suffix}", Path(args.profile) / f"notify-worker{suffix}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_baseline":
        return baseline_child()
    if len(sys.argv) > 2 and sys.argv[1] == "_worker":
        return worker_child(sys.argv[2], sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notifications", type=int, default=5000, help="notifications per throughput round")
    parser.add_argument("--persons", type=int, default=50, help="persons, each with one Web Push subscription")
    parser.add_argument("--concurrency", type=int, default=64, help="yiwang worker --concurrency, and the baseline's")
    parser.add_argument("--rate", type=float, default=100, help="notifications/s in the latency run")
    parser.add_argument("--seconds", type=float, default=10, help="length of the latency run")
    parser.add_argument("--pool", type=int, default=None, help="database pool size of the workers (default: ours, 10)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="-",
        metavar="DIR",
        help="add a profiled 1-worker round and print where time goes (keep the raw profile in DIR)",
    )
    args = parser.parse_args()

    db_url = urlunsplit(urlsplit(PG_URL)._replace(path="/" + DB_NAME))
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-notify-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    vapid_key = os.environ.get("YIWANG_VAPID_PRIVATE_KEY")
    if not vapid_key:
        from notifications.push import generate_vapid_private_key

        vapid_key = generate_vapid_private_key()
    env.update(
        {
            "YIWANG_DATABASE_URL": db_url,
            "YIWANG_REDIS_URL": REDIS_URL,
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_DATA_KEY": os.environ["YIWANG_DATA_KEY"],
            "YIWANG_INDEX_KEY": os.environ["YIWANG_INDEX_KEY"],
            "YIWANG_VAPID_PRIVATE_KEY": vapid_key,
            "YIWANG_VAPID_SUBJECT": "mailto:ops@example.gov.cn",
            "YIWANG_QUIET_HOURS": "off",
            "YIWANG_DISPATCHER": "off",
            "YIWANG_LOG_LEVEL": "WARNING",
        }
    )
    fake = None
    bench = None
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
    asyncio.run(pg_admin(f'CREATE DATABASE "{DB_NAME}"', PG_URL))
    try:
        subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        fake, fake_url = start_fake(env)
        env["YIWANG_PUSH_ENDPOINTS"] = fake_url + "/"
        bench = Bench(args, env, fake_url, workdir)
        bench.fake_pid = fake.pid
        bench.worker_env = dict(env)
        if args.pool:
            bench.worker_env["YIWANG_DATABASE_URL"] = f"{db_url}?maxsize={args.pool}"
        asyncio.run(run(args, env, bench))
    finally:
        if bench is not None:
            bench.stop_workers(bench.workers)
        if fake is not None:
            stop_process(fake)
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
