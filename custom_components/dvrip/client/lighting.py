"""The siren, the white light and the day/night colour mode.

- The siren ("manual alarm"): OPRemoteCtrl (message 4000) with `"Type": "ManuIntelAlarm"`,
  `"msg"` `"0x00000001"` to sound it and `"0x00000000"` to stop it. The device reports no
  siren state (dbuezas/icsee-ptz `siren.py`; the Xiongmai FunSDK demos'
  `ManuIntelAlarmManager`). Abilities: `AlarmFunction.OneKeyManulAlarm` (icsee-ptz) or
  `ManuIntellAlertAlarm` (the vendor SDK's `AlarmFunction`).
- The white light: the configuration `Camera.WhiteLight`, `{"WorkMode": ..., "MoveTrigLight":
  {...}, "WorkPeriod": {...}}` (python-dvr README), work modes `Auto`, `Close`, `KeepOpen`,
  `Intelligent` (icsee-ptz `select.py`). Firmware replaces a section whole with what it is
  sent (Moxnatiy/hass-xmeye `docs/services.md`): the whole section is read, its work mode
  changed, and written back. Ability: `OtherFunction.SupportCameraWhiteLight`.
- The day/night colour mode: `DayNightColor` of each channel's `Camera.Param` entry,
  `"0x00000000"`..`"0x00000005"` (python-dvr README; icsee-ptz `select.py`, which reads and
  writes the whole `Camera.Param` list).
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Final

from .const import MessageId
from .errors import DvripProtocolError

if TYPE_CHECKING:
    from .client import DvripClient

WHITE_LIGHT_CONFIG: Final = "Camera.WhiteLight"
CAMERA_PARAM_CONFIG: Final = "Camera.Param"
REMOTE_CTRL: Final = "OPRemoteCtrl"
# SystemFunction abilities, and the sections that hold them.
SIREN_ABILITIES: Final = ("OneKeyManulAlarm", "ManuIntellAlertAlarm")
WHITE_LIGHT_ABILITY: Final = "SupportCameraWhiteLight"
OTHER_FUNCTION: Final = "OtherFunction"


class WhiteLightMode(StrEnum):
    """`Camera.WhiteLight.WorkMode`, as firmware spells it."""

    AUTO = "Auto"  # the camera switches it by itself (its schedule, WorkPeriod)
    CLOSE = "Close"  # off
    KEEP_OPEN = "KeepOpen"  # on
    INTELLIGENT = "Intelligent"  # on when something moves (MoveTrigLight)


class DayNightMode(IntEnum):
    """`Camera.Param[].DayNightColor`: how the picture is taken by day and by night.

    The names follow icsee-ptz's `select.py`, the one source that names the values; what
    0 does is not recorded there (python-dvr's example camera came with it).
    """

    DEFAULT = 0
    COLOUR = 1
    INFRARED_FILTER = 2
    INFRARED_LIGHT_ON_ALARM = 3
    COLOUR_LIGHT = 4
    INFRARED_LIGHT = 5

    @property
    def wire(self) -> str:
        """As the device writes it: `"0x00000001"`."""
        return f"0x{self.value:08X}"


@dataclass(frozen=True, slots=True)
class WhiteLight:
    """The white light's settings as read: its mode (None when the firmware names one this
    client does not know) and the whole section, to be written back changed.
    """

    mode: WhiteLightMode | None
    section: Mapping[str, Any]

    @property
    def work_mode(self) -> str:
        """The mode as the device spells it, known or not."""
        return str(self.section.get("WorkMode", ""))

    def with_mode(self, mode: WhiteLightMode) -> dict[str, Any]:
        """The whole section with its work mode changed, everything else as read."""
        section = copy.deepcopy(dict(self.section))
        section["WorkMode"] = str(mode)
        return section


def parse_white_light(value: object) -> WhiteLight:
    """A `Camera.WhiteLight` section; `DvripProtocolError` when it is not one."""
    if not isinstance(value, dict) or "WorkMode" not in value:
        raise DvripProtocolError("Camera.WhiteLight without WorkMode")
    try:
        mode: WhiteLightMode | None = WhiteLightMode(str(value["WorkMode"]))
    except ValueError:
        mode = None
    return WhiteLight(mode=mode, section=value)


def parse_day_night(value: object) -> DayNightMode | None:
    """A `DayNightColor` value (`"0x00000001"`, or a number); None when not one of the six."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        return DayNightMode(int(value, 16) if isinstance(value, str) else value)
    except ValueError:
        return None


def parse_day_night_modes(params: object) -> tuple[DayNightMode | None, ...]:
    """Each channel's day/night mode from a `Camera.Param` list (None where not known)."""
    if isinstance(params, dict):
        params = [params]
    if not isinstance(params, list):
        raise DvripProtocolError("Camera.Param is not a list")
    return tuple(
        parse_day_night(entry.get("DayNightColor")) if isinstance(entry, dict) else None
        for entry in params
    )


def siren_command(on: bool) -> dict[str, str]:
    """The OPRemoteCtrl body that sounds (or stops) the siren."""
    return {
        "Type": "ManuIntelAlarm",
        "msg": "0x00000001" if on else "0x00000000",
        "P1": "0x00000000",
        "P2": "0x00000000",
    }


async def set_siren(client: DvripClient, on: bool) -> None:
    """Sound or stop the siren; `DvripCommandError` when refused."""
    await client.send_command(MessageId.REMOTE_CTRL, REMOTE_CTRL, siren_command(on))


async def get_white_light(client: DvripClient) -> WhiteLight:
    """The white light's settings (`DvripCommandError` when the device has none)."""
    return parse_white_light(await client.get_config(WHITE_LIGHT_CONFIG))


async def set_white_light_mode(client: DvripClient, mode: WhiteLightMode) -> WhiteLight:
    """Read the white light's section, write it back with `mode`, and read it again.

    Returns what the device reads back, which is what it does (firmware may keep its
    old mode while answering the write with success).
    """
    current = await get_white_light(client)
    await client.set_config(WHITE_LIGHT_CONFIG, current.with_mode(mode))
    return await get_white_light(client)


async def get_day_night_modes(client: DvripClient) -> tuple[DayNightMode | None, ...]:
    """Each channel's day/night colour mode (`Camera.Param`)."""
    return parse_day_night_modes(await client.get_config(CAMERA_PARAM_CONFIG))


async def set_day_night_mode(
    client: DvripClient, channel: int, mode: DayNightMode
) -> tuple[DayNightMode | None, ...]:
    """Change one channel's day/night mode in the whole `Camera.Param` list, written back
    whole; returns each channel's mode as read back.
    """
    params = await client.get_config(CAMERA_PARAM_CONFIG)
    if not isinstance(params, list) or not 0 <= channel < len(params):
        raise DvripProtocolError(f"Camera.Param has no entry for channel {channel}")
    changed = copy.deepcopy(params)
    entry = changed[channel]
    if not isinstance(entry, dict):
        raise DvripProtocolError(f"Camera.Param entry of channel {channel} is not an object")
    entry["DayNightColor"] = mode.wire
    await client.set_config(CAMERA_PARAM_CONFIG, changed)
    return await get_day_night_modes(client)
