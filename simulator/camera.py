"""The simulated camera: a real DVRIP TCP server on 127.0.0.1 with a Python API for tests.

    async with CameraSimulator(SimulatorConfig(password="pw", alive_interval=2)) as sim:
        ...connect to sim.host, sim.port...
        record = await sim.raise_alarm(channel=0)      # pushes 1504, adds a clip and a picture
        await sim.inject_fault("silence", 3)           # half-open link for 3 s
        await sim.wait_for(lambda: sim.stats.downloads == 1, timeout=5)

Behaviour worth knowing (the protocol details are in session.py and download.py):

- Time: the camera's clock is "now" in ``config.timezone`` plus ``config.clock_offset``, without
  a zone and truncated to the second. Alarms pushed carry the clock's reading at the time; history
  entries keep the time they were stamped with when the clock moves later, as recorders do.
  ``set_clock`` and ``shift_clock`` move the clock (NTP, the app, daylight saving); with
  ``clock_epoch`` set, a "reboot" brings it back to that epoch and it runs on from there, as on
  cameras without a clock battery (a Besder IPC read 2000-12-07..16 after each power cut:
  sol-vin/xiongmai-investigational-journey, logs/besder-ipc). OPTimeSetting sets it.
- Alarms: ``raise_alarm`` pushes 1504 to every login session that sent AlarmSet (unless the
  profile never pushes or a fault is active). A Start of a video-analytics event adds a motion
  clip ("[M]", BeginTime = the alarm's StartTime) and a picture ("Type jpg", kind chosen by the
  profile) to history; a Start of an alarm-input event adds "[A]" entries. Alarms raised during
  a fault still go into history. With motion detection off a motion event is not seen at all
  (no push, no history); with only its upload (MessageEnable) off it is recorded, not pushed.
- Faults that last N seconds: "disconnect" resets every connection (RST) and resets new ones
  at once, before a byte is read; "silence" keeps every
  connection open but answers, pushes and sends nothing, and requests read in that time are
  dropped, as on a half-open link; "reboot" is "disconnect" plus a restart: session ids start
  again from the first value, uptime restarts and alarm states clear.
- Faults that happen once, at once (``seconds`` is ignored): "garbage" writes random bytes to
  every connection between packets and carries on; "huge_length" writes a header announcing a
  4 GiB payload (then a little junk) to every connection and carries on; "invalid_json" makes
  the next JSON packet of every connection unparseable (``corrupt_json`` picks a message id);
  "wrong_session" sends the next push of every connection with another session's id;
  "logout" sends a forced logout (1004) to every login session and closes its socket;
  "cut_download" resets the data socket of the next download halfway through the file.
- Slow replies: ``reply_delay`` (config) delays every answer; ``delay_replies`` delays the
  answers to one message id, or the next few. A connection answers in order, so a reply
  held back holds back the ones after it, as on real devices.
- Alarm centre: with ``alarm_centre_host`` set, each alarm is also sent as a 1508 message to
  that host and ``alarm_centre_port``, on a connection the camera opens for it (the way
  firmware reports to an "alarm centre" server). ``set_alarm_centre`` changes the target.
- Login: wrong password gives Ret 106 and the socket is closed; ``max_login_failures`` failures
  within ``lockout_window`` seconds lock the account: Ret 205 (then close) for
  ``lockout_seconds``, even with the right password.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
import contextlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import ipaddress
import logging
import random
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from simulator.control import ControlServer
from simulator.detection import DetectionSections
from simulator.discovery import host_ip_text, start_responder
from simulator.history import (
    ClipSpec,
    FileQuery,
    History,
    HistoryEntry,
    RecordEvent,
    RecordType,
)
from simulator.lighting import Lighting
from simulator.media import PictureKind, jpeg_picture, padded_jpeg, without_jfif
from simulator.monitor import LiveStreams
from simulator.profiles import KNOWN_ALARM_FUNCTIONS, Profile, get_profile
from simulator.ptz import PtzHeads
from simulator.quirks import (
    DEFAULT_CLOCK_EPOCH,
    DEFAULT_MAX_CONNECTIONS,
    START_ONLY_QUIRKS,
    UNUSED_CHANNELS_TOTAL,
    VENDOR_EVENT_NAMES,
    Quirk,
    parse_quirks,
)
from simulator.session import Connection, LoginSession
from simulator.storage import Storage
from simulator.talk import Speaker
from simulator.wire import (
    Header,
    MessageId,
    Ret,
    encode_json,
    encode_packet,
    format_time,
    session_text,
    sofia_hash,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_SERIAL = "7c9a2f31d0e84b56"
DEFAULT_MAC = "00:12:41:5c:3e:9a"
# Session ids handed out by a freshly booted camera; odd-looking on purpose so that clients
# parse them as hex rather than assume small numbers.
FIRST_SESSION_ID = 0x0000001C
# With session ids written without "0x", ids that read differently as decimal and as hex.
FIRST_BARE_SESSION_ID = 0x00000010
HOUR_SECONDS = 3600
# What a still is padded to with the snap-large quirk: over 1 MiB.
LARGE_STILL_BYTES = 1024 * 1024 + 300 * 1024
_EVERY_FILE = "*"
# A push that cannot be written within this time (the client stopped reading) is skipped.
PUSH_TIMEOUT = 2.0
# Event names whose Start records a motion clip and picture ("[M]"); alarm inputs record "[A]".
MOTION_EVENTS = frozenset(
    {
        "VideoMotion",
        "MotionDetect",
        "HumanDetect",
        "appEventHumanDetectAlarm",
        "FaceDetect",
        "FaceDetection",
        "FaceDetectV2",
        "CarShapeDetect",
        "CrossLineDetection",
        "PEAAlarm",
        "FallDown",
        "HumanFallDown",
    }
)
ALARM_INPUT_EVENTS = frozenset(
    {"LocalAlarm", "AlarmLocal", "LocalIO", "NetAlarm", "IPCAlarm", "ManualAlarm"}
)


class FaultKind(StrEnum):
    """Failures the simulated camera can be told to show."""

    DISCONNECT = "disconnect"
    SILENCE = "silence"
    GARBAGE = "garbage"
    REBOOT = "reboot"
    HUGE_LENGTH = "huge_length"
    INVALID_JSON = "invalid_json"
    WRONG_SESSION = "wrong_session"
    LOGOUT = "logout"
    CUT_DOWNLOAD = "cut_download"


# Faults that happen once when injected, rather than lasting a while.
INSTANT_FAULTS = frozenset(
    {
        FaultKind.GARBAGE,
        FaultKind.HUGE_LENGTH,
        FaultKind.INVALID_JSON,
        FaultKind.WRONG_SESSION,
        FaultKind.LOGOUT,
        FaultKind.CUT_DOWNLOAD,
    }
)
# What "huge_length" announces: a payload of 4 GiB - 1 bytes.
HUGE_LENGTH = 0xFFFFFFFF
DEFAULT_ALARM_CENTRE_PORT = 15002
# Seconds the camera tries to reach the alarm centre before it gives the message up.
ALARM_CENTRE_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How to run the simulated camera; every profile field can be overridden."""

    host: str = "127.0.0.1"
    port: int = 0  # 0 picks a free port; see CameraSimulator.port
    user: str = "admin"
    password: str = ""
    profile: str = "ipc"
    # Replaces fields of the named profile, e.g. {"end_marker": EndMarker.BOTH}.
    profile_overrides: Mapping[str, Any] = field(default_factory=dict)
    channels: int | None = None  # shorthand for profile_overrides["channels"]
    serial: str = DEFAULT_SERIAL
    mac: str = DEFAULT_MAC  # NetWork.NetCommon's MAC, as the firmware writes it
    alive_interval: int = 20
    idle_timeout: float | None = None  # default: three AliveIntervals
    login_timeout: float = 30.0  # sockets that never log in are closed after this
    max_login_failures: int = 5
    lockout_window: float = 300.0
    lockout_seconds: float = 30.0
    timezone: str = "UTC"
    clock_offset: timedelta = timedelta(0)
    # Where a "reboot" fault brings the clock back to (a camera without a clock battery, e.g.
    # datetime(2000, 1, 1)); None keeps the clock running through a reboot.
    clock_epoch: datetime | None = None
    # Connections open at once under the connection-limit quirk (None: its default, 10).
    max_connections: int | None = None
    bandwidth: int | None = None  # download bytes per second; None is unlimited
    # Recorders send recordings at about real time: this multiple of it (1.0: a minute of
    # recording takes a minute), in bursts of `burst_seconds` of recording with silence in
    # between, the first after `first_packet_delay` seconds. None: as fast as possible.
    playback_speed: float | None = None
    burst_seconds: float = 0.0
    first_packet_delay: float = 0.0
    # Record in hour-long files, as continuous-recording cameras do: alarms fall inside them.
    continuous_recording: bool = False
    claim_grace: float = 1.0  # how long a DownloadStart waits for its claim (other socket)
    control_port: int | None = None  # HTTP control API on 127.0.0.1; None disables it
    alarm_every: float | None = None  # raise VideoMotion Start this often (seconds)
    alarm_duration: float = 5.0  # ...and Stop this many seconds later
    history_days: int = 0  # pre-seed this many days of motion history at start
    history_interval: timedelta = timedelta(minutes=40)
    motion_detection: bool = True
    alarm_upload: bool = True
    seed: int = 0
    reply_delay: float = 0.0  # seconds before every answer
    alarm_centre_host: str | None = None  # send each alarm as 1508 to this host too
    alarm_centre_port: int = DEFAULT_ALARM_CENTRE_PORT
    # Firmware behaviours on top of the profile's (names from quirks.py).
    quirks: tuple[str, ...] = ()
    search_delay: float = 12.0  # seconds a search takes with the slow-search quirk
    snap_stuck_delay: float = 3.0  # seconds the first still takes with the snap-stuck quirk
    # Answer the device search (UDP, message 1530) on this port: None off, 0 a free port
    # (see CameraSimulator.discovery_port); 34569 is the real one.
    discovery_port: int | None = None
    discovery_host: str = "127.0.0.1"  # where the search is listened for
    # What the answer names: HostIP, and TCPPort (None: the DVRIP port actually bound).
    discovery_reply_host: str = "127.0.0.1"
    discovery_tcp_port: int | None = None
    device_name: str | None = None  # General.General MachineName; None: the profile's
    # ChannelTitle; None: the profile's (a profile with none refuses ChannelTitle).
    channel_titles: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SimulatorStats:
    """A snapshot of what the camera has seen and done."""

    sessions: int = 0  # login sessions open now
    subscribers: int = 0  # of which sent AlarmSet
    logins: int = 0
    login_failures: int = 0
    requests: int = 0  # packets read from clients, answered or not
    keepalives: int = 0
    pushes_sent: int = 0
    queries: int = 0
    downloads: int = 0  # transfers started
    downloads_completed: int = 0
    downloads_stopped: int = 0
    snapshots: int = 0
    bytes_sent: int = 0
    connections: int = 0  # accepted since start
    open_connections: int = 0
    # The most connections open at once since start (or since `reset_peak_connections`).
    peak_connections: int = 0
    connections_refused: int = 0  # turned away by the connection-limit quirk
    alarm_centre_sent: int = 0  # 1508 messages delivered to the alarm centre
    recording_seconds_sent: float = 0.0  # seconds of recording in completed downloads
    searches: int = 0  # datagrams received on the discovery port
    reboots: int = 0  # reboot faults and OPMachine reboots


