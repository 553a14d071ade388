"""The device's state: what the simulated camera is and keeps, without its sockets.

`DeviceState` holds the configuration, the profile and the quirks, the clock, the counters
and the waiters tests use (`wait_for`); the modules beside it add what the device does with
that state (facts.py, accounts.py, recorder.py, alarms.py, faults.py) and device.py puts them
together. Connections are seen only as `Link`s (link.py).

The clock: the camera's clock is "now" in ``config.timezone`` plus ``config.clock_offset``,
without a zone and truncated to the second. ``set_clock`` and ``shift_clock`` move it (NTP,
the app, daylight saving); with ``clock_epoch`` set, a "reboot" brings it back to that epoch
and it runs on from there, as on cameras without a clock battery (a Besder IPC read
2000-12-07..16 after each power cut: sol-vin/xiongmai-investigational-journey,
logs/besder-ipc). OPTimeSetting sets it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from datetime import datetime, timedelta
import ipaddress
import logging
import random
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.config import (
    FIRST_BARE_SESSION_ID,
    FIRST_SESSION_ID,
    AlarmRecord,
    Counters,
    FaultKind,
    MotionDetection,
    ReplyDelay,
    SimulatorConfig,
    SimulatorStats,
)
from simulator.history import ClipSpec, History, HistoryEntry, RecordEvent
from simulator.link import Link, LoginSession
from simulator.profiles import Profile, get_profile
from simulator.quirks import (
    DEFAULT_CLOCK_EPOCH,
    DEFAULT_MAX_CONNECTIONS,
    START_ONLY_QUIRKS,
    UNUSED_CHANNELS_TOTAL,
    Quirk,
    parse_quirks,
)
from simulator.storage import Storage
from simulator.wire import format_time

_LOGGER = logging.getLogger(__name__)


class DeviceState:
    """The camera's configuration, clock, counters and waiters; the base of `Device`."""

    # The feature models, made by `Device` (device.py).
    storage: Storage

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        overrides = dict(self.config.profile_overrides)
        if self.config.channels is not None:
            overrides["channels"] = self.config.channels
        self.profile: Profile = get_profile(self.config.profile, **overrides)
        self.quirks: set[Quirk] = set(self.profile.quirks | parse_quirks(self.config.quirks))
        self.history = History()
        self.clip_spec = ClipSpec(
            codec=self.profile.codec,
            width=self.profile.clip_width,
            height=self.profile.clip_height,
            fps=self.profile.clip_fps,
            frames=self.profile.clip_frames,
            service_blocks=self.profile.clip_service_blocks or self.has(Quirk.FILLER_BLOCKS),
        )
        # Channels with a camera behind them; a recorder may announce more (unused-channels).
        self.camera_channels = self.profile.channels
        self._channel_count = (
            max(UNUSED_CHANNELS_TOTAL, self.camera_channels)
            if self.has(Quirk.UNUSED_CHANNELS)
            else self.camera_channels
        )
        try:
            self._zone = ZoneInfo(self.config.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.config.timezone!r}") from None
        self._random = random.Random(self.config.seed)
        # The camera's clock minus the zone's local time; moved by set_clock and shift_clock.
        self._clock_offset = self.config.clock_offset
        self._boot = datetime.now(self._zone)
        # The network side (camera.py) and the waiters.
        self._port = self.config.port
        self._running = False
        self._connections: set[Link] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Event()
        self._counters = Counters()
        # Logins (accounts.py).
        self._passwords: dict[str, str] = {self.config.user: self.config.password}
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._sessions: dict[int, LoginSession] = {}
        self._next_session_id = self._first_session_id()
        # Faults and held-back answers (faults.py).
        self._fault: FaultKind | None = None
        self._fault_task: asyncio.Task[None] | None = None
        self._audible = asyncio.Event()
        self._audible.set()
        self._reply_delays: list[ReplyDelay] = []
        # Recordings and stills (recorder.py).
        # Files whose downloads are held before their first byte ("*": every file).
        self._stalled: set[str] = set()
        self._cut_next_download = False
        self._picture_turn = 0
        # Per channel and event: the clip being recorded now, which a new alarm extends. A
        # reboot or a clock set ends it: a later alarm starts a file of its own, even where
        # the camera times of an earlier one come round again.
        self._recording_now: dict[tuple[int, RecordEvent], HistoryEntry] = {}
        self._snapshots: dict[int, bytes] = {}
        # snap-stuck: stills are stuck (Ret 108) from the first one until a reboot.
        self._stills_stuck = False
        # Alarms (alarms.py).
        self._motion = [
            MotionDetection(self.config.motion_detection, self.config.alarm_upload)
            for _ in range(self._channel_count)
        ]
        self._active_alarms: set[tuple[int, str]] = set()
        self._alarm_centre: tuple[str, int] | None = (
            (self.config.alarm_centre_host, self.config.alarm_centre_port)
            if self.config.alarm_centre_host
            else None
        )
        self.alarms: list[AlarmRecord] = []
        # What the device says about itself (facts.py).
        self._device_name = (
            self.profile.device_name if self.config.device_name is None else self.config.device_name
        )
        titles = (
            self.profile.channel_titles
            if self.config.channel_titles is None
            else self.config.channel_titles
        )
        self._channel_titles: list[str] | None = None if titles is None else list(titles)
        self._discovery_port: int | None = None
        self._discovery_answers = True
        self._discovery_reply_host = str(ipaddress.IPv4Address(self.config.discovery_reply_host))
        self._discovery_tcp_port = self.config.discovery_tcp_port

    @property
    def running(self) -> bool:
        return self._running

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"dvrip-sim {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        """The bound DVRIP port (the real one when the config asked for port 0)."""
        return self._port

    @property
    def channels(self) -> int:
        """Channels the login announces (more than have a camera with unused-channels)."""
        return self._channel_count

    def has(self, quirk: Quirk) -> bool:
        return quirk in self.quirks

    @property
    def clock_epoch(self) -> datetime | None:
        """Where a reboot brings the clock back to; None keeps it running through one."""
        if self.config.clock_epoch is not None:
            return self.config.clock_epoch
        return DEFAULT_CLOCK_EPOCH if self.has(Quirk.CLOCK_EPOCH) else None

    @property
    def max_connections(self) -> int:
        """Connections open at once under the connection-limit quirk."""
        return self.config.max_connections or DEFAULT_MAX_CONNECTIONS

    def set_quirk(self, quirk: Quirk | str, enabled: bool = True) -> None:
        """Switch a quirk on or off while running (not those that shape the camera)."""
        quirk = Quirk(quirk)
        if quirk in START_ONLY_QUIRKS and (quirk in self.quirks) != enabled:
            raise ValueError(f"quirk {quirk} takes effect at start only")
        if enabled:
            self.quirks.add(quirk)
        else:
            self.quirks.discard(quirk)
        self._notify()

    def _first_session_id(self) -> int:
        return FIRST_BARE_SESSION_ID if self.has(Quirk.BARE_SESSION_ID) else FIRST_SESSION_ID

    @property
    def idle_timeout(self) -> float:
        if self.config.idle_timeout is not None:
            return self.config.idle_timeout
        return 3.0 * self.config.alive_interval

    @property
    def silenced(self) -> bool:
        return not self._audible.is_set()

    async def wait_audible(self) -> None:
        await self._audible.wait()

    def now(self) -> datetime:
        """The camera's own clock: naive local time in its zone, plus its offset."""
        return (self._local_now() + self._clock_offset).replace(microsecond=0)

    def _local_now(self) -> datetime:
        """The right local time in the camera's zone, naive, to the microsecond."""
        return datetime.now(self._zone).replace(tzinfo=None)

    @property
    def clock_offset(self) -> timedelta:
        """How far the camera's clock is from the right local time in its zone."""
        return self._clock_offset

    def set_clock(self, moment: datetime) -> None:
        """Set the camera's clock: it reads ``moment`` (naive, camera time) now and runs on."""
        if not isinstance(moment, datetime):
            raise TypeError("moment must be a datetime")
        self._clock_offset = moment.replace(tzinfo=None) - self._local_now()
        self._recording_now.clear()
        _LOGGER.info("Clock set to %s", format_time(moment))
        self._notify()

    def shift_clock(self, seconds: float) -> None:
        """Move the camera's clock by ``seconds`` (NTP forward, daylight saving by 3600)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError("seconds must be a number")
        self._clock_offset += timedelta(seconds=seconds)
        self._recording_now.clear()
        _LOGGER.info("Clock moved by %+.0f s", seconds)
        self._notify()

    def uptime_minutes(self) -> int:
        return int((datetime.now(self._zone) - self._boot).total_seconds() // 60)

    def count_bytes(self, count: int) -> None:
        self._counters.bytes_sent += count

    def count_request(self) -> None:
        self._counters.requests += 1
        self._notify()

    def count_keepalive(self) -> None:
        self._counters.keepalives += 1
        self._notify()

    def count_download(self, *, started: bool = False, completed: bool = False) -> None:
        if started:
            self._counters.downloads += 1
        elif completed:
            self._counters.downloads_completed += 1
        else:
            self._counters.downloads_stopped += 1
        self._notify()

    def count_recording_sent(self, seconds: float) -> None:
        self._counters.recording_seconds_sent += seconds

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a task that stop() will end (used by connections for transfers)."""
        return self._spawn(coro, name)

    def notify(self) -> None:
        self._notify()

    def _notify(self) -> None:
        # Wake every waiter; each re-checks its predicate and waits on the next event.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    @property
    def stats(self) -> SimulatorStats:
        sessions = list(self._sessions.values())
        return SimulatorStats(
            sessions=len(sessions),
            subscribers=sum(1 for session in sessions if session.subscribed),
            open_connections=self.open_connection_count,
            **asdict(self._counters),
        )

    @property
    def open_connection_count(self) -> int:
        """The connections the device counts (towards `TCPMaxConn`): those whose socket is
        still open. One reset (by the device, or by the network) is gone at once; one a
        client shut while the device was working on it counts until the device reads its end.
        """
        return sum(1 for connection in self._connections if not connection.closed)

    def reset_peak_connections(self) -> None:
        """Count the most connections open at once from now on."""
        self._counters.peak_connections = self.open_connection_count

    @property
    def fault(self) -> FaultKind | None:
        """The fault in effect now (garbage is instantaneous and never shows here)."""
        return self._fault

    @property
    def sessions(self) -> tuple[LoginSession, ...]:
        return tuple(self._sessions.values())

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 5.0) -> None:
        """Return once predicate() holds; TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    async def wait_for_subscribers(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: self.stats.subscribers >= count, timeout)

    async def wait_for_sessions(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: len(self._sessions) >= count, timeout)

    def connect_camera(self, channel: int) -> None:
        """A camera is plugged into a recorder channel that had none (unused-channels)."""
        if not self.camera_channels <= channel < self.channels:
            raise ValueError(f"channel {channel} has a camera already or does not exist")
        self.camera_channels = channel + 1
        self._notify()

    def _check_channel(self, channel: int) -> int:
        """A channel with a camera behind it (alarms and recordings happen only there)."""
        if isinstance(channel, bool) or not isinstance(channel, int):
            raise TypeError("channel must be an integer")
        if not 0 <= channel < self.camera_channels:
            raise ValueError(f"channel {channel} out of range 0..{self.camera_channels - 1}")
        return channel
