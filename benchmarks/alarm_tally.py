"""What the mixed soak counts: alarms raised against alarms fired, and the time back after faults.

Plain bookkeeping, kept apart from the run (no Home Assistant, no simulator) so that the
counting itself can be tested on a few made-up alarms.

An alarm is known by its camera, its channel and the second the camera stamped it with, on
the camera's own clock: the push carries that stamp, and the history's picture and clip of
the alarm carry it too. A clock set back (a reboot of a camera without a clock battery, an
NTP correction) can stamp two alarms of one channel alike; such alarms are matched by count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
import statistics


@dataclass(frozen=True, slots=True, order=True)
class AlarmKey:
    """One alarm as stamped: camera (serial), channel (from 0) and camera-clock second."""

    camera: str
    channel: int
    stamp: str  # "YYYY-MM-DD HH:MM:SS", as the camera writes it


@dataclass(slots=True)
class AlarmTally:
    """Alarms raised against events fired, matched by `AlarmKey`."""

    raised: int = 0
    fired: int = 0  # every event fired, matched or not
    lost: list[AlarmKey] = field(default_factory=list)  # raised, never fired
    twice: list[AlarmKey] = field(default_factory=list)  # fired once more than raised (each)
    unraised: list[AlarmKey] = field(default_factory=list)  # fired, stamped as none raised


def tally(raised: Iterable[AlarmKey], fired: Iterable[AlarmKey]) -> AlarmTally:
    """Which raised alarms never fired, which fired more than once, which fired unraised."""
    raised_counts = Counter(raised)
    fired_counts = Counter(fired)
    result = AlarmTally(raised=raised_counts.total(), fired=fired_counts.total())
    for key, count in sorted(raised_counts.items()):
        result.lost.extend([key] * max(0, count - fired_counts[key]))
    for key, count in sorted(fired_counts.items()):
        if key in raised_counts:
            result.twice.extend([key] * max(0, count - raised_counts[key]))
        else:
            result.unraised.extend([key] * count)
    return result


@dataclass(frozen=True, slots=True)
class Outage:
    """A fault that cuts a camera off (a reboot or a connection cut), in monotonic seconds."""

    camera: str
    kind: str
    start: float
    end: float  # when the camera answers again


@dataclass(slots=True)
class Recovery:
    """How one camera came back after its outages."""

    seconds: list[float] = field(default_factory=list)  # from each outage's end to available
    not_back: int = 0  # not available again before its next outage (or the run's end)
    unnoticed: int = 0  # never seen unavailable at all

    def summary(self) -> tuple[float, float, float] | None:
        """Min, median and max seconds back, or None when it never came back."""
        if not self.seconds:
            return None
        return min(self.seconds), statistics.median(self.seconds), max(self.seconds)


def recoveries(
    outages: Iterable[Outage],
    availability: Mapping[str, Sequence[tuple[float, bool]]],
    *,
    initially_available: bool = True,
    observed_until: float,
) -> dict[str, Recovery]:
    """Per camera, how long after each outage it was available again.

    `availability` holds each camera's changes, `(monotonic time, available)`, in order. An
    outage counts from its start: the camera must be seen unavailable and then available
    again before its next outage begins; the seconds are counted from the outage's end (the
    fault's own length is the simulator's choice, what follows is the integration's).
    """
    by_camera: dict[str, list[Outage]] = {}
    for outage in outages:
        by_camera.setdefault(outage.camera, []).append(outage)
    result: dict[str, Recovery] = {}
    for camera, its_outages in by_camera.items():
        its_outages.sort(key=lambda outage: outage.start)
        changes = list(availability.get(camera, ()))
        recovery = result.setdefault(camera, Recovery())
        for number, outage in enumerate(its_outages):
            limit = (
                its_outages[number + 1].start if number + 1 < len(its_outages) else observed_until
            )
            seen_down = not _available_at(changes, outage.start, initially_available)
            back: float | None = None
            for moment, available in changes:
                if moment <= outage.start:
                    continue
                if moment >= limit:
                    break
                if not available:
                    seen_down = True
                elif seen_down:
                    back = moment
                    break
            if back is not None:
                recovery.seconds.append(max(0.0, back - outage.end))
            elif seen_down:
                recovery.not_back += 1
            else:
                recovery.unnoticed += 1
    return result


def _available_at(changes: Sequence[tuple[float, bool]], moment: float, initially: bool) -> bool:
    available = initially
    for when, state in changes:
        if when > moment:
            break
        available = state
    return available
