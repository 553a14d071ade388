"""Push-to-state latency: from an alarm push leaving the camera to the binary sensor's new state.

Runs Home Assistant's core in this process (the test harness's `async_test_home_assistant`),
sets up the integration against the camera simulator on 127.0.0.1, and has the simulator push
alarms, Start and Stop in turn, so that every push changes the motion sensor's state.

The clock starts when the simulator writes the push to its socket and stops when Home
Assistant's state machine announces the new state. For scale, the same figure is measured for
Home Assistant's own state write alone: the motion entity writing its state, with no network
and no integration code in between.

    .venv/bin/python benchmarks/push_latency.py [--alarms 1000]
        [--write docs/benchmarks-push-latency.md]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
import gc
import logging
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The repository first on the path: `custom_components` is ours, not the test harness's.
from ha_support import async_set_up_camera  # noqa: E402
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers.entity_platform import async_get_platforms  # noqa: E402
from pytest_homeassistant_custom_component.common import async_test_home_assistant  # noqa: E402

from custom_components.dvrip.const import DOMAIN, AlarmKind  # noqa: E402
from simulator import CameraSimulator, SimulatorConfig  # noqa: E402
from simulator.session import Connection  # noqa: E402

TARGET_P99_MS = 10.0


@dataclass(frozen=True)
class Summary:
    name: str
    samples: list[float]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


class StateWaiter:
    """Records when the state machine announces a new state of one entity."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        self._entity_id = entity_id
        self._future: asyncio.Future[float] | None = None
        self.remove = hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    def arm(self) -> asyncio.Future[float]:
        self._future = asyncio.get_running_loop().create_future()
        return self._future

    @callback
    def _changed(self, event: Event[Any]) -> None:
        if event.data["entity_id"] != self._entity_id:
            return
        if self._future is not None and not self._future.done():
            self._future.set_result(time.perf_counter())


async def _measure(
    count: int, waiter: StateWaiter, action: Callable[[int], Coroutine[Any, Any, float]]
) -> list[float]:
    """Run `action(i)` (which returns its start time) and wait for the state it causes."""
    samples = []
    for index in range(count):
        changed = waiter.arm()
        started = await action(index)
        async with asyncio.timeout(5):
            finished = await changed
        samples.append((finished - started) * 1000)
    return samples


async def run(alarms: int) -> tuple[Summary, Summary]:
    written: list[float] = []
    original_push = Connection.push_alarm

    async def timed_push(self: Connection, body: dict[str, Any], session_id: int) -> bool:
        written.append(time.perf_counter())
        return await original_push(self, body, session_id)

    Connection.push_alarm = timed_push  # type: ignore[method-assign]
    try:
        async with (
            async_test_home_assistant() as hass,
            CameraSimulator(SimulatorConfig(password="pw", alive_interval=20)) as camera,
        ):
            entry = await async_set_up_camera(hass, camera, "pw")
            entity_id = er.async_get(hass).async_get_entity_id(
                "binary_sensor", DOMAIN, f"{entry.unique_id}_0_motion"
            )
            assert entity_id is not None
            waiter = StateWaiter(hass, entity_id)

            async def push(index: int) -> float:
                status = "Start" if index % 2 == 0 else "Stop"
                await camera.raise_alarm(channel=0, event="VideoMotion", status=status)
                return written[-1]

            gc.collect()
            push_samples = await _measure(alarms, waiter, push)

            # HA alone: the same entity writes a new state, with no network in between.
            coordinator = entry.runtime_data.coordinator
            entity = next(
                platform.entities[entity_id]
                for platform in async_get_platforms(hass, DOMAIN)
                if entity_id in platform.entities
            )
            state = coordinator.alarms.states[(0, AlarmKind.MOTION)]

            async def write(index: int) -> float:
                state.is_on = index % 2 == 0
                started = time.perf_counter()
                entity.async_write_ha_state()
                return started

            write_samples = await _measure(alarms, waiter, write)
            waiter.remove()
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            await hass.async_stop(force=True)
    finally:
        Connection.push_alarm = original_push  # type: ignore[method-assign]
    return Summary("push to state", push_samples), Summary("state write alone", write_samples)


def report(push: Summary, write: Summary, alarms: int) -> str:
    ratio_50 = push.p50 / write.p50
    ratio_99 = push.p99 / write.p99
    verdict = "met" if push.p99 < TARGET_P99_MS else "NOT met"
    lines = [
        "| measurement | p50 (ms) | p99 (ms) |",
        "|---|---:|---:|",
        f"| {push.name} ({alarms} alarms) | {push.p50:.3f} | {push.p99:.3f} |",
        f"| {write.name} | {write.p50:.3f} | {write.p99:.3f} |",
        f"| ratio | {ratio_50:.1f}x | {ratio_99:.1f}x |",
        "",
        f"Target p99 < {TARGET_P99_MS:.0f} ms on loopback: {verdict}.",
    ]
    return "\n".join(lines)


def write_markdown(path: Path, table: str) -> None:
    machine = (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
    )
    text = (
        "# Benchmarks\n\n"
        "## Push-to-state latency\n\n"
        "From an alarm push leaving the simulated camera's socket to Home Assistant announcing\n"
        "the motion sensor's new state, on loopback, with Home Assistant's core in the same\n"
        "process (`benchmarks/push_latency.py`). The second row is Home Assistant's own state\n"
        "write for the same entity, with no network and no integration code: the floor.\n\n"
        f"{table}\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d} with {machine}.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=1000, help="pushes to time (default 1000)")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    push, write = asyncio.run(run(args.alarms))
    table = report(push, write, args.alarms)
    print(table)
    if args.write:
        write_markdown(args.write, table)


if __name__ == "__main__":
    main()
