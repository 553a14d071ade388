"""Matching a camera's history against the alarms already fired (no Home Assistant needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.dvrip.backfill import (
    MAX_REMEMBERED,
    AlarmLedger,
    CheckSpan,
    check_spans,
    find_unseen_alarms,
    with_owed_spans,
)
from custom_components.dvrip.client import FileType, RecordEvent, RecordFile

T0 = datetime(2026, 11, 25, 13, 0, 0)
EPOCH = datetime(2000, 1, 1)


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
    seconds: int, *, channel: int = 0, tag: RecordEvent = RecordEvent.MOTION, length: int = 10
) -> list[RecordFile]:
    """The two traces a camera leaves of one alarm."""
    return [
        _record(seconds, tag=tag, channel=channel),
        _record(seconds, picture=False, tag=tag, channel=channel, length=length),
    ]


def _unseen(records: list[RecordFile], ledger: AlarmLedger | None = None) -> list[tuple[int, int]]:
    found = find_unseen_alarms(
        records,
        ledger if ledger is not None else AlarmLedger(),
        begin=T0,
        end=T0 + timedelta(hours=1),
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
    clips = [_record(seconds, picture=False, length=0) for seconds in (10, 11, 12, 13)]
    assert _unseen(clips) == [(10, 0), (12, 0)]
    clips = [_record(seconds, picture=False, length=0) for seconds in (10, 12, 14)]
    assert _unseen(clips) == [(10, 0), (12, 0), (14, 0)]


def test_the_pictures_of_one_alarm_are_one_alarm() -> None:
    """A camera that saves several pictures of an alarm, a second or two apart: one alarm."""
    [found] = find_unseen_alarms(
        [*_alarm(10), _record(12), _record(14)],
        AlarmLedger(),
        begin=T0,
        end=T0 + timedelta(hours=1),
    )
    assert found.time == T0 + timedelta(seconds=10)
    assert found.picture is not None
    assert found.picture.begin == found.time
    # Pictures further apart than a burst are alarms of their own.
    assert _unseen([_record(10), _record(12), _record(30)]) == [(10, 0), (30, 0)]


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
    """Alarms are forgotten by when they were fired, not by the camera's time."""
    ledger = AlarmLedger()
    fired = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    for seconds, hours in ((30, 0), (10, 2), (20, 1), (20, 1)):
        ledger.record(
            1, T0 + timedelta(seconds=seconds, microseconds=5), fired + timedelta(hours=hours)
        )
    # Stamped by a clock reset to its epoch: kept however long ago it was fired.
    ledger.record(0, datetime(2000, 1, 1, 0, 5), fired)
    ledger.checked_until = T0 + timedelta(minutes=1)
    ledger.checked_at = fired
    assert len(ledger) == 4
    assert ledger.take_newest(1, fired)
    assert not ledger.take_newest(1, fired - timedelta(seconds=1))
    again = AlarmLedger.from_dict(ledger.as_dict())
    assert again.as_dict() == ledger.as_dict()
    assert again.fired_between(1, T0 + timedelta(seconds=19), T0 + timedelta(seconds=21))
    assert not again.fired_between(0, T0, T0 + timedelta(hours=1))
    again.prune(fired + timedelta(minutes=90))
    assert len(again) == 2
    # The newest camera time went first: it was fired first (the clock had jumped).
    assert not again.fired_between(1, T0 + timedelta(seconds=15), T0 + timedelta(seconds=31))
    assert again.fired_between(1, T0 + timedelta(seconds=10), T0 + timedelta(seconds=10))
    assert again.fired_between(0, datetime(2000, 1, 1), datetime(2000, 1, 2))


def test_a_first_version_ledger_is_read() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    ledger = AlarmLedger.from_dict(
        {"version": 1, "checked_until": T0.isoformat(), "alarms": {"0": [T0.isoformat()]}},
        now,
    )
    assert ledger.checked_until == T0
    assert ledger.checked_at is None
    assert ledger.fired_between(0, T0, T0)
    ledger.prune(now)
    assert len(ledger) == 1
    ledger.prune(now + timedelta(seconds=1))
    assert len(ledger) == 0


HA_T0 = datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC)


def _spans(mark: datetime, until: datetime, passed: timedelta) -> list[tuple[datetime, datetime]]:
    spans = check_spans(
        mark=mark,
        mark_at=HA_T0,
        until=until,
        until_at=HA_T0 + passed,
        look_back=timedelta(hours=24),
        overlap=timedelta(minutes=5),
    )
    return [(span.begin, span.end) for span in spans]


