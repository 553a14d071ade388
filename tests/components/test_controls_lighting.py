"""The siren, the white light and the day/night mode, through Home Assistant.

Each entity shows what the simulated camera reads back; refusals and writes the camera
ignores are played by its control switches (`CameraSimulator.lighting`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, ATTR_OPTION
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.dvrip.client import WhiteLightMode
from custom_components.dvrip.const import CONF_PICTURE_MODE
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from simulator import CameraSimulator
from simulator.lighting import CAMERA_PARAM, WHITE_LIGHT, LightingControl

from .common import async_wait_for_state, entity_id


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    """An iCSee floodlight camera: it reports a siren and a white light."""
    return {"profile": "icsee"}


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


# For tests that move Home Assistant's clock on: the camera on the test's own loop would
# otherwise close the idle session when its timers fire early.
PATIENT_CAMERA = {"profile": "icsee", "alive_interval": 1_000_000, "idle_timeout": 10_000_000.0}


def _ids(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    serial = entry.unique_id
    return {
        "siren": entity_id(hass, "siren", f"{serial}_siren"),
        "light": entity_id(hass, "light", f"{serial}_white_light"),
        "mode": entity_id(hass, "select", f"{serial}_white_light_mode"),
        "day_night": entity_id(hass, "select", f"{serial}_0_day_night_mode"),
    }


async def _call(hass: HomeAssistant, domain: str, service: str, entity: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity, **data}, blocking=True)


async def test_the_entities_show_what_the_camera_has(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, loaded_entry)
    assert hass.states.get(ids["mode"]).state == "auto"
    assert hass.states.get(ids["light"]).state == "off"
    assert hass.states.get(ids["day_night"]).state == "default"
    siren = hass.states.get(ids["siren"])
    assert siren.state == "off"
    assert siren.attributes["assumed_state"] is True
    lighting = (await async_get_config_entry_diagnostics(hass, loaded_entry))["lighting"]
    assert lighting["white_light"]["WorkMode"] == "Auto"
    assert lighting["day_night"] == ["DEFAULT"]
    assert lighting["read_parts"] == ["day_night", "white_light"]


async def test_the_light_goes_back_to_its_mode_when_switched_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """On is KeepOpen; off restores the mode the light had before (here: on motion)."""
    ids = _ids(hass, loaded_entry)
    await _call(hass, "select", "select_option", ids["mode"], **{ATTR_OPTION: "intelligent"})
    assert camera.lighting.work_mode == "Intelligent"
    assert hass.states.get(ids["mode"]).state == "intelligent"
    await _call(hass, "light", "turn_on", ids["light"])
    assert camera.lighting.work_mode == "KeepOpen"
    assert hass.states.get(ids["light"]).state == "on"
    assert hass.states.get(ids["mode"]).state == "on"
    # The rest of the section went back as it was read.
    assert camera.lighting.white_light["MoveTrigLight"] == {"Duration": 60, "Level": 3}
    await _call(hass, "light", "turn_off", ids["light"])
    assert camera.lighting.work_mode == "Intelligent"
    assert hass.states.get(ids["light"]).state == "off"
    assert hass.states.get(ids["mode"]).state == "intelligent"
    # The select sets the light off outright.
    await _call(hass, "select", "select_option", ids["mode"], **{ATTR_OPTION: "off"})
    assert camera.lighting.work_mode == "Close"


async def test_the_day_night_mode_changes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, loaded_entry)
    await _call(hass, "select", "select_option", ids["day_night"], **{ATTR_OPTION: "colour"})
    assert camera.lighting.day_night(0) == "0x00000001"
    assert hass.states.get(ids["day_night"]).state == "colour"


async def test_a_refused_control_is_a_clear_error_and_changes_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, loaded_entry)
    camera.lighting.set_refused(LightingControl.WHITE_LIGHT)
    camera.lighting.set_refused(LightingControl.SIREN)
    with pytest.raises(HomeAssistantError) as refused:
        await _call(hass, "light", "turn_on", ids["light"])
    assert refused.value.translation_key == "lighting_refused"
    assert (
        str(refused.value)
        == f"{loaded_entry.title} refused the change (Ret 103); the setting stays as it was"
    )
    assert hass.states.get(ids["light"]).state == "off"
    assert hass.states.get(ids["mode"]).state == "auto"
    assert camera.lighting.work_mode == "Auto"
    with pytest.raises(HomeAssistantError, match="refused the change"):
        await _call(hass, "siren", "turn_on", ids["siren"])
    assert hass.states.get(ids["siren"]).state == "off"


async def test_a_write_the_camera_ignores_shows_the_camera_s_mode(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera answers the write with success and keeps its mode: so does the entity."""
    ids = _ids(hass, loaded_entry)
    camera.lighting.keep_settings = True
    await _call(hass, "select", "select_option", ids["mode"], **{ATTR_OPTION: "on"})
    assert camera.lighting.writes == 1
    assert hass.states.get(ids["mode"]).state == "auto"
    await _call(hass, "light", "turn_on", ids["light"])
    assert hass.states.get(ids["light"]).state == "off"
    await _call(hass, "select", "select_option", ids["day_night"], **{ATTR_OPTION: "colour"})
    assert hass.states.get(ids["day_night"]).state == "default"


