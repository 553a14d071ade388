"""The PTZ head of each channel: OPPTZControl (message 1400) and the preset list.

What the sources say, and what is played here:

- A move starts with its command and `Preset` 65535 and runs until the same command comes
  with `Preset` -1; `Step` (1-8) is its speed (python-dvr `ptz()`; equake/hass-xmeye
  `client.py`; avlija `README.md`, where `step` is the speed from 1, slowest, to 8). A stop
  of another command leaves the move running: the stops that did not stop in
  dbuezas/icsee-ptz #34, #51, #53, #54. A start while another move runs turns the head the
  new way.
- Commands: `Direction{Up,Down,Left,Right,LeftUp,LeftDown,RightUp,RightDown}`,
  `ZoomTile`/`ZoomWide`, `FocusNear`/`FocusFar`, `IrisSmall`/`IrisLarge`,
  `SetPreset`/`GotoPreset`/`ClearPreset`, `StartTour`/`StopTour` (python-dvr `ptz()`),
  `AutoPanOn`/`AutoPanOff` (alexshpilkin/dvrip `ptz.py`).
- Presets are numbered up to 255 (avlija, presets 0-255). `SetPreset` keeps the head's
  position under its number, `GotoPreset` brings the head there, `ClearPreset` forgets it.
  The stored ones are listed by the configuration `Uart.PTZPreset.[N]` as `[{"Id": n}, ...]`
  (the Xiongmai FunSDK demo's `OPPTZPreset`).
- A camera without a PTZ head answers every command Ret 100 and does not move (avlija
  `README.md`: "Every PTZ command, including ones the hardware cannot perform, returns
  Ret: 100"); it has no preset list (Ret 607, an unknown configuration).
- A user without the right to control PTZ is refused with Ret 107, "no permission" (the
  Xiongmai interface document's return codes; python-dvr `addUser` and its `AuthorityList`):
  `PtzHeads.refuse_with` plays it.

The head's position is degrees of pan (0-360, turning round) and tilt (-90 to 90) and a zoom
factor (1-30); how fast a Step turns it is this simulator's own choice (no source measures
it): `DEGREES_PER_STEP` degrees per second per Step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
import time
from typing import Any, Final

from simulator.wire import Ret

START_PRESET: Final = 65535
STOP_PRESET: Final = -1
MAX_PRESET: Final = 255
MIN_STEP, MAX_STEP = 1, 8
DEGREES_PER_STEP: Final = 5.0
ZOOM_PER_STEP: Final = 0.25
TILT_LIMIT: Final = 90.0
ZOOM_MIN, ZOOM_MAX = 1.0, 30.0
# The names SystemFunction.OtherFunction reports true for a PTZ head (the Xiongmai FunSDK's
# OtherFunction: SupportPTZDirectionControl "supports PTZ", SupportSetPTZPresetAttribute
# presets, SupportPTZTour tours; python-dvr's README shows all three, false, on a fixed camera).
PTZ_FUNCTIONS: Final = frozenset(
    {"SupportPTZDirectionControl", "SupportSetPTZPresetAttribute", "SupportPTZTour"}
)
PRESET_CONFIG: Final = "Uart.PTZPreset"


class PtzCommand(StrEnum):
    """OPPTZControl's `Command`."""

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
    IRIS_SMALL = "IrisSmall"
    IRIS_LARGE = "IrisLarge"
    SET_PRESET = "SetPreset"
    GOTO_PRESET = "GotoPreset"
    CLEAR_PRESET = "ClearPreset"
    START_TOUR = "StartTour"
    STOP_TOUR = "StopTour"
    AUTO_PAN_ON = "AutoPanOn"
    AUTO_PAN_OFF = "AutoPanOff"


# What a move turns, per second and Step: (pan, tilt, zoom) signs. Focus and iris turn
# nothing this model keeps.
_MOVES: Final[dict[PtzCommand, tuple[int, int, int]]] = {
    PtzCommand.UP: (0, 1, 0),
    PtzCommand.DOWN: (0, -1, 0),
    PtzCommand.LEFT: (-1, 0, 0),
    PtzCommand.RIGHT: (1, 0, 0),
    PtzCommand.LEFT_UP: (-1, 1, 0),
    PtzCommand.LEFT_DOWN: (-1, -1, 0),
    PtzCommand.RIGHT_UP: (1, 1, 0),
    PtzCommand.RIGHT_DOWN: (1, -1, 0),
    PtzCommand.ZOOM_IN: (0, 0, 1),
    PtzCommand.ZOOM_OUT: (0, 0, -1),
    PtzCommand.FOCUS_NEAR: (0, 0, 0),
    PtzCommand.FOCUS_FAR: (0, 0, 0),
    PtzCommand.IRIS_SMALL: (0, 0, 0),
    PtzCommand.IRIS_LARGE: (0, 0, 0),
}
MOVE_COMMANDS: Final = frozenset(_MOVES)


