"""What a device says it can do (`SystemFunction`), its channel titles and its name.

- `SystemFunction` is asked for with message 1360 (python-dvr `get_system_capabilities`; the
  Xiongmai interface document's ABILITY_GET). Its `AlarmFunction` object maps alarm names to
  true or false, spelt as the firmware spells them: `MotionDetect`, `BlindDetect`,
  `LossDetect`, `HumanDection` (sic), `AlarmConfig`, `IPCAlarm`, `NetAlarm`, `NetAbort`,
  `NetIpConflict`, `StorageFailure`, `StorageLowSpace`, `StorageNotExist`, `VideoAnalyze`,
  `PIRAlarm`... (simeonovp/xmeye-js-lib `Messages.js`, ABILITY_GET_RSP; the vendor SDK's
  `AlarmFunction` class).
- Channel titles come with message 1048 (CHANNELTITLE_REQ in the interface document's
  message table) as `{"ChannelTitle": ["CAM01", ...]}`, one string per channel, the list
  python-dvr's `channel_title()` writes with 1046; python-dvr reads every configuration,
  this one too, with 1042 (`get_info`), which is asked when 1048 is refused.
- The device name is `MachineName` in `General.General` (python-dvr `get_general_info`:
  `General` holds `General`, with `"MachineName": "LocalHost"` on a camera never named).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

ALARM_FUNCTION: Final = "AlarmFunction"


@dataclass(frozen=True, slots=True)
class Abilities:
    """The abilities a device reports in `SystemFunction`: per section, the names set true.

    Sections seen: `AlarmFunction` (detections), `OtherFunction` (white light, siren...),
    `EncodeFunction`, `NetServerFunction`; names are kept exactly as the device spells them.
    """

    sections: Mapping[str, frozenset[str]]

    @property
    def knows_alarms(self) -> bool:
        """Whether the device said which alarms it has (some firmware leaves them out)."""
        return ALARM_FUNCTION in self.sections

    @property
    def alarm_functions(self) -> frozenset[str]:
        """Names under `AlarmFunction` set true."""
        return self.sections.get(ALARM_FUNCTION, frozenset())

    def supports(self, name: str, section: str = ALARM_FUNCTION) -> bool:
        """Whether a function of that name (in any letter case) is reported true."""
        wanted = name.casefold()
        return any(function.casefold() == wanted for function in self.sections.get(section, ()))


def parse_abilities(system_function: object) -> Abilities | None:
    """`Abilities` from a `SystemFunction` object; None when it is not one.

    Some firmware answers `SystemFunction` without `AlarmFunction` and pushes alarms all the
    same (dbuezas/icsee-ptz issue #66): a missing section means unknown, not "has none"
    (`Abilities.knows_alarms`).
    """
    if not isinstance(system_function, dict):
        return None
    return Abilities(
        sections={
            str(section): frozenset(
                str(name) for name, value in functions.items() if _is_true(value)
            )
            for section, functions in system_function.items()
            if isinstance(functions, dict)
        }
    )


def _is_true(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return False


def parse_channel_titles(value: object) -> list[str]:
    """One title per channel, stripped; a title that is not text counts as empty."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item.strip() if isinstance(item, str) else "" for item in value]


def parse_device_name(general: Any) -> str | None:
    """`MachineName` of a `General.General` object (or of `General` holding one)."""
    if isinstance(general, dict) and isinstance(general.get("General"), dict):
        general = general["General"]
    if not isinstance(general, dict):
        return None
    name = general.get("MachineName")
    if not isinstance(name, str):
        return None
    return name.strip() or None
