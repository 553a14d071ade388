"""The camera's SD card (or a recorder's disks): its state and space, and the repair when it
cannot keep recordings (every alarm picture from a recording depends on it).

Read with `StorageInfo` as `readings` says, and after each reconnect and at each audit of the
history.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .client import StorageStatus, read_storage
from .coordinator import DvripCoordinator
from .readings import CameraReadings
from .repairs import async_update_storage_issues


class StorageMonitor(CameraReadings[StorageStatus | None]):
    """The storage as last read; None until the camera tells it (some never do)."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, camera: DvripCoordinator) -> None:
        super().__init__(hass, entry, camera, "storage", None)

    async def _async_read(self) -> StorageStatus | None:
        status = await read_storage(self.camera.client)
        async_update_storage_issues(self.hass, self.camera.entry, status)
        return status
