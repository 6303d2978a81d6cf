"""The ``yiwang`` command: serve, worker, migrate, seed-demo, createuser, audit verify, gc-media, keygen, vapid, openapi."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable

from backend.kit import logs
from backend.kit.config import ConfigError, Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=10,
    )
    return 0


def _with_resources(work: Callable[[argparse.Namespace, Settings], Awaitable[int]]) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from backend.kit.resources import opened

        async def main() -> int:
            async with opened(settings):
                return await work(args, settings)

        return asyncio.run(main())

    return run


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from backend.kit import db

    async def main() -> None:
        try:
            await db.migrate(settings.database_url)
        finally:
            await db.close()

    asyncio.run(main())
    print("migrations applied", file=sys.stderr)
    return 0


@_with_resources
async def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from backend import demo
    from backend.calendar import service as calendar

    await calendar.refresh()  # the demo cases' deadlines count the administrators' days, as the app's would
    summary = await demo.seed()
    await _link_audit(settings)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


async def _link_audit(settings: Settings) -> None:
    """Link this command's audit rows before it exits (a running app or worker would, within a second)."""
    from backend.kit import audit

    await audit.Chainer(settings.database_url).link_once()


@_with_resources
async def _createuser(args: argparse.Namespace, settings: Settings) -> int:
    from auth import service as identity

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if args.password_stdin and len(password or "") < 8:
        print("yiwang: the password must have at least 8 characters", file=sys.stderr)
        return 1
    person = await identity.find_by_phone(phone=args.phone)
    if person is None:
        person = await identity.create_person(name=args.name, phone=args.phone, actor="cli", password=password)
    elif password:
        await identity.set_password(person=person, password=password, actor="cli")
    grant = await identity.grant_role(person=person, role=args.role, scope=args.scope, actor="cli")
    await _link_audit(settings)
    print(json.dumps({"person_id": person.id, "role": grant.role, "scope": grant.scope}))
    return 0


