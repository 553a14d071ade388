"""Detection switches, storage sensors and their repairs, reboot and set-the-clock buttons,
through Home Assistant against the simulated camera.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    UnitOfInformation,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator
from simulator.quirks import Quirk
from simulator.storage import CARD_MIB, FREE_MIB

from .common import async_wait_for_state, entity_id

# Not Home Assistant's zone in the tests (US/Pacific).
ZONE = "Asia/Shanghai"
RIGHT = timedelta(seconds=2)
CONFIG_SET = 1040


def _switch(hass: HomeAssistant, entry: MockConfigEntry, key: str, channel: int = 0) -> str:
    return entity_id(hass, "switch", f"{entry.unique_id}_{channel}_{key}")


def _sensor(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return entity_id(hass, "sensor", f"{entry.unique_id}_{key}")


def _button(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return entity_id(hass, "button", f"{entry.unique_id}_{key}")


def _issue(hass: HomeAssistant, entry: MockConfigEntry, issue: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{issue}_{entry.entry_id}")


async def _switch_to(hass: HomeAssistant, entity: str, on: bool) -> None:
    await hass.services.async_call(
        "switch", "turn_on" if on else "turn_off", {ATTR_ENTITY_ID: entity}, blocking=True
    )


async def _press(hass: HomeAssistant, entity: str) -> None:
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: entity}, blocking=True)


# -- detection ---------------------------------------------------------------------------


async def test_motion_switch_switches_the_cameras_detection(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The switch shows the camera's setting and changes it; the repair follows."""
    motion = _switch(hass, loaded_entry, "motion_detection")
    assert hass.states.get(motion).state == STATE_ON
    await _switch_to(hass, motion, on=False)
    assert not camera.motion_detection(0).enabled
    assert hass.states.get(motion).state == STATE_OFF
    assert _issue(hass, loaded_entry, "detection_disabled") is not None
    await _switch_to(hass, motion, on=True)
    assert camera.motion_detection(0).enabled
    assert hass.states.get(motion).state == STATE_ON
    assert _issue(hass, loaded_entry, "detection_disabled") is None


