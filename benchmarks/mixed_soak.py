"""Mixed soak: cameras of every firmware kind, rebooted, cut off, their clocks moved, in HA.

Ten simulated cameras (by default), each of another profile with other firmware quirks (see
`MIXES`), run in a child process, so that the CPU measured here is Home Assistant's and the
integration's alone. Home Assistant runs in this process with an entry for each camera, set
up with the default options. For `--minutes`, each camera raises an alarm every few seconds
(`--alarm-every` on average, its channels in turn, a channel's alarms `CHANNEL_GAP` apart at
least), and every `--fault-every` seconds one of
them, in turn, reboots, loses its connections or has its clock moved:

- a reboot (3 to 8 s) ends every session; a camera without a clock battery comes back in
  2000, and NTP sets its clock right 15 s after it is back;
- a connection cut (1 to 5 s) resets every connection, and new ones, while it lasts;
- a clock jump moves the camera's clock by an hour (daylight saving, on and off) or by some
  seconds (an NTP correction).

Then no fault and no alarm for `--settle` seconds, for the last backfills. Counted:

- alarms raised: every alarm start the camera recorded (all of them are recorded, pushed
  or not);
- fired: the integration's alarm events (`signal_alarm`, which the event entities fire),
  pushed or backfilled; each matched to a raised alarm by camera, channel and the second the
  camera stamped it with;
- lost: raised and never fired by the end (goal 0); fired twice: more events than alarms
  raised for one camera, channel and stamp (goal 0); fired for no raised alarm (goal 0);
- the most connections any camera had open at once (goal 2);
- how long each camera took to be available again after each reboot and cut, from the
  fault's end;
- this process's CPU (Home Assistant and the integration), and the longest the event loop
  was held up.

    .venv/bin/python benchmarks/mixed_soak.py [--cameras 10] [--minutes 10] [--fault-every 3]
        [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import contextlib
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime, timedelta
import gc
import json
import logging
from pathlib import Path
import random
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

from alarm_tally import AlarmKey, Outage, Recovery, recoveries, tally
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from reliability_support import (
    PASSWORD,
    CameraProcess,
    add_camera,
    cpu_seconds,
    home_assistant,
    serve_commands,
    write_section,
)

from custom_components.dvrip.backfill import PICTURE_BURST
from custom_components.dvrip.models import AlarmEvent, signal_alarm, signal_state
from simulator import CameraSimulator, SimulatorConfig

GOAL_CONNECTIONS = 2
# Where a reboot brings the clock of a camera without a clock battery.
CLOCK_EPOCH = datetime(2000, 1, 1)
# After such a reboot, NTP sets the clock right this long after the camera is back.
NTP_DELAY = 15.0
REBOOT_SECONDS = (3.0, 8.0)
CUT_SECONDS = (1.0, 5.0)
# Clock jumps in turn: daylight saving on and off, NTP corrections back and forward.
CLOCK_JUMPS = (3600, -3600, -20, 40)
# Each camera's faults in turn (each starting at another one).
FAULT_KINDS = ("reboot", "disconnect", "clock")
# How cameras stamp alarms (StartTime), and how the tables show a camera's clock.
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# An alarm's Stop follows its Start after this long.
STOP_AFTER = 2.0
# Pictures of one channel this close are one alarm's to the history check (PICTURE_BURST).
BURST_SECONDS = int(PICTURE_BURST.total_seconds())
# A channel's next alarm starts this long after its last at the soonest: the history check
# takes pictures of one channel closer than a burst for one alarm's (a known limitation).
CHANNEL_GAP = BURST_SECONDS + 1.0
# How often the event loop's lateness is sampled.
LAG_SAMPLE = 0.25


@dataclass(frozen=True, slots=True)
class CameraMix:
    """One camera's firmware: its profile, quirks on top, its clock and the events it raises."""

    profile: str
    quirks: tuple[str, ...] = ()
    clock_battery: bool = True  # without one, a reboot brings the clock back to 2000
    events: tuple[str, ...] = ("VideoMotion",)

    def describe(self) -> str:
        parts = [f"`{self.profile}`", *(f"`{quirk}`" for quirk in self.quirks)]
        if not self.clock_battery:
            parts.append("no clock battery")
        return ", ".join(parts)


