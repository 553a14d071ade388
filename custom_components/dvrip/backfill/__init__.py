"""Which alarms in a camera's history Home Assistant never heard of: the backfill's logic.

A camera records each alarm it detects, whether or not Home Assistant was connected: a
`Type=jpg` entry and a motion clip (`[M]`, or `[A]` for an alarm input), stamped with the
alarm's second. After a reconnect, at startup and now and then in between, the coordinator
lists that history and fires the alarms it finds there that were not pushed.

Two things make that exact enough:

- `AlarmLedger` remembers the camera-clock second of every alarm fired (pushed, from the
  alarm centre or backfilled), per channel, and up to when the history has been checked. It
  is kept on disk, so a restart neither repeats nor loses an alarm.
- `find_unseen_alarms` matches history against it. Traces of one alarm do not carry the same
  second on every firmware (a clip may start a moment before the push), so a trace within
  `ALARM_MATCH_WINDOW` of a fired alarm is that alarm, a clip that covers one is its
  recording, a jpg entry inside the clip that began with a fired alarm is that alarm's (the
  snapshot may be saved seconds late), and new traces closer than the window to each other
  are one new alarm.

The price of that tolerance: two alarms of one channel less than the window apart, one pushed
and one missed, count as one. Nothing here talks to the camera or knows Home Assistant.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from ..client import FileType, RecordEvent, RecordFile

# Traces of one channel this close (or closer) are one alarm: a jpg entry may be stamped a
# second after the push (the snapshot is saved a moment later), and a clip starts earlier.
ALARM_MATCH_WINDOW: Final = timedelta(seconds=1)
# How far before the last check a new check looks again (entries reach a camera's history
# seconds after the alarm, and a dead link takes a while to notice).
CHECK_OVERLAP: Final = timedelta(minutes=5)
# Fired alarms remembered per channel, at most (one per second); the oldest go first.
MAX_REMEMBERED: Final = 10_000
# Recording tags that mean an alarm (not a regular or manual recording).
ALARM_TAGS: Final = frozenset({RecordEvent.MOTION, RecordEvent.ALARM})
_VERSION: Final = 1


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
    """Seconds (camera clock) of the alarms fired per channel, and how far history was checked.

    `checked_until` is None until the first check: history from before the integration was
    set up is never backfilled.
    """

    def __init__(self) -> None:
        self._fired: dict[int, list[datetime]] = {}
        self.checked_until: datetime | None = None

    def __len__(self) -> int:
        return sum(len(times) for times in self._fired.values())

    def record(self, channel: int, time: datetime) -> None:
        """Remember an alarm fired on `channel` at `time` (naive camera clock)."""
        second = time.replace(microsecond=0, tzinfo=None)
        times = self._fired.setdefault(channel, [])
        if times and second > times[-1]:
            times.append(second)  # the usual case: alarms come in order
        else:
            position = bisect.bisect_left(times, second)
            if position < len(times) and times[position] == second:
                return
            times.insert(position, second)
        if len(times) > MAX_REMEMBERED:
            del times[: len(times) - MAX_REMEMBERED]

    def fired_between(self, channel: int, begin: datetime, end: datetime) -> bool:
        """Whether an alarm was fired on `channel` from `begin` to `end` (both included)."""
        times = self._fired.get(channel, [])
        position = bisect.bisect_left(times, begin)
        return position < len(times) and times[position] <= end

    def newest(self, channel: int) -> datetime | None:
        times = self._fired.get(channel)
        return times[-1] if times else None

    def prune(self, before: datetime) -> None:
        """Forget alarms older than `before` (no check looks back that far again)."""
        for times in self._fired.values():
            del times[: bisect.bisect_left(times, before)]

    def as_dict(self) -> dict[str, Any]:
        """What is kept on disk."""
        return {
            "version": _VERSION,
            "checked_until": self.checked_until.isoformat() if self.checked_until else None,
            "alarms": {
                str(channel): [time.isoformat() for time in times]
                for channel, times in sorted(self._fired.items())
                if times
            },
        }

    @classmethod
    def from_dict(cls, data: object) -> AlarmLedger:
        """Read back `as_dict()`; anything damaged gives an empty ledger (nothing repeated)."""
        ledger = cls()
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return ledger
        alarms = data.get("alarms") or {}
        checked = data.get("checked_until")
        try:
            for channel, times in dict(alarms).items():
                for time in list(times):
                    ledger.record(int(channel), _naive(datetime.fromisoformat(time)))
            if checked is not None:
                ledger.checked_until = _naive(datetime.fromisoformat(checked))
        except (TypeError, ValueError):
            return cls()
        return ledger


def _naive(time: datetime) -> datetime:
    if time.tzinfo is not None:
        raise ValueError("camera times have no zone")
    return time


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
    pictures: dict[int, list[RecordFile]] = {}
    clips: dict[int, list[RecordFile]] = {}
    for record in records:
        if record.event not in ALARM_TAGS or not begin <= record.begin < end:
            continue
        kept = pictures if record.file_type is FileType.PICTURE else clips
        kept.setdefault(record.channel, []).append(record)
    found: list[HistoryAlarm] = []
    for channel in sorted(pictures.keys() | clips.keys()):
        found.extend(
            _unseen_on_channel(
                channel, pictures.get(channel, []), clips.get(channel, []), ledger, window
            )
        )
    found.sort(key=lambda alarm: (alarm.time, alarm.channel))
    return found


def _unseen_on_channel(
    channel: int,
    pictures: list[RecordFile],
    clips: list[RecordFile],
    ledger: AlarmLedger,
    window: timedelta,
) -> list[HistoryAlarm]:
    # The clips that began with an alarm already fired: a jpg entry inside one is that
    # alarm's, however late the camera saved it.
    fired_clips = _merged(
        (clip.begin, clip.end)
        for clip in clips
        if ledger.fired_between(channel, clip.begin - window, clip.begin + window)
    )
    new_pictures = sorted(
        (
            picture
            for picture in pictures
            if not ledger.fired_between(channel, picture.begin - window, picture.begin + window)
            and not _inside(fired_clips, picture.begin)
        ),
        key=lambda record: (record.begin, record.name),
    )
    picture_times = [picture.begin for picture in new_pictures]
    new_clips: list[RecordFile] = []
    for clip in clips:
        # A clip near or covering an alarm already fired, or a new jpg entry, is that
        # alarm's recording.
        start = clip.begin - window
        stop = max(clip.end, clip.begin + window)
        if ledger.fired_between(channel, start, stop):
            continue
        position = bisect.bisect_left(picture_times, start)
        if position < len(picture_times) and picture_times[position] <= stop:
            continue
        new_clips.append(clip)
    traces = sorted(
        [(picture.begin, 0, picture) for picture in new_pictures]
        + [(clip.begin, 1, clip) for clip in new_clips],
        key=lambda trace: (trace[0], trace[1], trace[2].name),
    )
    alarms: list[HistoryAlarm] = []
    group: list[RecordFile] = []
    for time, _kind, record in traces:
        if group and time - group[0].begin > window:
            alarms.append(_alarm_of(channel, group))
            group = []
        group.append(record)
    if group:
        alarms.append(_alarm_of(channel, group))
    return alarms


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
