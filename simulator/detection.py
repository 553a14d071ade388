"""The camera's detection settings: `Detect.MotionDetect` and `Detect.HumanDetection`.

Both are configuration sections with one object per channel, read and written whole
(`Detect.MotionDetect`) or one channel at a time (`Detect.MotionDetect.[0]`), with `Enable`
switching the detection (python-dvr README "Motion detection", `get_detect_info()` /
`set_detect_info()`; `get_info()` / `set_info()`). Human detection exists only on firmware
that reports `HumanDection` (sic) in `SystemFunction.AlarmFunction`; elsewhere the section is
unknown (Ret 607, as for any name the firmware does not have). Motion detection's state is
the camera's own (it decides which alarms are seen); this module answers the sections.

Two faults for tests (`POST /detection {"writes": ...}`): "refuse" answers every write with
Ret 107 (no permission: a user without the right to change settings, Xiongmai interface
document's return codes); "ignore" answers Ret 100 and keeps the setting as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from simulator.profiles import Profile
from simulator.wire import Ret

MOTION_SECTION = "Detect.MotionDetect"
HUMAN_SECTION = "Detect.HumanDetection"
HUMAN_ABILITY = "HumanDection"


class MotionSettings(Protocol):
    """What the sections are read from and written to: the device's own settings."""

    profile: Profile

    @property
    def channels(self) -> int: ...

    def motion_config(self) -> list[dict[str, Any]]: ...

    def apply_motion_config(self, channel: int, config: Mapping[str, Any]) -> None: ...

    def notify(self) -> None: ...


class WriteAnswer(StrEnum):
    """How the camera answers a write of a detection section."""

    APPLY = "apply"
    REFUSE = "refuse"
    IGNORE = "ignore"


def parse_section_name(name: object) -> tuple[str, int | None] | None:
    """(section, channel or None for every channel) for a detection section's name."""
    if not isinstance(name, str):
        return None
    base, _, index = name.partition(".[")
    if base not in (MOTION_SECTION, HUMAN_SECTION):
        return None
    if not index:
        return base, None
    try:
        return base, int(index.removesuffix("]"))
    except ValueError:
        return None


class DetectionSections:
    """Answers reads and writes of the detection sections; keeps human detection's state."""

    def __init__(self, camera: MotionSettings, channels: int) -> None:
        self._camera = camera
        self._human = [True] * channels
        self.writes = WriteAnswer.APPLY

    def has_human(self) -> bool:
        functions = self._camera.profile.alarm_functions
        return functions is not None and HUMAN_ABILITY in functions

    def human_detection(self, channel: int = 0) -> bool:
        return self._human[channel]

    def set_human_detection(self, enabled: bool, channel: int | None = None) -> None:
        for number in range(len(self._human)) if channel is None else [channel]:
            self._human[number] = enabled
        self._camera.notify()

    def set_writes(self, answer: WriteAnswer | str) -> None:
        self.writes = WriteAnswer(answer)

    def knows(self, name: object) -> bool:
        return parse_section_name(name) is not None

    def _sections(self, base: str) -> list[dict[str, Any]] | None:
        if base == MOTION_SECTION:
            return self._camera.motion_config()
        if not self.has_human():
            return None
        return [{"Enable": enabled, "Sensitivity": 1} for enabled in self._human]

    def read(self, name: str) -> tuple[Ret, Any]:
        """(Ret, the section's value) for a ConfigGet of `name`."""
        parsed = parse_section_name(name)
        sections = self._sections(parsed[0]) if parsed is not None else None
        if parsed is None or sections is None:
            return Ret.NO_SUCH_CONFIG, None
        channel = parsed[1]
        if channel is None:
            return Ret.OK, sections
        if not 0 <= channel < len(sections):
            return Ret.NO_SUCH_CONFIG, None
        return Ret.OK, sections[channel]

    def write(self, name: str, value: object) -> Ret:
        """Ret for a ConfigSet of `name` with `value`, applied unless a fault says otherwise."""
        parsed = parse_section_name(name)
        if parsed is None or self._sections(parsed[0]) is None:
            return Ret.NO_SUCH_CONFIG
        base, channel = parsed
        if channel is None and isinstance(value, list):
            pairs = list(enumerate(value))
        elif channel is not None and isinstance(value, dict):
            pairs = [(channel, value)]
        else:
            pairs = []
        pairs = [
            (number, item)
            for number, item in pairs
            if isinstance(item, Mapping) and 0 <= number < self._camera.channels
        ]
        if not pairs:
            return Ret.ILLEGAL_REQUEST
        if self.writes is WriteAnswer.REFUSE:
            return Ret.NO_PERMISSION
        if self.writes is WriteAnswer.IGNORE:
            return Ret.OK
        for number, item in pairs:
            if base == MOTION_SECTION:
                self._camera.apply_motion_config(number, item)
            elif isinstance(enabled := item.get("Enable"), bool):
                self.set_human_detection(enabled, number)
        return Ret.OK
