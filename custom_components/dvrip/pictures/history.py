"""The alarms of a time window, from the camera's history and from pushed alarms.

A camera leaves several traces of one alarm: an AlarmInfo push, a `Type=jpg` history entry
and a motion clip (`[M]`), all stamped with (about) the same second. Merging them gives one
marker per alarm; which traces exist depends on the firmware (some never push, some store
no pictures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import logging
from typing import Final

from ..client import (
    Alarm,
    AlarmStatus,
    DvripClient,
    DvripCommandError,
    FileType,
    RecordEvent,
    RecordFile,
)
from .models import AlarmMarker, MarkerSource

_LOGGER = logging.getLogger(__name__)

# Traces of one alarm closer than this are the same alarm.
ALARM_MERGE_WINDOW: Final = timedelta(seconds=5)
# A motion clip beginning further than this from an alarm (and not containing it) shows
# another alarm.
CLIP_MAX_DISTANCE: Final = timedelta(minutes=5)
# What of a motion clip an alarm's picture is looked for in: the seconds around the alarm,
# not the whole file (continuous-recording cameras keep hour-long files; recorders send at
# about real time). A clip starts at its alarm's StartTime to the second on one measured
# device: 2 s before cover the clock's rounding and a recorder's pre-record, 8 s after cover
# the motion that raised the alarm.
CLIP_WINDOW_BEFORE: Final = timedelta(seconds=2)
CLIP_WINDOW_AFTER: Final = timedelta(seconds=8)

# When traces of one alarm disagree on its time, the push is the alarm itself, the
# picture was stored for it, and a clip may have started a little earlier.
_SOURCE_RANK: Final = {MarkerSource.PUSH: 0, MarkerSource.PICTURE: 1, MarkerSource.CLIP: 2}


@dataclass(frozen=True, slots=True)
class AlarmHistory:
    """What the camera lists for a window: jpg entries and motion clips, oldest first."""

    pictures: tuple[RecordFile, ...] = ()
    clips: tuple[RecordFile, ...] = ()
    errors: tuple[str, ...] = ()


def is_motion_clip(record: RecordFile) -> bool:
    return record.file_type is FileType.VIDEO and record.event is RecordEvent.MOTION


async def list_alarm_history(
    client: DvripClient, begin: datetime, end: datetime, *, channel: int = 0
) -> AlarmHistory:
    """List jpg entries and motion clips (paged by the client); a refused query lists nothing.

    Clips are listed with Event `*` and picked by their `[M]` tag: some firmware finds
    nothing for any other filter.
    """
    errors: list[str] = []
    pictures: list[RecordFile] = []
    clips: list[RecordFile] = []
    try:
        pictures = await client.query_files(
            begin, end, channel=channel, file_type=FileType.PICTURE, event="*"
        )
    except DvripCommandError as err:
        errors.append(f"jpg query: {err}")
    try:
        videos = await client.query_files(
            begin, end, channel=channel, file_type=FileType.VIDEO, event="*"
        )
        clips = [record for record in videos if is_motion_clip(record)]
    except DvripCommandError as err:
        errors.append(f"h264 query: {err}")
    return AlarmHistory(tuple(pictures), tuple(clips), tuple(errors))


def merge_alarm_markers(
    *,
    pictures: Iterable[RecordFile] = (),
    clips: Iterable[RecordFile] = (),
    pushed: Iterable[Alarm | AlarmMarker] = (),
    window: timedelta = ALARM_MERGE_WINDOW,
    channel: int | None = None,
    begin: datetime | None = None,
    end: datetime | None = None,
) -> list[AlarmMarker]:
    """One marker per alarm, newest first.

    Traces on one channel closer than `window` to the first trace of a group are one alarm.
    A clip that covers a pushed alarm or a picture is that alarm's recording, not an alarm
    of its own (long recordings would otherwise add an alarm at their start).
    """
    known: list[AlarmMarker] = [AlarmMarker.from_record(record) for record in pictures]
    for alarm in pushed:
        if isinstance(alarm, Alarm):
            if alarm.status == AlarmStatus.STOP or alarm.start_time is None:
                continue
            known.append(AlarmMarker.from_alarm(alarm))
        else:
            known.append(alarm)
    recorded: set[int] = set()
    candidates: list[AlarmMarker] = []
    for clip in clips:
        if not is_motion_clip(clip):
            continue
        covered = {
            position
            for position, marker in enumerate(known)
            if marker.channel == clip.channel and clip.begin - window <= marker.time <= clip.end
        }
        recorded |= covered
        if not covered:
            candidates.append(AlarmMarker.from_record(clip))
    candidates.extend(
        replace(marker, sources=(*marker.sources, MarkerSource.CLIP))
        if position in recorded
        else marker
        for position, marker in enumerate(known)
    )
    candidates = [
        marker
        for marker in candidates
        if (channel is None or marker.channel == channel)
        and (begin is None or marker.time >= begin)
        and (end is None or marker.time <= end)
    ]
    candidates.sort(key=lambda marker: (marker.channel, marker.time))
    merged: list[AlarmMarker] = []
    group: list[AlarmMarker] = []
    for marker in candidates:
        if group and (marker.channel != group[0].channel or marker.time - group[0].time > window):
            merged.append(_merge_group(group))
            group = []
        group.append(marker)
    if group:
        merged.append(_merge_group(group))
    # Newest first; alarms of the same second by channel (the sort is stable).
    merged.sort(key=lambda marker: marker.time, reverse=True)
    return merged


def _merge_group(group: Sequence[AlarmMarker]) -> AlarmMarker:
    def rank(marker: AlarmMarker) -> tuple[int, datetime]:
        return (min(_SOURCE_RANK[source] for source in marker.sources), marker.time)

    lead = min(group, key=rank)
    pictures = [marker.picture for marker in group if marker.picture is not None]
    picture = min(pictures, key=lambda record: abs(record.begin - lead.time), default=None)
    sources = sorted(
        {source for marker in group for source in marker.sources},
        key=lambda source: _SOURCE_RANK[source],
    )
    return AlarmMarker(lead.time, lead.channel, lead.event, picture, tuple(sources))


def find_motion_clip(
    clips: Iterable[RecordFile],
    time: datetime,
    *,
    channel: int = 0,
    max_distance: timedelta = CLIP_MAX_DISTANCE,
) -> RecordFile | None:
    """The alarm's clip: the one containing its time, else the nearest by BeginTime."""
    candidates = [clip for clip in clips if clip.channel == channel and is_motion_clip(clip)]
    containing = [clip for clip in candidates if clip.begin <= time <= clip.end]
    if containing:
        # Of nested or touching clips, the one that started last is about this alarm.
        return max(containing, key=lambda clip: (clip.begin, clip.name))
    near = [clip for clip in candidates if abs(clip.begin - time) <= max_distance]
    if not near:
        return None
    return min(near, key=lambda clip: (abs(clip.begin - time), clip.begin))


def find_picture_entry(
    pictures: Iterable[RecordFile],
    time: datetime,
    *,
    channel: int = 0,
    window: timedelta = ALARM_MERGE_WINDOW,
) -> RecordFile | None:
    """The jpg entry stored for an alarm: the nearest within `window` of its time."""
    near = [
        record
        for record in pictures
        if record.channel == channel
        and record.file_type is FileType.PICTURE
        and abs(record.begin - time) <= window
    ]
    if not near:
        return None
    return min(near, key=lambda record: (abs(record.begin - time), record.begin))


def clip_window(clip: RecordFile, moment: datetime) -> tuple[datetime, datetime] | None:
    """The part of `clip` to download for the alarm at `moment`; None: the whole clip."""
    center = min(max(moment, clip.begin), clip.end)
    begin = max(clip.begin, center - CLIP_WINDOW_BEFORE)
    end = min(clip.end, center + CLIP_WINDOW_AFTER)
    if begin <= clip.begin and end >= clip.end:
        return None
    return begin, end
