"""The siren: sounded and stopped with OPRemoteCtrl; the camera reports no state of it.

Its state is assumed: on from a successful "sound" until a successful "stop". With a
duration, Home Assistant sends the stop when the duration ends, and the state turns off
with it. A stop that cannot be sent then (the camera is not connected) is sent as soon as it
is connected again; until then the siren shows on, as it most likely still sounds. Home
Assistant stopping, or the entry unloading, stops a siren it sounded with a duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.siren import SirenEntity, SirenEntityDescription
from homeassistant.components.siren.const import ATTR_DURATION, SirenEntityFeature
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later

from .const import DOMAIN, LOGGER
from .coordinator import DvripCoordinator
from .entity import DvripEntity, remove_stale_entities
from .lighting import async_set_siren, has_siren
from .runtime import DvripConfigEntry

# One command at a time to one camera.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DvripSirenDescription(SirenEntityDescription):
    """The device's siren (one per device: OPRemoteCtrl names no channel)."""


SIRENS: tuple[DvripSirenDescription, ...] = (DvripSirenDescription(key="siren"),)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The siren, enabled where the device reports one (disabled, for the user, elsewhere)."""
    coordinator = entry.runtime_data.coordinator
    entities = [DvripSiren(coordinator, description) for description in SIRENS]
    remove_stale_entities(hass, entry, Platform.SIREN, {entity.unique_id for entity in entities})
    async_add_entities(entities)


class DvripSiren(DvripEntity, SirenEntity):
    """Sounds the camera's siren, for a duration or until turned off."""

    _attr_assumed_state = True
    _attr_is_on = False
    _attr_supported_features = (
        SirenEntityFeature.TURN_ON | SirenEntityFeature.TURN_OFF | SirenEntityFeature.DURATION
    )
    entity_description: DvripSirenDescription

    def __init__(self, coordinator: DvripCoordinator, description: DvripSirenDescription) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key)
        self._attr_entity_registry_enabled_default = has_siren(coordinator)
        self._cancel_timer: CALLBACK_TYPE | None = None
        # The duration ended while the camera could not be told: tell it once it can.
        self._stop_owed = False

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_listener(self._availability_changed))

    async def async_will_remove_from_hass(self) -> None:
        timed = self._cancel_timer is not None
        self._cancel_timing()
        if (timed or self._stop_owed) and self.coordinator.available:
            # Home Assistant stops or the entry unloads before the duration ended.
            try:
                await async_set_siren(self.coordinator, False)
            except HomeAssistantError as err:
                LOGGER.warning("Cannot stop the siren of %s: %s", self.coordinator.name, err)
        await super().async_will_remove_from_hass()

    async def async_turn_on(self, **kwargs: Any) -> None:
        await async_set_siren(self.coordinator, True)
        self._cancel_timing()
        self._stop_owed = False
        if (duration := kwargs.get(ATTR_DURATION)) is not None:
            self._cancel_timer = async_call_later(self.hass, float(duration), self._duration_ended)
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        await async_set_siren(self.coordinator, False)
        self._cancel_timing()
        self._stop_owed = False
        self._attr_is_on = False
        self.async_write_ha_state()

    def _cancel_timing(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    @callback
    def _duration_ended(self, _now: datetime) -> None:
        self._cancel_timer = None
        self._stop_owed = True
        self.hass.async_create_task(self._async_pay_stop(), f"{DOMAIN} siren stop")

    @callback
    def _availability_changed(self) -> None:
        if self._stop_owed and self.coordinator.available:
            self.hass.async_create_task(self._async_pay_stop(), f"{DOMAIN} siren stop")

    async def _async_pay_stop(self) -> None:
        """Send the stop a duration owes; on failure it is sent at the next connect."""
        if not self._stop_owed:
            return
        try:
            await async_set_siren(self.coordinator, False)
        except HomeAssistantError as err:
            LOGGER.warning(
                "Cannot stop the siren of %s now (%s); it is stopped once the camera answers",
                self.coordinator.name,
                err,
            )
            return
        self._stop_owed = False
        self._attr_is_on = False
        self.async_write_ha_state()
