"""The simulated camera's siren, white light and day/night colour mode.

What real firmware does, and who says so:

- The siren ("manual alarm") is switched with OPRemoteCtrl (message 4000):
  ``{"Type": "ManuIntelAlarm", "msg": "0x00000001"}`` sounds it, ``"0x00000000"`` stops it;
  the device reports no siren state (dbuezas/icsee-ptz ``siren.py``, ``asyncio_dvrip.py``;
  the Xiongmai FunSDK demos' ``ManuIntelAlarmManager``, command 4000). Cameras that have one
  report ``AlarmFunction.OneKeyManulAlarm`` (icsee-ptz) or ``ManuIntellAlertAlarm`` (the
  vendor SDK's ``AlarmFunction`` class) in SystemFunction.
- The white light is the configuration ``Camera.WhiteLight``:
  ``{"WorkMode": "Auto", "MoveTrigLight": {"Duration": 60, "Level": 3}, "WorkPeriod":
  {"Enable": 1, "SHour": 18, "SMinute": 0, "EHour": 6, "EMinute": 0}}`` (python-dvr README,
  ``get_info("Camera")``), with the work modes ``Auto``, ``Close``, ``KeepOpen`` and
  ``Intelligent`` (icsee-ptz ``select.py``); cameras with it report
  ``OtherFunction.SupportCameraWhiteLight`` (python-dvr README's SystemFunction; the vendor
  SDK). A section is written whole (Moxnatiy/hass-xmeye ``docs/services.md``).
- The day/night colour mode is ``DayNightColor`` in each channel's ``Camera.Param`` entry,
  ``"0x00000000"`` to ``"0x00000005"`` (python-dvr README; icsee-ptz ``select.py`` reads and
  writes the whole ``Camera.Param`` list).

No source says what a camera without a siren or white light answers: OPRemoteCtrl is
refused with Ret 103 and ``Camera.WhiteLight`` with Ret 607 (no such configuration), as this
simulator answers other requests it cannot serve.

Two switches let tests play what the sources warn of: ``refused`` controls are answered
with Ret 103 as a camera refusing them would, and with ``keep_settings`` a write is
answered Ret 100 while the camera keeps its old settings (the entity must show what the
camera reads back, not what was asked).
"""

from __future__ import annotations

from collections import Counter
import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from simulator.wire import Ret

WHITE_LIGHT: Final = "Camera.WhiteLight"
CAMERA_PARAM: Final = "Camera.Param"
REMOTE_CTRL: Final = "OPRemoteCtrl"
SIREN_TYPE: Final = "ManuIntelAlarm"
SIREN_ON: Final = "0x00000001"
SIREN_OFF: Final = "0x00000000"
WHITE_LIGHT_MODES: Final = frozenset({"Auto", "Close", "KeepOpen", "Intelligent"})
# DayNightColor values the sources name (icsee-ptz select.py).
DAY_NIGHT_VALUES: Final = frozenset(f"0x{value:08X}" for value in range(6))


class LightingControl(StrEnum):
    """The controls a test can have the camera refuse."""

    SIREN = "siren"
    WHITE_LIGHT = "white_light"
    DAY_NIGHT = "day_night"


def _default_white_light() -> dict[str, Any]:
    return {
        "MoveTrigLight": {"Duration": 60, "Level": 3},
        "WorkMode": "Auto",
        "WorkPeriod": {"EHour": 6, "EMinute": 0, "Enable": 1, "SHour": 18, "SMinute": 0},
    }


def _default_param() -> dict[str, Any]:
    """One channel's Camera.Param entry, shaped as python-dvr's README shows it."""
    return {
        "AeSensitivity": 5,
        "ApertureMode": "0x00000000",
        "BLCMode": "0x00000000",
        "DayNightColor": "0x00000000",
        "Day_nfLevel": 3,
        "DncThr": 30,
        "ElecLevel": 50,
        "EsShutter": "0x00000002",
        "ExposureParam": {"LeastTime": "0x00000100", "Level": 0, "MostTime": "0x00010000"},
        "GainParam": {"AutoGain": 1, "Gain": 50},
        "IRCUTMode": 0,
        "IrcutSwap": 0,
        "Night_nfLevel": 3,
        "PictureFlip": "0x00000000",
        "PictureMirror": "0x00000000",
        "RejectFlicker": "0x00000000",
        "WhiteBalance": "0x00000000",
    }


