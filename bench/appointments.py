"""`make bench`: hall bookings on PostgreSQL, against the least a booking must do, in the same run.

* bare: ``UPDATE appointments_slot SET taken = taken + 1 WHERE id = $1 AND taken < capacity``
  + ``INSERT appointments_appointment`` in one transaction, from asyncpg directly,
  ``--connections`` transactions in flight;
* yiwang: ``POST /api/v1/appointments`` (session, permission, Idempotency-Key, burst limit, the
  slot derived from the schedule and calendar, the person's active count, the unique
  person-item-day key, audit row) against a real ``yiwang serve`` process, wrk with the same
  number of connections, each request a different resident or day;

first across the many slots of a fortnight (no contention), then all on one hot slot (every
booking waits for the slot row's lock). Then the slot listing ``GET /api/v1/halls/2/slots`` against
bare Starlette running the same queries (bench/appointments_baseline.py).
Targets: >= 500 bookings/s across many slots; listing ratio >= 0.7.

    python -m bench.appointments [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.notify import cpu_seconds
from bench.run import Load, measure, parse_wrk
from tests.stack import ROOT, AppProcess, free_port, pg_admin, start_app, stop_process, wait_until_ready

PG_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DB_NAME = "yiwang_bench_appointments"
HALL = "2"
FOOD = "000105003000"  # 食品经营许可（小餐饮）: the bench group takes it at hall 2
PEOPLE = 12000


async def prepare(env: dict[str, str], people: int) -> dict:
    """A bench window group (every weekday 08:00–18:00, 10-minute slots, places enough for the run),
    its bookable days, a twin group with counters for the bare run, and residents with sessions."""
    os.environ.update(env)
    from auth import consent
    from auth.models import Consent, Person, Session
    from auth.sessions import RESIDENT_ABSOLUTE, RESIDENT_IDLE, hash_token
    from backend.appointments import slots
    from backend.appointments.models import Schedule, Slot, WindowGroup
    from backend.catalog.models import Hall
    from backend.kit.config import Settings
    from backend.kit.resources import opened

    async with opened(Settings.from_env(env)):
        hall = await Hall.get(code=HALL)
        week = {"opens": "08:00", "closes": "18:00", "lunch_from": "", "lunch_to": "", "slot_minutes": 10, "capacity": 1_000_000}
        group = await WindowGroup.create(hall_code=HALL, name="基准窗口", items=[FOOD], windows=["9号窗口"])
        bare = await WindowGroup.create(hall_code=HALL, name="基准对照", items=["bare"], windows=[])
        for g in (group, bare):
            for weekday in range(7):
                await Schedule.create(group_id=g.id, weekday=weekday, **week)
        today = slots.local_today()
        plans = [p for p in await slots.plans(group, hall, today=today) if p.open]
        days = [p.day.isoformat() for p in plans]
        starts = [s for s, _ in plans[0].times]
        await Slot.bulk_create(
            [Slot(group_id=bare.id, date=p.day, start=s, end=e, capacity=1_000_000) for p in plans for s, e in p.times], batch_size=1000
        )
        slot_ids = list(await Slot.filter(group_id=bare.id).order_by("date", "start").values_list("id", flat=True))
        now = datetime.now(UTC)
        first = (await Person.all().order_by("-id").first() or Person(id=0)).id + 1
        await Person.bulk_create([Person(verified_at=now) for _ in range(people)], batch_size=2000)
        ids = list(await Person.filter(id__gte=first).order_by("id").values_list("id", flat=True))
        library = consent.load()
        await Consent.bulk_create(
            [Consent(person_id=i, document=d, version=library.current(d).version, accepted_at=now) for i in ids for d in consent.AT_LOGIN],
            batch_size=2000,
        )
        tokens = [secrets.token_urlsafe(24) for _ in ids]
        await Session.bulk_create(
            [
                Session(
                    token_hash=hash_token(t),
                    csrf_token="x",
                    transport="bearer",
                    person_id=i,
                    created_at=now,
                    last_seen_at=now,
                    idle_seconds=int(RESIDENT_IDLE.total_seconds()),
                    expires_at=now + RESIDENT_ABSOLUTE,
                    user_agent="wrk",
                    ip="127.0.0.1",
                )
                for i, t in zip(ids, tokens, strict=True)
            ],
            batch_size=2000,
        )
        return {"days": days, "starts": starts, "tokens": tokens, "bare_group": bare.id, "slot_ids": slot_ids}


class People:
    """Hands out disjoint ranges of residents, so no person books the same item and day twice."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.next = tokens, 0

    def take(self, n: int) -> list[str]:
        if self.next + n > len(self.tokens):
            raise SystemExit("bench: out of residents: raise --people")
        out, self.next = self.tokens[self.next : self.next + n], self.next + n
        return out


