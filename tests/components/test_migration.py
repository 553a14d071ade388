"""Config entries of older versions: migrated at setup, entities and their ids kept."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.config_flow import DvripConfigFlow
from custom_components.dvrip.const import (
    BINARY_SENSOR_KINDS,
    CONF_OFF_DELAY,
    CONF_PICTURE_MODE,
    DOMAIN,
    MANUFACTURER,
    AlarmKind,
)
from custom_components.dvrip.naming import channel_device_id
from simulator import CameraSimulator

from .common import entry_data, entry_device

pytestmark = pytest.mark.usefixtures("fast_timing")


def _entry_of_version(
    hass: HomeAssistant, camera: CameraSimulator, options: dict[str, Any], *, version: int = 1
) -> MockConfigEntry:
    """The camera's entry as the release of config entry `version` wrote it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=version,
        title=camera.profile.model,
        unique_id=camera.config.serial,
        data=entry_data(camera),
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_version_1_keeps_left_out_kinds_disabled(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """A recorder set up with only motion sensors, polled every 30 s: after the update the
    options lose both, every entity keeps its entity id, and the kinds left out stay off,
    disabled by the user, on each channel.
    """
    entry = _entry_of_version(
        hass,
        camera,
        {
            "alarm_kinds": ["motion"],
            "history_poll_interval": 30,
            CONF_OFF_DELAY: 12,
            CONF_PICTURE_MODE: "off",
        },
    )
    serial = entry.unique_id
    assert serial
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, serial)},
        manufacturer=MANUFACTURER,
        name=entry.title,
    )
    registry = er.async_get(hass)
    # Entity ids as Home Assistant made them: the device's name, then the entity's.
    prefix = slugify(entry.title)
    # What version 1 left in the registry: motion sensors, the event entities, connectivity.
    before: dict[str, str] = {}
    for domain, key, name in (
        ("binary_sensor", "0_motion", f"{prefix}_channel_1_motion"),
        ("binary_sensor", "1_motion", f"{prefix}_channel_2_motion"),
        ("event", "0_alarm", f"{prefix}_channel_1_alarm"),
        ("event", "1_alarm", f"{prefix}_channel_2_alarm"),
        ("binary_sensor", "connectivity", f"{prefix}_connectivity"),
    ):
        registered = registry.async_get_or_create(
            domain,
            DOMAIN,
            f"{serial}_{key}",
            suggested_object_id=name,
            config_entry=entry,
            device_id=device.id,
            translation_key=f"channel_{key.split('_', 1)[1]}" if key[0].isdigit() else key,
        )
        before[registered.unique_id] = registered.entity_id

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert entry.version == DvripConfigFlow.VERSION == 2
    assert entry.options == {CONF_OFF_DELAY: 12, CONF_PICTURE_MODE: "off"}
    for unique_id, entity in before.items():
        assert registry.async_get_entity_id(entity.split(".")[0], DOMAIN, unique_id) == entity
    motion = registry.async_get(before[f"{serial}_0_motion"])
    assert motion is not None
    assert motion.disabled_by is None
    assert hass.states.get(motion.entity_id) is not None
    for channel in (0, 1):
        for kind in BINARY_SENSOR_KINDS:
            if kind is AlarmKind.MOTION:
                continue
            entity = registry.async_get_entity_id(
                "binary_sensor", DOMAIN, f"{serial}_{channel}_{kind}"
            )
            assert entity is not None, kind
            registered = registry.async_get(entity)
            assert registered is not None
            # Video loss, which the recorder reports, stays off too: the user had left it out.
            assert registered.disabled_by is er.RegistryEntryDisabler.USER, kind
            # On the channel's device, as the channel's other entities, though never loaded.
            channel_device = entry_device(hass, entry, channel_device_id(serial, channel))
            assert channel_device is not None
            assert registered.device_id == channel_device.id
            assert hass.states.get(entity) is None
    assert registry.async_get_entity_id("binary_sensor", DOMAIN, f"{serial}_1_tamper") == (
        f"binary_sensor.{prefix}_channel_2_tamper"
    )
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_version_1_with_every_kind_disables_nothing(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """An entry whose options never changed: only the version changes; abilities decide."""
    entry = _entry_of_version(hass, camera, {})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.version == 2
    assert entry.options == {}
    registry = er.async_get(hass)
    disabled = {
        registered.disabled_by
        for registered in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert er.RegistryEntryDisabler.USER not in disabled
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_newer_version_is_refused(hass: HomeAssistant, camera: CameraSimulator) -> None:
    """An entry written by a later release is not loaded (nor changed)."""
    entry = _entry_of_version(hass, camera, {"future": True}, version=3)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == 3
    assert entry.options == {"future": True}