@_with_resources
async def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from backend.kit import audit

    report = await audit.verify(unlinked_limit=timedelta(seconds=args.unlinked_limit))
    print(
        json.dumps(
            {
                "ok": report.ok,
                "rows": report.rows,
                "unlinked": report.unlinked,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "problems": report.problems,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0 if report.ok else 1


@_with_resources
async def _gc_media(args: argparse.Namespace, settings: Settings) -> int:
    from backend.materials import service as materials

    print(json.dumps({"removed": await materials.collect_garbage()}))
    return 0


def _keygen(args: argparse.Namespace, settings: Settings) -> int:
    from backend.kit.pii import generate_key

    print(f"YIWANG_DATA_KEY=k1:{generate_key()}")
    print(f"YIWANG_INDEX_KEY={generate_key()}")
    return _vapid(args, settings)


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    """Print the OpenAPI document the app serves at /api/openapi.json (pwa: npm run api-types)."""
    import json

    from backend.app import openapi_document

    print(json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def _vapid(args: argparse.Namespace, settings: Settings) -> int:
    from notifications.push import generate_vapid_private_key, public_key, signer

    private = generate_vapid_private_key()
    print(f"# Web Push (VAPID) public key, for reference: {public_key(signer(private))}")
    print(f"YIWANG_VAPID_PRIVATE_KEY={private}")
    return 0


@_with_resources
async def _worker(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from backend.kit import audit
    from notifications.dispatcher import Dispatcher

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    dispatcher = Dispatcher(
        concurrency=args.concurrency, lease=args.lease, retry_base=args.retry_base, max_attempts=args.max_attempts, poll=args.poll
    )
    # Workers also offer to link the audit chain, so apps run with YIWANG_DISPATCHER=off are not the only candidates.
    # Carrier calls (证照寄递) and the parcel monitor run here too: each call is claimed with a lease.
    await asyncio.gather(dispatcher.run(stop), audit.Chainer(settings.database_url).run(stop), _carrier_calls(stop))
    return 0


CARRIER_START_DELAY = 15.0  # seconds after a worker starts


async def _carrier_calls(stop: asyncio.Event) -> None:
    """The carrier worker, started a while after the notification workers and loaded off the event loop.

    Importing the delivery domain takes a second or more of CPU; done at start (even in a thread, which still holds
    the GIL) it held a restarted worker's first notification sends back. Carrier calls wait a little instead: they are
    not urgent (the worker polls every 2 s) and nothing is lost meanwhile.
    """
    import importlib

    try:
        await asyncio.wait_for(stop.wait(), CARRIER_START_DELAY)
        return
    except TimeoutError:
        pass
    jobs = await asyncio.to_thread(importlib.import_module, "backend.delivery.jobs")
    if not stop.is_set():
        await jobs.CarrierWorker().run(stop)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yiwang", description="一网 Yiwang — government errands from a phone")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server (uvicorn, uvloop, httptools)")
    serve.add_argument("--host", help="default: YIWANG_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: YIWANG_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve, needs_keys=True)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(run=_migrate, needs_keys=False)
    sub.add_parser("seed-demo", help="load demo data (safe to run again)").set_defaults(run=_seed_demo, needs_keys=True)

    cu = sub.add_parser("createuser", help="create a person (or find them by phone) and grant a role")
    cu.add_argument("--role", required=True, choices=["resident", "staff", "approver", "courier", "admin", "auditor"])
    cu.add_argument("--name", required=True)
    cu.add_argument("--phone", required=True)
    cu.add_argument("--scope", default="", help="e.g. hall:1, township:3, department:market, carrier:ems")
    cu.add_argument("--password-stdin", action="store_true", help="read the staff password (first factor) from standard input")
    cu.set_defaults(run=_createuser, needs_keys=True)

    au = sub.add_parser("audit", help="audit log tools")
    au_sub = au.add_subparsers(dest="audit_command", required=True)
    av = au_sub.add_parser(
        "verify", help="check the hash chain; exit 1 if any row was edited, inserted or deleted, or left unlinked too long"
    )
    av.add_argument(
        "--unlinked-limit",
        type=float,
        default=60.0,
        help="seconds an entry may wait to be linked into the chain before it counts as a problem (default 60)",
    )
    av.set_defaults(run=_audit_verify, needs_keys=True)

    sub.add_parser("gc-media", help="delete stored files that no material refers to").set_defaults(run=_gc_media, needs_keys=True)
    sub.add_parser("keygen", help="print fresh YIWANG_DATA_KEY, YIWANG_INDEX_KEY and YIWANG_VAPID_PRIVATE_KEY lines").set_defaults(
        run=_keygen, needs_keys=False
    )
    sub.add_parser("vapid", help="print a fresh Web Push (VAPID) key as a YIWANG_VAPID_PRIVATE_KEY line").set_defaults(
        run=_vapid, needs_keys=False
    )
    sub.add_parser("openapi", help="print the OpenAPI document served at /api/openapi.json").set_defaults(run=_openapi, needs_keys=False)

    wk = sub.add_parser(
        "worker",
        help="deliver notifications and link the audit chain (several on PostgreSQL, one on SQLite; set YIWANG_DISPATCHER=off on the app)",
    )
    wk.add_argument("--concurrency", type=int, default=64, help="deliveries in flight at once (default 64)")
    wk.add_argument("--lease", type=float, default=60.0, help="seconds a claimed delivery stays ours before others may take it")
    wk.add_argument("--retry-base", type=float, default=10.0, help="first retry delay in seconds, doubled each attempt (with jitter)")
    wk.add_argument("--max-attempts", type=int, default=8, help="attempts before a delivery goes to the dead-letter list")
    wk.add_argument("--poll", type=float, default=0.5, help="seconds between looks for due work when no wake-up arrives")
    wk.set_defaults(run=_worker, needs_keys=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        logs.configure(settings.log_level)
        if args.needs_keys:
            from backend.kit.pii import Keyring

            Keyring.parse(settings.data_key, settings.index_key)
        return args.run(args, settings)
    except ConfigError as exc:
        print(f"yiwang: configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a typed service error from a command: say it plainly
        from backend.kit.errors import ServiceError

        if isinstance(exc, ServiceError):
            print(f"yiwang: {exc.code}: {exc.problem(english=False)['detail']}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
