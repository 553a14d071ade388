"""A camera's detection settings: `Detect.MotionDetect` and `Detect.HumanDetection`.

Each is a configuration section with one object per channel, `Enable` switching the
detection (python-dvr README "Motion detection": `get_detect_info()` shows
`{"HumanDetection": [{"Enable": False, ...}], "MotionDetect": [{"Enable": True, ...}]}`).
One channel's object is read and written on its own as `Detect.MotionDetect.[N]`: a recorder
leaves the whole list unanswered when it is too large to assemble in time (Moxnatiy/hass-xmeye
`src/xmeye/exceptions.py` `DeviceSilent`; equake/hass-xmeye `AGENTS.md`). A section is written
whole (ConfigSet replaces it), so a change reads it first and writes back what was read.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .client import DvripClient
from .errors import DvripProtocolError


class Detection(StrEnum):
    """A detection a channel can switch on and off: the name of its configuration section."""

    MOTION = "Detect.MotionDetect"
    HUMAN = "Detect.HumanDetection"


def section_name(detection: Detection, channel: int) -> str:
    """The name of one channel's section (channels from 0), e.g. `Detect.MotionDetect.[0]`."""
    return f"{detection}.[{channel}]"


def detection_enabled(section: object) -> bool | None:
    """A channel section's `Enable`; None when the section does not say."""
    if not isinstance(section, dict) or "Enable" not in section:
        return None
    return not _flag_off(section["Enable"])


async def read_detection(client: DvripClient, detection: Detection, channel: int) -> Any:
    """One channel's section; None when the device refuses it or does not answer."""
    return await client.get_optional_config(section_name(detection, channel))


async def write_detection(
    client: DvripClient, detection: Detection, channel: int, *, enabled: bool
) -> None:
    """Switch one channel's detection: read its section, change `Enable`, write it back.

    Raises `DvripCommandError` when refused, `DvripTimeoutError` when not answered, and
    `DvripProtocolError` when the section read is not one.
    """
    name = section_name(detection, channel)
    section = await client.get_config(name)
    if isinstance(section, list) and len(section) == 1:
        # Some firmware answers a one-channel name with a list of that one object.
        section = section[0]
    if not isinstance(section, dict):
        raise DvripProtocolError(f"{name} is not a settings object: {section!r}")
    await client.set_config(name, {**section, "Enable": enabled})


def detection_problems(config: Any, channels: int) -> tuple[list[int], list[int]]:
    """Channels (from 1) whose motion detection is off, and those that do not upload alarms.

    `Detect.MotionDetect` is a list with one object per channel (None where a channel's was
    not read); a single object is taken as channel 1. A missing flag counts as enabled: only
    a clear "off" raises a repair issue.
    """
    entries = config if isinstance(config, list) else [config]
    disabled: list[int] = []
    no_upload: list[int] = []
    for channel, entry in enumerate(entries[:channels], start=1):
        if not isinstance(entry, dict):
            continue
        if _flag_off(entry.get("Enable")):
            disabled.append(channel)
            continue
        handler = entry.get("EventHandler")
        if isinstance(handler, dict) and _flag_off(handler.get("MessageEnable")):
            no_upload.append(channel)
    return disabled, no_upload


def _flag_off(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "off")
    return value is False or value == 0
