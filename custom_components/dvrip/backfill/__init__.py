"""Which alarms in a camera's history Home Assistant never heard of: the backfill's logic.

A camera records each alarm it detects, whether or not Home Assistant was connected: a
`Type=jpg` entry and a motion clip (`[M]`, or `[A]` for an alarm input), stamped with the
alarm's second. After a reconnect, at startup and now and then in between, the coordinator
lists that history and fires the alarms it finds there that were not pushed.

Two things make that exact enough:

- `AlarmLedger` remembers the camera-clock second of every alarm fired (pushed, from the
  alarm centre or backfilled), per channel, with Home Assistant's time of firing, and up to
  when the history has been checked (on the camera's clock and on Home Assistant's). It is
  kept on disk, so a restart neither repeats nor loses an alarm.
- `find_unseen_alarms` matches history against it. Traces of one alarm do not carry the same
  second on every firmware (a clip may start a moment before the push), so a trace within
  `ALARM_MATCH_WINDOW` of a fired alarm is that alarm, a clip that covers one is its
  recording, a jpg entry inside the clip that began with a fired alarm is that alarm's (the
  snapshot may be saved seconds late), new traces closer than the window to each other
  are one new alarm, and so are the jpg entries of a burst (`PICTURE_BURST`: a camera may
  save several pictures of one alarm) but for one in a recording that began later.

The camera's clock is not to be trusted: it comes up at its epoch (2000) after a power cut,
NTP or the app set it later and daylight saving moves it by an hour. A recording keeps the
time it was stamped with, so the same camera times can come round again. Hence the ledger
forgets fired alarms by Home Assistant's time of firing, never by camera time, and
`check_spans` searches, after a clock jump, both what the old clock wrote since the last
check and what the new one wrote: nothing already checked is offered as new, nothing written
meanwhile is left out. A clock that comes round writes the same seconds again, so an alarm
is remembered by its pictures' and recording's names once they are listed
(`AlarmLedger.settle`), not by a second that a later alarm may carry too; and two recordings
of one channel that cover the same seconds are two alarms (`_came_round`).

The price of that tolerance: two alarms of one channel less than the window apart (or whose
pictures are less than a burst apart), one pushed and one missed, count as one. Nothing here
talks to the camera or knows Home Assistant.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import itertools
from typing import Any, Final

from ..client import FileType, RecordEvent, RecordFile

# Traces of one channel this close (or closer) are one alarm: a jpg entry may be stamped a
# second after the push (the snapshot is saved a moment later), and a clip starts earlier.
ALARM_MATCH_WINDOW: Final = timedelta(seconds=1)
# The jpg entries of one alarm: a camera may save several pictures of an alarm, a second or
# two apart; those this close after the first are that alarm's.
PICTURE_BURST: Final = timedelta(seconds=5)
# How far before the last check a new check looks again (entries reach a camera's history
# seconds after the alarm, and a dead link takes a while to notice).
CHECK_OVERLAP: Final = timedelta(minutes=5)
# Fired alarms remembered per channel, at most (one per second); the oldest go first.
MAX_REMEMBERED: Final = 10_000
# Fired alarms are remembered this much longer than the look-back: after a daylight-saving
# change or an NTP correction, a check searches camera times that came round again.
FIRED_RETENTION_MARGIN: Final = timedelta(days=1)
# An alarm stamped this far behind Home Assistant's clock (any time zone included) was stamped
# by a clock reset to its epoch, which writes the same times after every power cut: it is
# remembered until MAX_REMEMBERED pushes it out, however old.
EPOCH_STAMP_LAG: Final = timedelta(days=2)
# Recording tags that mean an alarm (not a regular or manual recording).
ALARM_TAGS: Final = frozenset({RecordEvent.MOTION, RecordEvent.ALARM})
# A picture is saved a moment after the second it is stamped with: those stamped this close
# to the end of a listing may still be missing from it (see `AlarmLedger.settle`).
SAVE_MARGIN: Final = timedelta(seconds=10)
_VERSION: Final = 2


@dataclass(frozen=True, slots=True)
class HistoryAlarm:
    """An alarm found in the history: its camera-clock time and the traces it left."""

    time: datetime
    channel: int
    tag: RecordEvent
    picture: RecordFile | None = None
    clip: RecordFile | None = None

    @property
    def source_name(self) -> str:
        record = self.picture or self.clip
        return record.name if record is not None else ""


class AlarmLedger:
    """The alarms fired per channel, and how far history was checked.

    Each fired alarm is kept as its camera-clock second, with Home Assistant's time of firing
    (by which it is forgotten). `checked_until` is the camera's time the last check reached
    and `checked_at` the same moment on Home Assistant's clock (aware, UTC); both None until
    the first check: history from before the integration was set up is never backfilled.
    """

    def __init__(self) -> None:
        self._fired: dict[int, list[datetime]] = {}
        self._fired_at: dict[int, dict[datetime, datetime]] = {}
        # Per channel: how many more alarms than one were fired in a second (a clock that
        # came round, or two kinds of alarm pushed at once).
        self._repeats: dict[int, dict[datetime, int]] = {}
        # Per channel: the names of the pictures of alarms fired and listed since, oldest
        # first, with the alarm's second and when it fired (by which they are forgotten).
        self._settled: dict[int, dict[str, tuple[datetime, datetime]]] = {}
        # Per channel: epoch-stamped alarms whose pictures were listed up to a camera time
        # (the first), and the time up to which a picture of theirs may still come (the
        # second): only such a later picture is taken for theirs by its second.
        self._partly_settled: dict[int, dict[datetime, tuple[datetime, datetime]]] = {}
        # Per channel: when the newest alarm fired happened (Home Assistant's clock).
        self._newest: dict[int, datetime] = {}
        self.checked_until: datetime | None = None
        self.checked_at: datetime | None = None

    def __len__(self) -> int:
        return sum(len(times) for times in self._fired.values())

    def record(self, channel: int, time: datetime, fired_at: datetime | None = None) -> None:
        """Remember an alarm fired on `channel` at `time` (naive camera clock).

        `fired_at` is when Home Assistant fired it (aware; now when not given).
        """
        second = time.replace(microsecond=0, tzinfo=None)
        fired_at = fired_at or datetime.now(UTC)
        times = self._fired.setdefault(channel, [])
        when = self._fired_at.setdefault(channel, {})
        if second in when:
            when[second] = max(when[second], fired_at)
            repeats = self._repeats.setdefault(channel, {})
            repeats[second] = repeats.get(second, 0) + 1
            # Another alarm of that second (a clock that came round): its pictures are not
            # listed yet, so the second takes any picture of its burst again.
            self._partly_settled.get(channel, {}).pop(second, None)
            return
        when[second] = fired_at
        if not times or second > times[-1]:
            times.append(second)  # the usual case: alarms come in order
        else:
            bisect.insort(times, second)
        if len(times) > MAX_REMEMBERED:
            partly = self._partly_settled.get(channel, {})
            repeats = self._repeats.get(channel, {})
            for old in times[: len(times) - MAX_REMEMBERED]:
                del when[old]
                partly.pop(old, None)
                repeats.pop(old, None)
            del times[: len(times) - MAX_REMEMBERED]

    def fired_between(self, channel: int, begin: datetime, end: datetime) -> bool:
        """Whether an alarm was fired on `channel` from `begin` to `end` (both included)."""
        times = self._fired.get(channel, [])
        position = bisect.bisect_left(times, begin)
        return position < len(times) and times[position] <= end

    def settled(self, channel: int) -> Collection[str]:
        """The names of the pictures of `channel`'s alarms fired and listed since."""
        return self._settled.get(channel, {}).keys()

    def settle(
        self,
        records: Iterable[RecordFile],
        *,
        begin: datetime,
        end: datetime,
        window: timedelta = ALARM_MATCH_WINDOW,
    ) -> None:
        """Remember the alarms fired from `begin` to `end` by their pictures once listed.

        `records` is what a check listed from `begin` up to `end` (camera times). A clock that
        comes round writes the same seconds again: back at its epoch after a power cut, an
        NTP correction back, daylight saving's hour. Remembered by its second, an alarm of
        the first time round would take a new alarm's picture a second or a burst away for
        its own, and that alarm would be lost. So once its pictures are listed, an alarm is
        remembered by their names (the names of one card's files differ), and by its second
        only for the pictures of its burst or clip not listed yet (stamped after `end` less
        `SAVE_MARGIN`: a picture is saved a moment after its second); once none can come, its
        second is forgotten. An alarm none of whose pictures is listed keeps its second.
        """
        covered = end - SAVE_MARGIN
        pictures, clips = _alarm_traces(records, begin, end)
        for channel in pictures.keys() | clips.keys():
            channel_pictures = pictures.get(channel, [])
            times = self._fired.get(channel, [])
            when = self._fired_at.get(channel, {})
            due = [
                time for time in times[bisect.bisect_left(times, begin + window) :] if time < end
            ]
            if not due:
                continue
            channel_pictures.sort(key=lambda record: record.begin)
            begins = [picture.begin for picture in channel_pictures]
            channel_clips = sorted(clips.get(channel, []), key=lambda record: record.begin)
            clip_begins = [clip.begin for clip in channel_clips]
            recording_of = _recordings(channel_clips)
            names = self._settled.setdefault(channel, {})
            partly = self._partly_settled.setdefault(channel, {})
            for time in due:
                # The pictures `_unseen_on_channel` takes for this alarm's: of its burst, or
                # inside the clip it began; those stamped up to `covered` are all listed.
                own_clips = channel_clips[
                    bisect.bisect_left(clip_begins, time - window) : bisect.bisect_right(
                        clip_begins, time + window
                    )
                ]
                claims_until = max(
                    [time + max(window, PICTURE_BURST)] + [clip.end for clip in own_clips]
                )
                low = bisect.bisect_left(begins, time - window)
                high = bisect.bisect_right(begins, min(claims_until, covered))
                claimed = [
                    picture.name
                    for picture in channel_pictures[low:high]
                    if (
                        picture.begin <= time + max(window, PICTURE_BURST)
                        and not _later_recording(recording_of(picture.begin), time, window)
                    )
                    or any(clip.begin <= picture.begin <= clip.end for clip in own_clips)
                ]
                if not claimed:
                    continue
                fired = (time, when[time])
                names.update(dict.fromkeys(claimed, fired))
                # Its recording's too: after the clock came round, another alarm's file may
                # cover the same seconds (see `_came_round`).
                names.update(dict.fromkeys((clip.name for clip in own_clips), fired))
                listed_until, claimed_until = partly.get(time, (covered, claims_until))
                listed_until = max(listed_until, covered)
                claims_until = max(claims_until, claimed_until)
                if claims_until < listed_until:
                    times.remove(time)
                    del when[time]
                    partly.pop(time, None)
                    self._repeats.get(channel, {}).pop(time, None)
                else:
                    partly[time] = (listed_until, claims_until)
            for old in list(names)[: max(0, len(names) - MAX_REMEMBERED)]:
                del names[old]

    def claims_picture(
        self,
        channel: int,
        picture: datetime,
        window: timedelta,
        recorded_from: datetime | None = None,
    ) -> bool:
        """Whether a fired alarm takes a picture stamped `picture` for one of its burst (or,
        remembered by its pictures, for one of its own not listed yet).

        `recorded_from`: when the recording the picture lies in began. An alarm before that
        (by more than `window`) does not take it: the recording is another alarm's.
        """
        # The earliest a fired alarm that takes it can be stamped.
        first = picture - max(window, PICTURE_BURST)
        if recorded_from is not None:
            first = max(first, recorded_from - window)
        partly = self._partly_settled.get(channel, {})
        if any(
            (recorded_from is None or time >= recorded_from - window)
            and time - window <= picture
            and listed < picture <= claims
            for time, (listed, claims) in partly.items()
        ):
            return True
        times = self._fired.get(channel, [])
        low = bisect.bisect_left(times, first)
        return any(
            time not in partly
            for time in itertools.takewhile(lambda time: time <= picture + window, times[low:])
        )

    def fired_times(
        self, channel: int, begin: datetime, end: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """The alarms fired on `channel` from `begin` to `end` that are not remembered by
        their pictures, and those that are: a second once for each of its alarms.
        """
        times = self._fired.get(channel, [])
        partly = self._partly_settled.get(channel, {})
        repeats = self._repeats.get(channel, {})
        whole: list[datetime] = []
        named: list[datetime] = []
        position = bisect.bisect_left(times, begin)
        for time in itertools.takewhile(lambda t: t <= end, times[position:]):
            (named if time in partly else whole).extend([time] * (1 + repeats.get(time, 0)))
        return whole, named

    def whole_between(self, channel: int, begin: datetime, end: datetime) -> bool:
        """Whether an alarm not remembered by its pictures was fired from `begin` to `end`."""
        times = self._fired.get(channel, [])
        partly = self._partly_settled.get(channel, {})
        position = bisect.bisect_left(times, begin)
        return any(
            time not in partly for time in itertools.takewhile(lambda t: t <= end, times[position:])
        )

    def take_newest(self, channel: int, happened: datetime) -> bool:
        """Whether an alarm that `happened` then (aware) is the channel's newest yet; keep it."""
        newest = self._newest.get(channel)
        if newest is not None and happened < newest:
            return False
        self._newest[channel] = happened
        return True

    def prune(self, fired_before: datetime) -> None:
        """Forget alarms fired before `fired_before` (aware): no check looks for them again.

        Alarms (and pictures) stamped by a clock reset to its epoch stay (see EPOCH_STAMP_LAG).
        """
        for channel, times in self._fired.items():
            when = self._fired_at[channel]
            kept = [
                time
                for time in times
                if when[time] >= fired_before
                or time < when[time].replace(tzinfo=None) - EPOCH_STAMP_LAG
            ]
            partly = self._partly_settled.get(channel, {})
            repeats = self._repeats.get(channel, {})
            for time in set(times).difference(kept):
                del when[time]
                partly.pop(time, None)
                repeats.pop(time, None)
            times[:] = kept
        for names in self._settled.values():
            for name, (time, fired_at) in list(names.items()):
                if (
                    fired_at < fired_before
                    and time >= fired_at.replace(tzinfo=None) - EPOCH_STAMP_LAG
                ):
                    del names[name]

    def as_dict(self) -> dict[str, Any]:
        """What is kept on disk."""
        return {
            "version": _VERSION,
            "checked_until": self.checked_until.isoformat() if self.checked_until else None,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "alarms": {
                # A second that holds several alarms is written once for each.
                str(channel): [
                    [time.isoformat(), self._fired_at[channel][time].isoformat()]
                    for time in times
                    for _ in range(1 + self._repeats.get(channel, {}).get(time, 0))
                ]
                for channel, times in sorted(self._fired.items())
                if times
            },
            "newest": {
                str(channel): time.isoformat() for channel, time in sorted(self._newest.items())
            },
            "settled": {
                str(channel): [
                    [name, time.isoformat(), fired_at.isoformat()]
                    for name, (time, fired_at) in names.items()
                ]
                for channel, names in sorted(self._settled.items())
                if names
            },
            "partly_settled": {
                str(channel): [
                    [time.isoformat(), listed.isoformat(), claims.isoformat()]
                    for time, (listed, claims) in sorted(partly.items())
                ]
                for channel, partly in sorted(self._partly_settled.items())
                if partly
            },
        }

    @classmethod
    def from_dict(cls, data: object, now: datetime | None = None) -> AlarmLedger:
        """Read back `as_dict()` (or the first version's, whose alarms count as fired `now`).

        Anything damaged gives an empty ledger (nothing repeated).
        """
        ledger = cls()
        if not isinstance(data, dict) or data.get("version") not in (1, _VERSION):
            return ledger
        now = now or datetime.now(UTC)
        alarms = data.get("alarms") or {}
        checked = data.get("checked_until")
        checked_at = data.get("checked_at")
        try:
            for channel, times in dict(alarms).items():
                for item in list(times):
                    if isinstance(item, str):  # version 1: the camera's time alone
                        time, fired_at = _naive(datetime.fromisoformat(item)), now
                    else:
                        text, fired_text = item
                        time = _naive(datetime.fromisoformat(text))
                        fired_at = _aware(datetime.fromisoformat(fired_text))
                    ledger.record(int(channel), time, fired_at)
            for channel, happened in dict(data.get("newest") or {}).items():
                ledger._newest[int(channel)] = _aware(datetime.fromisoformat(happened))
            for channel, items in dict(data.get("settled") or {}).items():
                ledger._settled[int(channel)] = {
                    str(name): (
                        _naive(datetime.fromisoformat(time)),
                        _aware(datetime.fromisoformat(fired_at)),
                    )
                    for name, time, fired_at in list(items)
                }
            for channel, items in dict(data.get("partly_settled") or {}).items():
                fired = ledger._fired_at.get(int(channel), {})
                partly = ledger._partly_settled.setdefault(int(channel), {})
                for text, listed, claims in list(items):
                    time = _naive(datetime.fromisoformat(text))
                    if time in fired:
                        partly[time] = (
                            _naive(datetime.fromisoformat(listed)),
                            _naive(datetime.fromisoformat(claims)),
                        )
            if checked is not None:
                ledger.checked_until = _naive(datetime.fromisoformat(checked))
            if checked_at is not None:
                ledger.checked_at = _aware(datetime.fromisoformat(checked_at))
        except (TypeError, ValueError):
            return cls()
        return ledger


def _naive(time: datetime) -> datetime:
    if time.tzinfo is not None:
        raise ValueError("camera times have no zone")
    return time


def _aware(time: datetime) -> datetime:
    if time.tzinfo is None:
        raise ValueError("Home Assistant's times have a zone")
    return time


@dataclass(frozen=True, slots=True)
class CheckSpan:
    """Camera times to search, from `begin` up to `end`, and the clock that wrote them.

    `offset` is that clock minus UTC: what converts the times found in the span.
    """

    begin: datetime
    end: datetime
    offset: timedelta


def check_spans(
    *,
    mark: datetime,
    mark_at: datetime,
    until: datetime,
    until_at: datetime,
    look_back: timedelta,
    overlap: timedelta = CHECK_OVERLAP,
) -> list[CheckSpan]:
    """The camera times a check searches: what was written since the last check.

    The last check reached `mark` on the camera's clock, at `mark_at` on Home Assistant's
    (aware); this one reaches `until`, at `until_at`. The alarms of that time (from `overlap`
    before it, at most `look_back` long) were stamped by the clock as it was then, unless it
    jumped in between (to its epoch, by an NTP correction, by daylight saving): then those
    before the jump were stamped by the old clock, those after it by the new one. So that
    time is searched as each clock wrote it; without a jump the two are one span.
    """
    begin_at = max(mark_at - overlap, until_at - look_back)
    if begin_at >= until_at:
        return []
    old_offset = mark - mark_at.replace(tzinfo=None)
    new_offset = until - until_at.replace(tzinfo=None)
    passed = until_at - begin_at
    start = begin_at.replace(tzinfo=None)
    old = CheckSpan(start + old_offset, start + old_offset + passed, old_offset)
    new = CheckSpan(start + new_offset, until, new_offset)
    if new.begin <= old.end and old.begin <= new.end:
        # One span (no jump, or a small one): the clock as it is now converts its times.
        return [CheckSpan(min(old.begin, new.begin), max(old.end, new.end), new_offset)]
    return sorted([old, new], key=lambda span: span.begin)


def with_owed_spans(
    spans: list[CheckSpan], owed: Iterable[CheckSpan], until_at: datetime
) -> list[CheckSpan]:
    """`spans`, and the spans a check that did not finish owes (`owed`), sorted.

    `check_spans` knows two clocks, the last finished check's and today's. When the clock
    jumped twice since (forward, then back before a check could finish), what the clock in
    between wrote lies in the spans of the checks that failed meanwhile: they are searched
    again, each up to what its clock would read at `until_at` (aware), as it may have
    written on. Overlapping spans are joined.
    """
    now = until_at.replace(tzinfo=None)
    extended = [
        (CheckSpan(span.begin, max(span.end, now + span.offset), span.offset), False)
        for span in owed
    ]
    joined: list[tuple[CheckSpan, bool]] = []
    for span, current in sorted(
        [(span, True) for span in spans] + extended, key=lambda item: item[0].begin
    ):
        if joined and span.begin <= joined[-1][0].end:
            last, last_current = joined[-1]
            # Where they overlap, today's clock converts (as `check_spans` joins).
            offset = span.offset if current and not last_current else last.offset
            joined[-1] = (
                CheckSpan(last.begin, max(last.end, span.end), offset),
                current or last_current,
            )
        else:
            joined.append((span, current))
    return [span for span, _current in joined]


def find_unseen_alarms(
    records: Iterable[RecordFile],
    ledger: AlarmLedger,
    *,
    begin: datetime,
    end: datetime,
    window: timedelta = ALARM_MATCH_WINDOW,
) -> list[HistoryAlarm]:
    """The alarms among `records` (jpg entries and clips) that `ledger` has not fired, oldest first.

    Only alarm recordings count (`[M]`, `[A]`), and only those stamped from `begin` up to, but
    not including, `end`. A jpg entry is an alarm's; a clip is an alarm's too unless it
    covers one already known or a jpg entry. Runs in O(n log n): a flood of alarms must
    not hold up the event loop.
    """
    pictures, clips = _alarm_traces(records, begin, end)
    found: list[HistoryAlarm] = []
    for channel in sorted(pictures.keys() | clips.keys()):
        settled = ledger.settled(channel)
        channel_pictures = pictures.get(channel, [])
        found.extend(
            _unseen_on_channel(
                channel,
                [picture for picture in channel_pictures if picture.name not in settled],
                clips.get(channel, []),
                ledger,
                window,
                sorted(picture.begin for picture in channel_pictures if picture.name in settled),
                settled,
            )
        )
    found.sort(key=lambda alarm: (alarm.time, alarm.channel))
    return found


def _alarm_traces(
    records: Iterable[RecordFile], begin: datetime, end: datetime
) -> tuple[dict[int, list[RecordFile]], dict[int, list[RecordFile]]]:
    """Per channel, the alarm recordings' jpg entries and clips stamped from `begin` to `end`."""
    pictures: dict[int, list[RecordFile]] = {}
    clips: dict[int, list[RecordFile]] = {}
    for record in records:
        if record.event not in ALARM_TAGS or not begin <= record.begin < end:
            continue
        kept = pictures if record.file_type is FileType.PICTURE else clips
        kept.setdefault(record.channel, []).append(record)
    return pictures, clips


def _unseen_on_channel(
    channel: int,
    pictures: list[RecordFile],
    clips: list[RecordFile],
    ledger: AlarmLedger,
    window: timedelta,
    settled_times: list[datetime],
    settled: Collection[str],
) -> list[HistoryAlarm]:
    # The clips that began with an alarm already fired: a jpg entry inside one is that
    # alarm's, however late the camera saved it.
    fired_clips = _merged(
        (clip.begin, clip.end)
        for clip in clips
        if ledger.whole_between(channel, clip.begin - window, clip.begin + window)
    )
    recording_of = _recordings(clips)
    new_pictures = sorted(
        (
            picture
            for picture in pictures
            # A fired alarm's picture may be saved a while after it, as one of a burst.
            if not ledger.claims_picture(
                channel, picture.begin, window, recording_of(picture.begin)
            )
            and not _inside(fired_clips, picture.begin)
        ),
        key=lambda record: (record.begin, record.name),
    )
    picture_times = [picture.begin for picture in new_pictures]
    new_clips: list[RecordFile] = []
    for clip in clips:
        if clip.name in settled:
            continue  # a fired alarm's recording
        # A clip near or covering an alarm already fired, or a new jpg entry, is that
        # alarm's recording.
        start = clip.begin - window
        stop = max(clip.end, clip.begin + window)
        if ledger.fired_between(channel, start, stop) or _any_between(settled_times, start, stop):
            continue
        if _any_between(picture_times, start, stop):
            continue
        new_clips.append(clip)
    traces = sorted(
        [(picture.begin, 0, picture) for picture in new_pictures]
        + [(clip.begin, 1, clip) for clip in new_clips],
        key=lambda trace: (trace[0], trace[1], trace[2].name),
    )
    alarms: list[HistoryAlarm] = []
    group: list[RecordFile] = []
    for _time, _kind, record in traces:
        if group and not _same_alarm(group, record, window, recording_of):
            alarms.append(_alarm_of(channel, group))
            group = []
        group.append(record)
    if group:
        alarms.append(_alarm_of(channel, group))
    return alarms + _came_round(channel, clips, ledger, window, settled, alarms)


def _came_round(
    channel: int,
    clips: list[RecordFile],
    ledger: AlarmLedger,
    window: timedelta,
    settled: Collection[str],
    found: list[HistoryAlarm],
) -> list[HistoryAlarm]:
    """The alarms known only by a recording that covers the seconds of another.

    A channel records one file at a time, so two alarm recordings that cover the same
    seconds were stamped by a clock that came round (back at its epoch, corrected back,
    daylight saving's hour): each is an alarm's of its own, though their pictures' seconds
    fall in one burst and the traces above take them for one alarm. Each alarm fired or
    `found` there accounts for the recording nearest to it; a recording none accounts for
    (and none fired, by its name) is one more alarm.
    """
    extra: list[HistoryAlarm] = []
    for overlapping in _overlapping(clips):
        unnamed = [clip for clip in overlapping if clip.name not in settled]
        if not unnamed:
            continue
        begin = overlapping[0].begin - window
        end = max(clip.end for clip in overlapping)
        whole, named = ledger.fired_times(channel, begin, end)
        # An alarm remembered by its pictures is remembered by its recording's name too.
        named = named[: max(0, len(named) - (len(overlapping) - len(unnamed)))]
        owners = whole + named + [alarm.time for alarm in found if begin <= alarm.time <= end]
        begins = [clip.begin for clip in unnamed]  # sorted, as `unnamed` is
        for owner in sorted(owners)[: len(unnamed)]:
            # The nearest recording is the owner's (bisect: a flood must stay cheap).
            position = bisect.bisect_left(begins, owner)
            if position == len(begins) or (
                position > 0 and owner - begins[position - 1] <= begins[position] - owner
            ):
                position -= 1
            del begins[position], unnamed[position]
        extra.extend(HistoryAlarm(clip.begin, channel, clip.event, clip=clip) for clip in unnamed)
    return extra


def _overlapping(clips: list[RecordFile]) -> list[list[RecordFile]]:
    """The groups of two or more `clips` that cover some of the same seconds."""
    groups: list[list[RecordFile]] = []
    group: list[RecordFile] = []
    group_end: datetime | None = None
    for clip in sorted(clips, key=lambda record: (record.begin, record.name)):
        if group_end is not None and clip.begin < group_end:
            group.append(clip)
            group_end = max(group_end, clip.end)
            continue
        if len(group) > 1:
            groups.append(group)
        group, group_end = [clip], clip.end
    if len(group) > 1:
        groups.append(group)
    return groups


def _same_alarm(
    group: list[RecordFile],
    record: RecordFile,
    window: timedelta,
    recording_of: Callable[[datetime], datetime | None],
) -> bool:
    """Whether `record` is a trace of the alarm whose traces so far are `group`."""
    if record.begin - group[0].begin <= window:
        return True
    # Another picture of a burst the alarm's first picture began, unless it lies in a
    # recording of its own that began later.
    first_picture = next((trace for trace in group if trace.file_type is FileType.PICTURE), None)
    return (
        record.file_type is FileType.PICTURE
        and first_picture is not None
        and record.begin - first_picture.begin <= PICTURE_BURST
        and not _later_recording(recording_of(record.begin), first_picture.begin, window)
    )


def _recordings(clips: Iterable[RecordFile]) -> Callable[[datetime], datetime | None]:
    """When the recording a moment lies in began (the latest begun, should two cover it)."""
    ordered = sorted(clips, key=lambda clip: clip.begin)
    begins = [clip.begin for clip in ordered]

    def recording_of(moment: datetime) -> datetime | None:
        position = bisect.bisect_right(begins, moment)
        # Recordings of a channel seldom overlap (a clock that came round): a few back do.
        for clip in reversed(ordered[max(0, position - 8) : position]):
            if clip.end >= moment:
                return clip.begin
        return None

    return recording_of


def _later_recording(recorded_from: datetime | None, alarm: datetime, window: timedelta) -> bool:
    """Whether a recording that began at `recorded_from` began after `alarm`: another's."""
    return recorded_from is not None and recorded_from > alarm + window


def _any_between(times: list[datetime], begin: datetime, end: datetime) -> bool:
    """Whether one of `times` (sorted) lies from `begin` to `end` (both included)."""
    position = bisect.bisect_left(times, begin)
    return position < len(times) and times[position] <= end


def _merged(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The spans, sorted, with overlapping ones joined."""
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _inside(spans: list[tuple[datetime, datetime]], time: datetime) -> bool:
    """Whether `time` lies in one of `spans` (sorted, not overlapping)."""
    position = bisect.bisect_right(spans, time, key=lambda span: span[0])
    return position > 0 and spans[position - 1][0] <= time <= spans[position - 1][1]


def _alarm_of(channel: int, group: list[RecordFile]) -> HistoryAlarm:
    """One alarm from the traces of a group: at its first jpg entry's time, else its clip's."""
    picture = next((record for record in group if record.file_type is FileType.PICTURE), None)
    clip = next((record for record in group if record.file_type is FileType.VIDEO), None)
    lead = picture or group[0]
    tag = RecordEvent.ALARM if any(r.event is RecordEvent.ALARM for r in group) else lead.event
    return HistoryAlarm(lead.begin, channel, tag, picture, clip)