@dataclass(slots=True)
class MotionDetection:
    """Detect.MotionDetect of one channel: Enable and EventHandler.MessageEnable."""

    enabled: bool = True
    upload: bool = True


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """What one raise_alarm did."""

    channel: int
    event: str
    status: str
    time: datetime
    pushed_to: int  # login sessions the 1504 push was written to
    clip: HistoryEntry | None = None
    picture: HistoryEntry | None = None
    detected: bool = True  # False when motion detection of the channel is off

    @property
    def start_time(self) -> str:
        return format_time(self.time)

    async def sharpest_index(self) -> int | None:
        """Index of the sharpest frame of the alarm's clip (generates the clip if needed)."""
        if self.clip is None:
            return None
        return (await self.clip.motion_clip()).sharpest_index

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "event": self.event,
            "status": self.status,
            "start_time": self.start_time,
            "pushed_to": self.pushed_to,
            "detected": self.detected,
            "clip": self.clip.describe() if self.clip else None,
            "picture": self.picture.describe() if self.picture else None,
        }


@dataclass(slots=True)
class _Counters:
    logins: int = 0
    login_failures: int = 0
    requests: int = 0
    keepalives: int = 0
    pushes_sent: int = 0
    queries: int = 0
    downloads: int = 0
    downloads_completed: int = 0
    downloads_stopped: int = 0
    snapshots: int = 0
    bytes_sent: int = 0
    connections: int = 0
    connections_refused: int = 0
    peak_connections: int = 0
    alarm_centre_sent: int = 0
    recording_seconds_sent: float = 0.0
    searches: int = 0
    reboots: int = 0