@dataclass(frozen=True, slots=True)
class PtzPosition:
    """Where a head points: pan and tilt in degrees, zoom as a factor."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = ZOOM_MIN

    def moved(self, command: PtzCommand, step: int, seconds: float) -> PtzPosition:
        pan_sign, tilt_sign, zoom_sign = _MOVES[command]
        degrees = DEGREES_PER_STEP * step * seconds
        zoom = self.zoom + zoom_sign * ZOOM_PER_STEP * step * seconds
        return PtzPosition(
            pan=(self.pan + pan_sign * degrees) % 360.0,
            tilt=min(TILT_LIMIT, max(-TILT_LIMIT, self.tilt + tilt_sign * degrees)),
            zoom=min(ZOOM_MAX, max(ZOOM_MIN, zoom)),
        )

    def to_json(self) -> dict[str, float]:
        return {"pan": round(self.pan, 2), "tilt": round(self.tilt, 2), "zoom": round(self.zoom, 2)}


@dataclass(frozen=True, slots=True)
class PtzRequest:
    """One OPPTZControl as the camera read it."""

    channel: int
    command: str
    preset: int
    step: int

    @property
    def is_stop(self) -> bool:
        return self.command in MOVE_COMMANDS and self.preset == STOP_PRESET


@dataclass(slots=True)
class _Move:
    command: PtzCommand
    step: int
    since: float


@dataclass(slots=True)
class ChannelHead:
    """One channel's head: where it was when its move began, the move, presets, tour."""

    position: PtzPosition = field(default_factory=PtzPosition)
    move: _Move | None = None
    presets: dict[int, PtzPosition] = field(default_factory=dict)
    touring: bool = False
    auto_pan: bool = False

    def position_now(self, now: float) -> PtzPosition:
        if self.move is None:
            return self.position
        return self.position.moved(self.move.command, self.move.step, now - self.move.since)

    def halt(self, now: float) -> None:
        self.position = self.position_now(now)
        self.move = None


