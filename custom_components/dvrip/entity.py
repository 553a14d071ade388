"""The base entity: a device per camera (a recorder's channels each their own), availability."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN, MANUFACTURER
from .coordinator import DvripCoordinator
from .ha_versions import VIA_DEVICE_ID
from .models import AlarmKey
from .naming import channel_device_id, channel_title


def remove_stale_entities(
    hass: HomeAssistant, entry: ConfigEntry, platform: Platform, wanted: set[str | None]
) -> None:
    """Forget a platform's entities no longer wanted (options changed), rather than orphan them."""
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (
            registered.domain == platform
            and registered.platform == DOMAIN
            and registered.unique_id not in wanted
        ):
            registry.async_remove(registered.entity_id)


def camera_device_info(coordinator: DvripCoordinator) -> DeviceInfo:
    """The device of a camera, or of a recorder: named from its own name, else its address."""
    device = coordinator.device
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.unique_id)},
        manufacturer=MANUFACTURER,
        model=device.model,
        name=coordinator.name,
        sw_version=device.firmware or None,
        hw_version=device.hardware or None,
        serial_number=device.serial or None,
    )


def channel_device_info(coordinator: DvripCoordinator, channel: int) -> DeviceInfo:
    """The device of a recorder's channel (the camera behind it), reached through the recorder.

    Named from the recorder's title for the channel, else "Channel N" (translated).
    """
    info = DeviceInfo(
        identifiers={(DOMAIN, channel_device_id(coordinator.unique_id, channel))},
        # The camera behind a channel reports nothing of itself through the recorder.
        manufacturer=MANUFACTURER,
        model=f"{coordinator.device.model} channel {channel + 1}",
    )
    if VIA_DEVICE_ID and coordinator.device_entry_id is not None:
        info["via_device_id"] = coordinator.device_entry_id  # type: ignore[typeddict-unknown-key]
    else:
        info["via_device"] = (DOMAIN, coordinator.unique_id)
    if (title := channel_title(coordinator.channel_titles, channel)) is not None:
        info["name"] = title
    else:
        info["translation_key"] = "channel"
        info["translation_placeholders"] = {"channel": str(channel + 1)}
    return info


class DvripEntity(Entity):
    """An entity of a camera, or of a recorder's channel (on the channel's own device).

    Names are plain ("Motion", "Alarm"): the device names the camera or the channel.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: DvripCoordinator, key: str, channel: int | None = None) -> None:
        self.coordinator = coordinator
        self.channel = channel
        self._listen_keys: tuple[AlarmKey, ...] = ()
        serial = coordinator.unique_id
        self._attr_translation_key = key
        if channel is None:
            self._attr_unique_id = f"{serial}_{key}"
        else:
            self._attr_unique_id = f"{serial}_{channel}_{key}"
        if channel is not None and coordinator.is_recorder:
            self._attr_device_info = channel_device_info(coordinator, channel)
        else:
            self._attr_device_info = camera_device_info(coordinator)

    @property
    def available(self) -> bool:
        return self.coordinator.available

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.async_write_ha_state, self._listen_keys)
        )
