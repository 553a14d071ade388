"""What a loaded config entry holds (`entry.runtime_data`): the camera's coordinator and the
features set up with it.

Above them all: a feature takes the coordinator (and a plain `ConfigEntry`), never the
runtime data, so that nothing it builds on imports it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .clips import AlarmClips
from .coordinator import DvripCoordinator
from .detection_settings import DetectionSettings
from .disks import StorageMonitor
from .last_picture import LastAlarmPictures
from .lighting import LightingCoordinator
from .ptz import PtzGuard
from .recordings import RecordingCatalogue

type DvripConfigEntry = ConfigEntry[DvripRuntime]


@dataclass(slots=True)
class DvripRuntime:
    """The camera's coordinator, and its last alarm pictures (None when they are off)."""

    coordinator: DvripCoordinator
    # The options the entry was set up with: a change of them needs a reload.
    options: dict[str, Any]
    detection: DetectionSettings
    storage: StorageMonitor
    pictures: LastAlarmPictures | None = None
    # PTZ: the commands sent to the channels' heads, and the stops their moves are owed.
    ptz: PtzGuard | None = None
    # The white light's and day/night modes as read back (set up with the entry).
    lighting: LightingCoordinator | None = None
    recordings: RecordingCatalogue | None = None
    clips: AlarmClips | None = None
