"""Lighthouse mobile performance of the PWA as the app serves it, against the same app refusing compression.

Pages: home, the catalog (/services) and one 办事指南. Lighthouse (pwa/node_modules, pinned) drives
Debian's Chromium headless with its default mobile profile: a mid-range phone on simulated Slow 4G
(150 ms, 1.6 Mbit/s). "First load" is the same home page on a 3G profile (300 ms, 700 kbit/s): the
time until its content is painted (largest contentful paint). Lighthouse's CPU slowdown of 4
assumes a fast idle desktop; on a slower or busy machine it would model a far slower phone, so
the slowdown is calibrated from this machine's benchmark index the way Lighthouse's CPU
throttling calculator does (docs/throttling.md), and printed.
The baseline is measured in the same run: the same app and build behind a proxy that drops the
browser's Accept-Encoding, i.e. everything sent uncompressed as before this change.

    python -m bench.lighthouse [--dist pwa/dist] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from tests.stack import ROOT, YIWANG, free_port, start_app

LIGHTHOUSE = ROOT / "pwa" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
GUIDE = "000105001000"  # 个体工商户设立登记 in the demo catalog
SLOW_4G: list[str] = []  # Lighthouse's default mobile network throttling
REGULAR_3G = ["--throttling.rttMs=300", "--throttling.throughputKbps=700"]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def identity_proxy(upstream: str) -> Starlette:
    """Forwards every request without Accept-Encoding: the app answers as it did uncompressed."""
    client = httpx.AsyncClient(base_url=upstream, timeout=30)

    async def forward(request: Request) -> StreamingResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "accept-encoding")}
        headers["accept-encoding"] = "identity"
        body = await request.body()
        sent = client.build_request(request.method, request.url.path, params=request.query_params, headers=headers, content=body)
        answer = await client.send(sent, stream=True)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return StreamingResponse(answer.aiter_raw(), status_code=answer.status_code, headers=kept, background=BackgroundTask(answer.aclose))

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "HEAD", "POST", "PUT", "DELETE"])])


def serve_in_thread(app: Starlette) -> tuple[str, uvicorn.Server]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("proxy did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def cpu_slowdown(benchmark_index: float) -> float:
    """The CPU slowdown that makes this machine a mid-range phone (Lighthouse's throttling calculator)."""
    if benchmark_index >= 1300:
        return 3 + (benchmark_index - 1300) / 233
    if benchmark_index >= 800:
        return 2 + (benchmark_index - 800) / 500
    return max(1.0, 1 + (benchmark_index - 150) / 650)


def lighthouse(url: str, throttling: list[str], workdir: Path) -> dict[str, float]:
    """One Lighthouse run: performance score (0-100), FCP/LCP/TBT/Speed Index in ms, bytes transferred."""
    out = workdir / "report.json"
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--only-categories=performance",
            "--output=json",
            f"--output-path={out}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
            *throttling,
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        cwd=workdir,
        capture_output=True,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    return {
        "score": round(report["categories"]["performance"]["score"] * 100),
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "si": audits["speed-index"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "unused_js": audits["unused-javascript"].get("details", {}).get("overallSavingsBytes", 0),
        "benchmark_index": report["environment"]["benchmarkIndex"],
    }


def measure(url: str, throttling: list[str], workdir: Path, runs: int) -> dict[str, float]:
    """The median of ``runs`` Lighthouse runs, figure by figure."""
    results = [lighthouse(url, throttling, workdir) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def row(name: str, ours: dict[str, float], base: dict[str, float]) -> str:
    return (
        f"{name:<26} score {ours['score']:3.0f} (baseline {base['score']:3.0f}, x{ours['score'] / max(base['score'], 1):.2f})"
        f"  FCP {ours['fcp'] / 1000:4.1f} s (x{ours['fcp'] / base['fcp']:.2f})"
        f"  LCP {ours['lcp'] / 1000:4.1f} s (x{ours['lcp'] / base['lcp']:.2f})"
        f"  TBT {ours['tbt']:4.0f} ms  {ours['bytes'] / 1024:4.0f} KB (x{ours['bytes'] / base['bytes']:.2f})"
        f"  unused JS {ours['unused_js'] / 1024:3.0f} KB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "pwa" / "dist", help="the built PWA to serve (default pwa/dist)")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per figure; the median is printed")
    parser.add_argument("--cpu", type=float, help="CPU slowdown (default: calibrated from this machine's benchmark index)")
    args = parser.parse_args()
    if not LIGHTHOUSE.is_file():
        raise SystemExit("lighthouse is not installed: cd pwa && npm ci")
    with tempfile.TemporaryDirectory(prefix="yiwang-lh-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "YIWANG_DATABASE_URL": f"sqlite://{workdir / 'bench.sqlite3'}",
            "YIWANG_MEDIA_DIR": str(workdir / "media"),
            "YIWANG_PWA_DIR": str(args.dist.resolve()),
            "YIWANG_LOG_LEVEL": "WARNING",
        }
        env.pop("YIWANG_REDIS_URL", None)
        subprocess.run([YIWANG, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([YIWANG, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        app = start_app(env, workdir)
        base_url, proxy = serve_in_thread(identity_proxy(f"http://127.0.0.1:{app.port}"))
        ours_url = f"http://127.0.0.1:{app.port}"
        try:
            print(f"Lighthouse {json.loads((LIGHTHOUSE.parent.parent / 'package.json').read_text())['version']}, mobile; {args.dist}")
            print("baseline: the same app and build, sent uncompressed (Accept-Encoding dropped)")
            # The benchmark index moves with the machine's load: the median of three samples.
            index = statistics.median(lighthouse(ours_url + "/", SLOW_4G, workdir)["benchmark_index"] for _ in range(3))
            cpu = args.cpu or cpu_slowdown(index)
            throttle = [f"--throttling.cpuSlowdownMultiplier={cpu:.2f}"]
            slow_4g, regular_3g = SLOW_4G + throttle, REGULAR_3G + throttle
            stylesheets = httpx.get(ours_url + "/").text.count('rel="stylesheet"')
            print(f"CPU slowdown x{cpu:.1f} (benchmark index {index:.0f}); render-blocking stylesheets: {stylesheets}")
            for name, path in (("home /", "/"), ("catalog /services", "/services"), (f"办事指南 /services/{GUIDE}", f"/services/{GUIDE}")):
                ours = measure(ours_url + path, slow_4g, workdir, args.runs)
                base = measure(base_url + path, slow_4g, workdir, args.runs)
                print(row(name + " (Slow 4G)", ours, base), flush=True)
            ours = measure(ours_url + "/", regular_3g, workdir, args.runs)
            base = measure(base_url + "/", regular_3g, workdir, args.runs)
            print(row("home / (3G)", ours, base))
            print(f"first load on 3G: {ours['lcp'] / 1000:.1f} s (baseline {base['lcp'] / 1000:.1f} s, x{ours['lcp'] / base['lcp']:.2f})")
        finally:
            proxy.should_exit = True
            app.stop()


if __name__ == "__main__":
    main()
