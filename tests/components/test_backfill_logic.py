"""Matching a camera's history against the alarms already fired (no Home Assistant needed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from custom_components.dvrip.backfill import (
    MAX_REMEMBERED,
    AlarmLedger,
    find_unseen_alarms,
)
from custom_components.dvrip.client import FileType, RecordEvent, RecordFile

T0 = datetime(2026, 11, 25, 13, 0, 0)


def _record(
    seconds: int,
    *,
    picture: bool = True,
    tag: RecordEvent = RecordEvent.MOTION,
    channel: int = 0,
    length: int = 10,
) -> RecordFile:
    begin = T0 + timedelta(seconds=seconds)
    kind = FileType.PICTURE if picture else FileType.VIDEO
    return RecordFile(
        name=f"/idea0/{seconds}[{tag.value}].{'jpg' if picture else 'h264'}",
        begin=begin,
        end=begin if picture else begin + timedelta(seconds=length),
        size_kib=1,
        file_type=kind,
        event=tag,
        channel=channel,
    )


def _alarm(
    seconds: int, *, channel: int = 0, tag: RecordEvent = RecordEvent.MOTION
) -> list[RecordFile]:
    """The two traces a camera leaves of one alarm."""
    return [
        _record(seconds, tag=tag, channel=channel),
        _record(seconds, picture=False, tag=tag, channel=channel),
    ]


def _unseen(records: list[RecordFile], ledger: AlarmLedger | None = None) -> list[tuple[int, int]]:
    found = find_unseen_alarms(
        records, ledger or AlarmLedger(), begin=T0, end=T0 + timedelta(hours=1)
    )
    return [(int((alarm.time - T0).total_seconds()), alarm.channel) for alarm in found]


def test_one_alarm_per_jpg_and_clip_pair() -> None:
    records = _alarm(10) + _alarm(60) + _alarm(60, channel=1)
    assert _unseen(records) == [(10, 0), (60, 0), (60, 1)]


def test_fired_alarms_are_not_found_again() -> None:
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=10))
    # A clip that started a second before the push, and a jpg entry a second after it.
    records = [_record(11), _record(9, picture=False), *_alarm(60)]
    assert _unseen(records, ledger) == [(60, 0)]


def test_a_clip_covering_a_fired_alarm_is_its_recording() -> None:
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=30))
    assert _unseen([_record(10, picture=False, length=60)], ledger) == []


def test_a_clip_without_a_picture_is_an_alarm() -> None:
    assert _unseen([_record(10, picture=False)]) == [(10, 0)]


def test_a_long_clip_covering_new_pictures_adds_no_alarm() -> None:
    records = [_record(10, picture=False, length=60), _record(15), _record(40)]
    assert _unseen(records) == [(15, 0), (40, 0)]


def test_regular_recordings_are_no_alarms() -> None:
    records = [_record(10, tag=RecordEvent.REGULAR), _record(20, tag=RecordEvent.MANUAL)]
    assert _unseen(records) == []


def test_alarm_input_recordings_are_alarms() -> None:
    [found] = find_unseen_alarms(
        _alarm(10, tag=RecordEvent.ALARM), AlarmLedger(), begin=T0, end=T0 + timedelta(hours=1)
    )
    assert found.tag is RecordEvent.ALARM
    assert found.picture is not None
    assert found.source_name == found.picture.name


def test_traces_closer_than_the_window_are_one_alarm() -> None:
    assert _unseen([_record(10), _record(11), _record(12), _record(13)]) == [(10, 0), (12, 0)]
    assert _unseen([_record(10), _record(12), _record(14)]) == [(10, 0), (12, 0), (14, 0)]


def test_the_window_end_is_left_out() -> None:
    found = find_unseen_alarms(
        _alarm(0) + _alarm(60), AlarmLedger(), begin=T0, end=T0 + timedelta(seconds=60)
    )
    assert [alarm.time for alarm in found] == [T0]


def test_what_was_fired_is_never_found_twice() -> None:
    """Firing what a check found and checking again finds nothing: no repeats."""
    ledger = AlarmLedger()
    records = [_record(9, picture=False), _record(11), _record(12), *_alarm(40)]
    first = find_unseen_alarms(records, ledger, begin=T0, end=T0 + timedelta(hours=1))
    for alarm in first:
        ledger.record(alarm.channel, alarm.time)
    assert len(first) == 2
    assert _unseen(records, ledger) == []


def test_ledger_round_trip_and_pruning() -> None:
    ledger = AlarmLedger()
    for seconds in (30, 10, 20, 20):
        ledger.record(1, T0 + timedelta(seconds=seconds, microseconds=5))
    ledger.checked_until = T0 + timedelta(minutes=1)
    assert len(ledger) == 3
    assert ledger.newest(1) == T0 + timedelta(seconds=30)
    again = AlarmLedger.from_dict(ledger.as_dict())
    assert again.as_dict() == ledger.as_dict()
    assert again.fired_between(1, T0 + timedelta(seconds=19), T0 + timedelta(seconds=21))
    assert not again.fired_between(0, T0, T0 + timedelta(hours=1))
    again.prune(T0 + timedelta(seconds=15))
    assert len(again) == 2
    assert again.newest(0) is None


def test_ledger_is_bounded() -> None:
    ledger = AlarmLedger()
    for seconds in range(MAX_REMEMBERED + 10):
        ledger.record(0, T0 + timedelta(seconds=seconds))
    assert len(ledger) == MAX_REMEMBERED
    assert not ledger.fired_between(0, T0, T0 + timedelta(seconds=9))


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"version": 2},
        {"version": 1, "alarms": {"x": ["2026-01-01T00:00:00"]}},
        {"version": 1, "alarms": {"0": ["not a time"]}},
        {"version": 1, "alarms": {"0": ["2026-01-01T00:00:00+01:00"]}},
        {"version": 1, "alarms": "junk"},
        {"version": 1, "checked_until": 5},
    ],
)
def test_damaged_ledger_reads_as_empty(data: object) -> None:
    ledger = AlarmLedger.from_dict(data)
    assert len(ledger) == 0
    assert ledger.checked_until is None


def test_a_flood_is_matched_quickly() -> None:
    """Thousands of traces (50 alarms a second for a minute) in well under a second of work."""
    ledger = AlarmLedger()
    records = []
    for seconds in range(0, 3600, 1):
        records.extend(_alarm(seconds))
        if seconds % 2:
            ledger.record(0, T0 + timedelta(seconds=seconds))
    found = _unseen(records, ledger)
    assert found == []


def test_a_late_jpg_inside_a_fired_alarms_clip_is_that_alarm() -> None:
    """The camera saved the alarm's jpg a few seconds after the push, inside the push's clip."""
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=10))
    records = [_record(10, picture=False, length=20), _record(13)]
    assert _unseen(records, ledger) == []