# Each camera takes the next mix; more cameras than mixes start over.
MIXES = (
    CameraMix("ipc"),
    CameraMix("nvr", events=("VideoMotion", "LocalAlarm")),
    CameraMix("h265", ("bare-session-id",), clock_battery=False),
    CameraMix("nopush"),
    CameraMix("legacy", ("search-ret-110", "odd-times"), clock_battery=False),
    CameraMix("nbd8008r"),
    CameraMix(
        "icsee", ("snap-packets",), clock_battery=False, events=("VideoMotion", "HumanDetect")
    ),
    CameraMix("ipc", ("guard-empty", "search-cap-511", "snap-frame")),
    CameraMix("nvr", ("guard-refused", "bare-session-id", "snap-large")),
    CameraMix("h265", ("login-207", "motiondetect", "guard-silent"), clock_battery=False),
)


# The mixes in use, by index into MIXES (--mixes picks some for a closer look).
_chosen: list[int] = list(range(len(MIXES)))


def mix_of(number: int) -> CameraMix:
    return MIXES[_chosen[number % len(_chosen)]]


def serial_of(number: int) -> str:
    return f"mixed{number:04d}"


def _number(serial: str) -> int:
    """A camera's number in the tables (from 1), from its serial."""
    return int(serial.removeprefix("mixed")) + 1


# -- the cameras' side (child process) -----------------------------------------------------


def _config(number: int) -> SimulatorConfig:
    mix = mix_of(number)
    return SimulatorConfig(
        password=PASSWORD,
        serial=serial_of(number),
        profile=mix.profile,
        quirks=mix.quirks,
        alive_interval=20,
        seed=number,
        clock_epoch=None if mix.clock_battery else CLOCK_EPOCH,
    )


def _right_time(camera: CameraSimulator) -> datetime:
    """What NTP sets the camera's clock to: the right local time in its zone."""
    return datetime.now(ZoneInfo(camera.config.timezone)).replace(tzinfo=None, microsecond=0)


