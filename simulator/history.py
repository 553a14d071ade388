"""The simulated camera's recordings: what OPFileQuery lists and OPPlayBack downloads.

Entries are kept sorted by BeginTime. Their media is generated lazily, in a worker thread, on
the first download (or when a test asks for it), then cached on the entry; before that the
FileLength in query replies is an estimate, afterwards it is the real size in KiB.
"""

from __future__ import annotations

import asyncio
import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from simulator.media import MotionClip, PictureKind, motion_clip, picture_entry
from simulator.wire import format_time

# File ids in names look like "[@69f17]" on real devices; keep them unique so clients can
# de-duplicate pages by FileName.
FIRST_FILE_ID = 0x69F17
# Devices answer at most this many entries per query, with no "more" flag.
MAX_QUERY_ENTRIES = 64
# Rough sizes (of the generated media at 320x240) for FileLength until it has been generated.
_ESTIMATED_KIB_PER_FRAME = 12
_ESTIMATED_PICTURE_KIB = 60
_ESTIMATE_PIXELS = 320 * 240


class RecordType(StrEnum):
    """The OPFileQuery "Type" (h264 also covers H.265 recordings)."""

    VIDEO = "h264"
    PICTURE = "jpg"


class RecordEvent(StrEnum):
    """The letter in a file name's first bracket and the OPFileQuery "Event" filter."""

    MOTION = "M"
    ALARM = "A"
    REGULAR = "R"
    MANUAL = "H"


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """How the motion clips of a camera are encoded."""

    codec: str = "h264"
    width: int = 320
    height: int = 240
    fps: int = 10
    frames: int = 20
    service_blocks: bool = False

    @property
    def seconds(self) -> int:
        return max(1, math.ceil(self.frames / self.fps))


@dataclass(eq=False, slots=True)
class HistoryEntry:
    """One recorded file: a motion clip (Type h264) or a picture (Type jpg)."""

    channel: int
    record_type: RecordType
    event: RecordEvent
    begin: datetime
    end: datetime
    file_id: int
    clip_spec: ClipSpec
    picture_kind: PictureKind | None = None
    disk_no: int = 0
    serial_no: int = 0
    # A name given by the test rather than made from the entry (hostile firmware's names).
    name: str | None = None
    _media: bytes | None = field(default=None, repr=False)
    _clip: MotionClip | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def file_name(self) -> str:
        if self.name is not None:
            return self.name
        extension = "h264" if self.record_type is RecordType.VIDEO else "jpg"
        return (
            f"/idea0/{self.begin:%Y-%m-%d}/{self.channel + 1:03d}/"
            f"{self.begin:%H.%M.%S}-{self.end:%H.%M.%S}"
            f"[{self.event.value}][@{self.file_id:x}][0].{extension}"
        )

    @property
    def seed(self) -> int:
        return self.file_id

    @property
    def media_ready(self) -> bool:
        return self._media is not None

    @property
    def file_length_kib(self) -> int:
        if self._media is not None:
            return math.ceil(len(self._media) / 1024)
        if self.record_type is RecordType.VIDEO:
            spec = self.clip_spec
            scale = spec.width * spec.height / _ESTIMATE_PIXELS
            return max(1, round(spec.frames * _ESTIMATED_KIB_PER_FRAME * scale))
        if self.picture_kind is PictureKind.PLACEHOLDER:
            return 0
        return _ESTIMATED_PICTURE_KIB

    def overlaps(self, begin: datetime, end: datetime) -> bool:
        return self.begin <= end and self.end >= begin

    def to_json(self) -> dict[str, Any]:
        """The entry as it appears in an OPFileQuery reply."""
        return {
            "BeginTime": format_time(self.begin),
            "DiskNo": self.disk_no,
            "EndTime": format_time(self.end),
            "FileLength": f"0x{self.file_length_kib:08X}",
            "FileName": self.file_name,
            "SerialNo": self.serial_no,
        }

    def describe(self) -> dict[str, Any]:
        """The entry for the control API and logs: query fields plus what the simulator knows."""
        return {
            **self.to_json(),
            "Channel": self.channel,
            "Type": self.record_type.value,
            "Event": self.event.value,
            "PictureKind": self.picture_kind.value if self.picture_kind else None,
            "Codec": self.clip_spec.codec,
            "MediaReady": self.media_ready,
        }

    async def motion_clip(self) -> MotionClip:
        """The generated clip of a video entry (generated on first use)."""
        if self.record_type is not RecordType.VIDEO:
            raise ValueError(f"{self.file_name} is not a video entry")
        await self.media()
        assert self._clip is not None
        return self._clip

    async def media(self) -> bytes:
        """The whole file as a download delivers it (generated on first use)."""
        if self._media is not None:
            return self._media
        async with self._lock:
            if self._media is None:
                if self.record_type is RecordType.VIDEO:
                    spec = self.clip_spec
                    self._clip = await asyncio.to_thread(
                        motion_clip,
                        codec=spec.codec,
                        width=spec.width,
                        height=spec.height,
                        fps=spec.fps,
                        frames=spec.frames,
                        start=self.begin,
                        seed=self.seed,
                        service_blocks=spec.service_blocks,
                    )
                    self._media = self._clip.data
                else:
                    kind = self.picture_kind or PictureKind.JPEG
                    self._media = await asyncio.to_thread(
                        picture_entry,
                        kind,
                        start=self.begin,
                        seed=self.seed,
                        codec=self.clip_spec.codec,
                    )
            return self._media


