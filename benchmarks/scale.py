"""Scale: 20 simulated cameras in one Home Assistant; memory and idle CPU per camera.

The cameras run in a child process (a day of recorded motion history each, keepalives every
15 s as with real cameras' 20 s AliveInterval); Home Assistant and the integration run in
this process, each camera a config entry with the default options. Measured:

- memory per camera: the process's resident set with all cameras set up, less with the
  first one only (its imports are shared by all), divided by the others; and the same for
  Python's own allocations (tracemalloc) while they are set up;
- idle CPU per camera: this process's CPU time over `--idle` seconds with every camera
  connected and nothing happening, less Home Assistant's own (measured before any camera
  was added), divided by the cameras; and with the history checks that run every five
  minutes while connected, their cost measured once and spread over five minutes.

Targets: under 5 MB and under 0.1 % of a core per camera.

    .venv/bin/python benchmarks/scale.py [--cameras 20] [--idle 60] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
from pathlib import Path
import sys
import time
import tracemalloc
from typing import Any

from reliability_support import (
    PASSWORD,
    CameraProcess,
    add_camera,
    cpu_seconds,
    home_assistant,
    rss_mb,
    serve_commands,
    write_section,
)

from custom_components.dvrip import history_checks
from custom_components.dvrip.coordinator import CheckTrigger
from simulator import CameraSimulator, SimulatorConfig

TARGET_MB = 5.0
TARGET_CPU_PERCENT = 0.1


def _serial(number: int) -> str:
    return f"scale{number:04d}"


async def cameras_main(count: int) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cameras = [
            await stack.enter_async_context(
                CameraSimulator(
                    SimulatorConfig(
                        password=PASSWORD,
                        serial=_serial(number),
                        alive_interval=20,
                        history_days=1,
                        seed=number,
                    )
                )
            )
            for number in range(count)
        ]

        async def stats() -> Any:
            return {
                "keepalives": sum(camera.stats.keepalives for camera in cameras),
                "sessions": sum(camera.stats.sessions for camera in cameras),
                "queries": sum(camera.stats.queries for camera in cameras),
            }

        await serve_commands({"stats": stats}, [camera.port for camera in cameras])


async def measure(count: int, idle: float) -> dict[str, Any]:
    async with CameraProcess.start(Path(__file__), str(count)) as cameras, home_assistant() as hass:
        await asyncio.sleep(2)
        cpu, wall = cpu_seconds(), time.monotonic()
        await asyncio.sleep(idle / 2)
        ha_alone = (cpu_seconds() - cpu) / (time.monotonic() - wall)

        entries = [await add_camera(hass, cameras.ports[0], _serial(0))]
        await asyncio.sleep(1)
        gc.collect()
        rss_one = rss_mb()
        tracemalloc.start()
        for number in range(1, count):
            entries.append(await add_camera(hass, cameras.ports[number], _serial(number)))
        await hass.async_block_till_done()
        await asyncio.sleep(2)
        gc.collect()
        traced, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.collect()
        rss_all = rss_mb()
        connected = (await cameras.command("stats"))["sessions"]

        await asyncio.sleep(2)
        before = await cameras.command("stats")
        cpu, wall = cpu_seconds(), time.monotonic()
        await asyncio.sleep(idle)
        idle_cpu = (cpu_seconds() - cpu) / (time.monotonic() - wall)
        after = await cameras.command("stats")

        cpu = cpu_seconds()
        for entry in entries:
            await entry.runtime_data.coordinator.history.async_check(CheckTrigger.AUDIT)
        check_cpu = cpu_seconds() - cpu
        queries = (await cameras.command("stats"))["queries"] - after["queries"]
        return {
            "cameras": count,
            "connected": connected,
            "rss_one": rss_one,
            "rss_all": rss_all,
            "traced_mb": traced / 1024 / 1024,
            "ha_alone": ha_alone,
            "idle_cpu": idle_cpu,
            "idle": idle,
            "keepalives": after["keepalives"] - before["keepalives"],
            "check_cpu": check_cpu,
            "check_queries": queries,
        }


def report(result: dict[str, Any]) -> str:
    count = result["cameras"]
    per_camera_mb = (result["rss_all"] - result["rss_one"]) / (count - 1)
    traced_mb = result["traced_mb"] / (count - 1)
    idle_percent = max(0.0, result["idle_cpu"] - result["ha_alone"]) / count * 100
    # The shortest interval between audits: the one right after a reconnect or a missed push.
    interval = history_checks.HISTORY_AUDIT_INTERVAL
    checks_percent = result["check_cpu"] / interval / count * 100
    total_percent = idle_percent + checks_percent

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        "| measure | result | target |",
        "|---|---:|---|",
        f"| cameras connected to one Home Assistant | {result['connected']} of {count} | |",
        f"| memory per camera (RSS: {result['rss_one']:.0f} MB with one camera, "
        f"{result['rss_all']:.0f} MB with {count}) | {per_camera_mb:.2f} MB "
        f"| < {TARGET_MB:.0f} MB: {verdict(per_camera_mb < TARGET_MB)} |",
        f"| of which Python's own allocations (tracemalloc) | {traced_mb:.2f} MB | |",
        f"| idle CPU per camera ({result['keepalives']} keepalives in {result['idle']:.0f} s; "
        f"Home Assistant alone {result['ha_alone'] * 100:.2f} % subtracted) "
        f"| {idle_percent:.4f} % of a core | |",
        f"| history check of every camera ({result['check_queries']} file queries) "
        f"| {result['check_cpu'] * 1000:.0f} ms of CPU | |",
        f"| idle CPU per camera with a history check every {interval / 60:.0f} min "
        f"| {total_percent:.4f} % of a core "
        f"| < {TARGET_CPU_PERCENT} %: {verdict(total_percent < TARGET_CPU_PERCENT)} |",
    ]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--camera-process"]:
        asyncio.run(cameras_main(int(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=20, help="simulated cameras (20)")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle measured (60)")
    parser.add_argument("--write", action="store_true", help="write docs/reliability.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(measure(args.cameras, args.idle))
    table = report(result)
    print(table)
    if args.write:
        print(f"written to {write_section('scale', table)}")


if __name__ == "__main__":
    main()
