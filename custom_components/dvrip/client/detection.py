"""What a camera's motion-detection settings (`Detect.MotionDetect`) say about its alarms."""

from __future__ import annotations

from typing import Any


def detection_problems(config: Any, channels: int) -> tuple[list[int], list[int]]:
    """Channels (from 1) whose motion detection is off, and those that do not upload alarms.

    `Detect.MotionDetect` is a list with one object per channel; a single object is taken
    as channel 1. A missing flag counts as enabled: only a clear "off" raises a repair issue.
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
