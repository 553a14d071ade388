"""Firmware that leaves requests unanswered: only login, keepalive and AlarmSet are required.

A camera that answers no ConfigGet, reports abilities without AlarmFunction and never
confirms AlarmSet (new iCSee firmware, dbuezas/icsee-ptz #66) is added through the config
flow and set up with working alarms; every fact it keeps to itself gets its default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN, AlarmKind
from custom_components.dvrip.naming import address_name
from simulator import CameraSimulator
from simulator.quirks import Quirk
from simulator.wire import MessageId

from .common import async_wait_for_state, entity_id, entry_data, export_last_alarms

pytestmark = pytest.mark.usefixtures("fast_timing")

# New iCSee firmware as icsee-ptz #66 describes it.
ICSEE_66 = (Quirk.CONFIG_SILENT, Quirk.ABILITIES_PARTIAL, Quirk.GUARD_SILENT)


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


@pytest.mark.parametrize("camera_settings", [{"quirks": tuple(quirk.value for quirk in ICSEE_66)}])
async def test_firmware_answering_no_config_is_added_and_alarms_work(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """Added through the config flow, named by its address; motion and person sensors on;
    no detection repair though its detection is off (the camera does not say so); once
    detection is on, its alarms turn the sensor on over the session it was set up with.
    """
    camera.set_motion_detection(False)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input=entry_data(camera)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == address_name(camera.host, camera.port)
    entry = result["result"]
    assert entry.unique_id == camera.config.serial
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    registry = er.async_get(hass)
    for kind in (AlarmKind.MOTION, AlarmKind.PERSON):
        sensor = registry.async_get(entity_id(hass, "binary_sensor", f"{entry.unique_id}_0_{kind}"))
        assert sensor is not None
        assert sensor.disabled_by is None
    assert not ir.async_get(hass).issues

    motion = entity_id(hass, "binary_sensor", f"{entry.unique_id}_0_motion")
    assert hass.states.get(motion).state == STATE_OFF
    camera.set_motion_detection(True)
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    coordinator = entry.runtime_data.coordinator
    assert coordinator.stats.disconnects == 0
    assert "AlarmFunction" not in (coordinator.as_dict()["abilities"] or {})
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("camera_settings", "raised"),
    [
        ({}, True),
        ({"quirks": (Quirk.CONFIG_SILENT_LARGE.value,)}, True),
        ({"quirks": (Quirk.CONFIG_SILENT.value,)}, False),
    ],
    ids=["answered", "whole-list-unanswered", "unanswered"],
)
async def test_unreadable_detection_config_raises_no_repair(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator, raised: bool
) -> None:
    """Detection that is off raises its repair where the camera says so, also where it
    leaves the whole Detect.MotionDetect unanswered (each channel's is read on its own), and
    nothing where it answers no ConfigGet; the session stays up either way.
    """
    camera.set_motion_detection(False)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"detection_disabled_{config_entry.entry_id}"
    )
    assert (issue is not None) is raised
    coordinator = config_entry.runtime_data.coordinator
    await coordinator.async_read_settings()
    assert coordinator.stats.disconnects == 0
    assert coordinator.available
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.parametrize(
    "camera_settings", [{"profile": "nvr", "quirks": (Quirk.CONFIG_SILENT.value,)}]
)
async def test_recorder_without_channel_statuses_uses_every_channel(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """No NetWork.ChnStatus: every channel has a camera; titles still come from 1048."""
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.active_channels == (0, 1)
    assert coordinator.channel_titles == ["Front door", "Garden"]
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_1_motion")
    await camera.raise_alarm(channel=1, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)


async def test_camera_not_answering_system_info_is_known_by_its_mac(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """SystemInfo (the serial number) unanswered while the config flow asks: the camera is
    known by the MAC address of its network settings, and sets up when SystemInfo answers
    again later.
    """
    # Longer than the flow waits for it (a second under fast_timing).
    camera.delay_replies(1.5, message_id=MessageId.SYSTEM_INFO, count=1)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input=entry_data(camera)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == camera.device_name
    entry = result["result"]
    assert entry.unique_id == format_mac(camera.config.mac)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.device.serial == camera.config.serial
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_clock_not_told_leaves_the_offset_unknown(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """OPTimeQuery unanswered at setup: the entry loads, the camera's offset is unknown."""
    camera.delay_replies(1.5, message_id=MessageId.TIME_QUERY, count=1)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    coordinator = config_entry.runtime_data.coordinator
    assert coordinator.as_dict()["clock_offset_seconds"] is None
    assert coordinator.stats.disconnects == 0
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.parametrize("camera_settings", [{"quirks": (Quirk.CONFIG_SILENT.value,)}])
async def test_reconnect_to_firmware_answering_no_config_keeps_the_session(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """After a reconnect the settings are read again; left unanswered, they cost nothing:
    the new session stays, and its alarms arrive.
    """
    coordinator = loaded_entry.runtime_data.coordinator
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    await camera.inject_fault("disconnect", 0.1)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    await async_wait_for_state(hass, connectivity, STATE_ON)
    # The settings read after the reconnect go unanswered.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.stats.disconnects == 1
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    assert coordinator.stats.disconnects == 1


@pytest.mark.parametrize("camera_settings", [{"quirks": (Quirk.LOGIN_REFUSED_SESSION.value,)}])
async def test_refused_login_with_a_session_is_a_wrong_password(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """A refusal that carries a session id, then silence: "Wrong user name or password",
    at once, and the form can be sent again.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input=entry_data(camera, "wrong")
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    await camera.wait_for(lambda: camera.stats.open_connections == 0)


@pytest.mark.usefixtures("fast_pictures")
# A camera keeping the host's local time, the guess made without its clock.
@pytest.mark.parametrize(
    "camera_settings", [{"clock_offset": datetime.now().astimezone().utcoffset()}]
)
async def test_export_without_the_camera_clock(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """An export whose OPTimeQuery goes unanswered searches the last day by the host's local
    time, finds the alarm, and keeps the session.
    """
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    camera.delay_replies(1.5, message_id=MessageId.TIME_QUERY, count=1)
    response = await export_last_alarms(hass, loaded_entry)
    assert [alarm["time"] for alarm in response["alarms"]] == [record.time.isoformat()]
    assert loaded_entry.runtime_data.coordinator.stats.disconnects == 0
