"""Selects: a PTZ preset on a channel's device; the white light's work mode and each
channel's day/night colour mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import DayNightMode, PtzCommand, WhiteLightMode
from .const import DOMAIN
from .coordinator import DvripCoordinator
from .entity import DvripEntity, remove_stale_entities
from .lighting import (
    LightingCoordinator,
    LightingEntity,
    LightingPart,
    LightingState,
    has_white_light,
)
from .ptz import PRESET_ABILITY, PtzGuard, ptz_entities, ptz_reported
from .runtime import DvripConfigEntry

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


# -- white light and day/night -----------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DvripLightingSelectDescription(SelectEntityDescription):
    """A mode read back by the lighting coordinator: its options (translation keys) stand
    for the device's values; per channel or one per device.
    """

    part: LightingPart
    per_channel: bool
    modes: Mapping[str, Enum]
    current_fn: Callable[[LightingState, int | None], Enum | None]
    select_fn: Callable[[LightingCoordinator, int | None, Enum], Awaitable[None]]
    enabled_fn: Callable[[DvripCoordinator], bool]


_WHITE_LIGHT_MODES: dict[str, Enum] = {
    "auto": WhiteLightMode.AUTO,
    "intelligent": WhiteLightMode.INTELLIGENT,
    "on": WhiteLightMode.KEEP_OPEN,
    "off": WhiteLightMode.CLOSE,
}
_DAY_NIGHT_MODES: dict[str, Enum] = {mode.name.lower(): mode for mode in DayNightMode}


async def _select_white_light_mode(
    lighting: LightingCoordinator, _channel: int | None, mode: Enum
) -> None:
    assert isinstance(mode, WhiteLightMode)
    await lighting.async_set_white_light_mode(mode)


async def _select_day_night_mode(
    lighting: LightingCoordinator, channel: int | None, mode: Enum
) -> None:
    assert isinstance(mode, DayNightMode)
    await lighting.async_set_day_night_mode(channel or 0, mode)


def _day_night_enabled(coordinator: DvripCoordinator) -> bool:
    """Every camera has `Camera.Param`; through a recorder it is not known to be served."""
    return not coordinator.is_recorder


LIGHTING_SELECTS: tuple[DvripLightingSelectDescription, ...] = (
    DvripLightingSelectDescription(
        key="white_light_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(_WHITE_LIGHT_MODES),
        part=LightingPart.WHITE_LIGHT,
        per_channel=False,
        modes=_WHITE_LIGHT_MODES,
        current_fn=lambda state, _channel: state.white_light_mode,
        select_fn=_select_white_light_mode,
        enabled_fn=has_white_light,
    ),
    DvripLightingSelectDescription(
        key="day_night_mode",
        entity_category=EntityCategory.CONFIG,
        options=list(_DAY_NIGHT_MODES),
        part=LightingPart.DAY_NIGHT,
        per_channel=True,
        modes=_DAY_NIGHT_MODES,
        current_fn=lambda state, channel: state.day_night_of(channel or 0),
        select_fn=_select_day_night_mode,
        enabled_fn=_day_night_enabled,
    ),
)


def _lighting_selects(entry: DvripConfigEntry) -> list[DvripEntity]:
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    assert runtime.lighting is not None
    entities: list[DvripEntity] = []
    for description in LIGHTING_SELECTS:
        channels: tuple[int | None, ...] = (
            coordinator.active_channels if description.per_channel else (None,)
        )
        entities.extend(
            DvripLightingSelect(coordinator, runtime.lighting, description, channel)
            for channel in channels
        )
    return entities


class DvripLightingSelect(LightingEntity, SelectEntity):
    """Shows the mode the camera reads back; selecting one writes it."""

    entity_description: DvripLightingSelectDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        lighting: LightingCoordinator,
        description: DvripLightingSelectDescription,
        channel: int | None,
    ) -> None:
        self.entity_description = description
        super().__init__(
            coordinator,
            lighting,
            description.key,
            channel,
            description.part,
            enabled=description.enabled_fn(coordinator),
        )

    @property
    def current_option(self) -> str | None:
        description = self.entity_description
        mode = description.current_fn(self.lighting.data, self.channel)
        return next((key for key, value in description.modes.items() if value is mode), None)

    async def async_select_option(self, option: str) -> None:
        description = self.entity_description
        await description.select_fn(self.lighting, self.channel, description.modes[option])


# -- the platform ------------------------------------------------------------------------


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Each select on its device; those whose ability is not reported start disabled."""
    entities: list[DvripEntity] = []
    runtime = entry.runtime_data
    entities.extend(
        ptz_entities(runtime.coordinator, runtime.ptz, PTZ_SELECTS, DvripPtzPresetSelect)
    )
    entities.extend(_lighting_selects(entry))
    remove_stale_entities(hass, entry, Platform.SELECT, {entity.unique_id for entity in entities})
    async_add_entities(entities)
