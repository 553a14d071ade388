"""Buttons of the camera's device: maintenance (reboot, set the clock now)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import DvripError, reboot
from .command_errors import camera_unavailable, command_error
from .const import CONF_KEEP_CLOCK, option
from .coordinator import DvripConfigEntry, DvripCoordinator
from .entity import DvripEntity

# A command at a time on the alarm session.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DvripMaintenanceButtonDescription(ButtonEntityDescription):
    """A maintenance command of the camera (or recorder) as a whole."""

    press_fn: Callable[[DvripCoordinator], Awaitable[None]]


async def _async_reboot(coordinator: DvripCoordinator) -> None:
    # The session drops with the reboot and logs in again once the camera is back.
    await reboot(coordinator.client)


async def _async_set_clock(coordinator: DvripCoordinator) -> None:
    # As the option "Keep the camera's clock right" does, once.
    await coordinator.async_set_clock()
    if not option(coordinator.entry.options, CONF_KEEP_CLOCK):
        # Without the option, the repair that says the clock is wrong goes now.
        await coordinator.async_check_clock()


# -- maintenance --
MAINTENANCE_BUTTONS: tuple[DvripMaintenanceButtonDescription, ...] = (
    DvripMaintenanceButtonDescription(
        key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=_async_reboot,
    ),
    DvripMaintenanceButtonDescription(
        key="set_clock",
        entity_category=EntityCategory.CONFIG,
        press_fn=_async_set_clock,
    ),
)
# -- end of maintenance --


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The maintenance buttons, on the camera's (or recorder's) device."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        DvripMaintenanceButton(coordinator, description) for description in MAINTENANCE_BUTTONS
    )


class DvripMaintenanceButton(DvripEntity, ButtonEntity):
    """Sends its command to the camera; a refusal or no answer is an error shown to the user."""

    entity_description: DvripMaintenanceButtonDescription

    def __init__(
        self, coordinator: DvripCoordinator, description: DvripMaintenanceButtonDescription
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key)

    async def async_press(self) -> None:
        name = self.coordinator.name
        if not self.coordinator.available:
            raise camera_unavailable(name)
        try:
            await self.entity_description.press_fn(self.coordinator)
        except DvripError as err:
            raise command_error(err, name) from err