def test_check_spans_follow_the_clock() -> None:
    ten = timedelta(minutes=10)
    five = timedelta(minutes=5)
    # No jump: one span, from the overlap before the mark.
    assert _spans(T0, T0 + ten, ten) == [(T0 - five, T0 + ten)]
    # Back to the epoch after a power cut: what the old clock wrote before it, and what the
    # new one wrote since (never the look-back's hours of the camera's history).
    epoch = datetime(2000, 1, 1, 0, 3)
    assert _spans(T0, epoch, ten) == [(epoch - ten - five, epoch), (T0 - five, T0 + ten)]
    # Set right again a while later: from that reading on, both sides again.
    later = T0 + timedelta(minutes=40)
    assert _spans(epoch, later, timedelta(minutes=30)) == [
        (epoch - five, epoch + timedelta(minutes=30)),
        (later - timedelta(minutes=35), later),
    ]
    # Daylight saving back an hour: the hour comes round again and is searched again.
    assert _spans(T0, T0 + ten - timedelta(hours=1), ten) == [
        (T0 - timedelta(hours=1) - five, T0 - timedelta(hours=1) + ten),
        (T0 - five, T0 + ten),
    ]
    # A check that does not reach further than the last one looks at the overlap alone.
    assert _spans(T0, T0, timedelta(0)) == [(T0 - five, T0)]


def test_check_spans_convert_with_the_clock_that_wrote() -> None:
    epoch = datetime(2000, 1, 1, 0, 3)
    old, new = check_spans(
        mark=T0,
        mark_at=HA_T0,
        until=epoch,
        until_at=HA_T0 + timedelta(minutes=10),
        look_back=timedelta(hours=24),
    )
    assert old.offset == epoch - (HA_T0 + timedelta(minutes=10)).replace(tzinfo=None)
    assert new.offset == T0 - HA_T0.replace(tzinfo=None)


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
        {"version": 3},
        {"version": 2, "alarms": {"0": [["2026-01-01T00:00:00", "2026-01-01T00:00:00"]]}},
        {"version": 2, "alarms": {"0": [["2026-01-01T00:00:00"]]}},
        {"version": 2, "checked_at": "2026-01-01T00:00:00"},
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
        # A channel records one file at a time: each alarm's ends as the next begins.
        records.extend(_alarm(seconds, length=1))
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


def _epoch_alarm(seconds: int, card_id: int) -> list[RecordFile]:
    """The traces of an alarm stamped by a clock back at 2000, named as one card names them."""
    return [
        replace(
            record,
            name=f"{record.name}[@{card_id:x}]",
            begin=record.begin - (T0 - EPOCH),
            end=record.end - (T0 - EPOCH),
        )
        for record in _alarm(seconds)
    ]


def test_an_epoch_alarm_is_remembered_by_its_pictures_once_listed() -> None:
    """After a power cut a clock at 2000 writes an earlier cut's seconds again: a new alarm
    of the same second is found, the earlier one is not found again.
    """
    now = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    ledger = AlarmLedger()
    ledger.record(0, EPOCH + timedelta(seconds=5), now - timedelta(days=1))
    earlier = _epoch_alarm(5, card_id=1)
    begin, end = EPOCH, EPOCH + timedelta(minutes=5)
    assert find_unseen_alarms(earlier, ledger, begin=begin, end=end) == []
    # Listed up to seconds after it (its picture may not be saved yet): kept by second.
    ledger.settle(earlier, begin=begin, end=EPOCH + timedelta(seconds=12))
    assert ledger.fired_between(0, EPOCH, end)
    assert not ledger.settled(0)
    # Listed, but a picture of its burst or clip may still come: that one is taken for its.
    ledger.settle(earlier, begin=begin, end=EPOCH + timedelta(seconds=20))
    assert set(ledger.settled(0)) == {record.name for record in earlier}
    assert not ledger.claims_picture(0, EPOCH + timedelta(seconds=5), timedelta(seconds=1))
    assert ledger.claims_picture(0, EPOCH + timedelta(seconds=14), timedelta(seconds=1))
    ledger = AlarmLedger.from_dict(ledger.as_dict())
    assert ledger.claims_picture(0, EPOCH + timedelta(seconds=14), timedelta(seconds=1))
    # Listed past all of it: remembered by its picture alone.
    ledger.settle(earlier, begin=begin, end=end)
    assert not ledger.fired_between(0, EPOCH, end)
    assert set(ledger.settled(0)) == {record.name for record in earlier}
    ledger = AlarmLedger.from_dict(ledger.as_dict())
    # The alarm at 7 s falls in the recording of the one at 5 s: a picture of its own.
    later = _epoch_alarm(5, card_id=2) + _epoch_alarm(7, card_id=3)[:1]
    found = find_unseen_alarms(earlier + later, ledger, begin=begin, end=end)
    assert [(alarm.time, alarm.picture) for alarm in found] == [
        (EPOCH + timedelta(seconds=5), later[0])
    ]


def test_an_ntp_correction_back_writes_seconds_again() -> None:
    """NTP sets a clock 20 s fast right: an unpushed alarm in the seconds that come round
    again is found; the one fired the first time round is not found again, and both are
    forgotten with the look-back.
    """
    fired_at = datetime(2026, 11, 25, 13, 0, 10, tzinfo=UTC)
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=10), fired_at)
    first = _alarm(10)
    ledger.settle(first, begin=T0, end=T0 + timedelta(seconds=40))
    assert set(ledger.settled(0)) == {record.name for record in first}
    again = [replace(record, name=record.name + "-again") for record in _alarm(12)]
    assert _unseen(first + again, ledger) == [(12, 0)]
    ledger.prune(fired_at + timedelta(seconds=1))
    assert not ledger.settled(0)
    assert len(ledger) == 0