@pytest.mark.parametrize("camera_settings", [{"motion_detection": False}])
async def test_turning_detection_on_clears_the_repair(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    motion = _switch(hass, loaded_entry, "motion_detection")
    assert hass.states.get(motion).state == STATE_OFF
    assert _issue(hass, loaded_entry, "detection_disabled") is not None
    await _switch_to(hass, motion, on=True)
    assert camera.motion_detection(0).enabled
    assert _issue(hass, loaded_entry, "detection_disabled") is None


@pytest.mark.parametrize("camera_settings", [{"motion_detection": False}])
async def test_the_repairs_fix_turns_detection_on(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    issue = _issue(hass, loaded_entry, "detection_disabled")
    assert issue is not None
    assert issue.is_fixable
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    assert response.status == HTTPStatus.OK
    flow: dict[str, Any] = await response.json()
    assert flow["step_id"] == "confirm"
    assert flow["description_placeholders"]["channels"] == "1"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    assert camera.motion_detection(0).enabled
    assert _issue(hass, loaded_entry, "detection_disabled") is None
    assert hass.states.get(_switch(hass, loaded_entry, "motion_detection")).state == STATE_ON


@pytest.mark.parametrize("camera_settings", [{"motion_detection": False}])
async def test_the_repairs_fix_says_when_the_camera_keeps_detection_off(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The camera takes the write and keeps its setting: the fix says so; the repair stays."""
    camera.detection.set_writes("ignore")
    issue = _issue(hass, loaded_entry, "detection_disabled")
    assert issue is not None
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    flow: dict[str, Any] = await response.json()
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    result = await response.json()
    assert result["type"] == "abort"
    assert result["reason"] == "detection_unchanged"
    assert _issue(hass, loaded_entry, "detection_disabled") is not None


@pytest.mark.parametrize("camera_settings", [{"profile": "icsee"}])
async def test_human_switch_where_the_camera_detects_people(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    human = _switch(hass, loaded_entry, "human_detection")
    await async_wait_for_state(hass, human, STATE_ON)
    await _switch_to(hass, human, on=False)
    assert camera.detection.human_detection(0) is False
    assert hass.states.get(human).state == STATE_OFF
    assert camera.motion_detection(0).enabled  # the other section is left alone


async def test_switches_the_camera_does_not_report_start_disabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A camera without `HumanDection`: its switch exists, disabled until the user enables it."""
    registry = er.async_get(hass)
    human = registry.async_get(_switch(hass, loaded_entry, "human_detection"))
    assert human is not None
    assert human.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    motion = registry.async_get(_switch(hass, loaded_entry, "motion_detection"))
    assert motion is not None
    assert motion.disabled_by is None
    assert motion.entity_category is not None


@pytest.mark.parametrize("camera_settings", [{"profile_overrides": {"alarm_functions": None}}])
async def test_switches_of_a_camera_that_reports_no_abilities_start_disabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Unknown abilities: both switches exist, disabled; enabled by the user, they work."""
    registry = er.async_get(hass)
    motion = _switch(hass, loaded_entry, "motion_detection")
    assert registry.async_get(motion).disabled_by is er.RegistryEntryDisabler.INTEGRATION
    registry.async_update_entity(motion, disabled_by=None)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await _switch_to(hass, motion, on=False)
    assert not camera.motion_detection(0).enabled
    assert hass.states.get(motion).state == STATE_OFF


async def test_a_refused_write_is_a_clear_error_and_changes_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    motion = _switch(hass, loaded_entry, "motion_detection")
    camera.detection.set_writes("refuse")
    with pytest.raises(HomeAssistantError) as caught:
        await _switch_to(hass, motion, on=False)
    assert caught.value.translation_key == "command_refused"
    assert caught.value.translation_placeholders["ret"] == "107"
    assert "refused the command (Ret 107)" in str(caught.value)
    assert camera.motion_detection(0).enabled
    assert hass.states.get(motion).state == STATE_ON


async def test_the_switch_shows_what_the_camera_read_back(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera takes the write (Ret 100) and keeps its setting: the switch shows it."""
    motion = _switch(hass, loaded_entry, "motion_detection")
    camera.detection.set_writes("ignore")
    await _switch_to(hass, motion, on=False)
    assert camera.motion_detection(0).enabled
    assert hass.states.get(motion).state == STATE_ON
    # A change made in the vendor's app shows at the next reading.
    camera.set_motion_detection(False)
    await loaded_entry.runtime_data.coordinator.async_read_settings()
    assert hass.states.get(motion).state == STATE_OFF


async def test_a_write_left_unanswered_is_an_error_then_the_camera_is_believed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera holds its answer to the write past the timeout (the link stalls, then
    drops): an error, the state as it was; once back, the switch shows what the camera did.
    """
    motion = _switch(hass, loaded_entry, "motion_detection")
    camera.delay_replies(3.0, message_id=CONFIG_SET, count=1)
    with pytest.raises(HomeAssistantError) as caught:
        await _switch_to(hass, motion, on=False)
    assert caught.value.translation_key in ("command_unanswered", "command_failed")
    assert hass.states.get(motion).state == STATE_ON
    await camera.wait_for(lambda: not camera.motion_detection(0).enabled)
    await loaded_entry.runtime_data.coordinator.async_read_settings()
    await async_wait_for_state(hass, motion, STATE_OFF)


@pytest.mark.parametrize(
    "camera_settings", [{"profile": "nvr", "quirks": (Quirk.CONFIG_SILENT_LARGE.value,)}]
)
async def test_each_channel_is_read_on_its_own(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A recorder that never answers the whole list: each channel's section is read alone."""
    second = _switch(hass, loaded_entry, "motion_detection", channel=1)
    assert hass.states.get(second).state == STATE_ON
    await _switch_to(hass, second, on=False)
    assert not camera.motion_detection(1).enabled
    assert camera.motion_detection(0).enabled
    assert hass.states.get(second).state == STATE_OFF
    issue = _issue(hass, loaded_entry, "detection_disabled")
    assert issue is not None
    assert issue.translation_placeholders["channels"] == "2"


@pytest.mark.parametrize("camera_settings", [{"quirks": (Quirk.CONFIG_SILENT.value,)}])
async def test_a_camera_that_does_not_tell_its_settings(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """No ConfigGet answered: the switch is unknown, the alarms unaffected."""
    motion = _switch(hass, loaded_entry, "motion_detection")
    assert hass.states.get(motion).state == STATE_UNKNOWN
    assert loaded_entry.runtime_data.coordinator.available


# -- storage -----------------------------------------------------------------------------


async def test_storage_sensors(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    state = hass.states.get(_sensor(hass, loaded_entry, "storage_state"))
    assert state.state == "ok"
    total = hass.states.get(_sensor(hass, loaded_entry, "storage_total"))
    free = hass.states.get(_sensor(hass, loaded_entry, "storage_free"))
    for sensor, mib in ((total, CARD_MIB), (free, FREE_MIB)):
        assert sensor.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfInformation.GIBIBYTES
        assert float(sensor.state) == pytest.approx(mib / 1024, abs=0.05)


@pytest.mark.parametrize(
    ("card", "overwrite", "shown", "issue"),
    [
        ("missing", True, "missing", "storage_missing"),
        ("full", False, "full", "storage_full"),
        ("failing", True, "failing", "storage_failing"),
        ("full", True, "full", None),
    ],
)
async def test_a_card_that_keeps_no_recordings_raises_a_repair(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    card: str,
    overwrite: bool,
    shown: str,
    issue: str | None,
) -> None:
    """Missing, failing, or full and set to stop recording: a repair, gone once it is fixed."""
    storage = _sensor(hass, loaded_entry, "storage_state")
    coordinator = loaded_entry.runtime_data.coordinator
    camera.storage.set(card, overwrite)
    await coordinator.async_read_settings()
    assert hass.states.get(storage).state == shown
    raised = {
        name
        for name in ("storage_missing", "storage_full", "storage_failing")
        if _issue(hass, loaded_entry, name) is not None
    }
    assert raised == ({issue} if issue else set())
    camera.storage.set("ok", overwrite=True)
    await coordinator.async_read_settings()
    assert hass.states.get(storage).state == "ok"
    assert all(_issue(hass, loaded_entry, name) is None for name in raised)


# -- maintenance -------------------------------------------------------------------------


async def test_reboot_button_reboots_the_camera_and_it_comes_back(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    connection = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    assert hass.states.get(connection).state == STATE_ON
    await _press(hass, _button(hass, loaded_entry, "reboot"))
    await camera.wait_for(lambda: camera.stats.reboots == 1)
    await async_wait_for_state(hass, connection, STATE_OFF)
    await async_wait_for_state(hass, connection, STATE_ON)
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)


@pytest.mark.parametrize(
    "camera_settings", [{"timezone": ZONE, "clock_offset": timedelta(minutes=10)}]
)
async def test_set_clock_button_sets_the_cameras_clock(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Ten minutes off: the button sets the right time of the camera's zone; the repair goes."""
    assert _issue(hass, loaded_entry, "clock_wrong") is not None
    await _press(hass, _button(hass, loaded_entry, "set_clock"))
    assert abs(camera.clock_offset) <= RIGHT
    assert _issue(hass, loaded_entry, "clock_wrong") is None
