"""The mixed soak's counting (benchmarks/alarm_tally.py), on a few made-up alarms and faults.

The soak's figures are only as good as its matching of raised alarms to fired events, and of
outages to the camera coming back: a miscount would report a loss or a repeat that never was,
or hide one.
"""

from __future__ import annotations

from benchmarks.alarm_tally import AlarmKey, Outage, recoveries, tally

CAMERA = "cam1"


def _key(stamp: str, channel: int = 0, camera: str = CAMERA) -> AlarmKey:
    return AlarmKey(camera, channel, f"2026-12-06 {stamp}")


def test_each_alarm_fired_once_is_neither_lost_nor_twice() -> None:
    alarms = [_key("10:00:00"), _key("10:00:00", channel=1), _key("10:00:05")]
    counted = tally(alarms, list(reversed(alarms)))
    assert (counted.raised, counted.fired) == (3, 3)
    assert counted.lost == counted.twice == counted.unraised == []


def test_lost_twice_and_unraised_are_told_apart() -> None:
    raised = [_key("10:00:00"), _key("10:00:05"), _key("10:00:10")]
    fired = [
        _key("10:00:00"),
        _key("10:00:00"),  # pushed, then backfilled as well
        _key("10:00:10", channel=1),  # the right second on another channel is not the alarm
        _key("10:00:10", camera="cam2"),  # nor on another camera
        _key("10:00:10"),
    ]
    counted = tally(raised, fired)
    assert counted.lost == [_key("10:00:05")]
    assert counted.twice == [_key("10:00:00")]
    assert counted.unraised == [_key("10:00:10", channel=1), _key("10:00:10", camera="cam2")]
    assert (counted.raised, counted.fired) == (3, 5)


def test_alarms_stamped_alike_are_matched_by_count() -> None:
    # A camera without a clock battery stamps an alarm alike after each of two reboots.
    after_reboot = AlarmKey(CAMERA, 0, "2000-01-01 00:00:05")
    assert tally([after_reboot, after_reboot], [after_reboot]).lost == [after_reboot]
    counted = tally([after_reboot, after_reboot], [after_reboot] * 3)
    assert counted.lost == []
    assert counted.twice == [after_reboot]


def test_recovery_counts_from_the_outage_end_to_available_again() -> None:
    outages = [Outage(CAMERA, "reboot", 100.0, 105.0), Outage(CAMERA, "disconnect", 130.0, 132.0)]
    availability = {CAMERA: [(100.1, False), (107.5, True), (130.0, False), (132.5, True)]}
    [(camera, recovery)] = recoveries(outages, availability, observed_until=200.0).items()
    assert camera == CAMERA
    assert recovery.seconds == [2.5, 0.5]
    assert recovery.summary() == (0.5, 1.5, 2.5)
    assert (recovery.not_back, recovery.unnoticed) == (0, 0)


def test_a_camera_still_down_at_its_next_outage_is_not_back() -> None:
    outages = [
        Outage(CAMERA, "reboot", 100.0, 105.0),
        Outage(CAMERA, "disconnect", 130.0, 132.0),
        Outage(CAMERA, "disconnect", 160.0, 161.0),
    ]
    # Down at 100 and back only after the second outage; never seen down at the third.
    availability = {CAMERA: [(100.1, False), (135.0, True)]}
    recovery = recoveries(outages, availability, observed_until=200.0)[CAMERA]
    assert recovery.seconds == [3.0]
    assert recovery.not_back == 1
    assert recovery.unnoticed == 1


def test_never_back_by_the_end() -> None:
    outages = [Outage(CAMERA, "reboot", 100.0, 105.0)]
    recovery = recoveries(outages, {CAMERA: [(100.2, False)]}, observed_until=200.0)[CAMERA]
    assert recovery.seconds == []
    assert recovery.summary() is None
    assert recovery.not_back == 1
