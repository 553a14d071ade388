"""Which alarm sensors start enabled: the detections the device reports (SystemFunction).

Every kind has its sensor on every channel in the entity registry; the device's abilities
decide only which of them are enabled until the user changes that.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import BINARY_SENSOR_KINDS, CONF_PICTURE_MODE, AlarmKind
from simulator import CameraSimulator

from .common import entity_id

pytestmark = pytest.mark.usefixtures("fast_timing")


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


def _enabled_kinds(hass: HomeAssistant, entry: MockConfigEntry, channel: int) -> set[str]:
    """The kinds whose sensor on `channel` is enabled; every kind's must be registered."""
    registry = er.async_get(hass)
    enabled = set()
    for kind in BINARY_SENSOR_KINDS:
        registered = registry.async_get(
            entity_id(hass, "binary_sensor", f"{entry.unique_id}_{channel}_{kind}")
        )
        assert registered is not None
        if registered.disabled_by is None:
            enabled.add(str(kind))
        else:
            assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    return enabled


async def test_a_camera_without_human_detection(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The plain camera reports motion and blind detection, no human detection: its person
    sensor is registered but disabled, its motion and tamper sensors are enabled.
    """
    assert camera.profile.alarm_functions is not None
    assert "HumanDection" not in camera.profile.alarm_functions
    assert _enabled_kinds(hass, loaded_entry, 0) == {AlarmKind.MOTION, AlarmKind.TAMPER}
    # A disabled entity has no state.
    person = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_person")
    assert hass.states.get(person) is None
    abilities = loaded_entry.runtime_data.coordinator.as_dict()["abilities"]
    assert "MotionDetect" in abilities["AlarmFunction"]


@pytest.mark.parametrize("camera_settings", [{"profile": "icsee"}])
async def test_a_camera_with_human_detection(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """ "HumanDection" (as firmware spells it) enables the person sensor."""
    assert AlarmKind.PERSON in _enabled_kinds(hass, loaded_entry, 0)


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_a_recorder_reports_video_loss(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A recorder's channels get their video loss sensor enabled, on each channel."""
    channels = loaded_entry.runtime_data.coordinator.active_channels
    assert len(channels) > 1
    for channel in channels:
        assert _enabled_kinds(hass, loaded_entry, channel) == {
            AlarmKind.MOTION,
            AlarmKind.TAMPER,
            AlarmKind.VIDEO_LOSS,
        }


@pytest.mark.parametrize("camera_settings", [{"profile_overrides": {"alarm_functions": None}}])
async def test_no_abilities_enable_motion_and_person(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Firmware that refuses SystemFunction: motion and person, as before abilities were read."""
    assert loaded_entry.runtime_data.coordinator.abilities is None
    assert _enabled_kinds(hass, loaded_entry, 0) == {AlarmKind.MOTION, AlarmKind.PERSON}
    # The connectivity sensor and the event entity do not depend on abilities.
    assert hass.states.get(
        entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    )
    assert hass.states.get(entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
