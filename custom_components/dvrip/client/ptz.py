"""PTZ: moving a channel's head, its presets and tours (OPPTZControl, message 1400).

- A move starts with its command and `Preset` 65535 and goes on until the same command is
  sent with `Preset` -1: the head turns until it gets that stop, so whoever starts a move
  must make sure its stop follows (python-dvr `ptz()`; equake/hass-xmeye `client.py`;
  avlija; dbuezas/icsee-ptz issues #34, #51, #53, #54 are stops that did not stop).
- `Step` is the speed, 1 (slowest) to 8 (avlija).
- Presets are numbered 0-255 (avlija); `Uart.PTZPreset.[N]` lists a channel's stored ones as
  `[{"Id": n}, ...]` where the firmware keeps that list (the Xiongmai FunSDK demo's
  `OPPTZPreset`).
- Firmware answers Ret 100 to commands its hardware cannot carry out (avlija): an answer is
  no proof that anything moved.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from .const import MessageId

if TYPE_CHECKING:
    from .client import DvripClient

PTZ_COMMAND: Final = "OPPTZControl"
START_PRESET: Final = 65535
STOP_PRESET: Final = -1
MIN_SPEED: Final = 1
MAX_SPEED: Final = 8
MIN_PRESET: Final = 0
MAX_PRESET: Final = 255
# python-dvr sends tour commands with Tour 1: the first tour.
FIRST_TOUR: Final = 1
PRESET_LIST: Final = "Uart.PTZPreset"


class PtzCommand(StrEnum):
    """OPPTZControl's `Command`, as firmware spells it."""

    UP = "DirectionUp"
    DOWN = "DirectionDown"
    LEFT = "DirectionLeft"
    RIGHT = "DirectionRight"
    LEFT_UP = "DirectionLeftUp"
    LEFT_DOWN = "DirectionLeftDown"
    RIGHT_UP = "DirectionRightUp"
    RIGHT_DOWN = "DirectionRightDown"
    ZOOM_IN = "ZoomTile"
    ZOOM_OUT = "ZoomWide"
    FOCUS_NEAR = "FocusNear"
    FOCUS_FAR = "FocusFar"
    SET_PRESET = "SetPreset"
    GOTO_PRESET = "GotoPreset"
    CLEAR_PRESET = "ClearPreset"
    START_TOUR = "StartTour"
    STOP_TOUR = "StopTour"

    @property
    def is_move(self) -> bool:
        """Whether the command starts a move that runs until its stop."""
        return self in MOVE_COMMANDS


MOVE_COMMANDS: Final = frozenset(
    {
        PtzCommand.UP,
        PtzCommand.DOWN,
        PtzCommand.LEFT,
        PtzCommand.RIGHT,
        PtzCommand.LEFT_UP,
        PtzCommand.LEFT_DOWN,
        PtzCommand.RIGHT_UP,
        PtzCommand.RIGHT_DOWN,
        PtzCommand.ZOOM_IN,
        PtzCommand.ZOOM_OUT,
        PtzCommand.FOCUS_NEAR,
        PtzCommand.FOCUS_FAR,
    }
)
PRESET_COMMANDS: Final = frozenset(
    {PtzCommand.SET_PRESET, PtzCommand.GOTO_PRESET, PtzCommand.CLEAR_PRESET}
)


def ptz_message(
    command: PtzCommand, channel: int, *, preset: int, speed: int = MIN_SPEED, tour: int = 0
) -> dict[str, Any]:
    """The body of an OPPTZControl request; ValueError for a speed or preset out of range."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed {speed} is not within {MIN_SPEED}-{MAX_SPEED}")
    if preset not in (START_PRESET, STOP_PRESET) and not MIN_PRESET <= preset <= MAX_PRESET:
        raise ValueError(f"preset {preset} is not within {MIN_PRESET}-{MAX_PRESET}")
    return {
        "Command": str(command),
        "Parameter": {
            "AUX": {"Number": 0, "Status": "On"},
            "Channel": channel,
            "MenuOpts": "Enter",
            "POINT": {"bottom": 0, "left": 0, "right": 0, "top": 0},
            "Pattern": "SetBegin",
            "Preset": preset,
            "Step": speed,
            "Tour": tour,
        },
    }


def _require_move(command: PtzCommand) -> None:
    if not command.is_move:
        raise ValueError(f"{command} is not a move")


async def start_move(client: DvripClient, channel: int, command: PtzCommand, speed: int) -> None:
    """Start a move; it runs until `stop_move` with the same command."""
    _require_move(command)
    await _send(client, ptz_message(command, channel, preset=START_PRESET, speed=speed))


async def stop_move(client: DvripClient, channel: int, command: PtzCommand) -> None:
    """Stop a move: the same command with Preset -1."""
    _require_move(command)
    await _send(client, ptz_message(command, channel, preset=STOP_PRESET))


async def set_preset(client: DvripClient, channel: int, number: int) -> None:
    """Keep the head's position as preset `number`."""
    await _send(client, ptz_message(PtzCommand.SET_PRESET, channel, preset=number))


async def goto_preset(client: DvripClient, channel: int, number: int) -> None:
    """Turn the head to preset `number`."""
    await _send(client, ptz_message(PtzCommand.GOTO_PRESET, channel, preset=number))


async def clear_preset(client: DvripClient, channel: int, number: int) -> None:
    """Forget preset `number`."""
    await _send(client, ptz_message(PtzCommand.CLEAR_PRESET, channel, preset=number))


async def start_tour(client: DvripClient, channel: int) -> None:
    """Start the head's tour of its presets."""
    await _send(
        client, ptz_message(PtzCommand.START_TOUR, channel, preset=STOP_PRESET, tour=FIRST_TOUR)
    )


async def stop_tour(client: DvripClient, channel: int) -> None:
    await _send(
        client, ptz_message(PtzCommand.STOP_TOUR, channel, preset=STOP_PRESET, tour=FIRST_TOUR)
    )


async def read_presets(client: DvripClient, channel: int) -> tuple[int, ...] | None:
    """The channel's stored presets, in order; None when the device does not list them
    (refused, unanswered, or not a list: only some firmware keeps the list).
    """
    value = await client.get_optional_config(f"{PRESET_LIST}.[{channel}]")
    if not isinstance(value, list):
        return None
    numbers = {
        entry["Id"]
        for entry in value
        if isinstance(entry, dict)
        and isinstance(entry.get("Id"), int)
        and not isinstance(entry.get("Id"), bool)
        and MIN_PRESET <= entry["Id"] <= MAX_PRESET
    }
    return tuple(sorted(numbers))


async def _send(client: DvripClient, body: dict[str, Any]) -> None:
    """Raises `DvripCommandError` when refused, `DvripTimeoutError` when not answered."""
    await client.send_command(MessageId.PTZ_CONTROL, PTZ_COMMAND, body)
