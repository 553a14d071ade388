"""Playing recordings: first fragment, remux CPU, and memory while serving two at once.

The recording is a minute of 1080p H.264 at 4 Mbit/s, 25 fps, one keyframe a second (the
10 s clip of `pictures_extraction.py`, re-encoded at a camera's bit rate, six times over),
in the camera's container.

- first fragment: a simulated recorder sends the recording at 1x real time (its pace set by
  the seconds of recording each chunk holds); from the call to `stream_recording` (the view's
  work: claim, download start, remux) to the first whole fragment (`moof` and its `mdat`,
  after the `ftyp`/`moov` header) handed to the response: what a player needs for its first
  frame. The camera runs in another process. Five runs, median and worst.
- remux CPU: the whole minute fed to `FragmentedMp4Remuxer` from memory, the thread's CPU
  time; best of five.
- memory: two recordings served at once from two simulated cameras (in another process,
  sending as fast as loopback allows, the worst case), through the same code the view runs,
  the MP4 thrown away as it comes; the growth of the process's resident set (RSS), sampled
  every 2 ms, over the RSS just before.

Targets: first fragment < 3 s; remux CPU < 1 s per minute of recording; growth < 50 MB.

    .venv/bin/python benchmarks/recordings_playback.py [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import UTC, datetime
import io
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time

from pictures_memory import PeakRss
from pictures_support import CACHE, CLIP_START, ROOT, cached_clip, machine, reencoded

from custom_components.dvrip.client import DvripClient
from custom_components.dvrip.pictures.remux import FragmentedMp4Remuxer, stream_recording
from simulator import CameraSimulator, SimulatorConfig

RESULTS = ROOT / "docs" / "benchmarks-recordings.md"
SECONDS = 60
REPEATS = SECONDS // 10
FIRST_FRAGMENT_TARGET = 3.0
CPU_TARGET = 1.0
MEMORY_TARGET_MB = 50
RUNS = 5


def minute_recording() -> Path:
    """A minute of 1080p H.264 at 4 Mbit/s in the camera's container, cached on disk."""
    target = CACHE / "h264_1080p_4mbps_60s.bin"
    if not target.exists():
        original, _ = cached_clip("h264_1080p_10s", width=1920, height=1080, fps=25, frames=250)
        clip = reencoded(original, bitrate=4_000_000).read_bytes()
        target.write_bytes(clip * REPEATS)
    return target


