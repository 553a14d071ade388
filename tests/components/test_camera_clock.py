"""The camera's clock jumps (back to 2000 after a power cut, NTP, daylight saving): every alarm
fires once, none is lost, and the image shows the picture of the alarm pushed last.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.client import DvripError
from custom_components.dvrip.const import CONF_PICTURE_MODE
from custom_components.dvrip.models import CheckTrigger
from simulator import AlarmRecord, CameraSimulator
from simulator.media import PictureKind

from .common import AlarmEventLog, async_wait_for_state, entity_id, picture_shown

pytestmark = pytest.mark.usefixtures("fast_history", "fast_pictures")

EPOCH = datetime(2000, 1, 1)


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "recording"}


class Steps:
    """What the tests do to the camera and Home Assistant, and what they expect of it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        camera: CameraSimulator,
        events: AlarmEventLog,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.camera = camera
        self.events = events
        self.coordinator = entry.runtime_data.coordinator
        self.fired = 0

    async def push(self, seconds_ago: int = 0) -> AlarmRecord:
        """An alarm, pushed (and recorded as cameras do); waits for its event."""
        record = await self.camera.raise_alarm(
            time=self.camera.now() - timedelta(seconds=seconds_ago)
        )
        assert record.pushed_to == 1
        self.fired += 1
        await self.events.wait_for_count(self.fired)
        return record

    async def audit(self) -> None:
        """A history check as while pushes flow; it finds nothing new."""
        await self.hass.async_block_till_done(wait_background_tasks=True)
        assert await self.coordinator.history.async_check(CheckTrigger.AUDIT) == []

    async def reconnect(self, fault: str = "disconnect") -> None:
        """The link drops (or the camera reboots); Home Assistant is back and has checked."""
        await self.camera.inject_fault(fault, 0.2)
        await self.reconnect_done()

    async def reconnect_done(self) -> None:
        """A fault under way ends; Home Assistant is back and has checked."""
        await self.camera.wait_for(lambda: self.camera.fault is None)
        await self.camera.wait_for_subscribers(1)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def assert_each_fired_once(self, last: AlarmRecord) -> None:
        """Each alarm fired once; the image shows the picture of the one pushed last."""
        await self.audit()
        await self.hass.async_block_till_done(wait_background_tasks=True)
        assert len(self.events.states) == self.fired
        assert self.coordinator.stats.backfilled_alarms == 0
        image = entity_id(self.hass, "image", f"{self.entry.unique_id}_0_last_alarm_picture")
        await async_wait_for_state(self.hass, image, picture_shown(last.time))


@pytest.fixture
def steps(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
) -> Steps:
    return Steps(hass, loaded_entry, camera, events)


@pytest.mark.parametrize(
    "camera_settings", [{"clock_epoch": EPOCH, "clock_offset": timedelta(minutes=-10)}]
)
async def test_reboot_to_the_epoch_then_set_right(camera: CameraSimulator, steps: Steps) -> None:
    """A camera ten minutes slow, corrected by NTP, loses power (its clock reads 2000 again)
    and is set right later: the alarms of before are not fired again, none is lost.
    """
    await steps.push(20)
    await steps.push(10)
    camera.shift_clock(600)  # NTP
    await steps.push()
    await steps.audit()
    await steps.reconnect("reboot")
    assert camera.now() < EPOCH + timedelta(minutes=1)
    await steps.push()
    await steps.audit()
    # The app (or NTP) sets the clock right again.
    camera.shift_clock(-camera.clock_offset.total_seconds())
    last = await steps.push()
    await steps.reconnect()
    await steps.assert_each_fired_once(last)


async def test_daylight_saving_forward_and_back(camera: CameraSimulator, steps: Steps) -> None:
    """The clock goes forward an hour and back again: the hour that comes round again is
    searched again without firing its alarms twice.
    """
    await steps.push(20)
    await steps.push(10)
    camera.shift_clock(3600)
    await steps.push()
    await steps.audit()
    camera.shift_clock(-3600)
    await steps.audit()
    last = await steps.push()
    await steps.reconnect()
    await steps.assert_each_fired_once(last)