@pytest.mark.parametrize("camera_settings", [PATIENT_CAMERA])
async def test_a_mode_changed_on_the_camera_shows_at_the_next_read(
    hass: HomeAssistant, entry_at_camera_pace: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The vendor's app changed the light: the periodic read shows it."""
    ids = _ids(hass, entry_at_camera_pace)
    camera.lighting.set_work_mode("KeepOpen")
    camera.lighting.set_day_night("0x00000005")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await async_wait_for_state(hass, ids["light"], "on")
    await async_wait_for_state(hass, ids["day_night"], "infrared_light")


@pytest.mark.parametrize("camera_settings", [PATIENT_CAMERA])
async def test_the_siren_stops_when_its_duration_ends(
    hass: HomeAssistant, entry_at_camera_pace: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, entry_at_camera_pace)
    await _call(hass, "siren", "turn_on", ids["siren"], duration=30)
    assert camera.lighting.siren_on
    assert hass.states.get(ids["siren"]).state == "on"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await async_wait_for_state(hass, ids["siren"], "off")
    assert not camera.lighting.siren_on
    assert camera.lighting.siren_switches == ["on", "off"]


@pytest.mark.parametrize("camera_settings", [PATIENT_CAMERA])
async def test_the_siren_sounds_until_turned_off_without_a_duration(
    hass: HomeAssistant, entry_at_camera_pace: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, entry_at_camera_pace)
    await _call(hass, "siren", "turn_on", ids["siren"])
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
    await hass.async_block_till_done()
    assert hass.states.get(ids["siren"]).state == "on"
    assert camera.lighting.siren_on
    await _call(hass, "siren", "turn_off", ids["siren"])
    assert hass.states.get(ids["siren"]).state == "off"
    assert camera.lighting.siren_switches == ["on", "off"]


async def test_a_siren_whose_duration_ends_offline_is_stopped_at_reconnect(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The stop cannot be sent while the camera is away: it goes out once it is back, and
    until then the siren shows on (it most likely still sounds).
    """
    ids = _ids(hass, loaded_entry)
    await _call(hass, "siren", "turn_on", ids["siren"], duration=10)
    await camera.inject_fault("disconnect", 3)
    await async_wait_for_state(hass, ids["siren"], "unavailable")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert camera.lighting.siren_on
    await async_wait_for_state(hass, ids["siren"], "off")
    assert not camera.lighting.siren_on
    assert camera.lighting.siren_switches == ["on", "off"]


async def test_a_connection_lost_during_a_control_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera falls silent as the light is switched: a clear error, nothing changed,
    and the entity shows the camera's mode once it is back.
    """
    ids = _ids(hass, loaded_entry)
    await camera.inject_fault("silence", 3)
    with pytest.raises(HomeAssistantError) as lost:
        await _call(hass, "light", "turn_on", ids["light"])
    assert lost.value.translation_key in ("lighting_unanswered", "camera_unavailable")
    assert camera.lighting.work_mode == "Auto"
    await async_wait_for_state(hass, ids["light"], "unavailable")
    await async_wait_for_state(hass, ids["light"], "off")
    # Away, a control says so at once.
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, ids["light"], "unavailable")
    lighting = loaded_entry.runtime_data.lighting
    assert lighting is not None
    with pytest.raises(HomeAssistantError) as away:
        await lighting.async_set_white_light_mode(WhiteLightMode.KEEP_OPEN)
    assert away.value.translation_key == "camera_unavailable"


@pytest.mark.parametrize("camera_settings", [{"profile": "icsee", "quirks": ("config-silent",)}])
async def test_a_camera_that_does_not_answer_leaves_the_state_unknown(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, loaded_entry)
    assert hass.states.get(ids["light"]).state == "unknown"
    assert hass.states.get(ids["mode"]).state == "unknown"
    assert hass.states.get(ids["day_night"]).state == "unknown"
    # The camera itself is there, its alarms taken.
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    assert hass.states.get(connectivity).state == "on"


def _disabled(hass: HomeAssistant, entity: str) -> bool:
    registered = er.async_get(hass).async_get(entity)
    assert registered is not None
    if registered.disabled_by is None:
        return False
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    return True


@pytest.mark.parametrize("camera_settings", [{"profile": "ipc"}])
async def test_a_camera_without_the_abilities_has_them_disabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Created all the same, for the user to enable where the abilities are wrong; the
    day/night mode, which every camera has, is enabled.
    """
    ids = _ids(hass, loaded_entry)
    assert _disabled(hass, ids["siren"])
    assert _disabled(hass, ids["light"])
    assert _disabled(hass, ids["mode"])
    assert not _disabled(hass, ids["day_night"])
    assert hass.states.get(ids["light"]) is None
    # Only what an enabled entity shows is read: not the white light it does not have.
    assert camera.lighting.reads[WHITE_LIGHT] == 0
    assert camera.lighting.reads[CAMERA_PARAM] == 1
    assert hass.states.get(ids["day_night"]).state == "default"


@pytest.mark.parametrize(
    "camera_settings", [{"profile": "icsee", "quirks": ("abilities-partial",)}]
)
async def test_abilities_without_alarm_functions_disable_the_siren(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """SystemFunction without AlarmFunction: the siren is not known, the light is."""
    ids = _ids(hass, loaded_entry)
    assert _disabled(hass, ids["siren"])
    assert not _disabled(hass, ids["light"])


async def test_unloading_stops_a_siren_sounded_for_a_duration(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Home Assistant going away before the duration ended does not leave it sounding."""
    ids = _ids(hass, loaded_entry)
    await _call(hass, "siren", "turn_on", ids["siren"], duration=600)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert camera.lighting.siren_switches == ["on", "off"]
    assert not camera.lighting.siren_on


async def test_a_siren_the_camera_does_not_answer_stays_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    ids = _ids(hass, loaded_entry)
    camera.delay_replies(5, message_id=4000, count=1)
    with pytest.raises(HomeAssistantError) as unanswered:
        await _call(hass, "siren", "turn_on", ids["siren"], duration=5)
    assert unanswered.value.translation_key == "lighting_unanswered"
    assert hass.states.get(ids["siren"]).state == "off"


async def test_a_light_only_ever_seen_on_is_switched_off(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator, fast_timing: None
) -> None:
    """Off restores the mode before "on"; a light Home Assistant has only seen on goes off."""
    camera.lighting.set_work_mode("KeepOpen")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    ids = _ids(hass, config_entry)
    assert hass.states.get(ids["light"]).state == "on"
    await _call(hass, "light", "turn_off", ids["light"])
    assert camera.lighting.work_mode == "Close"
    assert hass.states.get(ids["mode"]).state == "off"
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
