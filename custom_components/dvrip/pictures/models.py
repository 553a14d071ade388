"""Records of the alarm-picture domain: what an alarm is, what was tried, what came out.

Times from the camera are naive datetimes in the camera's own clock (it may be in another
zone than the host, and drift); they are kept that way and written as ISO strings without
a zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..client import Alarm, FileType, RecordFile


class PictureMethod(StrEnum):
    """How an alarm's picture was obtained, or why there is none."""

    DIRECT = "direct"  # the jpg entry was a JPEG (possibly wrapped in a 0xFE frame)
    DIRECT_STREAM = "direct_stream"  # the jpg entry was a short video; its sharpest frame
    MOTION_CLIP = "motion_clip"  # the sharpest frame of the alarm's motion clip
    SKIPPED = "skipped"  # strict mode: the preferred source missed, nothing else was tried
    FAILED = "failed"  # every source tried missed


class PreferredSource(StrEnum):
    """Which source a resolver tries first: the `jpg` entry, or the motion clip (`h264`)."""

    JPG = "jpg"
    CLIP = "h264"


class MarkerSource(StrEnum):
    """What told us about an alarm."""

    PUSH = "push"  # an AlarmInfo push (message 1504)
    PICTURE = "jpg"  # a Type=jpg history entry
    CLIP = "clip"  # a motion clip ([M]) in the history


class Step(StrEnum):
    """A source the resolver tried."""

    DIRECT = "direct"
    MOTION_CLIP = "motion_clip"


class Outcome(StrEnum):
    OK = "ok"
    MISS = "miss"


@dataclass(frozen=True, slots=True)
class AlarmMarker:
    """One alarm: a time and a channel, and the jpg entry recorded for it if known.

    `event` is the camera's event name for a pushed alarm (`VideoMotion`), otherwise the
    meaning of the file name's tag (`motion`, `alarm`, ...).
    """

    time: datetime
    channel: int = 0
    event: str = ""
    picture: RecordFile | None = None
    sources: tuple[MarkerSource, ...] = ()

    @classmethod
    def from_alarm(cls, alarm: Alarm, *, time: datetime | None = None) -> AlarmMarker:
        """A marker for a pushed alarm; `time` stands in for a push without StartTime."""
        when = alarm.start_time or time
        if when is None:
            raise ValueError("a pushed alarm without StartTime needs an explicit time")
        return cls(when, alarm.channel, alarm.event, None, (MarkerSource.PUSH,))

    @classmethod
    def from_record(cls, record: RecordFile) -> AlarmMarker:
        """A marker for a history entry: its BeginTime is the alarm's time."""
        source = MarkerSource.CLIP if record.file_type is FileType.VIDEO else MarkerSource.PICTURE
        return cls(
            record.begin,
            record.channel,
            record.event.name.lower(),
            record if source is MarkerSource.PICTURE else None,
            (source,),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "channel": self.channel,
            "event": self.event,
            "sources": [str(source) for source in self.sources],
            "picture_entry": self.picture.name if self.picture else None,
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    """One source tried for an alarm, and what came of it."""

    step: Step
    outcome: Outcome
    reason: str
    source_name: str | None = None
    bytes_downloaded: int = 0
    download_seconds: float = 0.0
    decode_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": str(self.step),
            "outcome": str(self.outcome),
            "reason": self.reason,
            "source_file": self.source_name,
            "bytes_downloaded": self.bytes_downloaded,
            "download_seconds": round(self.download_seconds, 3),
            "decode_seconds": round(self.decode_seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class AlarmPicture:
    """The outcome for one alarm: a JPEG and where it came from, or why there is none.

    `frame_index` counts the video frames of the source stream from 0 (None for a
    direct JPEG); `sharpness` is the score described in `frames`.
    """

    marker: AlarmMarker
    method: PictureMethod
    jpeg: bytes | None = field(default=None, repr=False)
    source_name: str | None = None
    bytes_downloaded: int = 0
    frame_index: int | None = None
    frame_time: datetime | None = None
    sharpness: float | None = None
    width: int | None = None
    height: int | None = None
    download_seconds: float = 0.0
    decode_seconds: float = 0.0
    attempts: tuple[Attempt, ...] = ()

    @property
    def ok(self) -> bool:
        return self.jpeg is not None

    @property
    def reason(self) -> str | None:
        """Why there is no picture: the reasons of every step tried, in order."""
        if self.ok:
            return None
        return "; ".join(f"{attempt.step}: {attempt.reason}" for attempt in self.attempts)

    def as_dict(self) -> dict[str, Any]:
        """The report.json entry (without the JPEG bytes)."""
        return {
            **self.marker.as_dict(),
            "method": str(self.method),
            "source_file": self.source_name,
            "bytes_downloaded": self.bytes_downloaded,
            "jpeg_bytes": len(self.jpeg) if self.jpeg is not None else 0,
            "width": self.width,
            "height": self.height,
            "frame_index": self.frame_index,
            "frame_time": self.frame_time.isoformat() if self.frame_time else None,
            "sharpness": round(self.sharpness, 2) if self.sharpness is not None else None,
            "download_seconds": round(self.download_seconds, 3),
            "decode_seconds": round(self.decode_seconds, 3),
            "reason": self.reason,
            "attempts": [attempt.as_dict() for attempt in self.attempts],
        }


@dataclass(frozen=True, slots=True)
class ExportParameters:
    """What an export of the last alarms was asked for (camera-clock window)."""

    limit: int
    begin: datetime
    end: datetime
    channel: int = 0
    prefer: PreferredSource = PreferredSource.JPG
    strict: bool = False
    download_timeout: float = 60.0
    merge_window: float = 5.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "begin": self.begin.isoformat(),
            "end": self.end.isoformat(),
            "channel": self.channel,
            "prefer": str(self.prefer),
            "strict": self.strict,
            "download_timeout_sec": self.download_timeout,
            "merge_window_sec": self.merge_window,
        }


@dataclass(frozen=True, slots=True)
class HistoryCounts:
    """What the history listing found in the window."""

    picture_entries: int = 0
    motion_clips: int = 0
    pushed_alarms: int = 0
    alarms: int = 0
    errors: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "jpg_entries": self.picture_entries,
            "motion_clips": self.motion_clips,
            "pushed_alarms": self.pushed_alarms,
            "alarms_after_merge": self.alarms,
            "errors": list(self.errors),
        }


@dataclass(frozen=True, slots=True)
class ExportReport:
    """An export of the last alarms' pictures, newest first; becomes report.json."""

    parameters: ExportParameters
    counts: HistoryCounts
    pictures: tuple[AlarmPicture, ...]
    created: datetime  # host clock, with its zone: names the export folder
    camera_time: datetime | None = None
    host: str = ""
    elapsed_seconds: float = 0.0

    def methods(self) -> dict[str, int]:
        """How many alarms each method resolved."""
        counts = {str(method): 0 for method in PictureMethod}
        for picture in self.pictures:
            counts[str(picture.method)] += 1
        return counts

    @property
    def bytes_downloaded(self) -> int:
        return sum(picture.bytes_downloaded for picture in self.pictures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created.isoformat(timespec="seconds"),
            "host": self.host,
            "camera_time": self.camera_time.isoformat() if self.camera_time else None,
            "parameters": self.parameters.as_dict(),
            "query": self.counts.as_dict(),
            "methods": self.methods(),
            "bytes_downloaded": self.bytes_downloaded,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "alarms": [picture.as_dict() for picture in self.pictures],
        }