async def test_daylight_saving_back_keeps_what_the_repeated_hour_records(
    camera: CameraSimulator, steps: Steps
) -> None:
    """Back an hour: an alarm the camera records (not pushed) in the hour that comes round
    again is found, once; the pushed alarms of that hour are not fired again.
    """
    first = await steps.push(10)
    camera.shift_clock(-3600)
    await steps.push()
    await steps.audit()
    # Recorded, not pushed, at the camera time the first alarm had an hour ago, give or take.
    missed = first.time - timedelta(hours=1) + timedelta(seconds=5)
    camera.add_history(missed, picture_kind=PictureKind.JPEG)
    [found] = await steps.coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.alarm.start_time == missed
    steps.fired += 1
    await steps.audit()
    await steps.reconnect()
    await steps.hass.async_block_till_done(wait_background_tasks=True)
    assert len(steps.events.states) == steps.fired


async def test_several_pictures_of_one_unpushed_alarm_fire_once(
    camera: CameraSimulator, steps: Steps
) -> None:
    """A camera that saves three pictures of one alarm, two seconds apart: one event."""
    begin = camera.now() - timedelta(seconds=20)
    camera.add_history(begin, picture_kind=PictureKind.JPEG)
    for seconds in (2, 4):
        camera.add_history(
            begin + timedelta(seconds=seconds), video=False, picture_kind=PictureKind.JPEG
        )
    [found] = await steps.coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.alarm.start_time == begin
    await steps.events.wait_for_count(1)
    await steps.audit()
    assert len(steps.events.states) == 1


@pytest.mark.parametrize("jump", [-3600, 26 * 365 * 86400])
async def test_a_push_after_a_jump_is_converted_by_the_clock_as_it_is(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    steps: Steps,
    jump: int,
) -> None:
    """The first push after a jump (no audit yet) tells when it happened, and its picture
    says so too: the clock's offset is learned again before its time is converted.
    """
    camera.shift_clock(jump)
    record = await steps.push()
    [state] = steps.events.states
    happened = datetime.fromisoformat(state.attributes["alarm_time"])
    received = datetime.fromisoformat(state.attributes["received"])
    assert abs(happened - received) < timedelta(seconds=5)
    offset = steps.coordinator.clock.offset
    assert offset is not None
    assert abs(offset - camera.clock_offset) <= timedelta(seconds=2)
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    shown = await async_wait_for_state(hass, image, picture_shown(record.time))
    assert shown is not None
    assert abs(datetime.fromisoformat(shown.attributes["alarm_time"]) - received) < timedelta(
        seconds=5
    )


@pytest.mark.parametrize(
    "camera_settings",
    [
        {"clock_epoch": EPOCH},
        {"clock_epoch": EPOCH, "profile": "icsee"},
    ],
)
async def test_an_alarm_during_a_reboot_to_the_epoch_is_backfilled(
    camera: CameraSimulator, steps: Steps
) -> None:
    """Daylight saving moved the clock back an hour, then the camera loses power and comes
    back in 2000: the alarm it records meanwhile (nobody subscribed) is backfilled, once.
    """
    await steps.push()
    camera.shift_clock(-3600)
    await steps.push()
    # Down long enough that the alarm's second ends well before the camera is back: the
    # reconnect's check reaches the subscription, on a clock read to the second.
    await camera.inject_fault("reboot", 2.5)
    missed = await camera.raise_alarm()
    assert missed.pushed_to == 0
    assert missed.time.year == 2000
    await steps.reconnect_done()
    await steps.events.wait_for_count(steps.fired + 1)
    times = [state.attributes["camera_time"] for state in steps.events.states]
    assert times.count(missed.time.isoformat()) == 1


@pytest.mark.parametrize("camera_settings", [{"clock_epoch": EPOCH}])
@pytest.mark.parametrize("seconds_after", [0, 2])
async def test_a_power_cut_writes_the_seconds_of_an_earlier_one_again(
    camera: CameraSimulator, steps: Steps, seconds_after: int
) -> None:
    """A camera without a clock battery loses power twice, and its clock reads 2000 again
    each time: the alarm it records while down the second time is stamped as an alarm of
    the first time was (or a second later). It is backfilled, once; the first is not fired
    again.
    """
    await camera.inject_fault("reboot", 2.5)
    await steps.reconnect_done()
    # Stamped a moment ago (after 2000 began again): the check lists it.
    first = await steps.push(seconds_ago=2)
    assert first.time < EPOCH + timedelta(minutes=1)
    await steps.audit()
    await camera.inject_fault("reboot", 1.0)
    missed = await camera.raise_alarm(time=first.time + timedelta(seconds=seconds_after))
    assert missed.pushed_to == 0
    await steps.reconnect_done()
    await steps.events.wait_for_count(steps.fired + 1)
    await steps.audit()
    await steps.hass.async_block_till_done(wait_background_tasks=True)
    times = [state.attributes["camera_time"] for state in steps.events.states]
    assert len(times) == steps.fired + 1
    assert times.count(missed.time.isoformat()) == 1 + (seconds_after == 0)


