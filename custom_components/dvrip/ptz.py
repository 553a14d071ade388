"""PTZ from Home Assistant: every move started here ends with its stop.

The head turns from a move's start until the same command comes with `Preset` -1 (see
`client.ptz`); a lost stop leaves it turning, the most common complaint about these
cameras' PTZ (dbuezas/icsee-ptz #34, #51, #53, #54). So a move is owed its stop from before
its start is sent, and the stop goes out:

- when its time is up: a timer sends it, whether or not anyone asks;
- at the reconnect, when the connection was down at that time (the head turns on meanwhile);
- when Home Assistant stops or the entry unloads, before the session logs out;
- before the next move on the channel, and on the stop button or action.

The channel's stored presets (where the firmware lists them) are kept here for the preset
select, read again after each change made here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_call_later

from .client import (
    MOVE_COMMANDS,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripTimeoutError,
    PtzCommand,
    clear_preset,
    goto_preset,
    read_presets,
    set_preset,
    start_move,
    start_tour,
    stop_move,
    stop_tour,
)
from .const import DOMAIN, LOGGER
from .coordinator import DvripCoordinator
from .models import signal_state

# How long a button press moves the head (the stop then comes from the guard's timer).
BUTTON_MOVE_SECONDS: Final = 1.0
# The longest move the action starts: a head left turning is worse than one that stops early.
MAX_MOVE_SECONDS: Final = 60.0
DEFAULT_SPEED: Final = 4


class PtzGuard:
    """Sends a channel's PTZ commands, and the stop each move started here is owed."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, coordinator: DvripCoordinator
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        # The move whose stop each channel is owed (until that stop is answered).
        self.owed: dict[int, PtzCommand] = {}
        # Channels whose stop is due and could not be sent: it goes at the reconnect.
        self.overdue: set[int] = set()
        # The stored presets of each channel whose firmware lists them (None: it does not).
        self.presets: dict[int, tuple[int, ...] | None] = {}
        self._timers: dict[int, CALLBACK_TYPE] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._preset_listeners: list[Callable[[], None]] = []
        self._closing = False
        self._unsubscribe = async_dispatcher_connect(
            hass, signal_state(entry.entry_id), self._connection_changed
        )

    # -- moves ------------------------------------------------------------------------------

    async def async_move(
        self, channel: int, command: PtzCommand, speed: int, seconds: float
    ) -> None:
        """Turn the head for `seconds`, then stop it (the stop is sent whatever happens)."""
        async with self._lock(channel):
            self._check_available(channel)
            await self._async_send_owed_stop(channel, raise_errors=True)
            # Owed before the start goes out: a start answered late, or never, may still
            # have started the head.
            self.owed[channel] = command
            try:
                await start_move(self.coordinator.client, channel, command, speed)
            except DvripCommandError as err:
                # Refused: nothing turns.
                self.owed.pop(channel, None)
                raise self._error(err) from err
            except DvripError as err:
                self._schedule_stop(channel, 0)
                raise self._error(err) from err
            self._schedule_stop(channel, seconds)

    async def async_stop(self, channel: int) -> None:
        """End the move under way on the channel.

        A move not started here (the vendor's app, or before a restart) has no known
        command: the stop of every move command is sent, one of them is its own.
        """
        async with self._lock(channel):
            self._check_available(channel)
            if channel in self.owed:
                await self._async_send_owed_stop(channel, raise_errors=True)
                return
            client = self.coordinator.client
            try:
                for command in sorted(MOVE_COMMANDS):
                    await stop_move(client, channel, command)
            except DvripError as err:
                raise self._error(err) from err

    def _schedule_stop(self, channel: int, seconds: float) -> None:
        self._cancel_timer(channel)

        @callback
        def _due(_now: object) -> None:
            self._timers.pop(channel, None)
            self.entry.async_create_background_task(
                self.hass, self._async_stop_when_due(channel), f"{DOMAIN} PTZ stop {channel}"
            )

        self._timers[channel] = async_call_later(
            self.hass, seconds, HassJob(_due, cancel_on_shutdown=True)
        )

    async def _async_stop_when_due(self, channel: int) -> None:
        async with self._lock(channel):
            await self._async_send_owed_stop(channel, raise_errors=False)

    async def _async_send_owed_stop(self, channel: int, *, raise_errors: bool) -> None:
        """Send the stop the channel is owed, if any; kept owed when it cannot go now."""
        command = self.owed.get(channel)
        if command is None:
            return
        self._cancel_timer(channel)
        try:
            await stop_move(self.coordinator.client, channel, command)
        except (DvripConnectionError, DvripTimeoutError) as err:
            # Not delivered: the reconnect sends it.
            self.overdue.add(channel)
            LOGGER.info(
                "Cannot stop the PTZ move %s of %s channel %d now (%s); stopping it at the "
                "reconnect",
                command,
                self.entry.title,
                channel + 1,
                err,
            )
            if raise_errors:
                raise self._error(err) from err
            return
        except DvripError as err:
            # Refused: sending it again would be refused as well.
            self.owed.pop(channel, None)
            self.overdue.discard(channel)
            LOGGER.warning(
                "%s refused to stop the PTZ move %s on channel %d: %s",
                self.entry.title,
                command,
                channel + 1,
                err,
            )
            if raise_errors:
                raise self._error(err) from err
            return
        self.owed.pop(channel, None)
        self.overdue.discard(channel)

    @callback
    def _connection_changed(self) -> None:
        if self._closing or not self.coordinator.available or not self.overdue:
            return
        for channel in sorted(self.overdue):
            self.entry.async_create_background_task(
                self.hass, self._async_stop_when_due(channel), f"{DOMAIN} PTZ stop {channel}"
            )

    async def async_shutdown(self) -> None:
        """Send every owed stop before the session logs out (Home Assistant stops, or the
        entry unloads); then stop listening.
        """
        if self._closing:
            return
        self._closing = True
        self._unsubscribe()
        for channel in list(self._timers):
            self._cancel_timer(channel)
        for channel in sorted(self.owed):
            async with self._lock(channel):
                await self._async_send_owed_stop(channel, raise_errors=False)

    def _cancel_timer(self, channel: int) -> None:
        if (cancel := self._timers.pop(channel, None)) is not None:
            cancel()

    def _lock(self, channel: int) -> asyncio.Lock:
        return self._locks.setdefault(channel, asyncio.Lock())

    # -- presets and tours ------------------------------------------------------------------

    async def async_preset(self, channel: int, command: PtzCommand, number: int) -> None:
        """Set, go to or clear preset `number`; the channel's preset list is read again after
        a set or a clear.
        """
        action = {
            PtzCommand.SET_PRESET: set_preset,
            PtzCommand.GOTO_PRESET: goto_preset,
            PtzCommand.CLEAR_PRESET: clear_preset,
        }[command]
        async with self._lock(channel):
            self._check_available(channel)
            # A preset recall after a move: the move's stop first.
            await self._async_send_owed_stop(channel, raise_errors=True)
            try:
                await action(self.coordinator.client, channel, number)
            except DvripError as err:
                raise self._error(err) from err
        if command is not PtzCommand.GOTO_PRESET:
            await self.async_read_presets(channel)

    async def async_tour(self, channel: int, *, start: bool) -> None:
        async with self._lock(channel):
            self._check_available(channel)
            await self._async_send_owed_stop(channel, raise_errors=True)
            try:
                await (start_tour if start else stop_tour)(self.coordinator.client, channel)
            except DvripError as err:
                raise self._error(err) from err

    async def async_read_presets(self, channel: int) -> None:
        """Read the channel's stored presets; a device that does not answer lists none."""
        if not self.coordinator.available:
            return
        try:
            presets = await read_presets(self.coordinator.client, channel)
        except DvripError as err:
            LOGGER.debug("Cannot read the presets of %s: %s", self.entry.title, err)
            return
        if presets != self.presets.get(channel):
            self.presets[channel] = presets
            for listener in list(self._preset_listeners):
                listener()

    @callback
    def async_add_preset_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` when a channel's preset list changes."""
        self._preset_listeners.append(listener)

        @callback
        def remove() -> None:
            self._preset_listeners.remove(listener)

        return remove

    def as_dict(self) -> dict[str, Any]:
        """For diagnostics; channels count from 1."""
        return {
            "owed_stops": {channel + 1: str(command) for channel, command in self.owed.items()},
            "overdue_stops": sorted(channel + 1 for channel in self.overdue),
            "presets": {
                channel + 1: list(presets) if presets is not None else None
                for channel, presets in self.presets.items()
            },
        }

    # -- errors -------------------------------------------------------------------------------

    def _check_available(self, channel: int) -> None:
        """Raise the translated error of a camera that is not connected; a stop the channel
        is owed goes at the reconnect.
        """
        if not self.coordinator.available:
            if channel in self.owed:
                self.overdue.add(channel)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="camera_unavailable",
                translation_placeholders={"name": self.entry.title},
            )

    def _error(self, err: DvripError) -> HomeAssistantError:
        """The translated error of a PTZ command the device refused or did not answer."""
        if isinstance(err, DvripCommandError):
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ptz_refused",
                translation_placeholders={"name": self.entry.title, "ret": str(err.ret)},
            )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ptz_failed",
            translation_placeholders={"name": self.entry.title, "error": str(err)},
        )


# The abilities SystemFunction reports for a PTZ head, under OtherFunction: the Xiongmai
# FunSDK's `OtherFunction` says SupportPTZDirectionControl means the device has PTZ, and
# SupportSetPTZPresetAttribute that it keeps presets; python-dvr's README shows both (false
# on a fixed camera). Abilities are unreliable (avlija: a camera reporting
# SupportPTZDirectionControl false pans), so the entities exist either way: enabled by
# default where reported, disabled (for the user to enable) where not.
PTZ_SECTION: Final = "OtherFunction"
PTZ_ABILITY: Final = "SupportPTZDirectionControl"
PRESET_ABILITY: Final = "SupportSetPTZPresetAttribute"


def ptz_reported(coordinator: DvripCoordinator, ability: str) -> bool:
    """Whether the device reports the PTZ ability (unknown counts as not reported)."""
    abilities = coordinator.abilities
    return abilities is not None and abilities.supports(ability, PTZ_SECTION)


def ptz_entities[D, E](
    coordinator: DvripCoordinator,
    guard: PtzGuard | None,
    descriptions: Iterable[D],
    entity: Callable[[DvripCoordinator, PtzGuard, D, int], E],
) -> list[E]:
    """One entity of each description on every channel with a camera (none without a guard)."""
    if guard is None:
        return []
    return [
        entity(coordinator, guard, description, channel)
        for channel in coordinator.active_channels
        for description in descriptions
    ]
