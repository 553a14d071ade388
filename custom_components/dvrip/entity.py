"""The base entity: one device per camera, availability from the coordinator."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN, MANUFACTURER
from .coordinator import DvripConfigEntry, DvripCoordinator
from .models import AlarmKey


def remove_stale_entities(
    hass: HomeAssistant, entry: DvripConfigEntry, platform: Platform, wanted: set[str | None]
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


class DvripEntity(Entity):
    """An entity of a camera, or of a recorder's channel ("Channel 2 motion", `channel_` keys)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: DvripCoordinator, key: str, channel: int | None = None) -> None:
        self.coordinator = coordinator
        self.channel = channel
        self._listen_keys: tuple[AlarmKey, ...] = ()
        device = coordinator.device
        serial = coordinator.unique_id
        if channel is None:
            self._attr_unique_id = f"{serial}_{key}"
            self._attr_translation_key = key
        else:
            self._attr_unique_id = f"{serial}_{channel}_{key}"
            if coordinator.channels > 1:
                self._attr_translation_key = f"channel_{key}"
                self._attr_translation_placeholders = {"channel": str(channel + 1)}
            else:
                self._attr_translation_key = key
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, serial)},
            manufacturer=MANUFACTURER,
            model=device.model,
            name=coordinator.entry.title,
            sw_version=device.firmware or None,
            hw_version=device.hardware or None,
            serial_number=device.serial or None,
        )

    @property
    def available(self) -> bool:
        return self.coordinator.available

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(self.async_write_ha_state, self._listen_keys)
        )
