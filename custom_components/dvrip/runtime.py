"""What a loaded config entry holds (`entry.runtime_data`): the top of the glue's imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .coordinator import DvripCoordinator
from .last_picture import LastAlarmPictures

type DvripConfigEntry = ConfigEntry[DvripRuntime]


@dataclass(slots=True)
class DvripRuntime:
    """The camera's coordinator, and its last alarm pictures."""

    coordinator: DvripCoordinator
    # The options the entry was set up with: a change of them needs a reload.
    options: dict[str, Any]
    # The last alarm pictures; None when the picture mode is off.
    pictures: LastAlarmPictures | None = None