class PtzHeads:
    """Every channel's PTZ head, and what the camera was asked (for tests to wait on)."""

    def __init__(
        self,
        channels: int,
        *,
        has_head: bool,
        notify: Callable[[], None],
        wait_for: Callable[[Callable[[], bool], float | None], Awaitable[None]],
    ) -> None:
        self.has_head = has_head
        self.heads = [ChannelHead() for _ in range(channels)]
        # A user without the PTZ right: every command is refused with this Ret (107).
        self.refuse_with: int | None = None
        self.requests: list[PtzRequest] = []
        self.starts = 0
        self.stops = 0  # stops that ended a move
        self.stray_stops = 0  # stops of a command that was not moving
        self._notify = notify
        self._wait_for = wait_for
        # Seconds, for the position of a running move (tests replace it to move time on).
        self.clock: Callable[[], float] = time.monotonic

    # -- what the camera is asked -----------------------------------------------------------

    def handle(self, body: object) -> Ret | int:
        """Carry out an OPPTZControl body; its Ret."""
        request = self._parse(body)
        if request is None:
            return Ret.ILLEGAL_REQUEST
        self.requests.append(request)
        try:
            if self.refuse_with is not None:
                return self.refuse_with
            if not self.has_head:
                return Ret.OK
            return self._carry_out(request)
        finally:
            self._notify()

    def _parse(self, body: object) -> PtzRequest | None:
        if not isinstance(body, dict):
            return None
        command = body.get("Command")
        parameter = body.get("Parameter")
        if not isinstance(command, str) or not isinstance(parameter, dict):
            return None
        channel = _integer(parameter.get("Channel", 0))
        preset = _integer(parameter.get("Preset", STOP_PRESET))
        step = _integer(parameter.get("Step", MIN_STEP))
        if channel is None or preset is None or step is None:
            return None
        if not 0 <= channel < len(self.heads):
            return None
        return PtzRequest(channel, command, preset, step)

    def _carry_out(self, request: PtzRequest) -> Ret:
        try:
            command = PtzCommand(request.command)
        except ValueError:
            return Ret.ILLEGAL_REQUEST
        head = self.heads[request.channel]
        now = self.clock()
        if command in MOVE_COMMANDS:
            if request.preset == STOP_PRESET:
                if head.move is not None and head.move.command is command:
                    head.halt(now)
                    self.stops += 1
                else:
                    self.stray_stops += 1
                return Ret.OK
            head.halt(now)
            step = min(MAX_STEP, max(MIN_STEP, request.step))
            head.move = _Move(command, step, now)
            head.touring = False
            self.starts += 1
            return Ret.OK
        if command in (PtzCommand.SET_PRESET, PtzCommand.GOTO_PRESET, PtzCommand.CLEAR_PRESET):
            if not 0 <= request.preset <= MAX_PRESET:
                return Ret.ILLEGAL_REQUEST
            if command is PtzCommand.SET_PRESET:
                head.presets[request.preset] = head.position_now(now)
            elif command is PtzCommand.CLEAR_PRESET:
                head.presets.pop(request.preset, None)
            elif (target := head.presets.get(request.preset)) is not None:
                # A preset that was never set leaves the head where it is (Ret 100 all the same).
                head.move = None
                head.touring = False
                head.position = replace(target)
            return Ret.OK
        if command in (PtzCommand.START_TOUR, PtzCommand.STOP_TOUR):
            head.touring = command is PtzCommand.START_TOUR
            return Ret.OK
        head.auto_pan = command is PtzCommand.AUTO_PAN_ON
        return Ret.OK

    def preset_config(self, name: object) -> tuple[bool, Any]:
        """(known, value) of `Uart.PTZPreset.[N]`: the stored presets, `[{"Id": n}, ...]`."""
        if not self.has_head or not isinstance(name, str):
            return False, None
        base, _, index = name.partition(".[")
        if base != PRESET_CONFIG or not index.endswith("]"):
            return False, None
        try:
            channel = int(index[:-1])
        except ValueError:
            return False, None
        if not 0 <= channel < len(self.heads):
            return False, None
        return True, [{"Id": number} for number in sorted(self.heads[channel].presets)]

    # -- what tests look at -------------------------------------------------------------------

    def position(self, channel: int = 0) -> PtzPosition:
        return self.heads[channel].position_now(self.clock())

    def moving(self, channel: int = 0) -> PtzCommand | None:
        """The command that turns the head now, None when it stands still."""
        move = self.heads[channel].move
        return move.command if move is not None else None

    def touring(self, channel: int = 0) -> bool:
        return self.heads[channel].touring

    def presets(self, channel: int = 0) -> dict[int, PtzPosition]:
        return dict(self.heads[channel].presets)

    async def wait_moving(
        self, channel: int = 0, command: str | None = None, timeout: float | None = 5.0
    ) -> None:
        """Return once the head turns (with `command`, when given)."""
        await self._wait_for(
            lambda: (moving := self.moving(channel)) is not None
            and (command is None or moving == command),
            timeout,
        )

    async def wait_stopped(self, channel: int = 0, timeout: float | None = 5.0) -> None:
        """Return once the head stands still after a stop: at least one stop ended a move."""
        await self._wait_for(lambda: self.moving(channel) is None and self.stops > 0, timeout)

    def stops_received(self, channel: int | None = None) -> list[PtzRequest]:
        return [
            request
            for request in self.requests
            if request.is_stop and (channel is None or request.channel == channel)
        ]

    def set_preset(self, channel: int, number: int, position: PtzPosition) -> None:
        """Store a preset as the vendor's app would."""
        self.heads[channel].presets[number] = position
        self._notify()

    def describe(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "has_head": self.has_head,
            "refuse_with": self.refuse_with,
            "starts": self.starts,
            "stops": self.stops,
            "stray_stops": self.stray_stops,
            "channels": [
                {
                    "position": head.position_now(now).to_json(),
                    "moving": str(head.move.command) if head.move else None,
                    "step": head.move.step if head.move else None,
                    "presets": sorted(head.presets),
                    "touring": head.touring,
                    "auto_pan": head.auto_pan,
                }
                for head in self.heads
            ],
        }


def _integer(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
