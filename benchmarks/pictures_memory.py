"""Peak memory while extracting the sharpest frame of a 100 MB clip, and while exporting it.

A 1080p H.264 clip of about 100 MB (the simulator's generator, 25 fps) is made once in a
separate process and cached on disk. Then, in a fresh process that never held the clip:

- extraction: `extract_sharpest_frame(path)` on the file;
- export: `resolve_alarm_picture` of an alarm whose jpg entry is a placeholder, so the clip
  is downloaded from a simulated camera (in another process, so that its copy of the clip is
  not counted) at full loopback speed, to a temporary file, while it is decoded.

Memory is the process's resident set (RSS), sampled every 2 ms by a thread; growth is the
peak minus the RSS just before (after the imports and a small warm-up decode). A second run
of the extraction under `tracemalloc` gives the peak of Python's own allocations.

Target: growth under 50 MB.

    .venv/bin/python benchmarks/pictures_memory.py [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator
import contextlib
from datetime import timedelta
from pathlib import Path
import subprocess
import sys
import threading
import time
import tracemalloc
from typing import Any

from pictures_support import CLIP_START, cached_clip, show_results
import psutil

from custom_components.dvrip.client import DvripClient
from custom_components.dvrip.pictures import (
    AlarmMarker,
    PreferredSource,
    extract_sharpest_frame,
    resolve_alarm_picture,
)
from simulator import CameraSimulator, SimulatorConfig
from simulator.media import PictureKind, motion_clip

TARGET_MB = 50
FRAMES = 560  # about 100 MB at the generator's 1080p quality


def big_clip() -> tuple[Path, int]:
    return cached_clip("h264_1080p_100mb", width=1920, height=1080, fps=25, frames=FRAMES)


class PeakRss:
    """The highest RSS seen while the block runs, sampled by a thread."""

    def __init__(self, interval: float = 0.002) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self.baseline = 0
        self.peak = 0

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        self.baseline = self.peak = self._process.memory_info().rss
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                self.peak = max(self.peak, self._process.memory_info().rss)
                stop.wait(self._interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()
            self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 1e6


def warm_up() -> None:
    """Load the codecs and NumPy's and Pillow's code paths on a small clip."""
    small = motion_clip(width=320, height=240, frames=10, start=CLIP_START, seed=2)
    extract_sharpest_frame([small.data])


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


async def serve(path: Path) -> None:
    """Child process: a camera whose one alarm has the big clip; prints its port."""
    config = SimulatorConfig(
        port=0,
        password="bench",
        profile_overrides={
            "picture_kinds": (PictureKind.PLACEHOLDER,),
        },
    )
    async with CameraSimulator(config) as camera:
        clip, _ = camera.add_history(CLIP_START, seconds=FRAMES // 25)
        # The simulator has no public way to serve a given file: its entries cache their
        # media here, so this is the file on the camera's card.
        clip._media = path.read_bytes()
        print(camera.port, flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes stdin


async def export(port: int) -> Any:
    async with DvripClient("127.0.0.1", port, "admin", "bench", timeout=30) as client:
        marker = AlarmMarker(CLIP_START + timedelta(seconds=1), 0, "VideoMotion")
        return await resolve_alarm_picture(
            client, marker, prefer=PreferredSource.CLIP, download_timeout=600
        )


def measure() -> None:
    """In a fresh process: print the figures as `key value` lines."""
    path, sharpest = big_clip()
    warm_up()
    rss = PeakRss()
    with rss.watch():
        seconds, frame = timed(lambda: extract_sharpest_frame(path))
    print("clip_mb", path.stat().st_size / 1e6)
    print("sharpest", sharpest)
    print("extract_index", frame.index)
    print("extract_seconds", seconds)
    print("extract_growth_mb", rss.growth_mb)
    tracemalloc.start()
    extract_sharpest_frame(path)
    print("extract_python_peak_mb", tracemalloc.get_traced_memory()[1] / 1e6)
    tracemalloc.stop()

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with rss.watch():
            seconds, picture = timed(lambda: asyncio.run(export(port)))
        print("export_method", picture.method)
        print("export_index", picture.frame_index)
        print("export_bytes", picture.bytes_downloaded)
        print("export_seconds", seconds)
        print("export_growth_mb", rss.growth_mb)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks-pictures.md")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        big_clip()
        return
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    if args.measure:
        measure()
        return

    # Encoding keeps the clip in memory: do it in a process of its own.
    subprocess.run([sys.executable, __file__, "--generate"], check=True)
    output = subprocess.run(
        [sys.executable, __file__, "--measure"], check=True, capture_output=True, text=True
    ).stdout
    figures = dict(line.split(" ", 1) for line in output.splitlines())
    worst = max(float(figures["extract_growth_mb"]), float(figures["export_growth_mb"]))
    table = "\n".join(
        [
            "| measurement | time (s) | RSS growth (MB) | chosen frame |",
            "|---|---:|---:|---:|",
            f"| extraction from the file | {float(figures['extract_seconds']):.2f} "
            f"| **{float(figures['extract_growth_mb']):.1f}** | {figures['extract_index']} |",
            f"| export: download + extraction ({figures['export_method']}) "
            f"| {float(figures['export_seconds']):.2f} "
            f"| **{float(figures['export_growth_mb']):.1f}** | {figures['export_index']} |",
        ]
    )
    summary = (
        f"Clip: {float(figures['clip_mb']):.1f} MB, {FRAMES} frames of 1920x1080 H.264 "
        f"(the simulator's sharpest: {figures['sharpest']}); the export moved "
        f"{int(figures['export_bytes']) / 1e6:.1f} MB. Peak of Python's own allocations "
        f"during the extraction (tracemalloc): "
        f"{float(figures['extract_python_peak_mb']):.1f} MB.\n\n"
        f"Target growth < {TARGET_MB} MB: {'met' if worst < TARGET_MB else 'NOT met'} "
        f"(worst {worst:.1f} MB)."
    )
    show_results("memory", "Peak memory with a 100 MB clip", table, summary, write=args.write)


if __name__ == "__main__":
    main()
