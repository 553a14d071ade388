"""Typed records of what the camera reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import re
from typing import Any, Final

from .framing import parse_hex_int

CAMERA_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_EVENT_TAG = re.compile(r"\[([MARH])\]")
# "/idea0/2023-11-19/002/05.38.58-05.39.34[M][@69f17][0].h264": day, begin and end of the file.
_NAME_TIMES = re.compile(
    r"(\d{4}-\d{2}-\d{2})/\d+/(\d{2})\.(\d{2})\.(\d{2})-(\d{2})\.(\d{2})\.(\d{2})"
)
_END_OF_DAY = "24:00:00"


def parse_camera_time(value: object) -> datetime | None:
    """Parse a camera timestamp (local camera clock, no zone); None if absent or invalid.

    Recorders write the end of a day as "24:00:00": that is midnight of the next day.
    "0000-00-00 00:00:00" (their "no time") is None, like any other invalid time.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if text.endswith(_END_OF_DAY):
            day = datetime.strptime(text[: -len(_END_OF_DAY)].strip(), "%Y-%m-%d")  # noqa: DTZ007
            return day + timedelta(days=1)
        return datetime.strptime(text, CAMERA_TIME_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None


def times_from_file_name(name: str) -> tuple[datetime, datetime] | None:
    """Begin and end of a recording as its file name tells them (end past midnight: next day)."""
    match = _NAME_TIMES.search(name)
    if match is None:
        return None
    day, *clock = match.groups()
    try:
        begin = datetime.strptime(f"{day} {':'.join(clock[:3])}", CAMERA_TIME_FORMAT)  # noqa: DTZ007
        end = datetime.strptime(f"{day} {':'.join(clock[3:])}", CAMERA_TIME_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None
    if end < begin:
        end += timedelta(days=1)
    return begin, end


def format_camera_time(value: datetime) -> str:
    return value.strftime(CAMERA_TIME_FORMAT)


class AlarmStatus(StrEnum):
    START = "Start"
    STOP = "Stop"
    NONE = "None"


class FileType(StrEnum):
    """The `Type` of an OPFileQuery; `h264` lists H.265 recordings too."""

    VIDEO = "h264"
    PICTURE = "jpg"


class RecordEvent(StrEnum):
    """Why a file was recorded, from the `[M]`/`[A]`/`[R]`/`[H]` tag of its name."""

    MOTION = "M"
    ALARM = "A"
    REGULAR = "R"
    MANUAL = "H"
    UNKNOWN = "?"


class AlarmSubscription(StrEnum):
    """How the device answered AlarmSet; pushes are taken whatever it said."""

    CONFIRMED = "confirmed"
    UNANSWERED = "unanswered"
    EMPTY_REPLY = "empty_reply"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """The answer to the last AlarmSet: its status and, when it had one, its Ret."""

    status: AlarmSubscription
    ret: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.status is AlarmSubscription.CONFIRMED

    def __str__(self) -> str:
        if self.ret is None or self.confirmed:
            return str(self.status)
        return f"{self.status} (Ret {self.ret})"


# What `NetWork.ChnStatus` says of a recorder channel without a camera.
_NO_CAMERA_STATUSES: Final = frozenset({"", "noconfig"})


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One recorder channel as `NetWork.ChnStatus` reports it."""

    channel: int
    name: str
    status: str

    @property
    def has_camera(self) -> bool:
        return self.status.strip().casefold() not in _NO_CAMERA_STATUSES

    @classmethod
    def from_entry(cls, channel: int, entry: dict[str, Any]) -> ChannelStatus:
        return cls(
            channel=channel,
            name=str(entry.get("ChnName") or "").strip(),
            status=str(entry.get("Status") or "").strip(),
        )


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity of the device, from the login reply and SystemInfo."""

    serial: str
    model: str
    firmware: str
    hardware: str
    channels: int
    extra_channels: int = 0
    device_type: str = ""


@dataclass(frozen=True, slots=True)
class Alarm:
    """One pushed AlarmInfo (message 1504)."""

    channel: int
    event: str
    status: str
    start_time: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_start(self) -> bool:
        return self.status == AlarmStatus.START

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Alarm | None:
        """Build from a 1504 payload; None when it holds no AlarmInfo object."""
        info = message.get("AlarmInfo")
        if not isinstance(info, dict):
            return None
        return cls(
            channel=parse_hex_int(info.get("Channel"), 0),
            event=str(info.get("Event") or "").strip(),
            status=str(info.get("Status") or AlarmStatus.NONE).strip(),
            start_time=parse_camera_time(info.get("StartTime")),
            raw=info,
        )


@dataclass(frozen=True, slots=True)
class RecordFile:
    """One entry of an OPFileQuery reply: a recorded clip or picture on the device."""

    name: str
    begin: datetime
    end: datetime
    size_kib: int
    file_type: FileType
    event: RecordEvent
    channel: int = 0
    disk_no: int = 0
    serial_no: int = 0

    @property
    def size_bytes(self) -> int:
        return self.size_kib * 1024

    @classmethod
    def from_entry(cls, entry: dict[str, Any], file_type: FileType, channel: int) -> RecordFile:
        """Build from a reply entry; raises ValueError when its name or begin is missing.

        A time the device leaves unset ("0000-00-00 00:00:00", seen on pictures and on files
        still being written) is read from the file name, else the entry lasts no time.
        """
        name = entry.get("FileName")
        if not isinstance(name, str) or not name:
            raise ValueError(f"file entry without a name: {entry!r}")
        begin = parse_camera_time(entry.get("BeginTime"))
        end = parse_camera_time(entry.get("EndTime"))
        if begin is None or end is None:
            named = times_from_file_name(name)
            if begin is None and named is not None:
                begin = named[0]
            if end is None:
                end = named[1] if named is not None and named[1] >= (begin or named[1]) else begin
        if begin is None or end is None:
            raise ValueError(f"file entry without a begin time: {entry!r}")
        end = max(end, begin)
        tag = _EVENT_TAG.search(name)
        return cls(
            name=name,
            begin=begin,
            end=end,
            size_kib=parse_hex_int(entry.get("FileLength"), 0),
            file_type=file_type,
            event=RecordEvent(tag.group(1)) if tag else RecordEvent.UNKNOWN,
            channel=channel,
            disk_no=parse_hex_int(entry.get("DiskNo"), 0),
            serial_no=parse_hex_int(entry.get("SerialNo"), 0),
        )

    def to_entry(self) -> dict[str, Any]:
        """The entry as the device sent it, for playback requests."""
        return {
            "FileName": self.name,
            "BeginTime": format_camera_time(self.begin),
            "EndTime": format_camera_time(self.end),
        }
