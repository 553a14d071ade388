"""The device registry: a camera's device, or a recorder's and one per channel with a camera.

Home Assistant moves an entity to the device its `device_info` names when it loads the
entity; a disabled entity is never loaded, so the channel devices are made here, at setup,
and every entity of a channel (disabled or not) is put on its channel's device.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .coordinator import DvripCoordinator
from .entity import camera_device_info, channel_device_info
from .naming import channel_device_id, channel_of_unique_id
from .runtime import DvripConfigEntry


@callback
def async_register_devices(
    hass: HomeAssistant, entry: DvripConfigEntry, coordinator: DvripCoordinator
) -> None:
    """Make the camera's (or recorder's) device, then its channels' devices, which point at it."""
    devices = dr.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=entry.entry_id, **camera_device_info(coordinator)
    )
    coordinator.device_entry_id = device.id
    if not coordinator.is_recorder:
        return
    channel_devices = {
        channel: devices.async_get_or_create(
            config_entry_id=entry.entry_id, **channel_device_info(coordinator, channel)
        ).id
        for channel in coordinator.active_channels
    }
    entities = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(entities, entry.entry_id):
        channel = channel_of_unique_id(coordinator.unique_id, registered.unique_id)
        wanted = channel_devices.get(channel) if channel is not None else None
        if wanted is not None and registered.device_id != wanted:
            entities.async_update_entity(registered.entity_id, device_id=wanted)


def device_channel(coordinator: DvripCoordinator, device: dr.DeviceEntry) -> int | None:
    """The channel (from 0) of a recorder channel's device; None for the camera's own."""
    for channel in range(coordinator.channels):
        if (DOMAIN, channel_device_id(coordinator.unique_id, channel)) in device.identifiers:
            return channel
    return None


def removable_device(entry: DvripConfigEntry, device: dr.DeviceEntry) -> bool:
    """A user may remove a recorder channel's device once no camera is behind the channel;
    the recorder, a camera and a channel in use go only with the entry.
    """
    if entry.unique_id is None or getattr(entry, "runtime_data", None) is None:
        return False
    in_use = {
        (DOMAIN, channel_device_id(entry.unique_id, channel))
        for channel in entry.runtime_data.coordinator.active_channels
    }
    in_use.add((DOMAIN, entry.unique_id))
    return not (device.identifiers & in_use)
