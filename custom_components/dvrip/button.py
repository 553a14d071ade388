"""Buttons: PTZ on a channel's device, maintenance on the camera's (or recorder's).

PTZ (`PTZ_BUTTONS`): the eight directions and zoom move the head for `BUTTON_MOVE_SECONDS`
at `DEFAULT_SPEED`, then the guard in `ptz` stops it; stop ends any move. Maintenance
(`MAINTENANCE_BUTTONS`): reboot, and set the clock now.
"""

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

from .client import DvripError, PtzCommand, reboot
from .command_errors import camera_unavailable, command_error
from .const import CONF_KEEP_CLOCK, option
from .coordinator import DvripCoordinator
from .entity import DvripEntity
from .ptz import (
    BUTTON_MOVE_SECONDS,
    DEFAULT_SPEED,
    PTZ_ABILITY,
    PtzGuard,
    ptz_entities,
    ptz_reported,
)
from .runtime import DvripConfigEntry

# Commands go one at a time over the camera's one session.
PARALLEL_UPDATES = 1

# -- PTZ -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DvripPtzButtonDescription(ButtonEntityDescription):
    """A PTZ button: what a press does to the channel's head, and the ability that has it."""

    press_fn: Callable[[PtzGuard, int], Awaitable[None]]
    ability: str = PTZ_ABILITY


def _move(command: PtzCommand) -> Callable[[PtzGuard, int], Awaitable[None]]:
    def press(guard: PtzGuard, channel: int) -> Awaitable[None]:
        return guard.async_move(channel, command, DEFAULT_SPEED, BUTTON_MOVE_SECONDS)

    return press


def _stop(guard: PtzGuard, channel: int) -> Awaitable[None]:
    return guard.async_stop(channel)


PTZ_BUTTONS: tuple[DvripPtzButtonDescription, ...] = (
    *(
        DvripPtzButtonDescription(key=key, translation_key=key, press_fn=_move(command))
        for key, command in (
            ("ptz_up", PtzCommand.UP),
            ("ptz_down", PtzCommand.DOWN),
            ("ptz_left", PtzCommand.LEFT),
            ("ptz_right", PtzCommand.RIGHT),
            ("ptz_left_up", PtzCommand.LEFT_UP),
            ("ptz_left_down", PtzCommand.LEFT_DOWN),
            ("ptz_right_up", PtzCommand.RIGHT_UP),
            ("ptz_right_down", PtzCommand.RIGHT_DOWN),
            ("ptz_zoom_in", PtzCommand.ZOOM_IN),
            ("ptz_zoom_out", PtzCommand.ZOOM_OUT),
        )
    ),
    DvripPtzButtonDescription(key="ptz_stop", translation_key="ptz_stop", press_fn=_stop),
)


class DvripPtzButton(DvripEntity, ButtonEntity):
    """Moves the channel's head a little, or stops it."""

    entity_description: DvripPtzButtonDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        guard: PtzGuard,
        description: DvripPtzButtonDescription,
        channel: int,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key, channel)
        self._guard = guard
        self._attr_entity_registry_enabled_default = ptz_reported(coordinator, description.ability)

    async def async_press(self) -> None:
        assert self.channel is not None
        await self.entity_description.press_fn(self._guard, self.channel)


# -- maintenance ----------------------------------------------------------------------------


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


# -- the platform ----------------------------------------------------------------------------


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """PTZ buttons on every channel with a camera (those whose ability the device does not
    report start disabled), and the maintenance buttons on the camera's device.
    """
    entities: list[ButtonEntity] = []
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    entities.extend(ptz_entities(coordinator, runtime.ptz, PTZ_BUTTONS, DvripPtzButton))
    entities.extend(
        DvripMaintenanceButton(coordinator, description) for description in MAINTENANCE_BUTTONS
    )
    async_add_entities(entities)