def _script(path: Path, tokens: list[str], days: list[str], starts: list[str], *, hot: bool) -> Path:
    """A wrk script: request n is resident n // days (each books one day), on day n % days, at a
    start that moves on with every resident (many slots); ``hot``: every request the same slot."""
    lua_tokens = ",".join(f'"{t}"' for t in tokens)
    lua_days = ",".join(f'"{d}"' for d in days)
    lua_starts = ",".join(f'"{s}"' for s in starts)
    per_person = 1 if hot else len(days)
    path.write_text(
        f"tokens = {{{lua_tokens}}}\ndays = {{{lua_days}}}\nstarts = {{{lua_starts}}}\n"
        "counter = 0\n"
        "request = function()\n"
        "  local n = counter\n"
        "  counter = counter + 1\n"
        f"  local person = math.floor(n / {per_person}) % #tokens + 1\n"
        + (
            "  local day, start = days[1], starts[1]\n"
            if hot
            else "  local day = days[n % #days + 1]\n  local start = starts[math.floor(n / #days) % #starts + 1]\n"
        )
        + f'  local body = string.format(\'{{"hall_code":"{HALL}","service_code":"{FOOD}","date":"%s","start":"%s"}}\', day, start)\n'
        '  return wrk.format("POST", "/api/v1/appointments", {["Authorization"] = "Bearer " .. tokens[person], '
        '["Content-Type"] = "application/json", ["Idempotency-Key"] = "b" .. person .. "-" .. n}, body)\n'
        "end\n"
    )
    return path


def app_book(
    app: AppProcess, people: People, fixture: dict, *, seconds: int, connections: int, hot: bool, workdir: Path
) -> tuple[Load, float]:
    """wrk against the app: a 1-s warm-up, then the timed run, each with residents of its own; and
    the app process's CPU ms per booking (steady on a shared machine, where rates are not)."""
    days, starts = fixture["days"], fixture["starts"]
    load, cpu = None, 0.0
    for phase, length in (("warm", 1), ("run", seconds)):
        cpu = cpu_seconds(app.proc.pid)
        count = 1500 * length if hot else 1500 * length // len(days) + 1
        script = _script(workdir / f"{phase}-{'hot' if hot else 'many'}.lua", people.take(count), days, starts, hot=hot)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{length}s", "--latency", "-s", str(script), f"http://127.0.0.1:{app.port}/"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        load = parse_wrk(out)
        cpu = cpu_seconds(app.proc.pid) - cpu
    assert load is not None
    return load, cpu * 1000 / max(1.0, load.rps * seconds)