async def test_an_alarm_missed_then_one_pushed_in_seconds_that_came_round(
    camera: CameraSimulator, steps: Steps
) -> None:
    """An alarm the camera records without pushing it; NTP then sets its clock back, and the
    next alarm, pushed, is stamped a second after the first: their pictures fall in one
    burst, but each has a recording of its own. Both fire once.
    """
    camera.set_motion_detection(upload=False)
    # Stamped a while ago, so that the clock set back has passed both alarms' seconds.
    missed = await camera.raise_alarm(time=camera.now() - timedelta(seconds=40))
    assert missed.pushed_to == 0
    camera.set_motion_detection(upload=True)
    camera.shift_clock(-20)
    pushed = await camera.raise_alarm(time=missed.time + timedelta(seconds=1))
    assert pushed.pushed_to == 1
    steps.fired += 1
    await steps.events.wait_for_count(steps.fired)
    await steps.hass.async_block_till_done(wait_background_tasks=True)
    assert len(await steps.coordinator.history.async_check(CheckTrigger.AUDIT)) == 1
    await steps.audit()
    times = [state.attributes["camera_time"] for state in steps.events.states]
    assert sorted(times) == [missed.time.isoformat(), pushed.time.isoformat()]


async def test_a_clock_between_two_jumps_is_searched_though_its_check_failed(
    camera: CameraSimulator, steps: Steps
) -> None:
    """Daylight saving sets the clock forward; an alarm is recorded unpushed; the check that
    would find it is cut off, and the clock goes back before the next one. That alarm was
    stamped by neither the clock of the last check nor today's: it is found all the same.
    """
    camera.shift_clock(3600)
    await steps.push()
    camera.set_motion_detection(upload=False)
    # Stamped well before the alarm pushed: an alarm of its own, not one of its burst.
    missed = await camera.raise_alarm(time=camera.now() - timedelta(seconds=20))
    assert missed.pushed_to == 0
    camera.set_motion_detection(upload=True)
    # A check as after a reconnect (its first request is the search), answered within the
    # search's time but not before the link is cut.
    camera.delay_replies(1.5, message_id=1440, count=1)
    asked = camera.stats.requests
    check = asyncio.create_task(steps.coordinator.history.async_check(CheckTrigger.RECONNECT))
    await camera.wait_for(lambda: camera.stats.requests > asked)
    camera.shift_clock(-3600)
    await camera.inject_fault("disconnect", 0.2)
    with pytest.raises(DvripError):
        await check
    await steps.reconnect_done()
    await steps.events.wait_for_count(steps.fired + 1)
    await steps.audit()
    times = [state.attributes["camera_time"] for state in steps.events.states]
    assert times.count(missed.time.isoformat()) == 1
    assert len(times) == steps.fired + 1


async def test_unpushed_alarms_stamped_within_a_burst_after_the_clock_went_back(
    camera: CameraSimulator, steps: Steps
) -> None:
    """Two alarms recorded unpushed, NTP setting the clock back between them: the second is
    stamped 4 s after the first, within one alarm's burst of pictures, but in a recording
    of its own. Both fire, once.
    """
    camera.set_motion_detection(upload=False)
    first = await camera.raise_alarm(time=camera.now() - timedelta(seconds=40))
    camera.shift_clock(-20)
    second = await camera.raise_alarm(time=first.time + timedelta(seconds=4))
    assert first.pushed_to == second.pushed_to == 0
    camera.set_motion_detection(upload=True)
    await steps.hass.async_block_till_done(wait_background_tasks=True)
    fired = await steps.coordinator.history.async_check(CheckTrigger.AUDIT)
    assert sorted(event.alarm.start_time for event in fired) == [first.time, second.time]
    await steps.audit()
