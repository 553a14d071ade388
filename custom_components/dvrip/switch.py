"""Switches: each channel's motion and human detection, as the camera's own settings have them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Abilities, Detection, DvripError, detection_enabled
from .command_errors import camera_unavailable, command_error
from .coordinator import DvripCoordinator
from .detection_settings import DetectionSettings
from .entity import DvripEntity, remove_stale_entities
from .runtime import DvripConfigEntry

# A write reads the whole section and writes it back: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DvripDetectionSwitchDescription(SwitchEntityDescription):
    """A detection switched in the camera's `Detect` settings, one channel at a time."""

    detection: Detection
    # The `SystemFunction.AlarmFunction` entry that says the camera has it (spelt as
    # firmware spells it).
    ability: str


DETECTION_SWITCHES: tuple[DvripDetectionSwitchDescription, ...] = (
    DvripDetectionSwitchDescription(
        key="motion_detection",
        detection=Detection.MOTION,
        ability="MotionDetect",
        entity_category=EntityCategory.CONFIG,
    ),
    DvripDetectionSwitchDescription(
        key="human_detection",
        detection=Detection.HUMAN,
        ability="HumanDection",
        entity_category=EntityCategory.CONFIG,
    ),
)


def reported(abilities: Abilities | None, ability: str) -> bool:
    """Whether the device reports the ability; unknown counts as not (enable it by hand)."""
    return abilities is not None and abilities.supports(ability)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every detection's switch on every channel with a camera; those the device does not
    report start disabled (abilities are often wrong: the user enables them).
    """
    coordinator = entry.runtime_data.coordinator
    settings = entry.runtime_data.detection
    switches = [
        DvripDetectionSwitch(coordinator, settings, description, channel)
        for channel in coordinator.active_channels
        for description in DETECTION_SWITCHES
    ]
    # Switches of channels no longer in use (a camera taken off a recorder) leave the registry.
    remove_stale_entities(hass, entry, Platform.SWITCH, {switch.unique_id for switch in switches})
    async_add_entities(switches)


class DvripDetectionSwitch(DvripEntity, SwitchEntity):
    """On while the camera's setting for this channel's detection is on (as read back)."""

    entity_description: DvripDetectionSwitchDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        settings: DetectionSettings,
        description: DvripDetectionSwitchDescription,
        channel: int,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key, channel)
        self.settings = settings
        self._attr_entity_registry_enabled_default = reported(
            coordinator.abilities, description.ability
        )

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        detection = self.entity_description.detection
        first = not self.settings.wants(detection)
        self.async_on_remove(self.settings.async_want(detection))
        self.async_on_remove(self.settings.async_add_listener(self.async_write_ha_state))
        if first:
            # Not read until a switch shows it (a camera without it is not asked).
            await self.settings.async_request_refresh()

    @property
    def is_on(self) -> bool | None:
        assert self.channel is not None
        section = self.settings.data.section(self.entity_description.detection, self.channel)
        return detection_enabled(section)

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._async_switch(enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._async_switch(enabled=False)

    async def _async_switch(self, *, enabled: bool) -> None:
        """Write the setting; the state follows what the camera reads back."""
        assert self.channel is not None
        name = self.coordinator.name
        if not self.coordinator.available:
            raise camera_unavailable(name)
        try:
            await self.settings.async_switch(
                self.entity_description.detection, self.channel, enabled=enabled
            )
        except DvripError as err:
            raise command_error(err, name) from err
