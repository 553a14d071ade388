"""The siren, the white light and the day/night colour mode: the state read back from the
camera, and the errors a control ends with.

The white light's mode and each channel's day/night mode are read as `readings` says (firmware
may answer a write with success and keep its old setting), and when the camera is back. Only
what an enabled entity shows is read. The siren has no state to read: the camera reports none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .client import (
    DayNightMode,
    DvripCommandError,
    DvripError,
    DvripTimeoutError,
    WhiteLight,
    WhiteLightMode,
    get_day_night_modes,
    get_white_light,
    set_day_night_mode,
    set_siren,
    set_white_light_mode,
)
from .client.lighting import OTHER_FUNCTION, SIREN_ABILITIES, WHITE_LIGHT_ABILITY
from .const import DOMAIN, LOGGER
from .entity import DvripEntity
from .readings import CameraReadings

if TYPE_CHECKING:
    from .coordinator import DvripCoordinator

# Modes the white light's "off" goes back to: the one it had before it was switched on.
_RESTORABLE_MODES: Final = frozenset(
    {WhiteLightMode.AUTO, WhiteLightMode.INTELLIGENT, WhiteLightMode.CLOSE}
)


class LightingPart(StrEnum):
    """What an entity shows, so that only what is shown is read."""

    WHITE_LIGHT = "white_light"
    DAY_NIGHT = "day_night"


@dataclass(frozen=True, slots=True)
class LightingState:
    """What the camera last read back; None (or a missing channel): not known."""

    white_light: WhiteLight | None = None
    day_night: tuple[DayNightMode | None, ...] = ()

    @property
    def white_light_mode(self) -> WhiteLightMode | None:
        return self.white_light.mode if self.white_light is not None else None

    def day_night_of(self, channel: int) -> DayNightMode | None:
        return self.day_night[channel] if 0 <= channel < len(self.day_night) else None


def has_siren(coordinator: DvripCoordinator) -> bool:
    """Whether the device reports a siren (its siren entity is then enabled by default)."""
    abilities = coordinator.abilities
    return abilities is not None and any(abilities.supports(name) for name in SIREN_ABILITIES)


def has_white_light(coordinator: DvripCoordinator) -> bool:
    """Whether the device reports a white light."""
    abilities = coordinator.abilities
    return abilities is not None and abilities.supports(WHITE_LIGHT_ABILITY, OTHER_FUNCTION)


class LightingCoordinator(CameraReadings[LightingState]):
    """Reads the white light's and the channels' day/night modes; writes them."""

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, camera: DvripCoordinator) -> None:
        super().__init__(hass, entry, camera, "lighting", LightingState(), always_update=False)
        # What the white light's "off" restores: its mode before it was switched on.
        self.mode_before_on = WhiteLightMode.CLOSE
        self._camera_was_available = camera.available
        entry.async_on_unload(camera.async_add_listener(self._camera_changed))

    @callback
    def _camera_changed(self) -> None:
        """Read again when the camera is back: it may have rebooted with other settings."""
        back = self.camera.available and not self._camera_was_available
        self._camera_was_available = self.camera.available
        if back:
            self.config_entry.async_create_task(
                self.hass, self.async_refresh(), f"{DOMAIN} lighting read"
            )

    def as_dict(self) -> dict[str, Any]:
        """What was read, for diagnostics."""
        state = self.data
        return {
            "white_light": dict(state.white_light.section) if state.white_light else None,
            "day_night": [None if mode is None else mode.name for mode in state.day_night],
            "mode_before_on": str(self.mode_before_on),
            "read_parts": sorted(str(part) for part in set(self.async_contexts())),
        }

    async def _async_read(self) -> LightingState:
        """Read what enabled entities show; a part the camera does not give is unknown."""
        previous = self.data
        parts = set(self.async_contexts())
        white_light = previous.white_light
        day_night = previous.day_night
        if LightingPart.WHITE_LIGHT in parts:
            white_light = await self._read(get_white_light, LightingPart.WHITE_LIGHT)
        if LightingPart.DAY_NIGHT in parts:
            day_night = await self._read(get_day_night_modes, LightingPart.DAY_NIGHT) or ()
        state = LightingState(white_light=white_light, day_night=day_night)
        self._remember_mode(state)
        return state

    async def _read[T](self, read: Callable[..., Awaitable[T]], part: LightingPart) -> T | None:
        try:
            return await read(self.camera.client)
        except DvripError as err:
            LOGGER.debug("Cannot read the %s of %s: %s", part, self.camera.name, err)
            return None

    async def async_set_white_light_mode(self, mode: WhiteLightMode) -> None:
        """Write the white light's mode (its whole section); show what the camera reads back."""
        try:
            light = await async_control(
                self.camera, partial(set_white_light_mode, self.camera.client, mode)
            )
        except HomeAssistantError:
            # Refused, or not answered (it may yet have taken it): show what it has now.
            await self.async_refresh()
            raise
        self._show(replace(self.data, white_light=light))

    async def async_set_day_night_mode(self, channel: int, mode: DayNightMode) -> None:
        """Write one channel's day/night mode; show what the camera reads back."""
        try:
            modes = await async_control(
                self.camera, partial(set_day_night_mode, self.camera.client, channel, mode)
            )
        except HomeAssistantError:
            await self.async_refresh()
            raise
        self._show(replace(self.data, day_night=modes))

    def _show(self, state: LightingState) -> None:
        self._remember_mode(state)
        self.async_set_updated_data(state)

    def _remember_mode(self, state: LightingState) -> None:
        if (mode := state.white_light_mode) in _RESTORABLE_MODES:
            assert mode is not None
            self.mode_before_on = mode


async def async_set_siren(coordinator: DvripCoordinator, on: bool) -> None:
    """Sound or stop the siren; a translated `HomeAssistantError` when that fails."""
    await async_control(coordinator, partial(set_siren, coordinator.client, on))


async def async_control[T](coordinator: DvripCoordinator, control: Callable[[], Awaitable[T]]) -> T:
    """Run a control; a refusal, no answer or no connection becomes a translated error."""
    name = coordinator.name
    if not coordinator.available:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="camera_unavailable",
            translation_placeholders={"name": name},
        )
    try:
        return await control()
    except DvripCommandError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="lighting_refused",
            translation_placeholders={"name": name, "code": str(err.ret)},
        ) from err
    except DvripTimeoutError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="lighting_unanswered",
            translation_placeholders={"name": name},
        ) from err
    except DvripError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="camera_unavailable",
            translation_placeholders={"name": name},
        ) from err


class LightingEntity(DvripEntity):
    """An entity that shows what the camera read back (`LightingCoordinator`).

    Enabled by default where the device reports the ability; else created disabled, for
    the user to enable where the abilities are wrong.
    """

    def __init__(
        self,
        coordinator: DvripCoordinator,
        lighting: LightingCoordinator,
        key: str,
        channel: int | None,
        part: LightingPart,
        *,
        enabled: bool,
    ) -> None:
        super().__init__(coordinator, key, channel)
        self.lighting = lighting
        self._part = part
        self._attr_entity_registry_enabled_default = enabled

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.lighting.async_add_listener(self.async_write_ha_state, self._part)
        )
