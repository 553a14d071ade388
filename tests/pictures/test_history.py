"""Merging the traces of alarms, and finding an alarm's clip and jpg entry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from custom_components.dvrip.client import Alarm, FileType, RecordEvent, RecordFile
from custom_components.dvrip.pictures import (
    AlarmMarker,
    MarkerSource,
    find_motion_clip,
    find_picture_entry,
    merge_alarm_markers,
)

T0 = datetime(2026, 11, 25, 13, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def record(
    begin: float,
    end: float | None = None,
    *,
    file_type: FileType = FileType.VIDEO,
    event: RecordEvent = RecordEvent.MOTION,
    channel: int = 0,
) -> RecordFile:
    suffix = "h264" if file_type is FileType.VIDEO else "jpg"
    name = f"/idea0/x/{begin:g}[{event.value}][@1][0].{suffix}"
    return RecordFile(
        name, at(begin), at(begin if end is None else end), 1, file_type, event, channel
    )


def picture(begin: float, channel: int = 0) -> RecordFile:
    return record(begin, file_type=FileType.PICTURE, channel=channel)


def test_one_alarm_seen_three_ways_is_one_marker() -> None:
    markers = merge_alarm_markers(
        pictures=[picture(1)],
        clips=[record(0, 20)],
        pushed=[Alarm(0, "VideoMotion", "Start", at(2))],
    )
    assert len(markers) == 1
    [marker] = markers
    assert marker.time == at(2)  # the push's time leads
    assert marker.event == "VideoMotion"
    assert marker.picture == picture(1)
    assert marker.sources == (MarkerSource.PUSH, MarkerSource.PICTURE, MarkerSource.CLIP)


def test_markers_are_newest_first_and_grouped_by_window() -> None:
    markers = merge_alarm_markers(
        pictures=[picture(0), picture(4), picture(6), picture(100)],
        window=timedelta(seconds=5),
    )
    # 0 and 4 are one alarm; 6 is more than 5 s after the group's first trace.
    assert [marker.time for marker in markers] == [at(100), at(6), at(0)]
    assert all(marker.sources == (MarkerSource.PICTURE,) for marker in markers)
    assert markers[-1].event == "motion"


def test_clips_without_other_traces_are_alarms() -> None:
    markers = merge_alarm_markers(
        clips=[record(0, 10), record(60, 70), record(120, 130, event=RecordEvent.REGULAR)],
        pictures=[picture(65)],
    )
    assert [(marker.time, marker.sources) for marker in markers] == [
        (at(65), (MarkerSource.PICTURE, MarkerSource.CLIP)),
        (at(0), (MarkerSource.CLIP,)),
    ]
    assert markers[1].picture is None


def test_channels_window_and_stop_pushes() -> None:
    pushed = [
        Alarm(1, "VideoMotion", "Start", at(0)),
        Alarm(0, "VideoMotion", "Stop", at(30)),
        Alarm(0, "VideoMotion", "Start", None),
        AlarmMarker(at(50), 0, "LocalAlarm", None, (MarkerSource.PUSH,)),
    ]
    markers = merge_alarm_markers(
        pictures=[picture(0), picture(0, channel=1), picture(500)], pushed=pushed
    )
    assert [(marker.time, marker.channel) for marker in markers] == [
        (at(500), 0),
        (at(50), 0),
        (at(0), 0),
        (at(0), 1),
    ]
    only = merge_alarm_markers(
        pictures=[picture(0), picture(0, channel=1), picture(500)],
        pushed=pushed,
        channel=0,
        begin=at(10),
        end=at(100),
    )
    assert [marker.event for marker in only] == ["LocalAlarm"]


def test_find_motion_clip_prefers_the_clip_containing_the_alarm() -> None:
    clips = [record(0, 60), record(30, 90), record(95, 100), record(40, 50, channel=1)]
    assert find_motion_clip(clips, at(45)) == record(30, 90)
    assert find_motion_clip(clips, at(92)) == record(95, 100)
    assert find_motion_clip(clips, at(45), channel=1) == record(40, 50, channel=1)
    assert find_motion_clip(clips, at(1000)) is None
    assert find_motion_clip(clips, at(1000), max_distance=timedelta(hours=1)) == record(95, 100)
    regular = [record(0, 60, event=RecordEvent.REGULAR)]
    assert find_motion_clip(regular, at(10)) is None


def test_find_picture_entry_takes_the_nearest_within_the_window() -> None:
    pictures = [picture(0), picture(3), picture(3, channel=1), record(2)]
    assert find_picture_entry(pictures, at(2)) == picture(3)
    assert find_picture_entry(pictures, at(2), channel=1) == picture(3, channel=1)
    assert find_picture_entry(pictures, at(30)) is None


def test_marker_from_an_alarm_needs_a_time() -> None:
    alarm = Alarm(0, "VideoMotion", "Start", None)
    assert AlarmMarker.from_alarm(alarm, time=at(5)).time == at(5)
    with pytest.raises(ValueError, match="StartTime"):
        AlarmMarker.from_alarm(alarm)