def test_an_alarm_of_a_second_already_remembered_by_pictures_takes_its_own() -> None:
    """A clock back at 2000 stamps a new alarm with the second of one remembered by its
    pictures: the new alarm's picture, listed later, is taken for it (not found again).
    """
    now = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    window = timedelta(seconds=1)
    ledger = AlarmLedger()
    second = EPOCH + timedelta(seconds=5)
    ledger.record(0, second, now - timedelta(days=1))
    earlier = _epoch_alarm(5, card_id=1)
    ledger.settle(earlier, begin=EPOCH, end=EPOCH + timedelta(seconds=20))
    assert not ledger.claims_picture(0, second, window)
    ledger.record(0, second, now)  # pushed: the new alarm
    later = _epoch_alarm(5, card_id=2)
    assert ledger.claims_picture(0, second, window)
    found = find_unseen_alarms(
        earlier + later, ledger, begin=EPOCH, end=EPOCH + timedelta(minutes=5)
    )
    assert found == []


def _again(records: list[RecordFile]) -> list[RecordFile]:
    """The same traces written again by a clock that came round: the same seconds, other names."""
    return [replace(record, name=record.name + "-again") for record in records]


def test_two_recordings_of_the_same_seconds_are_two_alarms() -> None:
    """After the clock went back, two unpushed alarms left a picture and a recording each at
    the same second: their pictures fall in one burst, but a channel records one file at a
    time, so the two recordings are two alarms. Once fired, neither is found again.
    """
    records = _alarm(10, length=2) + _again(_alarm(10, length=2))
    ledger = AlarmLedger()
    found = find_unseen_alarms(records, ledger, begin=T0, end=T0 + timedelta(hours=1))
    assert [(alarm.time, alarm.channel) for alarm in found] == [(T0 + timedelta(seconds=10), 0)] * 2
    fired_at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    for alarm in found:
        ledger.record(alarm.channel, alarm.time, fired_at)
    assert _unseen(records, ledger) == []
    ledger.settle(records, begin=T0, end=T0 + timedelta(minutes=5))
    ledger = AlarmLedger.from_dict(ledger.as_dict())
    assert _unseen(records, ledger) == []


def test_a_pushed_alarm_takes_one_of_two_recordings_that_overlap() -> None:
    """An alarm missed during a cut, then the clock corrected back, then a pushed alarm a
    second later on the new clock: the push takes its own recording, the other is found.
    """
    missed = _alarm(7, length=2)
    pushed = _again(_alarm(8, length=2))
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=8))
    assert _unseen(missed + pushed, ledger) == [(7, 0)]


def test_two_pushed_alarms_of_one_second_find_nothing_more() -> None:
    """Both alarms of a second that came round were pushed: their recordings are theirs."""
    records = _alarm(10, length=2) + _again(_alarm(10, length=2))
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=10))
    ledger.record(0, T0 + timedelta(seconds=10))
    assert _unseen(records, ledger) == []
    ledger = AlarmLedger.from_dict(ledger.as_dict())
    assert _unseen(records, ledger) == []


def test_spans_owed_by_a_check_that_failed_are_searched_as_their_clock_ran_on() -> None:
    """A check cut off while the clock ran an hour ahead owes its span: the next one, after
    the clock went back, searches it too, up to what that clock would read by then.
    """
    hour = timedelta(hours=1)
    at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    owed = [CheckSpan(T0 + hour - timedelta(minutes=5), T0 + hour, hour)]
    today = [CheckSpan(T0 - timedelta(minutes=5), T0 + timedelta(minutes=2), timedelta(0))]
    spans = with_owed_spans(today, owed, at + timedelta(minutes=2))
    assert spans == [
        today[0],
        CheckSpan(T0 + hour - timedelta(minutes=5), T0 + hour + timedelta(minutes=2), hour),
    ]
    # Where an owed span meets today's, they are one, converted by today's clock.
    near = [CheckSpan(T0 - timedelta(minutes=6), T0 - timedelta(minutes=1), timedelta(seconds=20))]
    assert with_owed_spans(today, near, at) == [
        CheckSpan(T0 - timedelta(minutes=6), T0 + timedelta(minutes=2), timedelta(0))
    ]


def test_a_picture_in_a_recording_of_its_own_is_not_an_earlier_alarms() -> None:
    """The clock went back between two alarms, so their pictures are 4 s apart: within a
    burst, but each lies in a recording of its own, so they are two alarms. Pictures of one
    recording stay one alarm's.
    """
    assert _unseen(_alarm(50, length=2) + _again(_alarm(54, length=2))) == [(50, 0), (54, 0)]
    # A fired alarm does not take the later one's picture either.
    ledger = AlarmLedger()
    ledger.record(0, T0 + timedelta(seconds=40))
    assert _unseen(_alarm(40, length=2) + _again(_alarm(44, length=2)), ledger) == [(44, 0)]
    # Several pictures in one recording: one alarm.
    burst = [*_alarm(50, length=6), _record(52), _record(54)]
    assert _unseen(burst) == [(50, 0)]
