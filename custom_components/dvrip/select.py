"""Selects on a channel's device.

PTZ (`PTZ_SELECTS`): go to a preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import PtzCommand
from .const import DOMAIN
from .coordinator import DvripConfigEntry, DvripCoordinator
from .entity import DvripEntity
from .ptz import PRESET_ABILITY, PtzGuard, ptz_reported

# Commands go one at a time over the camera's one session.
PARALLEL_UPDATES = 1


# -- PTZ -------------------------------------------------------------------------------------

# The presets offered when the device does not list its own. Firmware keeps presets
# numbered up to 255 (avlija), and only some lists the stored ones (`Uart.PTZPreset`, the
# Xiongmai FunSDK demo); the vendor's apps save presets by number and icsee-ptz's action
# takes a number. A menu of 255 mostly empty numbers helps nobody: the first few cover what
# people store, and the `dvrip.ptz` action reaches every number.
NUMBERED_PRESETS: Final = 8


@dataclass(frozen=True, kw_only=True)
class DvripPtzSelectDescription(SelectEntityDescription):
    """A PTZ select, and the ability that has it."""

    ability: str


PTZ_SELECTS: tuple[DvripPtzSelectDescription, ...] = (
    DvripPtzSelectDescription(
        key="ptz_preset", translation_key="ptz_preset", ability=PRESET_ABILITY
    ),
)


class DvripPtzPresetSelect(DvripEntity, SelectEntity):
    """Sends the head to a preset. The options are the presets the device lists, else
    numbers 1 to `NUMBERED_PRESETS`; nothing is selected (the head may have moved since).
    """

    entity_description: DvripPtzSelectDescription
    _attr_current_option = None

    def __init__(
        self,
        coordinator: DvripCoordinator,
        guard: PtzGuard,
        description: DvripPtzSelectDescription,
        channel: int,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key, channel)
        self._guard = guard
        self._attr_entity_registry_enabled_default = ptz_reported(coordinator, description.ability)

    @property
    def options(self) -> list[str]:
        assert self.channel is not None
        listed = self._guard.presets.get(self.channel)
        numbers = listed or range(1, NUMBERED_PRESETS + 1)
        return [str(number) for number in numbers]

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._guard.async_add_preset_listener(self.async_write_ha_state))
        assert self.channel is not None
        # In the background: firmware that keeps no list may take its time saying so.
        self.coordinator.entry.async_create_background_task(
            self.hass,
            self._guard.async_read_presets(self.channel),
            f"{DOMAIN} PTZ presets {self.channel}",
        )

    async def async_select_option(self, option: str) -> None:
        assert self.channel is not None
        await self._guard.async_preset(self.channel, PtzCommand.GOTO_PRESET, int(option))


def _ptz_selects(entry: DvripConfigEntry) -> list[DvripPtzPresetSelect]:
    coordinator = entry.runtime_data.coordinator
    guard = entry.runtime_data.ptz
    if guard is None:
        return []
    return [
        DvripPtzPresetSelect(coordinator, guard, description, channel)
        for channel in coordinator.active_channels
        for description in PTZ_SELECTS
    ]


# -- the platform ----------------------------------------------------------------------------


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every family's selects on every channel with a camera; those whose ability the
    device does not report start disabled.
    """
    entities: list[SelectEntity] = []
    entities.extend(_ptz_selects(entry))
    async_add_entities(entities)
