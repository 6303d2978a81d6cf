"""Photo pipeline: ours vs a naive Pillow pipeline vs libvips (pyvips), same run, same photo.

A 12-megapixel phone-like JPEG (4000×3000, EXIF orientation 6 and GPS) → a 1600-px JPEG.
Prints time per photo (median), output size, PSNR of each output against the naive one, and
the peak memory of 8 concurrent uploads through our pipeline.
"""

from __future__ import annotations

import io
import math
import statistics
import subprocess
import sys
import time

from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from backend.kit.images import JPEG_QUALITY, MAX_SIDE, process

RUNS = 10


def phone_photo() -> bytes:
    """Paper on a desk, as a phone sees it: lit unevenly, sensor noise, printed text, a table."""
    light = Image.linear_gradient("L").resize((4000, 3000)).point(lambda v: 150 + v // 3)
    noise = Image.effect_noise((4000, 3000), 12)
    paper = Image.merge("RGB", (Image.blend(light, noise, 0.15), Image.blend(light, noise, 0.12), Image.blend(light, noise, 0.18)))
    draw = ImageDraw.Draw(paper)
    draw.rectangle([300, 250, 3700, 2750], outline=(40, 40, 40), width=6)
    for y in range(400, 2700, 120):
        draw.line([(300, y), (3700, y)], fill=(90, 90, 90), width=2)
        draw.text((360, y - 80), "姓名 张三  公民身份号码 11010519491231002X  住址 北京市朝阳区" * 2, fill=(10, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    paper.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def naive(raw: bytes) -> bytes:
    """What one writes first: full decode, orient, LANCZOS resize, save."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(raw)))
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def vips(raw: bytes) -> bytes:
    import pyvips

    image = pyvips.Image.thumbnail_buffer(raw, MAX_SIDE, height=MAX_SIDE, size="down")  # autorotates
    return image.jpegsave_buffer(Q=JPEG_QUALITY, keep="none")


def ours(raw: bytes) -> bytes:
    return process(raw).data


def timed(fn, raw: bytes) -> tuple[float, bytes]:
    fn(raw)
    times, out = [], b""
    for _ in range(RUNS):
        started = time.perf_counter()
        out = fn(raw)
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def psnr(a: bytes, b: bytes) -> float:
    x, y = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    if x.size != y.size:
        y = y.resize(x.size, Image.Resampling.BICUBIC)
    mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(x, y)).rms) / 3
    return float("inf") if mse == 0 else 20 * math.log10(255 / math.sqrt(mse))


def peak_memory_of_concurrent_uploads(raw: bytes, n: int = 8) -> tuple[float, float]:
    """Peak resident memory (MiB) of a fresh process before and after 8 uploads at once.

    Pillow's pixel buffers live outside Python's allocator, so this reads the process's
    high-water mark (ru_maxrss) rather than tracemalloc.
    """
    code = (
        "import resource,sys;from concurrent.futures import ThreadPoolExecutor;from backend.kit.images import process;"
        "raw=sys.stdin.buffer.read();before=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        f"list(ThreadPoolExecutor({n}).map(process,[raw]*{n}));"
        "print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], input=raw, capture_output=True, check=True).stdout.split()
    before, after = (int(v) / 1024 for v in out)
    return before, after


def main() -> int:
    raw = phone_photo()
    print(
        f"photo pipeline: 4000×3000 JPEG ({len(raw) / 2**20:.1f} MiB, orientation 6, GPS) → {MAX_SIDE}-px JPEG q{JPEG_QUALITY}, "
        f"median of {RUNS}, one core\n"
    )
    t_naive, out_naive = timed(naive, raw)
    t_ours, out_ours = timed(ours, raw)
    try:
        t_vips, out_vips = timed(vips, raw)
    except Exception as exc:  # pyvips missing: say so instead of inventing a figure
        t_vips, out_vips = None, None
        print(f"pyvips unavailable ({type(exc).__name__}); install with pip install -e '.[bench]'")
    print(f"naive Pillow (decode, LANCZOS)   {t_naive * 1000:7.1f} ms  {len(out_naive) / 1024:6.0f} KiB")
    if t_vips is not None:
        print(
            f"libvips thumbnail_buffer         {t_vips * 1000:7.1f} ms  {len(out_vips) / 1024:6.0f} KiB  "
            f"PSNR vs naive {psnr(out_naive, out_vips):5.1f} dB"
        )
    print(
        f"yiwang (draft, BILINEAR, + thumb, checks, hash)  {t_ours * 1000:7.1f} ms  {len(out_ours) / 1024:6.0f} KiB  "
        f"PSNR vs naive {psnr(out_naive, out_ours):5.1f} dB"
    )
    print(f"\nspeed-up vs naive: {t_naive / t_ours:.2f}× (target ≥ 2.5×)")
    if t_vips is not None:
        print(f"time vs libvips: {t_ours / t_vips:.2f}× (target ≤ 1.0×)")
    before, after = peak_memory_of_concurrent_uploads(raw)
    print(f"peak RSS, 8 concurrent uploads in a fresh process: {after:.0f} MiB (after imports {before:.0f} MiB, +{after - before:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
