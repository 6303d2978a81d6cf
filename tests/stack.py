"""Real processes for end-to-end tests and benchmarks: app servers (uvicorn) and nginx."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
YIWANG = str(Path(sys.executable).parent / "yiwang")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Ask a process to stop, and kill it if it has not after 10 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def pg_admin(sql: str, url: str) -> None:
    """Run one administrative statement (CREATE/DROP DATABASE) on PostgreSQL."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def wait_until_ready(url: str, *, timeout: float = 20, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            r = httpx.get(url, timeout=1)
            if r.status_code == 200:
                return
            last = r.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


@dataclass
class AppProcess:
    port: int
    proc: subprocess.Popen
    log_path: Path

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def stop(self) -> None:
        stop_process(self.proc, signal.SIGTERM)


def start_app(env: dict[str, str], workdir: Path, *, port: int | None = None, extra_args: tuple[str, ...] = ()) -> AppProcess:
    port = port or free_port()
    log_path = workdir / f"app-{port}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [YIWANG, "serve", "--host", "127.0.0.1", "--port", str(port), *extra_args],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    app = AppProcess(port, proc, log_path)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", proc=proc)
    except Exception as exc:
        app.stop()
        raise RuntimeError(f"app on {port} failed to start:\n{log_path.read_text(errors='replace')[-3000:]}") from exc
    return app


def render_nginx_conf(*, listen: int, upstreams: list[int], root: Path, workdir: Path, media: Path | None = None) -> str:
    """The repository's nginx.conf with ports, paths and log files moved into ``workdir``."""
    conf = (ROOT / "nginx.conf").read_text(encoding="utf-8")
    conf = re.sub(r"^pid .*;$", f"pid {workdir}/nginx.pid;", conf, flags=re.M)
    conf = re.sub(r"^error_log .*;$", f"error_log {workdir}/error.log warn;", conf, flags=re.M)
    conf = re.sub(r"access_log /var/log/nginx/\S+ ", f"access_log {workdir}/access.log ", conf)
    conf = re.sub(r"listen 8080;", f"listen 127.0.0.1:{listen};", conf)
    conf = re.sub(r"root /srv/yiwang/pwa/dist;", f"root {root};", conf)
    conf = conf.replace("alias /srv/yiwang/media/;", f"alias {media or workdir / 'media'}/;")
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;" for p in upstreams)
    conf = re.sub(r"(upstream yiwang_app \{\n)(?:\s*server [^\n]*\n)+", lambda m: m.group(1) + servers + "\n", conf)
    temp = "\n".join(f"    {kind}_temp_path {workdir}/{kind}_temp;" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = conf.replace("http {\n", "http {\n" + temp + "\n", 1)
    if os.geteuid() == 0:
        conf = "user root;\n" + conf  # workers must read the checkout and the test's temp dirs
    return conf


@dataclass
class Nginx:
    port: int
    proc: subprocess.Popen
    workdir: Path
    conf_path: Path = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc, signal.SIGQUIT)  # nginx: graceful shutdown


def start_nginx(*, upstreams: list[int], root: Path, workdir: Path) -> Nginx:
    port = free_port()
    conf_path = workdir / "nginx.conf"
    conf_path.write_text(render_nginx_conf(listen=port, upstreams=upstreams, root=root, workdir=workdir), encoding="utf-8")
    check = subprocess.run(["nginx", "-t", "-c", str(conf_path), "-p", str(workdir)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    proc = subprocess.Popen(
        ["nginx", "-c", str(conf_path), "-p", str(workdir), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "nginx.stderr", "wb"),
    )
    nginx = Nginx(port, proc, workdir, conf_path)
    try:
        wait_until_ready(f"{nginx.url}/healthz", proc=proc)
    except Exception:
        nginx.stop()
        raise
    return nginx


@dataclass
class OwnRedis:
    """A redis-server a test starts, kills, freezes and restarts on its own port."""

    port: int
    workdir: Path
    extra: tuple[str, ...] = ()
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # No persistence unless asked (extra): like a cache-only deployment, a restart loses everything.
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        if sig == signal.SIGKILL:
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            stop_process(self.proc)