class Scenario:
    """Alarms on every camera and faults on one after another, for a while (child process)."""

    def __init__(self, cameras: list[CameraSimulator], seed: int) -> None:
        self.cameras = cameras
        self.random = random.Random(seed)
        self.alarms: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        # Each time a camera had more connections open than the goal: what they were.
        self.crowds: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ntp_due: dict[int, float] = {}  # camera number: when NTP sets its clock

    async def run(self, seconds: float, alarm_every: float, fault_every: float) -> None:
        end = time.monotonic() + seconds
        loops = [
            asyncio.create_task(self._alarms(number, end, alarm_every))
            for number in range(len(self.cameras))
        ]
        loops.append(asyncio.create_task(self._faults(end, fault_every)))
        watchers = [asyncio.create_task(self._watch_connections(camera)) for camera in self.cameras]
        await asyncio.gather(*loops)
        for watcher in watchers:
            watcher.cancel()
        # The last Stops, and NTP still due: every camera ends with its clock right.
        await asyncio.gather(*self._tasks)
        for camera in self.cameras:
            await camera.wait_for(lambda camera=camera: camera.fault is None, timeout=None)

    async def _watch_connections(self, camera: CameraSimulator) -> None:
        """Note what was open each time a camera had more connections than the goal."""
        while True:
            await camera.wait_for(
                lambda: camera.stats.open_connections > GOAL_CONNECTIONS, timeout=None
            )
            stats = camera.stats
            self.crowds.append(
                {
                    "camera": camera.config.serial,
                    "at": time.monotonic(),
                    "open": stats.open_connections,
                    "logged_in": stats.sessions,
                    "subscribed": stats.subscribers,
                    "fault": camera.fault,
                }
            )
            await camera.wait_for(
                lambda: camera.stats.open_connections <= GOAL_CONNECTIONS, timeout=None
            )

    async def _alarms(self, number: int, end: float, every: float) -> None:
        camera = self.cameras[number]
        mix = mix_of(number)
        turn = 0
        # Cameras start at different moments, not all in one second.
        await asyncio.sleep(self.random.uniform(0, every))
        started: dict[int, float] = {}
        while time.monotonic() < end:
            channel = turn % camera.camera_channels
            event = mix.events[turn // camera.camera_channels % len(mix.events)]
            turn += 1
            if (wait := started.get(channel, -CHANNEL_GAP) + CHANNEL_GAP - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            started[channel] = time.monotonic()
            down = camera.fault is not None
            record = await camera.raise_alarm(channel=channel, event=event)
            self.alarms.append(
                {
                    "camera": camera.config.serial,
                    "channel": channel,
                    "stamp": record.start_time,
                    "event": record.event,
                    "pushed": record.pushed_to > 0,
                    "down": down,
                    "at": time.monotonic(),
                }
            )
            self._spawn(self._stop_later(camera, channel, record.event))
            await asyncio.sleep(self.random.uniform(0.5, 1.5) * every)

    async def _stop_later(self, camera: CameraSimulator, channel: int, event: str) -> None:
        await asyncio.sleep(STOP_AFTER)
        await camera.raise_alarm(channel=channel, event=event, status="Stop")

    async def _faults(self, end: float, every: float) -> None:
        count = len(self.cameras)
        order: list[int] = []
        turns = Counter[int]()
        while (delay := min(every, end - time.monotonic())) > 0:
            await asyncio.sleep(delay)
            if time.monotonic() >= end:
                return
            if not order:
                order = self.random.sample(range(count), count)
            # Not a camera in the middle of a fault or waiting for NTP: the next one.
            free = [number for number in order if self._free(number)]
            if not free:
                continue
            number = free[0]
            order.remove(number)
            kind = FAULT_KINDS[(number + turns[number]) % len(FAULT_KINDS)]
            turns[number] += 1
            await self._fault(number, kind, turns[number])

    def _free(self, number: int) -> bool:
        return self.cameras[number].fault is None and number not in self._ntp_due

    async def _fault(self, number: int, kind: str, turn: int) -> None:
        camera = self.cameras[number]
        start = time.monotonic()
        if kind == "clock":
            jump = CLOCK_JUMPS[turn // 3 % len(CLOCK_JUMPS)]
            camera.shift_clock(jump)
            self.faults.append(
                {"camera": camera.config.serial, "kind": "clock", "shift": jump, "start": start}
            )
            return
        low, high = REBOOT_SECONDS if kind == "reboot" else CUT_SECONDS
        seconds = self.random.uniform(low, high)
        await camera.inject_fault(kind, seconds)
        self.faults.append(
            {
                "camera": camera.config.serial,
                "kind": kind,
                "start": start,
                "end": start + seconds,
            }
        )
        if kind == "reboot" and not mix_of(number).clock_battery:
            self._ntp_due[number] = start + seconds + NTP_DELAY
            self._spawn(self._ntp(number, seconds + NTP_DELAY))

    async def _ntp(self, number: int, delay: float) -> None:
        camera = self.cameras[number]
        try:
            await asyncio.sleep(delay)
            camera.set_clock(_right_time(camera))
            self.faults.append(
                {
                    "camera": camera.config.serial,
                    "kind": "ntp",
                    "start": time.monotonic(),
                }
            )
        finally:
            self._ntp_due.pop(number, None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def cameras_main(count: int, seed: int) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cameras = [
            await stack.enter_async_context(CameraSimulator(_config(number)))
            for number in range(count)
        ]
        scenario = Scenario(cameras, seed)

        async def run(seconds: float, alarm_every: float, fault_every: float) -> Any:
            for camera in cameras:
                camera.reset_peak_connections()
            await scenario.run(seconds, alarm_every, fault_every)
            return {
                "alarms": scenario.alarms,
                "faults": scenario.faults,
                "crowds": scenario.crowds,
            }

        async def stats() -> Any:
            return {
                camera.config.serial: {
                    "peak_connections": camera.stats.peak_connections,
                    "open_connections": camera.stats.open_connections,
                    "logins": camera.stats.logins,
                    "login_failures": camera.stats.login_failures,
                    "pushes_sent": camera.stats.pushes_sent,
                    "queries": camera.stats.queries,
                    "downloads": camera.stats.downloads,
                    "clock": camera.now().strftime(STAMP_FORMAT),
                }
                for camera in cameras
            }

        await serve_commands({"run": run, "stats": stats}, [camera.port for camera in cameras])


# -- Home Assistant's side -----------------------------------------------------------------


class Watcher:
    """The integration as seen from Home Assistant: events fired and availability, per camera."""

    def __init__(self) -> None:
        self.fired: list[tuple[AlarmKey, str, float]] = []  # with the source and when
        self.availability: dict[str, list[tuple[float, bool]]] = {}

    def watch(self, hass: HomeAssistant, serial: str, entry: Any) -> None:
        coordinator = entry.runtime_data.coordinator
        changes = self.availability.setdefault(serial, [])

        @callback
        def connection() -> None:
            available = coordinator.available
            if not changes or changes[-1][1] != available:
                changes.append((time.monotonic(), available))

        async_dispatcher_connect(hass, signal_state(entry.entry_id), connection)
        for channel in coordinator.active_channels:

            @callback
            def fired(event: AlarmEvent) -> None:
                start = event.alarm.start_time
                stamp = start.strftime(STAMP_FORMAT) if start else "(none)"
                key = AlarmKey(serial, event.alarm.channel, stamp)
                self.fired.append((key, str(event.source), time.monotonic()))

            async_dispatcher_connect(hass, signal_alarm(entry.entry_id, channel), fired)


class ErrorLog(logging.Handler):
    """Every error Home Assistant or the integration logged during the run (a user sees those)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        first_line = record.getMessage().splitlines()[0][:160]
        if record.exc_info and record.exc_info[1] is not None:
            first_line += f" ({record.exc_info[1]!r:.120})"
        self.messages[f"{record.name}: {first_line}"] += 1


class LoopLag:
    """The longest the event loop was late to wake a sleeper, sampled all along."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._sample())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_SAMPLE)
            self.worst = max(self.worst, loop.time() - before - LAG_SAMPLE)


async def soak(
    count: int, minutes: float, fault_every: float, alarm_every: float, settle: float, seed: int
) -> dict[str, Any]:
    script = Path(__file__)
    async with (
        CameraProcess.start(script, str(count), str(seed), json.dumps(_chosen)) as cameras,
        home_assistant() as hass,
    ):
        watcher = Watcher()
        entries = {}
        for number in range(count):
            serial = serial_of(number)
            entries[serial] = await add_camera(hass, cameras.ports[number], serial)
            watcher.watch(hass, serial, entries[serial])
        await hass.async_block_till_done()
        errors = ErrorLog()
        logging.getLogger().addHandler(errors)
        lag = LoopLag()
        lag.start()
        cpu, wall = cpu_seconds(), time.monotonic()
        run = await cameras.command(
            "run", seconds=minutes * 60, alarm_every=alarm_every, fault_every=fault_every
        )
        run_cpu = (cpu_seconds() - cpu) / (time.monotonic() - wall)
        run_worst_lag = lag.worst
        await asyncio.sleep(settle)
        observed_until = time.monotonic()
        lag.stop()
        # Futures whose errors nobody retrieved are reported when collected: now, not later.
        gc.collect()
        logging.getLogger().removeHandler(errors)
        stats = await cameras.command("stats")
        coordinators = {serial: entry.runtime_data.coordinator for serial, entry in entries.items()}
        return {
            "cameras": count,
            "minutes": minutes,
            "fault_every": fault_every,
            "alarm_every": alarm_every,
            "settle": settle,
            "alarms": run["alarms"],
            "faults": run["faults"],
            "crowds": run["crowds"],
            "fired": watcher.fired,
            "availability": watcher.availability,
            "observed_until": observed_until,
            "stats": stats,
            "available_at_end": {
                serial: coordinator.available for serial, coordinator in coordinators.items()
            },
            "reconnects": {
                serial: coordinator.stats.reconnects for serial, coordinator in coordinators.items()
            },
            "alarm_source": {
                serial: str(coordinator.history.mode)
                for serial, coordinator in coordinators.items()
            },
            "errors": dict(errors.messages),
            "cpu": run_cpu,
            "worst_lag": max(run_worst_lag, lag.worst),
        }


def _seconds(summary: tuple[float, float, float] | None, outages: int = 1) -> str:
    if not outages:
        return "no outage"
    if summary is None:
        return "never"
    return " / ".join(f"{value:.1f}" for value in summary)


def report(result: dict[str, Any]) -> str:
    count = result["cameras"]
    raised = [
        AlarmKey(alarm["camera"], alarm["channel"], alarm["stamp"]) for alarm in result["alarms"]
    ]
    fired = [key for key, _source, _when in result["fired"]]
    counted = tally(raised, fired)
    outages = [
        Outage(fault["camera"], fault["kind"], fault["start"], fault["end"])
        for fault in result["faults"]
        if fault["kind"] in ("reboot", "disconnect")
    ]
    back = recoveries(outages, result["availability"], observed_until=result["observed_until"])
    kinds = Counter(fault["kind"] for fault in result["faults"])
    per_camera_kinds = Counter((fault["camera"], fault["kind"]) for fault in result["faults"])
    sources = Counter(source for _key, source, _when in result["fired"])
    peaks = {serial: stats["peak_connections"] for serial, stats in result["stats"].items()}
    worst_peak = max(peaks.values())
    all_back = [seconds for recovery in back.values() for seconds in recovery.seconds]
    overall = Recovery(seconds=all_back).summary()
    not_back = sum(recovery.not_back for recovery in back.values())
    unnoticed = sum(recovery.unnoticed for recovery in back.values())
    down_at_end = [serial for serial, up in result["available_at_end"].items() if not up]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    clock_jumps = kinds["clock"] + kinds["ntp"]
    lines = [
        "| measure | result | goal |",
        "|---|---:|---|",
        f"| cameras, each a config entry with the default options | {count} | |",
        f"| faults, one every {result['fault_every']:g} s (each camera every "
        f"{result['fault_every'] * count:g} s), for {result['minutes']:g} min | "
        f"{sum(kinds.values())} | |",
        f"| reboots / connection cuts | {kinds['reboot']} / {kinds['disconnect']} | |",
        f"| clock jumps (of them, NTP setting the clock right after a reboot) "
        f"| {clock_jumps} ({kinds['ntp']}) | |",
        f"| alarms raised (each camera one every {result['alarm_every']:g} s on average) "
        f"| {counted.raised} | |",
        f"| alarm events fired: pushed / backfilled | {counted.fired}: {sources['push']} / "
        f"{sources['history']} | |",
        f"| alarms lost (raised, not fired by {result['settle']:g} s after the faults ended) "
        f"| {len(counted.lost)} | 0: {verdict(not counted.lost)} |",
        f"| alarms fired twice | {len(counted.twice)} | 0: {verdict(not counted.twice)} |",
        f"| events for no alarm raised (a stamp no alarm had) | {len(counted.unraised)} "
        f"| 0: {verdict(not counted.unraised)} |",
        f"| most connections a camera had open at once | {worst_peak} "
        f"| {GOAL_CONNECTIONS}: {verdict(worst_peak <= GOAL_CONNECTIONS)} |",
        f"| back after a reboot or cut, from its end: min / median / max (s) | "
        f"{_seconds(overall)} | |",
        # Faults come in a random order: a camera's next one may follow seconds after one.
        f"| reboots and cuts followed by the next before the camera was back | {not_back} | |",
        f"| cameras unavailable at the end | {len(down_at_end)} | 0 |",
        f"| CPU of Home Assistant with the integration (this process), during the faults "
        f"| {result['cpu'] * 100:.1f} % of a core | |",
        f"| longest the event loop was held up | {result['worst_lag'] * 1000:.0f} ms | |",
        f"| errors in Home Assistant's log | {sum(result['errors'].values())} | 0 |",
    ]
    if unnoticed:
        lines.append(f"| reboots and cuts the integration never noticed | {unnoticed} | |")
    per_camera = [
        "| camera | firmware | reboots / cuts / clock jumps | raised | fired "
        "| lost | twice | most connections | back after a fault: min / median / max (s) "
        "| not back before the next | reconnects | alarms from |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    raised_by = Counter(key.camera for key in raised)
    outages_by = Counter(outage.camera for outage in outages)
    fired_by = Counter(key.camera for key in fired)
    lost_by = Counter(key.camera for key in counted.lost)
    twice_by = Counter(key.camera for key in counted.twice)
    for number in range(count):
        serial = serial_of(number)
        recovery = back.get(serial, Recovery())
        jumps = per_camera_kinds[(serial, "clock")] + per_camera_kinds[(serial, "ntp")]
        per_camera.append(
            f"| {number + 1} | {mix_of(number).describe()} "
            f"| {per_camera_kinds[(serial, 'reboot')]} / {per_camera_kinds[(serial, 'disconnect')]}"
            f" / {jumps} | {raised_by[serial]} | {fired_by[serial]} | {lost_by[serial]} "
            f"| {twice_by[serial]} | {peaks[serial]} "
            f"| {_seconds(recovery.summary(), outages_by[serial])} "
            f"| {recovery.not_back} | {result['reconnects'][serial]} "
            f"| {result['alarm_source'][serial].replace('_', ' ')} |"
        )
    text = "\n".join(lines) + "\n\nPer camera:\n\n" + "\n".join(per_camera)
    notes = _notes(result, counted.lost, counted.twice, counted.unraised)
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text


def _how_lost(alarm: dict[str, Any], clock_at_end: str, close: bool) -> str:
    """What befell a lost alarm, as far as the camera's side tells."""
    if close:
        # The history check takes its picture for the other alarm's (one of its burst).
        return (
            f"stamped up to {BURST_SECONDS} s after (or 1 s before) another alarm of its channel"
            " (the clock moved back between the two)"
        )
    if alarm["stamp"] > clock_at_end:
        # Its history entries are found only once the camera's clock passes them again.
        return "stamped later than the camera's clock read at the end (it ran ahead, then back)"
    if alarm["down"]:
        return "raised while the camera was down"
    if alarm["pushed"]:
        return "pushed"
    return "raised while up, pushed to no one"


def _notes(
    result: dict[str, Any], lost: list[AlarmKey], twice: list[AlarmKey], unraised: list[AlarmKey]
) -> list[str]:
    """Where the lost and repeated alarms came from, for whoever reads the figures."""
    by_key: dict[AlarmKey, dict[str, Any]] = {}
    for alarm in result["alarms"]:
        by_key.setdefault(AlarmKey(alarm["camera"], alarm["channel"], alarm["stamp"]), alarm)
    notes = []
    if lost:
        clocks = {serial: stats["clock"] for serial, stats in result["stats"].items()}
        stamps: dict[tuple[str, int], list[datetime]] = {}
        for alarm in result["alarms"]:
            stamps.setdefault((alarm["camera"], alarm["channel"]), []).append(
                datetime.strptime(alarm["stamp"], STAMP_FORMAT)
            )

        def close_to_another(key: AlarmKey) -> bool:
            # A channel's alarms start CHANNEL_GAP apart: stamps this close mean the clock
            # moved back between them.
            stamp = datetime.strptime(key.stamp, STAMP_FORMAT)
            return any(
                timedelta(seconds=-1) <= stamp - other <= timedelta(seconds=BURST_SECONDS)
                for other in stamps[(key.camera, key.channel)]
                if other != stamp
            )

        how = Counter(
            _how_lost(by_key[key], clocks[key.camera], close_to_another(key)) for key in lost
        )
        cameras = Counter(key.camera for key in lost)
        notes.append(
            "- Lost alarms: "
            + ", ".join(f"{count} {what}" for what, count in how.most_common())
            + "; on cameras "
            + ", ".join(f"{_number(serial)} ({count})" for serial, count in sorted(cameras.items()))
            + "."
        )
    if twice:
        sources = Counter(source for key, source, _when in result["fired"] if key in set(twice))
        cameras = Counter(key.camera for key in twice)
        notes.append(
            "- Alarms fired twice: on cameras "
            + ", ".join(f"{_number(serial)} ({count})" for serial, count in sorted(cameras.items()))
            + "; their events came from "
            + ", ".join(f"{source} ({count})" for source, count in sources.most_common())
            + "."
        )
    if result["crowds"]:
        crowds = Counter(
            (crowd["camera"], crowd["open"], crowd["logged_in"]) for crowd in result["crowds"]
        )
        notes.append(
            f"- More than {GOAL_CONNECTIONS} connections open at once: "
            + "; ".join(
                f"camera {_number(serial)}, {times} time(s) {opened} open of which "
                f"{logged_in} logged in"
                for (serial, opened, logged_in), times in sorted(crowds.items())
            )
            + "."
        )
    if result["errors"]:
        notes.append(
            "- Errors logged: "
            + "; ".join(
                f"`{message}` ({count})"
                for message, count in Counter(result["errors"]).most_common(5)
            )
            + "."
        )
    if unraised:
        notes.append(
            "- Events stamped as no alarm raised: "
            + ", ".join(
                f"camera {_number(key.camera)}, channel {key.channel + 1}, {key.stamp}"
                for key in unraised[:5]
            )
            + ("…" if len(unraised) > 5 else "")
        )
    return notes


def _plain(value: Any) -> Any:
    """What JSON makes of the records in a result (for --dump)."""
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)


def main() -> None:
    if sys.argv[1:2] == ["--camera-process"]:
        _chosen[:] = json.loads(sys.argv[4])
        asyncio.run(cameras_main(int(sys.argv[2]), int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10, help="simulated cameras (10)")
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of faults (10)")
    parser.add_argument(
        "--fault-every", type=float, default=3.0, help="seconds between faults, cameras in turn (3)"
    )
    parser.add_argument(
        "--alarm-every", type=float, default=6.0, help="seconds between a camera's alarms (6)"
    )
    parser.add_argument(
        "--settle", type=float, default=120.0, help="seconds after the faults, for backfills (120)"
    )
    parser.add_argument("--seed", type=int, default=1, help="of the random choices (1)")
    parser.add_argument(
        "--mixes",
        type=lambda text: [int(number) - 1 for number in text.split(",")],
        help="only these mixes, e.g. 2,4 (numbered from 1 as in the table; default all)",
    )
    parser.add_argument("--write", action="store_true", help="write docs/reliability.md")
    parser.add_argument("--dump", type=Path, help="write the raw result to this JSON file")
    parser.add_argument("--log", type=Path, help="write the integration's debug log to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.log:
        handler = logging.FileHandler(args.log, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        integration = logging.getLogger("custom_components.dvrip")
        integration.setLevel(logging.DEBUG)
        integration.addHandler(handler)
    # Home Assistant's camera component looks for libturbojpeg, which it does not need here.
    logging.getLogger("homeassistant.components.camera.img_util").setLevel(logging.CRITICAL)
    if args.mixes:
        _chosen[:] = args.mixes
    started = datetime.now()
    result = asyncio.run(
        soak(args.cameras, args.minutes, args.fault_every, args.alarm_every, args.settle, args.seed)
    )
    if args.dump:
        args.dump.write_text(json.dumps(result, default=_plain, indent=1), encoding="utf-8")
    table = report(result)
    print(table)
    took = (datetime.now() - started) / timedelta(minutes=1)
    print(f"\n(started {started:%H:%M}, took {took:.1f} min)")
    if args.write:
        print(f"written to {write_section('mixed-soak', table)}")


if __name__ == "__main__":
    main()
