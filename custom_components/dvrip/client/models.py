"""Typed records of what the camera reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import re
from typing import Any, Final

from .framing import parse_hex_int

CAMERA_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_EVENT_TAG = re.compile(r"\[([MARH])\]")


def parse_camera_time(value: object) -> datetime | None:
    """Parse a camera timestamp (local camera clock, no zone); None if absent or invalid."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), CAMERA_TIME_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None


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
        """Build from a reply entry; raises ValueError when its times or name are missing."""
        name = entry.get("FileName")
        begin = parse_camera_time(entry.get("BeginTime"))
        end = parse_camera_time(entry.get("EndTime"))
        if not isinstance(name, str) or not name or begin is None or end is None:
            raise ValueError(f"incomplete file entry: {entry!r}")
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