async def serve(path: Path, cameras: int, realtime: bool) -> None:
    """Child process: cameras whose one recording is `path`; prints their ports."""
    data = path.read_bytes()
    async with contextlib.AsyncExitStack() as stack:
        ports: list[int] = []
        for _ in range(cameras):
            config = SimulatorConfig(
                port=0, password="bench", playback_speed=1.0 if realtime else None
            )
            camera = await stack.enter_async_context(CameraSimulator(config))
            (recording,) = camera.add_history(CLIP_START, seconds=SECONDS, picture=False)
            # The simulator has no public way to serve a given file: its entries cache their
            # media here, so this is the file on the camera's card.
            recording._media = data
            ports.append(camera.port)
        print(" ".join(map(str, ports)), flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes stdin


class _Cameras:
    """Simulated cameras in a child process."""

    def __init__(self, path: Path, count: int, *, realtime: bool) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(path), str(count), str(int(realtime))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.ports = [int(port) for port in self._process.stdout.readline().split()]

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(30)


class _FirstFragmentError(Exception):
    """Stops a playback once its first MP4 bytes came."""


async def first_fragment(port: int) -> float:
    async with DvripClient("127.0.0.1", port, "admin", "bench", timeout=30) as client:
        (recording,) = await client.query_files(CLIP_START, CLIP_START.replace(hour=23))
        started = time.perf_counter()
        seen: list[float] = []
        output = bytearray()

        async def write(data: bytes) -> None:
            output.extend(data)
            if _has_whole_fragment(output):
                seen.append(time.perf_counter() - started)
                raise _FirstFragmentError

        with (
            tempfile.TemporaryDirectory() as workdir,
            contextlib.suppress(_FirstFragmentError),
        ):
            await stream_recording(client, recording, write, Path(workdir), timeout=300)
        return seen[0]


def _has_whole_fragment(mp4: bytes) -> bool:
    """Whether the MP4 so far holds a whole `moof` and the `mdat` after it (top-level boxes)."""
    offset, moof = 0, False
    while offset + 8 <= len(mp4):
        size = int.from_bytes(mp4[offset : offset + 4], "big")
        kind = mp4[offset + 4 : offset + 8]
        if size < 8 or offset + size > len(mp4):
            return False
        if kind == b"moof":
            moof = True
        elif kind == b"mdat" and moof:
            return True
        offset += size
    return False


async def serve_two(ports: list[int]) -> list[int]:
    async def one(port: int) -> int:
        async with DvripClient("127.0.0.1", port, "admin", "bench", timeout=30) as client:
            (recording,) = await client.query_files(CLIP_START, CLIP_START.replace(hour=23))
            served = 0

            async def write(data: bytes) -> None:
                nonlocal served
                served += len(data)

            with tempfile.TemporaryDirectory() as workdir:
                await stream_recording(client, recording, write, Path(workdir), timeout=600)
            return served

    return list(await asyncio.gather(*(one(port) for port in ports)))


def remux_cpu(data: bytes) -> tuple[float, int, int]:
    output = io.BytesIO()
    remuxer = FragmentedMp4Remuxer(output)
    for offset in range(0, len(data), 64 * 1024):
        remuxer.feed(data[offset : offset + 64 * 1024])
    stats = remuxer.finish()
    return stats.cpu_seconds, stats.frames, len(output.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        path, count, realtime = args.serve
        asyncio.run(serve(Path(path), int(count), bool(int(realtime))))
        return

    path = minute_recording()
    data = path.read_bytes()
    remux_cpu(data[: len(data) // REPEATS])  # warm-up: codecs and muxer loaded
    cpu_runs = [remux_cpu(data) for _ in range(RUNS)]
    cpu, frames, mp4_bytes = min(cpu_runs)

    cameras = _Cameras(path, 1, realtime=True)
    try:
        latencies = [asyncio.run(first_fragment(cameras.ports[0])) for _ in range(RUNS)]
    finally:
        cameras.close()

    cameras = _Cameras(path, 2, realtime=False)
    try:
        rss = PeakRss()
        asyncio.run(serve_two(cameras.ports[:1]))  # warm-up: one served alone first
        with rss.watch():
            served = asyncio.run(serve_two(cameras.ports))
    finally:
        cameras.close()

    growth = rss.growth_mb
    table = "\n".join(
        [
            "| measurement | result | target |",
            "|---|---:|---:|",
            f"| first fragment served, recorder at 1x real time (median / worst of {RUNS}) "
            f"| **{statistics.median(latencies):.2f} s** / {max(latencies):.2f} s "
            f"| < {FIRST_FRAGMENT_TARGET:.0f} s |",
            f"| remux CPU per minute of 1080p H.264 (best of {RUNS}) "
            f"| **{cpu:.3f} s** | < {CPU_TARGET:.0f} s |",
            f"| RSS growth serving two recordings at once "
            f"| **{growth:.1f} MB** | < {MEMORY_TARGET_MB} MB |",
        ]
    )
    met = (
        statistics.median(latencies) < FIRST_FRAGMENT_TARGET
        and cpu < CPU_TARGET
        and growth < MEMORY_TARGET_MB
    )
    summary = (
        f"Recording: {SECONDS} s, {frames} frames of 1920x1080 H.264 at 4 Mbit/s, "
        f"{len(data) / 1e6:.1f} MB in the camera's container, {mp4_bytes / 1e6:.1f} MB as "
        f"fragmented MP4. The two served at once moved "
        f"{', '.join(f'{size / 1e6:.1f}' for size in served)} MB of MP4. "
        f"Targets {'met' if met else 'NOT all met'}."
    )
    print(table)
    print()
    print(summary)
    if args.write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        RESULTS.write_text(
            "# Recording playback benchmarks\n\n"
            "Written by `benchmarks/recordings_playback.py`; how it measures is in its "
            "docstring.\n\n"
            f"{table}\n\n{summary}\n\nMeasured {stamp} with {machine()}.\n"
        )
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
