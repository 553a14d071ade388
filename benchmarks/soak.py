"""Soak: 50 alarms a second for a minute, two exports running, the connection cut twice.

One simulated camera runs in a child process (so that what is measured here is Home
Assistant's and the integration's alone) and raises `--rate` VideoMotion alarms a second
for `--seconds`, resetting every connection (the "disconnect" fault) for `--cut-seconds`
at a third and at two thirds of the run. Home Assistant runs in this process with the
integration set up with its default options (alarm pictures automatic), while two loops
export the camera's last alarms (clips of quieter times, decoded to pictures) over and over.

Measured:

- every pushed alarm fires exactly one event: the events with source `push` against the
  pushes the camera delivered; and the alarms raised while the link was down come back from
  the history (`backfilled`), none of them a copy of a pushed one;
- memory: the process's resident set after the run, less before it (after a warm-up), both
  after a garbage collection; target under 10 MB;
- the event loop: asyncio's debug mode reports every callback that runs longer than 50 ms;
  target: none from the integration.

    .venv/bin/python benchmarks/soak.py [--rate 50] [--seconds 60] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from datetime import datetime, timedelta
import gc
import logging
from pathlib import Path
import sys
import tempfile
import tracemalloc
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from reliability_support import (
    PASSWORD,
    CameraProcess,
    SlowCallbacks,
    add_camera,
    home_assistant,
    rss_mb,
    serve_commands,
    write_section,
)

from custom_components.dvrip.const import DOMAIN
from custom_components.dvrip.models import AlarmEvent, AlarmSource, signal_alarm
from simulator import CameraSimulator, SimulatorConfig

TARGET_GROWTH_MB = 10.0
TARGET_CALLBACK_MS = 50.0
SERIAL = "soak0001"
EXPORT_BANDWIDTH = 2_000_000  # bytes a second: a camera on a good link
QUIET_ALARMS = 10  # recorded an hour before the run: what the exports export
WARM_UP_SECONDS = 15


# -- the camera's side (child process) -----------------------------------------------------


async def camera_main() -> None:
    config = SimulatorConfig(
        password=PASSWORD, serial=SERIAL, alive_interval=20, bandwidth=EXPORT_BANDWIDTH
    )
    async with CameraSimulator(config) as camera:
        start = camera.now() - timedelta(hours=1)
        for number in range(QUIET_ALARMS):
            camera.add_history(start + timedelta(minutes=5 * number))

        async def alarms(rate: float, seconds: float, cuts: list[float], cut: float) -> Any:
            loop = asyncio.get_running_loop()
            began = loop.time()
            pending_cuts = sorted(cuts)
            raised = pushed = 0
            missed: list[str] = []
            pushed_seconds: set[str] = set()
            for number in range(round(rate * seconds)):
                moment = began + number / rate
                if (delay := moment - loop.time()) > 0:
                    await asyncio.sleep(delay)
                if pending_cuts and moment - began >= pending_cuts[0]:
                    pending_cuts.pop(0)
                    await camera.inject_fault("disconnect", cut)
                record = await camera.raise_alarm(channel=0, event="VideoMotion")
                raised += 1
                if record.pushed_to:
                    pushed += 1
                    pushed_seconds.add(record.start_time)
                else:
                    missed.append(record.start_time)
            return {
                "raised": raised,
                "pushed": pushed,
                "missed": missed,
                "pushed_seconds": sorted(pushed_seconds),
                "elapsed": loop.time() - began,
                "camera_now": camera.now().isoformat(),
            }

        async def stats() -> Any:
            return {"pushes_sent": camera.stats.pushes_sent, "downloads": camera.stats.downloads}

        async def quiet_window() -> Any:
            return {
                "begin": (start - timedelta(minutes=1)).isoformat(sep=" "),
                "end": (start + timedelta(minutes=5 * QUIET_ALARMS)).isoformat(sep=" "),
            }

        await serve_commands(
            {"alarms": alarms, "stats": stats, "quiet_window": quiet_window}, [camera.port]
        )


# -- Home Assistant's side -----------------------------------------------------------------


async def soak(
    rate: float,
    seconds: float,
    cut: float,
    *,
    exports_running: int = 2,
    trace_memory: bool = False,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    slow = SlowCallbacks()
    logging.getLogger("asyncio").addHandler(slow)
    media = Path(tempfile.mkdtemp(prefix="dvrip-soak-"))
    async with (
        CameraProcess.start(Path(__file__)) as cameras,
        home_assistant() as hass,
    ):
        hass.config.media_dirs = {"local": str(media)}
        hass.config.allowlist_external_dirs = {str(media)}
        entry = await add_camera(hass, cameras.ports[0], SERIAL)
        coordinator = entry.runtime_data.coordinator
        events: Counter[str] = Counter()
        backfilled: list[str] = []

        @callback
        def count(event: AlarmEvent) -> None:
            events[str(event.source)] += 1
            if event.source is AlarmSource.HISTORY:
                backfilled.append(event.data["camera_time"])

        async_dispatcher_connect(hass, signal_alarm(entry.entry_id, 0), count)
        event_entity = er.async_get(hass).async_get_entity_id("event", DOMAIN, f"{SERIAL}_0_alarm")
        state_changes = 0

        @callback
        def changed(event: Event[Any]) -> None:
            nonlocal state_changes
            if event.data["entity_id"] == event_entity:
                state_changes += 1

        hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
        # Through the entry: identifiers are unique only within one since 2026.x.
        [device] = [
            device
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            if (DOMAIN, SERIAL) in device.identifiers
        ]
        window = await cameras.command("quiet_window")
        exports = Counter[str]()

        async def export_once() -> None:
            try:
                await hass.services.async_call(
                    DOMAIN,
                    "export_last_alarms",
                    {
                        "device_id": device.id,
                        "limit": 5,
                        "begin": window["begin"],
                        "end": window["end"],
                        "prefer": "h264",
                        "strict": True,
                    },
                    blocking=True,
                    return_response=True,
                )
                exports["completed"] += 1
            except HomeAssistantError:
                exports["failed"] += 1  # the camera was cut off meanwhile
                await asyncio.sleep(1)

        stop = asyncio.Event()

        async def export_loop() -> None:
            while not stop.is_set():
                await export_once()

        # Warm-up under the same load (alarms and the export loops: the decoders' worker
        # threads and their memory pools), then the baseline.
        loops = [asyncio.ensure_future(export_loop()) for _ in range(exports_running)]
        await cameras.command("alarms", rate=rate, seconds=WARM_UP_SECONDS, cuts=[], cut=0)
        events.clear()
        backfilled.clear()
        exports.clear()
        gc.collect()
        before = rss_mb()
        samples = [before]
        slow.durations.clear()
        if trace_memory:
            tracemalloc.start(10)
            traced_before = tracemalloc.take_snapshot()

        async def sample_memory() -> None:
            while True:
                await asyncio.sleep(seconds / 6)
                samples.append(rss_mb())

        sampler = asyncio.ensure_future(sample_memory())
        pushes_before = (await cameras.command("stats"))["pushes_sent"]
        started = loop.time()
        run = await cameras.command(
            "alarms", rate=rate, seconds=seconds, cuts=[seconds / 3, 2 * seconds / 3], cut=cut
        )
        stop.set()
        await asyncio.gather(*loops)
        sampler.cancel()
        # Each cut's backfill: a check at the reconnect, and a follow-up check 30 s after the
        # last one, for the seconds just before it.
        async with asyncio.timeout(90):
            while coordinator.history.stats.last_trigger != "audit" or coordinator.history.busy:  # noqa: ASYNC110 - nothing to wait on
                await asyncio.sleep(0.2)
        await hass.async_block_till_done()
        elapsed = loop.time() - started
        pushes = (await cameras.command("stats"))["pushes_sent"] - pushes_before
        # Not the benchmark's own task (its garbage collections and bookkeeping).
        others = [entry for entry in slow.durations if Path(__file__).name not in entry[1]]
        slow_all = sorted(others, reverse=True)[:5]
        slow_integration = sorted(slow.of_integration(), reverse=True)[:5]
        slow_count = len(others)
        gc.collect()
        after = rss_mb()
        if trace_memory:
            growth = tracemalloc.take_snapshot().compare_to(traced_before, "traceback")
            tracemalloc.stop()
            print(f"Python allocations grew by {sum(s.size_diff for s in growth) / 2**20:.1f} MB:")
            for stat in growth[:8]:
                print(f"{stat.size_diff / 1024:8.0f} KiB  {stat.count_diff:6d} blocks")
                for line in stat.traceback.format()[-6:]:
                    print("          " + line)
        duplicates = sum(1 for moment in backfilled if moment in set(run["pushed_seconds"]))
        missed_seconds = sorted(set(run["missed"]))
        pushed_times = [datetime.fromisoformat(t.replace(" ", "T")) for t in run["pushed_seconds"]]
        # Seconds of missed alarms that the history can tell from every pushed alarm.
        distinct = [
            moment
            for moment in missed_seconds
            if all(
                abs(datetime.fromisoformat(moment.replace(" ", "T")) - pushed)
                > timedelta(seconds=1)
                for pushed in pushed_times
            )
        ]
        return {
            "rate": rate,
            "seconds": seconds,
            "cut": cut,
            "raised": run["raised"],
            "pushes": pushes,
            "push_events": events["push"],
            "backfilled": events["history"],
            "missed": len(run["missed"]),
            "missed_seconds": len(missed_seconds),
            "distinct_seconds": len(distinct),
            "duplicates": duplicates,
            "state_changes": state_changes,
            "exports": dict(exports),
            "export_loops": exports_running,
            "reconnects": coordinator.stats.reconnects,
            "rss_before": before,
            "rss_samples": samples,
            "rss_after": after,
            "elapsed": elapsed,
            "slow_all": slow_all,
            "slow_integration": slow_integration,
            "slow_count": slow_count,
        }


def report(result: dict[str, Any]) -> str:
    growth = result["rss_after"] - result["rss_before"]
    ours = result["slow_integration"]
    worst_ours = ours[0][0] * 1000 if ours else 0.0
    worst_all = result["slow_all"][0][0] * 1000 if result["slow_all"] else 0.0
    once = result["push_events"] == result["pushes"] and result["duplicates"] == 0

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        "| measure | result | target |",
        "|---|---:|---|",
        f"| alarms raised ({result['rate']:.0f}/s for {result['seconds']:.0f} s) "
        f"| {result['raised']} | |",
        f"| pushes the camera delivered | {result['pushes']} | |",
        f"| events fired for them (source `push`) | {result['push_events']} "
        f"| each exactly once: {verdict(once)} |",
        f"| alarms raised while the link was cut ({result['cut']:.0f} s, twice), "
        f"in distinct seconds | {result['missed']}, in {result['missed_seconds']} s | |",
        f"| of those seconds, more than 1 s from every pushed alarm (the history can tell "
        f"them apart) | {result['distinct_seconds']} | |",
        f"| backfilled events (source `history`; traces 1 s apart or less are one alarm) "
        f"| {result['backfilled']} | |",
        f"| backfilled events that repeat a pushed alarm | {result['duplicates']} | 0 |",
        f"| reconnects | {result['reconnects']} | 2 |",
        f"| exports ({result['export_loops']} running at all times) completed / failed "
        f"during cuts | {result['exports'].get('completed', 0)}"
        f" / {result['exports'].get('failed', 0)} | |",
        f"| memory growth (RSS, {result['rss_before']:.0f} MB after a {WARM_UP_SECONDS} s "
        f"warm-up under the same load; every {result['seconds'] / 6:.0f} s: "
        f"{', '.join(f'{sample:.0f}' for sample in result['rss_samples'])} MB) | {growth:.1f} MB "
        f"| < {TARGET_GROWTH_MB:.0f} MB: {verdict(growth < TARGET_GROWTH_MB)} |",
        f"| slowest event-loop callback of the integration | {worst_ours:.0f} ms "
        f"| < {TARGET_CALLBACK_MS:.0f} ms: {verdict(worst_ours < TARGET_CALLBACK_MS)} |",
        f"| slowest callback of any other kind (Home Assistant's), callbacks over 50 ms "
        f"| {worst_all:.0f} ms, {result['slow_count']} | |",
    ]
    table = "\n".join(lines)
    notes = []
    for duration, message in result["slow_all"][:3]:
        notes.append(f"- {duration * 1000:.0f} ms: `{message[:160]}`")
    if notes:
        table += "\n\nSlowest callbacks reported by asyncio:\n\n" + "\n".join(notes)
    return table


def main() -> None:
    if sys.argv[1:2] == ["--camera-process"]:
        asyncio.run(camera_main())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="alarms a second (50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (60)")
    parser.add_argument("--cut-seconds", type=float, default=3.0, help="length of each cut (3)")
    parser.add_argument("--write", action="store_true", help="write docs/reliability.md")
    parser.add_argument("--exports", type=int, default=2, help="export loops running (2)")
    parser.add_argument(
        "--trace-memory", action="store_true", help="show where Python's allocations grew"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    async def run() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = TARGET_CALLBACK_MS / 1000
        logging.getLogger("asyncio").setLevel(logging.WARNING)
        return await soak(
            args.rate,
            args.seconds,
            args.cut_seconds,
            exports_running=args.exports,
            trace_memory=args.trace_memory,
        )

    result = asyncio.run(run())
    table = report(result)
    print(table)
    print(f"\n(run took {result['elapsed']:.0f} s; started {datetime.now():%H:%M})")
    if args.write:
        print(f"written to {write_section('soak', table)}")


if __name__ == "__main__":
    main()
