"""The simulated camera's recordings: what OPFileQuery lists and OPPlayBack downloads.

Entries are kept sorted by BeginTime. Their media is generated lazily, in a worker thread, on
the first download (or when a search lists a JPEG picture, or a test asks), then cached on the
entry. FileLength in query replies is the stored file's size in KiB, container included,
rounded up, as on real devices: JPEG pictures are made before they are listed; recordings
and picture streams are given a size when recorded and their container is filled up to it
with info frames (which players skip), so that a search need not encode every clip first.
A recording still going on can be extended (a camera keeps recording while motion goes on)
until its media exists.
"""

from __future__ import annotations

import asyncio
import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from simulator.media import (
    MotionClip,
    PictureKind,
    container_window,
    motion_clip,
    pad_container,
    picture_entry,
)
from simulator.wire import format_time

# Recordings longer than this (continuous recording's hour-long files) are made only for the
# part a download asks for: encoding an hour would take minutes.
_SYNTHETIC_LONGER_THAN = timedelta(minutes=10)
_WINDOWS_KEPT = 4
# Recordings searched for one still going on reach back this far at most.
_LONGEST_RECORDING = timedelta(days=1)
# What firmware with odd times writes for "no time".
NO_TIME = "0000-00-00 00:00:00"

# File ids in names look like "[@69f17]" on real devices; keep them unique so clients can
# de-duplicate pages by FileName.
FIRST_FILE_ID = 0x69F17
# Devices answer at most this many entries per query, with no "more" flag.
MAX_QUERY_ENTRIES = 64
# The stored size of generated recordings: above what the encoder makes (about 12 KiB a frame
# at 320x240 for H.264, less for H.265), so the container can be filled up to it.
_KIB_PER_FRAME = 16
_STREAM_PICTURE_KIB = 100
_SIZE_PIXELS = 320 * 240
# Pictures whose bytes are made before a search lists them (cheap: tens of milliseconds).
_LISTED_AS_MADE = frozenset({PictureKind.JPEG, PictureKind.JPEG_IN_FRAME, PictureKind.PLACEHOLDER})


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
    # Parts of a long recording made so far (window -> bytes), the oldest dropped first.
    _windows: dict[tuple[datetime, datetime], bytes] = field(default_factory=dict, repr=False)
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
    def made_before_listing(self) -> bool:
        """Whether a search makes this entry's bytes before it lists the entry."""
        return self.record_type is RecordType.PICTURE and self.picture_kind in _LISTED_AS_MADE

    @property
    def stored_kib(self) -> int:
        """The size a recording or picture stream is stored at (its container filled up)."""
        if self.record_type is RecordType.VIDEO:
            spec = self.clip_spec
            scale = spec.width * spec.height / _SIZE_PIXELS
            return max(1, math.ceil(self._frames() * _KIB_PER_FRAME * scale))
        if self.picture_kind is PictureKind.PLACEHOLDER:
            return 0
        # Pictures made before listing: an estimate until they are.
        return _STREAM_PICTURE_KIB

    @property
    def file_length_kib(self) -> int:
        """FileLength: the stored size in KiB, rounded up."""
        if self._media is not None:
            return math.ceil(len(self._media) / 1024)
        return self.stored_kib

    def _frames(self) -> int:
        # An extended recording is longer than one alarm's clip.
        spec = self.clip_spec
        return max(spec.frames, round((self.end - self.begin).total_seconds() * spec.fps))

    def overlaps(self, begin: datetime, end: datetime) -> bool:
        return self.begin <= end and self.end >= begin

    def to_json(self, *, odd_times: bool = False) -> dict[str, Any]:
        """The entry as it appears in an OPFileQuery reply.

        With `odd_times`, as some firmware writes it: no end time on pictures, and the end of
        a recording that stops at midnight as "24:00:00" of its own day.
        """
        end = format_time(self.end)
        if odd_times and self.record_type is RecordType.PICTURE:
            end = NO_TIME
        elif odd_times and self.end.time() == datetime.min.time() and self.end > self.begin:
            end = f"{self.end - timedelta(days=1):%Y-%m-%d} 24:00:00"
        return {
            "BeginTime": format_time(self.begin),
            "DiskNo": self.disk_no,
            "EndTime": end,
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

    async def window_media(self, begin: datetime, end: datetime) -> bytes:
        """What a playback of `begin`..`end` of this recording sends (from the keyframe before).

        A long recording not made whole yet is made for that part alone, as if cut from it.
        """
        if self._media is not None or self.end - self.begin <= _SYNTHETIC_LONGER_THAN:
            return container_window(await self.media(), begin, end)
        if (cached := self._windows.get((begin, end))) is not None:
            return cached
        spec = self.clip_spec
        start = max(self.begin, begin.replace(microsecond=0))
        seconds = max(1, math.ceil((min(end, self.end) - start).total_seconds()) + 1)
        clip = await asyncio.to_thread(
            motion_clip,
            codec=spec.codec,
            width=spec.width,
            height=spec.height,
            fps=spec.fps,
            frames=seconds * spec.fps,
            start=start,
            seed=self.seed + int((start - self.begin).total_seconds()),
            service_blocks=spec.service_blocks,
        )
        if len(self._windows) >= _WINDOWS_KEPT:
            self._windows.pop(next(iter(self._windows)))
        self._windows[(begin, end)] = clip.data
        return clip.data

    async def media(self) -> bytes:
        """The whole file as a download delivers it (generated on first use)."""
        if self._media is not None:
            return self._media
        async with self._lock:
            if self._media is None:
                if self.record_type is RecordType.VIDEO:
                    spec = self.clip_spec
                    frames = self._frames()
                    self._clip = await asyncio.to_thread(
                        motion_clip,
                        codec=spec.codec,
                        width=spec.width,
                        height=spec.height,
                        fps=spec.fps,
                        frames=frames,
                        start=self.begin,
                        seed=self.seed,
                        service_blocks=spec.service_blocks,
                    )
                    self._media = pad_container(self._clip.data, self.stored_kib * 1024)
                else:
                    kind = self.picture_kind or PictureKind.JPEG
                    media = await asyncio.to_thread(
                        picture_entry,
                        kind,
                        start=self.begin,
                        seed=self.seed,
                        codec=self.clip_spec.codec,
                    )
                    if not self.made_before_listing:
                        media = pad_container(media, self.stored_kib * 1024)
                    self._media = media
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

    def recording(self, channel: int, event: RecordEvent, moment: datetime) -> HistoryEntry | None:
        """The clip of `channel` and `event` still being recorded at `moment`, if any."""
        for entry in reversed(self._entries):
            if entry.begin > moment:
                continue
            if (
                entry.channel == channel
                and entry.record_type is RecordType.VIDEO
                and entry.event is event
                and entry.name is None
                and entry.end >= moment
            ):
                return entry
            if entry.begin < moment - _LONGEST_RECORDING:
                break
        return None

    def extend(self, entry: HistoryEntry, until: datetime) -> None:
        """Record `entry` on until `until` (its name, which holds its end, changes with it)."""
        if entry.media_ready:
            raise ValueError(f"{entry.file_name} is closed already")
        until = until.replace(microsecond=0, tzinfo=None)
        if until <= entry.end:
            return
        del self._by_name[entry.file_name]
        entry.end = until
        self._by_name[entry.file_name] = entry

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