@dataclass(slots=True)
class Lighting:
    """The siren, white light and image settings of one simulated device."""

    channels: int
    has_siren: bool
    has_white_light: bool
    siren_on: bool = False
    # Every OPRemoteCtrl ManuIntelAlarm accepted, as "on" / "off", in order.
    siren_switches: list[str] = field(default_factory=list)
    white_light: dict[str, Any] = field(default_factory=_default_white_light)
    params: list[dict[str, Any]] = field(default_factory=list)
    refused: set[LightingControl] = field(default_factory=set)
    keep_settings: bool = False
    writes: int = 0
    # ConfigGet requests of each section name this module serves.
    reads: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not self.params:
            self.params = [_default_param() for _ in range(self.channels)]

    # -- what the control API and tests read and set -------------------------------------

    @property
    def work_mode(self) -> str:
        return str(self.white_light.get("WorkMode"))

    def day_night(self, channel: int = 0) -> str:
        return str(self.params[channel]["DayNightColor"])

    def set_work_mode(self, mode: str) -> None:
        if mode not in WHITE_LIGHT_MODES:
            raise ValueError(f"work mode must be one of {', '.join(sorted(WHITE_LIGHT_MODES))}")
        self.white_light["WorkMode"] = mode

    def set_day_night(self, value: str, channel: int = 0) -> None:
        if value not in DAY_NIGHT_VALUES:
            raise ValueError(
                f"day/night value must be one of {', '.join(sorted(DAY_NIGHT_VALUES))}"
            )
        if not 0 <= channel < self.channels:
            raise ValueError(f"no channel {channel}")
        self.params[channel]["DayNightColor"] = value

    def set_refused(self, control: LightingControl | str, refused: bool = True) -> None:
        control = LightingControl(control)
        if refused:
            self.refused.add(control)
        else:
            self.refused.discard(control)

    def describe(self) -> dict[str, Any]:
        return {
            "siren": self.siren_on,
            "siren_switches": list(self.siren_switches),
            "white_light": copy.deepcopy(self.white_light) if self.has_white_light else None,
            "day_night": [self.day_night(channel) for channel in range(self.channels)],
            "refused": sorted(self.refused),
            "keep_settings": self.keep_settings,
            "writes": self.writes,
            "reads": dict(self.reads),
        }

    # -- requests ------------------------------------------------------------------------

    def remote_ctrl(self, body: object) -> Ret:
        """OPRemoteCtrl (4000): the siren on or off."""
        if not self.has_siren or LightingControl.SIREN in self.refused:
            return Ret.ILLEGAL_REQUEST
        if not isinstance(body, dict) or body.get("Type") != SIREN_TYPE:
            return Ret.ILLEGAL_REQUEST
        message = body.get("msg")
        if message not in (SIREN_ON, SIREN_OFF):
            return Ret.ILLEGAL_REQUEST
        on = message == SIREN_ON
        self.siren_switches.append("on" if on else "off")
        if not self.keep_settings:
            self.siren_on = on
        return Ret.OK

    @staticmethod
    def _param_channel(name: str) -> int | None:
        """N of "Camera.Param.[N]"; -1 for any other name."""
        if name == CAMERA_PARAM:
            return None
        prefix = f"{CAMERA_PARAM}.["
        if name.startswith(prefix) and name.endswith("]"):
            try:
                return int(name[len(prefix) : -1])
            except ValueError:
                return -1
        return -1

    def knows(self, name: object) -> bool:
        """Whether a configuration name is this module's."""
        if not isinstance(name, str):
            return False
        return name == WHITE_LIGHT or self._param_channel(name) != -1

    def config_get(self, name: str) -> tuple[Ret, Any]:
        """ConfigGet (1042) of `Camera.WhiteLight`, `Camera.Param` or `Camera.Param.[N]`."""
        self.reads[name] += 1
        if name == WHITE_LIGHT:
            if not self.has_white_light:
                return Ret.NO_SUCH_CONFIG, None
            return Ret.OK, copy.deepcopy(self.white_light)
        channel = self._param_channel(name)
        if channel is None:
            return Ret.OK, copy.deepcopy(self.params)
        if not 0 <= channel < self.channels:
            return Ret.NO_SUCH_CONFIG, None
        return Ret.OK, copy.deepcopy(self.params[channel])

    def config_set(self, name: str, value: object) -> Ret:
        """ConfigSet (1040): the section is replaced whole by what was sent."""
        if name == WHITE_LIGHT:
            return self._set_white_light(value)
        channel = self._param_channel(name)
        if LightingControl.DAY_NIGHT in self.refused:
            return Ret.ILLEGAL_REQUEST
        if channel is None:
            entries = value if isinstance(value, list) else None
            if entries is None or len(entries) != self.channels:
                return Ret.ILLEGAL_REQUEST
            pairs = list(enumerate(entries))
        elif 0 <= channel < self.channels:
            pairs = [(channel, value)]
        else:
            return Ret.NO_SUCH_CONFIG
        if not all(self._valid_param(entry) for _, entry in pairs):
            return Ret.ILLEGAL_REQUEST
        self.writes += 1
        if not self.keep_settings:
            for number, entry in pairs:
                self.params[number] = copy.deepcopy(entry)
        return Ret.OK

    def _set_white_light(self, value: object) -> Ret:
        if not self.has_white_light:
            return Ret.NO_SUCH_CONFIG
        if LightingControl.WHITE_LIGHT in self.refused:
            return Ret.ILLEGAL_REQUEST
        if not isinstance(value, dict) or value.get("WorkMode") not in WHITE_LIGHT_MODES:
            return Ret.ILLEGAL_REQUEST
        self.writes += 1
        if not self.keep_settings:
            self.white_light = copy.deepcopy(value)
        return Ret.OK

    @staticmethod
    def _valid_param(entry: object) -> bool:
        return isinstance(entry, dict) and entry.get("DayNightColor") in DAY_NIGHT_VALUES
