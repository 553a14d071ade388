"""Alarm pushes become binary sensor states and alarm events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import CameraSimulator
from simulator.profiles import HUMAN_ALARM_FUNCTIONS

from .common import (
    StateRecorder,
    async_wait_for_state,
    entity_id,
    one_socket_downloads,
    picture_shown,
)

# The camera's clock, read at setup once alarms are subscribed.
TIMEQUERY_REQ = 1452
SYSINFO_REQ = 1020


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    """A camera that reports human detection: its person sensor is enabled."""
    return {"profile_overrides": {"alarm_functions": HUMAN_ALARM_FUNCTIONS}}


def _serial(entry: MockConfigEntry) -> str:
    assert entry.unique_id is not None
    return entry.unique_id


async def test_sensors_read_off_once_subscribed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """No "unknown": the alarm sensors read off, the connection on, right after setup."""
    serial = _serial(loaded_entry)
    assert camera.stats.subscribers == 1
    assert hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_0_motion")).state == "off"
    assert hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_0_person")).state == "off"
    connectivity = hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_connectivity"))
    assert connectivity.state == STATE_ON
    registry = er.async_get(hass)
    # Rare kinds exist but start disabled.
    vehicle = registry.async_get(entity_id(hass, "binary_sensor", f"{serial}_0_vehicle"))
    assert vehicle.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert registry.async_get(connectivity.entity_id).entity_category == "diagnostic"


async def test_start_and_stop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Start turns the motion sensor on and fires the alarm event; Stop turns it off."""
    serial = _serial(loaded_entry)
    motion = entity_id(hass, "binary_sensor", f"{serial}_0_motion")
    person = entity_id(hass, "binary_sensor", f"{serial}_0_person")
    alarm = entity_id(hass, "event", f"{serial}_0_alarm")

    before = datetime.now().astimezone()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    event = await async_wait_for_state(hass, alarm, lambda state: state.state != "unknown")
    assert event.attributes["event_type"] == "motion"
    assert event.attributes["event"] == "VideoMotion"
    assert event.attributes["channel"] == 1
    assert event.attributes["camera_time"] == record.time.isoformat()
    assert datetime.fromisoformat(event.attributes["received"]) >= before
    assert hass.states.get(person).state == STATE_OFF

    await camera.raise_alarm(channel=0, event="VideoMotion", status="Stop")
    await async_wait_for_state(hass, motion, STATE_OFF)
    # A Stop is not an event.
    assert hass.states.get(alarm).state == event.state


@pytest.mark.parametrize(
    ("camera_event", "kind"),
    [
        ("appEventHumanDetectAlarm", "person"),
        ("HumanDetect", "person"),
        ("CarShapeDetect", "vehicle"),
        ("FaceDetection", "face"),
        ("VideoBlind", "tamper"),
        ("VideoLoss", "video_loss"),
        ("LocalAlarm", "alarm_input"),
        ("StorrageLowSpace", "storage"),
    ],
)
async def test_event_kinds(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    camera_event: str,
    kind: str,
) -> None:
    """Each camera event name fires its own event type; person is not merged into motion."""
    serial = _serial(loaded_entry)
    alarm = entity_id(hass, "event", f"{serial}_0_alarm")
    motion = entity_id(hass, "binary_sensor", f"{serial}_0_motion")
    await camera.raise_alarm(channel=0, event=camera_event, status="Start")
    event = await async_wait_for_state(hass, alarm, lambda state: state.state != "unknown")
    assert event.attributes["event_type"] == kind
    assert event.attributes["event"] == camera_event
    assert hass.states.get(motion).state == STATE_OFF
    state = loaded_entry.runtime_data.coordinator.alarm_state(0, kind)
    assert state.is_on
    assert state.event == camera_event