@dataclass(slots=True)
class _ReplyDelay:
    """Answers to hold back: to one message id (None: any), for `count` answers (None: all)."""

    seconds: float
    message_id: int | None = None
    count: int | None = None


class CameraSimulator:
    """A Xiongmai camera or recorder speaking DVRIP on a local TCP port."""

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
        self._passwords: dict[str, str] = {self.config.user: self.config.password}
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._sessions: dict[int, LoginSession] = {}
        self._next_session_id = self._first_session_id()
        self._connections: set[Connection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self._port = self.config.port
        self._control: ControlServer | None = None
        self._control_port: int | None = None
        self._running = False
        self._fault: FaultKind | None = None
        self._fault_task: asyncio.Task[None] | None = None
        self._audible = asyncio.Event()
        self._audible.set()
        # Files whose downloads are held before their first byte ("*": every file).
        self._stalled: set[str] = set()
        self._changed = asyncio.Event()
        self._counters = _Counters()
        self._motion = [
            MotionDetection(self.config.motion_detection, self.config.alarm_upload)
            for _ in range(self._channel_count)
        ]
        self.detection = DetectionSections(self, self._channel_count)
        self.storage = Storage()
        self._active_alarms: set[tuple[int, str]] = set()
        # Each channel's PTZ head (OPPTZControl), and what it was asked.
        self.ptz = PtzHeads(
            self._channel_count,
            has_head=self.profile.ptz,
            notify=self._notify,
            wait_for=self.wait_for,
        )
        # Live video (OPMonitor) of each connection.
        self.live = LiveStreams(self, self._notify)
        # The speaker (OPTalk), and every talk it played.
        self.speaker = Speaker(self.profile.speaker, self._notify)
        self._picture_turn = 0
        self._boot = datetime.now(self._zone)
        self._snapshots: dict[int, bytes] = {}
        # snap-stuck: stills are stuck (Ret 108) from the first one until a reboot.
        self._stills_stuck = False
        self._reply_delays: list[_ReplyDelay] = []
        self._cut_next_download = False
        self._alarm_centre: tuple[str, int] | None = (
            (self.config.alarm_centre_host, self.config.alarm_centre_port)
            if self.config.alarm_centre_host
            else None
        )
        self.alarms: list[AlarmRecord] = []
        self._device_name = (
            self.profile.device_name if self.config.device_name is None else self.config.device_name
        )
        titles = (
            self.profile.channel_titles
            if self.config.channel_titles is None
            else self.config.channel_titles
        )
        self._channel_titles: list[str] | None = None if titles is None else list(titles)
        self._discovery: asyncio.DatagramTransport | None = None
        self._discovery_port: int | None = None
        self._discovery_answers = True
        self._discovery_reply_host = str(ipaddress.IPv4Address(self.config.discovery_reply_host))
        self._discovery_tcp_port = self.config.discovery_tcp_port
        self.lighting = Lighting(
            channels=self._channel_count,
            has_siren=self.profile.siren,
            has_white_light=self.profile.white_light,
        )

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._running:
            return
        self._server = await self._listen(self.config.port)
        self._running = True
        if self.config.history_days > 0:
            self.seed_history(days=self.config.history_days)
        if self.config.discovery_port is not None:
            self._discovery, self._discovery_port = await start_responder(
                self, self.config.discovery_host, self.config.discovery_port
            )
        if self.config.control_port is not None:
            self._control = ControlServer(self)
            self._control_port = await self._control.start(self.config.control_port)
        if self.config.alarm_every:
            self._spawn(self._alarm_loop(self.config.alarm_every), "alarm loop")
        _LOGGER.info(
            "DVRIP camera (%s) listening on %s:%d", self.profile.name, self.host, self.port
        )

    async def stop(self) -> None:
        """Close every socket and end every task the simulator started."""
        if not self._running:
            return
        self._running = False
        if self._control is not None:
            await self._control.stop()
            self._control = None
        if self._discovery is not None:
            self._discovery.close()
            self._discovery = None
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for connection in list(self._connections):
            connection.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        self._fault = None
        self._fault_task = None
        self._audible.set()
        self._notify()

    async def _listen(self, port: int) -> asyncio.Server:
        server = await asyncio.start_server(
            self._accept, self.config.host, port, reuse_address=True
        )
        self._port = server.sockets[0].getsockname()[1]
        return server

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        """The bound DVRIP port (the real one when the config asked for port 0)."""
        return self._port

    @property
    def control_port(self) -> int | None:
        """The bound HTTP control port, or None when the control API is off."""
        return self._control_port

    @property
    def discovery_port(self) -> int | None:
        """The bound UDP port answering the device search, or None when that is off."""
        return self._discovery_port

    @property
    def running(self) -> bool:
        return self._running

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=f"dvrip-sim {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if not self._running or task is None:
            writer.close()
            return
        if self._fault in (FaultKind.DISCONNECT, FaultKind.REBOOT):
            # Down: the connection is reset before a byte is read, like a refused one.
            writer.transport.abort()
            return
        if self.has(Quirk.CONNECTION_LIMIT) and len(self._connections) >= self.max_connections:
            # TCPMaxConn used up: turned away like a refused connection.
            self._counters.connections_refused += 1
            writer.transport.abort()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._counters.connections += 1
        connection = Connection(self, reader, writer, self._counters.connections)
        self._connections.add(connection)
        self._counters.peak_connections = max(
            self._counters.peak_connections, len(self._connections)
        )
        self._notify()
        try:
            await connection.serve()
        finally:
            self._connections.discard(connection)
            self._detach(connection)
            self._notify()

    def _detach(self, connection: Connection) -> None:
        """A socket is gone: its login session ends and transfers feeding it stop."""
        if connection.login is not None:
            self.close_session(connection.login)
        self.live.end(connection)
        self.speaker.end(connection)
        for session in self._sessions.values():
            session.forget_data_connection(connection)

    def feeds_downloads(self, connection: Connection) -> bool:
        """Whether a claim or a running transfer sends its data to this socket."""
        for session in self._sessions.values():
            if any(claim.data_connection is connection for claim in session.claims):
                return True
            if (
                session.transfer is not None
                and session.transfer.claim.data_connection is connection
            ):
                return True
        return False

    # -- state used by connections --------------------------------------------------------

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

    def session_text(self, session_id: int) -> str:
        """A session id as this firmware writes it in JSON."""
        if self.has(Quirk.BARE_SESSION_ID):
            return f"{session_id:08X}"
        return session_text(session_id)

    def _first_session_id(self) -> int:
        return FIRST_BARE_SESSION_ID if self.has(Quirk.BARE_SESSION_ID) else FIRST_SESSION_ID

    def channel_statuses(self) -> list[dict[str, Any]]:
        """NetWork.ChnStatus: which channels have a camera behind them."""
        return [
            {
                "ChnName": f"Channel {channel + 1}" if channel < self.camera_channels else "",
                "Status": "Connected" if channel < self.camera_channels else "NoConfig",
            }
            for channel in range(self.channels)
        ]

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
        _LOGGER.info("Clock set to %s", format_time(moment))
        self._notify()

    def shift_clock(self, seconds: float) -> None:
        """Move the camera's clock by ``seconds`` (NTP forward, daylight saving by 3600)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError("seconds must be a number")
        self._clock_offset += timedelta(seconds=seconds)
        _LOGGER.info("Clock moved by %+.0f s", seconds)
        self._notify()

    def uptime_minutes(self) -> int:
        return int((datetime.now(self._zone) - self._boot).total_seconds() // 60)

    def check_login(self, user: str, password_hash: str, plain: bool) -> Ret:
        """Ret.OK or the firmware's refusal, counting failures for the lockout.

        Wrong password 106, unknown user 106 (204 with login-204), locked 205; with
        login-205 every failure is 205.
        """
        result = self._check_login(user, password_hash, plain)
        if result is not Ret.OK and self.has(Quirk.LOGIN_205):
            return Ret.USER_LOCKED
        if result is Ret.WRONG_PASSWORD and user not in self._passwords:
            return Ret.ILLEGAL_USER if self.has(Quirk.LOGIN_204) else Ret.WRONG_PASSWORD
        return result

    def _check_login(self, user: str, password_hash: str, plain: bool) -> Ret:
        loop_time = asyncio.get_running_loop().time()
        locked_until = self._locked_until.get(user)
        if locked_until is not None:
            if loop_time < locked_until:
                self._counters.login_failures += 1
                return Ret.USER_LOCKED
            del self._locked_until[user]
            self._failures.pop(user, None)
        password = self._passwords.get(user)
        if password is not None:
            expected = password if plain else sofia_hash(password)
            if password_hash == expected:
                self._failures.pop(user, None)
                self._counters.logins += 1
                return Ret.OK
        self._counters.login_failures += 1
        window_start = loop_time - self.config.lockout_window
        failures = [t for t in self._failures.get(user, []) if t >= window_start]
        failures.append(loop_time)
        self._failures[user] = failures
        if len(failures) >= self.config.max_login_failures:
            self._locked_until[user] = loop_time + self.config.lockout_seconds
            _LOGGER.info("User %r locked for %.0f s", user, self.config.lockout_seconds)
        return Ret.WRONG_PASSWORD

    def spare_session_id(self) -> int:
        """A fresh session id that no login gets (login-refused-session's refusals carry one)."""
        session_id = self._next_session_id
        self._next_session_id += 1
        return session_id

    def open_session(self, user: str, connection: Connection) -> LoginSession:
        session = LoginSession(self._next_session_id, user, connection)
        self._next_session_id += 1
        self._sessions[session.session_id] = session
        self._notify()
        return session

    def close_session(self, session: LoginSession) -> None:
        if self._sessions.get(session.session_id) is session:
            del self._sessions[session.session_id]
        session.end()
        self._notify()

    def session_by_id(self, session_id: int) -> LoginSession | None:
        return self._sessions.get(session_id)

    def net_common(self) -> dict[str, Any]:
        """`NetWork.NetCommon`: the network settings, of which clients read the MAC."""
        return {
            "HostName": "LocalHost",
            "HostIP": "0x0100007F",
            "Submask": "0x00FFFFFF",
            "GateWay": "0x0100007F",
            "HttpPort": 80,
            "TCPPort": self.port,
            "MAC": self.config.mac,
            "MaxBps": 0,
            "TransferPlan": "Quality",
            "UseHSDownLoad": False,
        }

    # -- device facts: name, channel titles, abilities, the search answer ------------------

    @property
    def device_name(self) -> str:
        return self._device_name

    def set_device_name(self, name: str) -> None:
        """Rename the device (General.General's MachineName; "" leaves it without one)."""
        if not isinstance(name, str):
            raise TypeError("name must be a string")
        self._device_name = name
        self._notify()

    def channel_titles(self) -> list[str] | None:
        """ChannelTitle: one title per announced channel ("" past those given); None: refused."""
        if self._channel_titles is None:
            return None
        given = self._channel_titles[: self.channels]
        return given + [""] * (self.channels - len(given))

    def set_channel_titles(self, titles: list[str] | tuple[str, ...] | None) -> None:
        """New channel titles; None makes the camera refuse ChannelTitle."""
        if titles is not None and (
            not isinstance(titles, list | tuple)
            or not all(isinstance(title, str) for title in titles)
        ):
            raise ValueError("titles must be a list of strings or null")
        self._channel_titles = None if titles is None else list(titles)
        self._notify()

    def general_config(self) -> dict[str, Any]:
        """General.General, as python-dvr's get_general_info() shows it."""
        return {
            "AutoLogout": 0,
            "FontSize": 24,
            "LocalNo": 0,
            "MachineName": self._device_name,
            "OverWrite": self.storage.overwrite_setting,
            "ScreenAutoShutdown": 10,
            "ScreenSaveTime": 0,
            "VideoOutPut": "Auto",
        }

    def system_function(self) -> dict[str, Any] | None:
        """SystemFunction (message 1360); None when this firmware refuses it."""
        functions = self.profile.alarm_functions
        if functions is None:
            return None
        names = sorted(set(KNOWN_ALARM_FUNCTIONS) | functions)
        return {
            "AlarmFunction": {name: name in functions for name in names},
            "EncodeFunction": {"DoubleStream": True, "SnapStream": self.profile.snapshot},
            "NetServerFunction": {"NetDHCP": True, "NetNTP": True, "NetRTSP": True},
            "OtherFunction": {
                "SupportCameraWhiteLight": self.profile.white_light,
                "SupportNVR": self.profile.device_type == "NVR",
                **dict.fromkeys(sorted(self.profile.other_functions), True),
            },
            "PreviewFunction": {"Talk": self.profile.speaker, "Tour": False},
        }

    def count_search(self) -> None:
        self._counters.searches += 1
        self._notify()

    def answers_search(self) -> bool:
        """Whether a search gets an answer now (not when switched off, down or silent)."""
        return (
            self._running
            and self._discovery_answers
            and self._fault not in (FaultKind.DISCONNECT, FaultKind.REBOOT)
            and not self.silenced
        )

    def search_answer(self) -> dict[str, Any]:
        """NetWork.NetCommon as the search answer carries it."""
        return {
            **self.net_common(),
            "HostIP": host_ip_text(self._discovery_reply_host),
            "TCPPort": self.discovery_tcp_port,
            "SN": self.config.serial,
            "ChannelNum": self.channels,
            "DeviceType": 1,
            "MonMode": "TCP",
            "SSLPort": 8443,
            "TCPMaxConn": 10,
            "UDPPort": 34568,
        }

    @property
    def discovery_tcp_port(self) -> int:
        """The DVRIP port the search answer names."""
        return self.port if self._discovery_tcp_port is None else self._discovery_tcp_port

    def set_discovery(
        self,
        *,
        enabled: bool | None = None,
        host: str | None = None,
        tcp_port: int | None = None,
        reset_tcp_port: bool = False,
    ) -> None:
        """Change the search answer: on/off, the HostIP and TCPPort it names."""
        if enabled is not None:
            self._discovery_answers = bool(enabled)
        if host is not None:
            try:
                self._discovery_reply_host = str(ipaddress.IPv4Address(host))
            except ValueError:
                raise ValueError(f"host must be an IPv4 address, not {host!r}") from None
        if reset_tcp_port:
            self._discovery_tcp_port = None
        elif tcp_port is not None:
            if isinstance(tcp_port, bool) or not isinstance(tcp_port, int):
                raise ValueError("tcp_port must be an integer")
            if not 0 < tcp_port < 65536:
                raise ValueError("tcp_port must be between 1 and 65535")
            self._discovery_tcp_port = tcp_port
        self._notify()

    def discovery_state(self) -> dict[str, Any]:
        return {
            "enabled": self._discovery_answers,
            "port": self._discovery_port,
            "host": self._discovery_reply_host,
            "tcp_port": self.discovery_tcp_port,
            "mac": self.config.mac,
            "serial": self.config.serial,
        }

    def motion_config(self) -> list[dict[str, Any]]:
        """Detect.MotionDetect as the camera reports it, one object per channel."""
        return [
            {
                "Enable": motion.enabled,
                "Level": 3,
                "Region": ["0x003FFFFF"] * 18,
                "EventHandler": {
                    "AlarmOutEnable": False,
                    "AlarmOutLatch": 10,
                    "EventLatch": 1,
                    "MailEnable": False,
                    "MessageEnable": motion.upload,
                    "RecordEnable": True,
                    "RecordLatch": 30,
                    "SnapEnable": True,
                    "SnapShotTimes": 1,
                    "VoiceEnable": False,
                },
            }
            for motion in self._motion
        ]

    def apply_motion_config(self, channel: int, config: Mapping[str, Any]) -> None:
        """A config set (1040) of one channel's Detect.MotionDetect."""
        enabled = config.get("Enable")
        handler = config.get("EventHandler")
        upload = handler.get("MessageEnable") if isinstance(handler, Mapping) else None
        self.set_motion_detection(
            enabled if isinstance(enabled, bool) else None,
            channel=channel,
            upload=upload if isinstance(upload, bool) else None,
        )

    def work_state(self) -> dict[str, Any]:
        motion_mask = 0
        for channel, event in self._active_alarms:
            if event in MOTION_EVENTS:
                motion_mask |= 1 << channel
        return {
            "AlarmState": {
                "AlarmSwitch": "0x00000000",
                "LocalAlarm": "0x00000000",
                "VideoBlind": "0x00000000",
                "VideoLoss": "0x00000000",
                "VideoMotion": f"0x{motion_mask:08X}",
            },
            "ChannelState": [{"Bitrate": 512, "Record": True} for _ in range(self.channels)],
        }

    async def file_query(self, query: FileQuery, limit: int) -> list[HistoryEntry]:
        """Entries for a search, with their FileLength as stored (see history.py)."""
        self._counters.queries += 1
        self._notify()
        found = self.history.query(
            query, any_event_only=self.profile.event_filter_any_only, limit=limit
        )
        for entry in found:
            if entry.made_before_listing:
                await entry.media()
        return found

    async def snapshot(self, channel: int) -> bytes:
        """A live JPEG of a channel (generated in a worker thread once, then reused)."""
        self._counters.snapshots += 1
        picture = self._snapshots.get(channel)
        if picture is None:
            picture = await asyncio.to_thread(
                jpeg_picture,
                width=self.profile.clip_width,
                height=self.profile.clip_height,
                seed=self.config.seed + channel,
            )
            self._snapshots[channel] = picture
        if self.has(Quirk.SNAP_LARGE):
            picture = padded_jpeg(picture, LARGE_STILL_BYTES)
        if self.has(Quirk.JPEG_NO_JFIF):
            picture = without_jfif(picture)
        self._notify()
        return picture

    async def stuck_still(self) -> None:
        """snap-stuck: the first still takes `snap_stuck_delay`; from then on stills are stuck."""
        self._counters.snapshots += 1
        self._notify()
        if self._stills_stuck:
            return
        self._stills_stuck = True
        await asyncio.sleep(self.config.snap_stuck_delay)

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

    def reply_delay(self, message_id: int) -> float:
        """Seconds to wait before answering a request (used once per request)."""
        delay = self.config.reply_delay
        for held in list(self._reply_delays):
            if held.message_id is None or held.message_id == message_id:
                delay = max(delay, held.seconds)
                if held.count is not None:
                    held.count -= 1
                    if held.count <= 0:
                        self._reply_delays.remove(held)
                break
        return delay

    def count_recording_sent(self, seconds: float) -> None:
        self._counters.recording_seconds_sent += seconds

    def stall_downloads(self, file_name: str | None = None, *, stalled: bool = True) -> None:
        """Hold the downloads of one file (None: of every file) before their first byte.

        As a camera stuck on its SD card; ``stalled=False`` lets them go on.
        """
        name = file_name or _EVERY_FILE
        if stalled:
            self._stalled.add(name)
        else:
            self._stalled.discard(name)
        self._notify()

    async def wait_downloads_flowing(self, entry: HistoryEntry) -> None:
        await self.wait_for(
            lambda: not self._stalled & {_EVERY_FILE, entry.file_name}, timeout=None
        )

    def take_download_cut(self) -> bool:
        """Whether the transfer starting now is to be cut halfway ("cut_download")."""
        cut, self._cut_next_download = self._cut_next_download, False
        return cut

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run a task that stop() will end (used by connections for transfers)."""
        return self._spawn(coro, name)

    def notify(self) -> None:
        self._notify()

    def _notify(self) -> None:
        # Wake every waiter; each re-checks its predicate and waits on the next event.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- test and control API ---------------------------------------------------------------

    @property
    def stats(self) -> SimulatorStats:
        sessions = list(self._sessions.values())
        return SimulatorStats(
            sessions=len(sessions),
            subscribers=sum(1 for session in sessions if session.subscribed),
            open_connections=len(self._connections),
            **asdict(self._counters),
        )

    def reset_peak_connections(self) -> None:
        """Count the most connections open at once from now on."""
        self._counters.peak_connections = len(self._connections)

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

    def set_password(self, user: str, password: str) -> None:
        """Change (or add) a user's password; existing login sessions stay open."""
        self._passwords[user] = password

    def remove_user(self, user: str) -> None:
        """Delete a user; existing login sessions stay open."""
        self._passwords.pop(user, None)

    def connect_camera(self, channel: int) -> None:
        """A camera is plugged into a recorder channel that had none (unused-channels)."""
        if not self.camera_channels <= channel < self.channels:
            raise ValueError(f"channel {channel} has a camera already or does not exist")
        self.camera_channels = channel + 1
        self._notify()

    def delay_replies(
        self, seconds: float, *, message_id: int | None = None, count: int | None = None
    ) -> None:
        """Hold back the answers to `message_id` (any request when None) by `seconds`.

        With `count`, only that many answers are held back; `seconds` 0 clears every delay
        set this way (``reply_delay`` of the config stays).
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise TypeError("count must be an integer")
        if not seconds:
            self._reply_delays.clear()
            return
        self._reply_delays.append(_ReplyDelay(float(seconds), message_id, count))

    def corrupt_json(self, message_id: int | None = None) -> int:
        """Make the next JSON packet (of `message_id`, or any) of every connection invalid.

        Returns how many connections will send one.
        """
        connections = list(self._connections)
        for connection in connections:
            connection.corrupt_next_json(message_id)
        return len(connections)

    def set_alarm_centre(self, host: str | None, port: int = DEFAULT_ALARM_CENTRE_PORT) -> None:
        """Send each alarm to an alarm centre at `host:port` as well; None stops that."""
        if host is None:
            self._alarm_centre = None
            return
        if not isinstance(host, str) or not host:
            raise ValueError("host must be a non-empty string")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError("port must be between 1 and 65535")
        self._alarm_centre = (host, port)

    @property
    def alarm_centre(self) -> tuple[str, int] | None:
        """Where alarms are also sent as 1508 messages, if anywhere."""
        return self._alarm_centre

    def set_motion_detection(
        self, enabled: bool | None = None, channel: int | None = None, upload: bool | None = None
    ) -> None:
        """Switch motion detection and/or its alarm upload, for one channel or all."""
        channels = (
            range(self.camera_channels) if channel is None else [self._check_channel(channel)]
        )
        for number in channels:
            if enabled is not None:
                self._motion[number].enabled = enabled
            if upload is not None:
                self._motion[number].upload = upload
        self._notify()

    def motion_detection(self, channel: int = 0) -> MotionDetection:
        motion = self._motion[self._check_channel(channel)]
        return MotionDetection(motion.enabled, motion.upload)

    def _check_channel(self, channel: int) -> int:
        """A channel with a camera behind it (alarms and recordings happen only there)."""
        if isinstance(channel, bool) or not isinstance(channel, int):
            raise TypeError("channel must be an integer")
        if not 0 <= channel < self.camera_channels:
            raise ValueError(f"channel {channel} out of range 0..{self.camera_channels - 1}")
        return channel

    def next_picture_kind(self) -> PictureKind:
        kinds = self.profile.picture_kinds
        kind = kinds[self._picture_turn % len(kinds)]
        self._picture_turn += 1
        return kind

    def add_history(
        self,
        begin: datetime,
        *,
        channel: int = 0,
        event: RecordEvent | str = RecordEvent.MOTION,
        video: bool = True,
        picture: bool = True,
        picture_kind: PictureKind | None = None,
        seconds: int | None = None,
        file_names: tuple[str | None, str | None] = (None, None),
    ) -> list[HistoryEntry]:
        """Record a clip and/or a picture starting at ``begin`` (camera clock, naive).

        ``file_names`` replaces the names the clip and the picture would get (hostile firmware
        can name a file ``../../x``); None keeps a name.
        """
        self._check_channel(channel)
        letter = RecordEvent(event)
        added: list[HistoryEntry] = []
        if video:
            added.append(
                self.history.add(
                    channel=channel,
                    record_type=RecordType.VIDEO,
                    event=letter,
                    begin=begin,
                    clip_spec=self.clip_spec,
                    seconds=seconds,
                    file_name=file_names[0],
                )
            )
        if picture:
            added.append(
                self.history.add(
                    channel=channel,
                    record_type=RecordType.PICTURE,
                    event=letter,
                    begin=begin,
                    clip_spec=self.clip_spec,
                    picture_kind=picture_kind or self.next_picture_kind(),
                    file_name=file_names[1],
                )
            )
        self._notify()
        return added

    def _record(
        self, moment: datetime, channel: int, event: RecordEvent
    ) -> tuple[HistoryEntry, HistoryEntry]:
        """An alarm's clip and picture: a recording still going on is extended instead.

        Cameras keep recording while motion goes on, so alarms during a recording do not
        each make a new file (a file already downloaded is closed: a new one starts).
        """
        if self.config.continuous_recording:
            return self._hour_file(moment, channel, event), self._picture(moment, channel, event)
        until = moment + timedelta(seconds=self.clip_spec.seconds)
        ongoing = self.history.recording(channel, event, moment)
        if ongoing is not None and not ongoing.media_ready:
            self.history.extend(ongoing, until)
            return ongoing, self._picture(moment, channel, event)
        clip, picture = self.add_history(moment, channel=channel, event=event)
        return clip, picture

    def _picture(self, moment: datetime, channel: int, event: RecordEvent) -> HistoryEntry:
        (picture,) = self.add_history(moment, channel=channel, event=event, video=False)
        return picture

    def _hour_file(self, moment: datetime, channel: int, event: RecordEvent) -> HistoryEntry:
        """The hour-long recording `moment` falls in (continuous recording), made if new."""
        hour = moment.replace(minute=0, second=0, microsecond=0)
        found = self.history.recording(channel, event, moment)
        if found is not None and found.begin == hour:
            return found
        (clip,) = self.add_history(
            hour, channel=channel, event=event, picture=False, seconds=HOUR_SECONDS
        )
        return clip

    def seed_history(
        self, days: float, *, interval: timedelta | None = None, end: datetime | None = None
    ) -> list[HistoryEntry]:
        """Pre-seed motion events on every channel over the last ``days`` days."""
        step = interval or self.config.history_interval
        end = end or self.now()
        moment = end - timedelta(days=days)
        added: list[HistoryEntry] = []
        while moment < end:
            for channel in range(self.camera_channels):
                jitter = timedelta(seconds=self._random.randrange(0, max(1, int(step.seconds / 2))))
                added.extend(self.add_history(moment + jitter, channel=channel))
            moment += step
        return added

    async def raise_alarm(
        self,
        channel: int = 0,
        event: str = "VideoMotion",
        status: str = "Start",
        *,
        time: datetime | None = None,
    ) -> AlarmRecord:
        """Push an AlarmInfo to subscribed sessions and, on Start, record it in history."""
        self._check_channel(channel)
        if not isinstance(event, str) or not event:
            raise ValueError("event must be a non-empty string")
        if not isinstance(status, str) or not status:
            raise ValueError("status must be a non-empty string")
        if self.has(Quirk.MOTIONDETECT):
            event = VENDOR_EVENT_NAMES.get(event, event)
        moment = (time or self.now()).replace(microsecond=0, tzinfo=None)
        motion = self._motion[channel]
        is_motion = event in MOTION_EVENTS
        if is_motion and not motion.enabled:
            # The camera does not see motion at all when detection is off.
            record = AlarmRecord(channel, event, status, moment, 0, detected=False)
            self.alarms.append(record)
            return record
        clip = picture = None
        if status == "Start":
            self._active_alarms.add((channel, event))
            letter = RecordEvent.MOTION if is_motion else None
            if event in ALARM_INPUT_EVENTS:
                letter = RecordEvent.ALARM
            if letter is not None:
                clip, picture = self._record(moment, channel, letter)
        else:
            self._active_alarms.discard((channel, event))
        pushed = 0
        if self.profile.push_alarms and not (is_motion and not motion.upload):
            pushed = await self._push(
                {
                    "AlarmInfo": {
                        "Channel": channel,
                        "Event": event,
                        "StartTime": format_time(moment),
                        "Status": status,
                    },
                    "Name": "AlarmInfo",
                }
            )
        if self._alarm_centre is not None and self._fault is None:
            await self._send_alarm_centre(channel, event, status, moment)
        record = AlarmRecord(channel, event, status, moment, pushed, clip, picture)
        self.alarms.append(record)
        self._notify()
        return record

    async def _push(self, body: dict[str, Any]) -> int:
        if self._fault is not None:
            return 0
        targets = [session for session in self._sessions.values() if session.subscribed]

        async def push_one(session: LoginSession) -> bool:
            try:
                async with asyncio.timeout(PUSH_TIMEOUT):
                    return await session.connection.push_alarm(body, session.session_id)
            except TimeoutError:
                _LOGGER.warning("Push to session 0x%08X timed out", session.session_id)
                return False

        results = await asyncio.gather(*(push_one(session) for session in targets))
        pushed = sum(results)
        self._counters.pushes_sent += pushed
        return pushed

    async def _send_alarm_centre(
        self, channel: int, event: str, status: str, moment: datetime
    ) -> None:
        """Connect out to the alarm centre, write one 1508 message and hang up."""
        assert self._alarm_centre is not None
        host, port = self._alarm_centre
        address = int.from_bytes(bytes(int(part) for part in _ipv4(self.config.host)), "little")
        body = {
            "Address": f"0x{address:08X}",
            "Channel": channel,
            "Descrip": "",
            "Event": event,
            "SerialID": self.config.serial,
            "StartTime": format_time(moment),
            "Status": status,
            "Type": "Alarm",
        }
        packet = encode_packet(
            Header(message_id=MessageId.ALARM_CENTER, length=0, version=1),
            encode_json(body, b"\n"),
        )
        try:
            async with asyncio.timeout(ALARM_CENTRE_TIMEOUT):
                _reader, writer = await asyncio.open_connection(host, port)
                try:
                    writer.write(packet)
                    await writer.drain()
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        except (OSError, TimeoutError) as err:
            _LOGGER.warning("Cannot reach the alarm centre at %s:%d: %s", host, port, err)
            return
        self._counters.alarm_centre_sent += 1
        self._notify()

    async def inject_fault(self, kind: FaultKind | str, seconds: float = 0.0) -> None:
        """Start a fault now; it ends by itself after ``seconds`` (see INSTANT_FAULTS)."""
        kind = FaultKind(kind)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
        if not self._running:
            raise RuntimeError("the simulator is not running")
        await self._end_fault()
        _LOGGER.info("Fault %s for %.1f s", kind, seconds)
        if kind in INSTANT_FAULTS:
            await self._instant_fault(kind)
            return
        self._fault = kind
        if kind is FaultKind.SILENCE:
            self._audible.clear()
        else:
            # The listening socket stays open (closing it races with connections being
            # accepted); what connects meanwhile is reset at once (see _accept).
            for connection in list(self._connections):
                connection.abort()
            if kind is FaultKind.REBOOT:
                self._reboot()
        self._fault_task = self._spawn(self._fault_timer(seconds), f"fault {kind}")
        self._notify()

    async def _instant_fault(self, kind: FaultKind) -> None:
        connections = list(self._connections)
        if kind is FaultKind.GARBAGE:
            for connection in connections:
                junk = self._random.randbytes(self._random.randrange(32, 512))
                # A first byte other than 0xFF makes sure a parser sees bad magic at once.
                await connection.write_raw(b"\x00" + junk)
        elif kind is FaultKind.HUGE_LENGTH:
            for connection in connections:
                header = Header(
                    message_id=MessageId.ALARM_INFO,
                    length=HUGE_LENGTH,
                    session_id=connection.session_id,
                    version=self.profile.reply_version,
                )
                # The header's length is a lie: only a little junk follows.
                await connection.write_raw(header.pack() + self._random.randbytes(64))
        elif kind is FaultKind.INVALID_JSON:
            self.corrupt_json()
        elif kind is FaultKind.WRONG_SESSION:
            for connection in connections:
                connection.wrong_session_next_push()
        elif kind is FaultKind.LOGOUT:
            for connection in connections:
                if connection.login is not None:
                    await connection.force_logout()
        elif kind is FaultKind.CUT_DOWNLOAD:
            self._cut_next_download = True
        self._notify()

    async def clear_fault(self) -> None:
        """End the current fault now instead of when its time is up."""
        await self._end_fault()

    def _reboot(self) -> None:
        self._counters.reboots += 1
        for session in list(self._sessions.values()):
            session.end()
        self._sessions.clear()
        self._next_session_id = self._first_session_id()
        self._active_alarms.clear()
        self._stills_stuck = False
        self._boot = datetime.now(self._zone)
        if (epoch := self.clock_epoch) is not None:
            # No clock battery: the clock starts again at its epoch and runs on from there.
            self.set_clock(epoch)

    async def _fault_timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._fault_task = None
        await self._end_fault()

    async def _end_fault(self) -> None:
        task, self._fault_task = self._fault_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._fault is None:
            return
        _LOGGER.info("Fault %s over", self._fault)
        self._fault = None
        self._audible.set()
        self._notify()

    async def _alarm_loop(self, every: float) -> None:
        """Raise VideoMotion Start, then Stop a while later, on each channel in turn."""
        channel = 0
        while True:
            await asyncio.sleep(every)
            await self.raise_alarm(channel=channel, event="VideoMotion", status="Start")
            await asyncio.sleep(min(self.config.alarm_duration, every / 2))
            await self.raise_alarm(channel=channel, event="VideoMotion", status="Stop")
            channel = (channel + 1) % self.camera_channels


def _ipv4(host: str) -> tuple[int, int, int, int]:
    """The four bytes of a dotted IPv4 address; 0.0.0.0 for anything else."""
    parts = host.split(".")
    if len(parts) == 4 and all(part.isdigit() and int(part) < 256 for part in parts):
        return (int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
    return (0, 0, 0, 0)