@dataclass(frozen=True, slots=True)
class FileQuery:
    """The filter of one OPFileQuery request."""

    channel: int
    record_type: RecordType
    event: str
    begin: datetime
    end: datetime


class History:
    """All recordings of the camera, sorted by BeginTime."""

    def __init__(self) -> None:
        self._entries: list[HistoryEntry] = []
        self._by_name: dict[str, HistoryEntry] = {}
        self._next_file_id = FIRST_FILE_ID

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> tuple[HistoryEntry, ...]:
        return tuple(self._entries)

    def add(
        self,
        *,
        channel: int,
        record_type: RecordType,
        event: RecordEvent,
        begin: datetime,
        clip_spec: ClipSpec,
        picture_kind: PictureKind | None = None,
        seconds: int | None = None,
        file_name: str | None = None,
    ) -> HistoryEntry:
        """Record a new file; a clip lasts as long as its media, a picture has no duration.

        `file_name` replaces the usual name (it must not be taken already).
        """
        if file_name is not None and file_name in self._by_name:
            raise ValueError(f"a file named {file_name!r} exists already")
        if record_type is RecordType.VIDEO:
            duration = clip_spec.seconds if seconds is None else seconds
        else:
            duration = 0 if seconds is None else seconds
        begin = begin.replace(microsecond=0, tzinfo=None)
        entry = HistoryEntry(
            channel=channel,
            record_type=record_type,
            event=event,
            begin=begin,
            end=begin + timedelta(seconds=duration),
            file_id=self._next_file_id,
            clip_spec=clip_spec,
            picture_kind=picture_kind if record_type is RecordType.PICTURE else None,
            name=file_name,
        )
        self._next_file_id += 1
        bisect.insort(self._entries, entry, key=lambda item: (item.begin, item.file_id))
        self._by_name[entry.file_name] = entry
        return entry

    def find(self, file_name: str) -> HistoryEntry | None:
        return self._by_name.get(file_name)

    def query(
        self, query: FileQuery, *, any_event_only: bool = False, limit: int = MAX_QUERY_ENTRIES
    ) -> list[HistoryEntry]:
        """Entries overlapping the query window, oldest first, at most ``limit`` of them."""
        if any_event_only and query.event != "*":
            # Firmware that only knows "*" finds nothing for any other filter.
            return []
        found: list[HistoryEntry] = []
        for entry in self._entries:
            if entry.begin > query.end:
                break
            if (
                entry.channel == query.channel
                and entry.record_type is query.record_type
                and query.event in ("*", entry.event.value)
                and entry.overlaps(query.begin, query.end)
            ):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found
