"""The white light, switched through its work mode.

On is the mode `KeepOpen`. Off goes back to the mode the light had before it was switched
on (automatic, on motion, or off), so that switching a floodlight on for a while does not
leave its motion lighting off for good; the work-mode select sets any mode outright. The
state is what the camera reads back after each change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.light import LightEntity, LightEntityDescription
from homeassistant.components.light.const import ColorMode
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import WhiteLightMode
from .coordinator import DvripCoordinator
from .entity import remove_stale_entities
from .lighting import LightingCoordinator, LightingEntity, LightingPart, has_white_light
from .runtime import DvripConfigEntry

# One command at a time to one camera.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DvripLightDescription(LightEntityDescription):
    """A light switched through a work mode (`Camera.WhiteLight` is one per device)."""


LIGHTS: tuple[DvripLightDescription, ...] = (DvripLightDescription(key="white_light"),)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The white light, enabled where the device reports one."""
    runtime = entry.runtime_data
    assert runtime.lighting is not None
    entities = [
        DvripWhiteLight(runtime.coordinator, runtime.lighting, description)
        for description in LIGHTS
    ]
    remove_stale_entities(hass, entry, Platform.LIGHT, {entity.unique_id for entity in entities})
    async_add_entities(entities)


class DvripWhiteLight(LightingEntity, LightEntity):
    """On while the camera keeps the white light on (`KeepOpen`)."""

    _attr_color_mode = ColorMode.ONOFF
    entity_description: DvripLightDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        lighting: LightingCoordinator,
        description: DvripLightDescription,
    ) -> None:
        self.entity_description = description
        super().__init__(
            coordinator,
            lighting,
            description.key,
            None,
            LightingPart.WHITE_LIGHT,
            enabled=has_white_light(coordinator),
        )
        self._attr_supported_color_modes = {ColorMode.ONOFF}

    @property
    def is_on(self) -> bool | None:
        mode = self.lighting.data.white_light_mode
        return None if mode is None else mode is WhiteLightMode.KEEP_OPEN

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.lighting.async_set_white_light_mode(WhiteLightMode.KEEP_OPEN)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.lighting.async_set_white_light_mode(self.lighting.mode_before_on)