async def bare_book(dsn: str, fixture: dict, *, connections: int, seconds: float, hot: bool) -> Load:
    """The conditional UPDATE of the slot counter + the appointment INSERT, ``connections`` at once."""
    import asyncpg

    slot_ids: list[int] = fixture["slot_ids"][:1] if hot else fixture["slot_ids"]
    group_id = fixture["bare_group"]
    counter = iter(range(10**9))
    latencies: list[float] = []
    refused = 0
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    day = date.fromisoformat(fixture["days"][0])
    starts_at = datetime.now(UTC) + timedelta(days=1)
    tag = secrets.token_hex(3)

    async def worker(deadline: float) -> None:
        nonlocal refused
        async with pool.acquire() as conn:
            while time.monotonic() < deadline:
                n = next(counter)
                slot_id = slot_ids[n % len(slot_ids)]
                started = time.perf_counter()
                async with conn.transaction():
                    row = await conn.fetchrow(
                        "UPDATE appointments_slot SET taken = taken + 1 WHERE id = $1 AND taken < capacity RETURNING id", slot_id
                    )
                    if row is None:
                        refused += 1
                        continue
                    await conn.execute(
                        "INSERT INTO appointments_appointment (code, person_id, slot_id, group_id, hall_code, service_code, "
                        "service_name, date, start, starts_at, status, active_key, hold_until, reminded, created_at, updated_at) "
                        "VALUES ($1, $2, $3, $4, $5, 'bare', '基准', $6, '08:00', $7, 'held', $8, now() + interval '5 minutes', '', "
                        "now(), now())",
                        f"B{tag}{n}",
                        n,
                        slot_id,
                        group_id,
                        HALL,
                        day,
                        starts_at,
                        f"bare:{tag}:{n}",
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
    return Load(len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000, refused)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="listing: best of this many runs")
    parser.add_argument("--people", type=int, default=PEOPLE, help="residents prepared (each booking needs its own resident or day)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install wrk (make bench does)", file=sys.stderr)
        return 2

    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
    asyncio.run(pg_admin(f'CREATE DATABASE "{DB_NAME}"', PG_URL))
    db_url = urlunsplit(urlsplit(PG_URL)._replace(path="/" + DB_NAME))
    dsn = db_url.replace("postgres://", "postgresql://", 1)
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-appointments-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_")}
    env.update(
        {
            "YIWANG_DATABASE_URL": db_url,
            "YIWANG_REDIS_URL": REDIS_URL,
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_DATA_KEY": os.environ["YIWANG_DATA_KEY"],
            "YIWANG_INDEX_KEY": os.environ["YIWANG_INDEX_KEY"],
            "YIWANG_LOG_LEVEL": "WARNING",
            # Every booking is a different resident or day: the per-person and per-address limits are not measured here.
            "YIWANG_BOOKING_ACTIVE_LIMIT": "1000000",
            "YIWANG_BOOKING_BURST": "1000000000",
            "YIWANG_BOOKING_HOLD_MINUTES": "60",
            "BENCH_DATABASE_URL": db_url,
            # The app runs from this checkout (not whichever the `yiwang` script was installed from).
            "PYTHONPATH": str(ROOT),
        }
    )
    app = baseline = None
    try:
        cli = [sys.executable, "-m", "backend.cli"]
        subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*cli, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        fixture = asyncio.run(prepare(env, args.people))
        people = People(fixture["tokens"])
        c = args.connections
        print(
            f"bench appointments: PostgreSQL + Redis, {c} in flight, {args.seconds}s runs after a 1-s warm-up, "
            f"{len(fixture['days'])} days × {len(fixture['starts'])} slots\n"
        )
        bare_many = asyncio.run(bare_book(dsn, fixture, connections=c, seconds=args.seconds, hot=False))
        print(f"bare UPDATE + INSERT, many slots       {bare_many}")
        app = start_app(env, workdir)
        many, many_cpu = app_book(app, people, fixture, seconds=args.seconds, connections=c, hot=False, workdir=workdir)
        print(f"yiwang POST /appointments, many slots  {many}  app CPU {many_cpu:.1f} ms/booking")
        bare_hot = asyncio.run(bare_book(dsn, fixture, connections=c, seconds=args.seconds, hot=True))
        print(f"bare UPDATE + INSERT, one hot slot     {bare_hot}")
        hot, hot_cpu = app_book(app, people, fixture, seconds=args.seconds, connections=c, hot=True, workdir=workdir)
        print(f"yiwang POST /appointments, hot slot    {hot}  app CPU {hot_cpu:.1f} ms/booking")

        port = free_port()
        baseline = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "uvicorn"),
                "bench.appointments_baseline:app",
                "--port",
                str(port),
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
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", proc=baseline)
        query = f"date={fixture['days'][1]}&service={FOOD}"
        bare_list = measure(f"http://127.0.0.1:{port}/halls/{HALL}/slots?{query}", args)
        ours_list = measure(f"http://127.0.0.1:{app.port}/api/v1/halls/{HALL}/slots?{query}", args)
        print(f"bare Starlette, same slot queries      {bare_list}")
        print(f"yiwang GET /halls/{HALL}/slots            {ours_list}")
        print()
        print(f"booking, many slots: {many.rps:.0f} bookings/s (target >= 500), ratio vs bare {many.rps / bare_many.rps:.2f}")
        print(f"booking, one hot slot: {hot.rps:.0f} bookings/s, ratio vs bare {hot.rps / bare_hot.rps:.2f}")
        listing, p99 = ours_list.rps / bare_list.rps, bare_list.p99_ms / ours_list.p99_ms
        print(f"slot listing (target >= 0.70): ratio vs bare throughput {listing:.2f}, p99 {p99:.2f}")
    finally:
        if app is not None:
            app.stop()
        if baseline is not None:
            stop_process(baseline)
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', PG_URL))
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