async def test_person_sensor(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    serial = _serial(loaded_entry)
    person = entity_id(hass, "binary_sensor", f"{serial}_0_person")
    await camera.raise_alarm(channel=0, event="HumanDetect", status="Start")
    await async_wait_for_state(hass, person, STATE_ON)
    await camera.raise_alarm(channel=0, event="HumanDetect", status="Stop")
    await async_wait_for_state(hass, person, STATE_OFF)


async def test_unknown_event_fires_other(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """An event name nobody has seen is fired as `other` with its raw name: nothing is dropped."""
    alarm = entity_id(hass, "event", f"{_serial(loaded_entry)}_0_alarm")
    await camera.raise_alarm(channel=0, event="SomethingNew", status="Start")
    event = await async_wait_for_state(hass, alarm, lambda state: state.state != "unknown")
    assert event.attributes["event_type"] == "other"
    assert event.attributes["event"] == "SomethingNew"


async def test_off_delay_without_stop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Without a Stop, the sensor turns off after the off-delay; a new Start restarts it."""
    loaded_entry.runtime_data.coordinator.alarms.off_delay = 0.2
    motion = entity_id(hass, "binary_sensor", f"{_serial(loaded_entry)}_0_motion")
    recorder = StateRecorder(hass, [motion])
    try:
        await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        states = await recorder.wait_for_count(2)
    finally:
        recorder.close()
    assert [state.state for state in states] == [STATE_ON, STATE_OFF]


async def test_events_fire_on_every_start(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    alarm = entity_id(hass, "event", f"{_serial(loaded_entry)}_0_alarm")
    recorder = StateRecorder(hass, [alarm])
    try:
        for event in ("VideoMotion", "HumanDetect", "VideoMotion"):
            await camera.raise_alarm(channel=0, event=event, status="Start")
        states = await recorder.wait_for_count(3)
    finally:
        recorder.close()
    assert [state.attributes["event_type"] for state in states] == ["motion", "person", "motion"]
    assert loaded_entry.runtime_data.coordinator.stats.alarms == 3


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_two_channel_recorder(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A recorder gets entities per channel, on a device per channel named from its title."""
    serial = _serial(loaded_entry)
    first = hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_0_motion"))
    second = hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_1_motion"))
    assert first.name == "Front door Motion"
    assert second.name == "Garden Motion"
    alarm_2 = entity_id(hass, "event", f"{serial}_1_alarm")
    assert hass.states.get(alarm_2).name == "Garden Alarm"
    connectivity = hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_connectivity"))
    assert connectivity.name.endswith("Connection")
    # The alarm's picture is searched for on the control connection: without the wait for a
    # second download socket, which would hold up keepalives on a busy machine.
    one_socket_downloads(loaded_entry)

    await camera.raise_alarm(channel=1, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, second.entity_id, STATE_ON)
    event = await async_wait_for_state(
        hass,
        alarm_2,
        lambda state: state is not None and state.state not in ("unknown", "unavailable"),
    )
    assert event.attributes["channel"] == 2
    assert hass.states.get(first.entity_id).state == STATE_OFF
    devices = {
        entry.device_id
        for entry in er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    }
    # The recorder's, and one for each channel.
    assert len(devices) == 3


async def test_alarm_for_unknown_channel_is_ignored(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A channel the login reply did not announce has no entities to update."""
    coordinator = loaded_entry.runtime_data.coordinator
    alarm: Any = type("FakeAlarm", (), {"channel": 5, "event": "VideoMotion", "status": "Start"})()
    coordinator.alarms.handle_push(alarm)
    assert coordinator.stats.alarms == 0


@pytest.mark.usefixtures("fast_pictures", "fast_history")
async def test_alarm_pushed_during_setup(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A push between the subscription and the entities: its event fires, its sensor turns
    on, its picture is taken and the ledger has it, once (the history check adds no other).
    """
    serial = _serial(config_entry)
    # Setup waits for the camera's clock meanwhile (after the subscription).
    camera.delay_replies(1.0, message_id=TIMEQUERY_REQ, count=1)
    setup = hass.async_create_task(hass.config_entries.async_setup(config_entry.entry_id))
    await camera.wait_for_subscribers(1)
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    assert not setup.done()
    assert await setup
    await hass.async_block_till_done(wait_background_tasks=True)

    event = hass.states.get(entity_id(hass, "event", f"{serial}_0_alarm"))
    assert event is not None
    assert event.attributes["event_type"] == "motion"
    assert event.attributes["camera_time"] == record.time.isoformat()
    assert event.attributes["backfilled"] is False
    assert hass.states.get(entity_id(hass, "binary_sensor", f"{serial}_0_motion")).state == STATE_ON
    image = entity_id(hass, "image", f"{serial}_0_last_alarm_picture")
    await async_wait_for_state(hass, image, picture_shown(record.time))
    coordinator = config_entry.runtime_data.coordinator
    assert coordinator.alarms.ledger.fired_between(0, record.time, record.time)
    assert coordinator.stats.alarms == 1
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_pictures", "fast_history")
async def test_alarm_pushed_while_a_reconnect_checks_the_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A push between a reconnect's subscription and its check of the serial number fires
    live, once, when the check finds this camera (not later, from the history).
    """
    serial = _serial(loaded_entry)
    coordinator = loaded_entry.runtime_data.coordinator
    # The reconnect's check of the serial number waits meanwhile.
    camera.delay_replies(1.0, message_id=SYSINFO_REQ, count=1)
    await camera.inject_fault("disconnect", 0.05)
    await camera.wait_for(lambda: not coordinator.available)
    await camera.wait_for_subscribers(1)
    assert not coordinator.available
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    assert record.pushed_to == 1
    event_id = entity_id(hass, "event", f"{serial}_0_alarm")
    event = await async_wait_for_state(
        hass,
        event_id,
        lambda state: state is not None and state.state not in ("unknown", "unavailable"),
    )
    assert event is not None
    assert event.attributes["camera_time"] == record.time.isoformat()
    assert event.attributes["backfilled"] is False
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.stats.alarms == 1
