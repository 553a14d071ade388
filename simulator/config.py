"""How the simulated camera is set up, what it counts, and the records of what it did.

`SimulatorConfig` is what a test or the command line asks for (every profile field can be
overridden); `SimulatorStats` a snapshot of the counters; `AlarmRecord` what one alarm did;
`FaultKind` the failures the camera can be told to show (see camera.py for what each does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from simulator.history import HistoryEntry
from simulator.wire import format_time

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
class Counters:
    """What the camera has counted since it started (see SimulatorStats)."""

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
class ReplyDelay:
    """Answers to hold back: to one message id (None: any), for `count` answers (None: all)."""

    seconds: float
    message_id: int | None = None
    count: int | None = None
