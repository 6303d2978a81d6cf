"""Run one fake as a standalone HTTP server in its own process (for benchmarks and browser tests).

    python -m tests.fakes webpush [--port 0]
    python -m tests.fakes wechat [--port 0] [--appid ID] [--secret S] [--template ID=key1,key2 ...]
    python -m tests.fakes sms [--port 0] [--key-id ID] [--key-secret S]
    python -m tests.fakes ems [--port 0] [--sender-no N] [--authorization A] [--sign-key BASE64]
                              [--kuaidi-customer C] [--kuaidi-key K] [--kuaidi-salt S]
                              [--push-url URL] [--kuaidi-callback URL]

Once it is listening it prints exactly one line on stdout, ``READY http://127.0.0.1:PORT``, and
then serves until SIGINT/SIGTERM. Drive it through its ``/_fake/...`` control endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys

import uvicorn


def _template(spec: str) -> tuple[str, tuple[str, ...]]:
    template_id, eq, keys = spec.partition("=")
    if not eq or not template_id or not keys:
        raise argparse.ArgumentTypeError("expected ID=key1,key2,...")
    return template_id, tuple(k.strip() for k in keys.split(",") if k.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__.split("\n\n")[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    for name in ("webpush", "wechat", "sms", "ems"):
        sub = kinds.add_parser(name)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=0, help="0 picks a free port")
        if name == "wechat":
            sub.add_argument("--appid", default=None)
            sub.add_argument("--secret", default=None)
            sub.add_argument(
                "--template",
                type=_template,
                action="append",
                default=[],
                metavar="ID=key1,key2",
                help="subscribe-message template and its data keys (repeatable)",
            )
        if name == "sms":
            sub.add_argument("--key-id", default=None)
            sub.add_argument("--key-secret", default=None)
        if name == "ems":
            from tests.fakes.ems import FakeEms

            defaults = FakeEms()
            sub.add_argument("--sender-no", default=defaults.sender_no)
            sub.add_argument("--authorization", default=defaults.authorization)
            sub.add_argument("--sign-key", default=defaults.sign_key, help="base64 of the 16-byte SM4 key")
            sub.add_argument("--kuaidi-customer", default=defaults.kuaidi_customer)
            sub.add_argument("--kuaidi-key", default=defaults.kuaidi_key)
            sub.add_argument("--kuaidi-salt", default=defaults.kuaidi_salt)
            sub.add_argument("--push-url", default="", help="where EMS tracking pushes go (our /api/v1/carrier/ems/push)")
            sub.add_argument("--kuaidi-callback", default="", help="Kuaidi100 callback URL for waybills not subscribed here")
    return parser


def _build(args: argparse.Namespace, base_url: str):
    if args.kind == "webpush":
        from tests.fakes.webpush import FakePushService

        return FakePushService(base_url=base_url).app()
    if args.kind == "wechat":
        from tests.fakes.wechat import FakeWeChat

        fake = FakeWeChat(templates=dict(args.template))
        if args.appid is not None:
            fake.appid = args.appid
        if args.secret is not None:
            fake.secret = args.secret
        return fake.app()
    if args.kind == "ems":
        from tests.fakes.ems import make_fake_carrier

        carrier = make_fake_carrier(
            sender_no=args.sender_no,
            authorization=args.authorization,
            sign_key=args.sign_key,
            kuaidi_customer=args.kuaidi_customer,
            kuaidi_key=args.kuaidi_key,
            kuaidi_salt=args.kuaidi_salt,
            push_url=args.push_url,
            kuaidi_callback=args.kuaidi_callback,
        )
        carrier.base_url = base_url
        return carrier.app()
    from tests.fakes.sms import FakeSms

    fake = FakeSms()
    if args.key_id is not None:
        fake.access_key_id = args.key_id
    if args.key_secret is not None:
        fake.access_key_secret = args.key_secret
    return fake.app()


async def _serve(server: uvicorn.Server, sock: socket.socket, base_url: str) -> int:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            return 1
        await asyncio.sleep(0.01)
    print(f"READY {base_url}", flush=True)
    await task
    return 0


def _stop(*_: object) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    app = _build(args, base_url)
    # access_log off: uvicorn writes access lines to stdout, which must carry only the READY line.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", backlog=2048)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal to the handler that was
    # installed before it; this one turns a requested stop into exit status 0 (also before uvicorn is up).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    return asyncio.run(_serve(uvicorn.Server(config), sock, base_url))


if __name__ == "__main__":
    sys.exit(main())
