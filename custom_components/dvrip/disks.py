"""The camera's SD card (or a recorder's disks): its state and space, and the repair when it
cannot keep recordings (every alarm picture from a recording depends on it).

Read with `StorageInfo` at setup, after each reconnect, at each audit of the history and
every few minutes, over the alarm session.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import DvripError, StorageStatus, read_storage
from .const import DOMAIN, LOGGER
from .coordinator import DvripConfigEntry, DvripCoordinator
from .repairs import async_update_storage_issues

STORAGE_REFRESH_INTERVAL: Final = timedelta(minutes=5)


class StorageMonitor(DataUpdateCoordinator[StorageStatus | None]):
    """The storage as last read; None until the camera tells it (some never do)."""

    def __init__(
        self, hass: HomeAssistant, entry: DvripConfigEntry, camera: DvripCoordinator
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} storage {entry.title}",
            update_interval=STORAGE_REFRESH_INTERVAL,
        )
        self.camera = camera
        self.data = None

    async def _async_update_data(self) -> StorageStatus | None:
        """A camera offline or silent keeps the last reading, quietly: the sensors are
        unavailable while it is offline, unknown until it tells.
        """
        if not self.camera.available:
            return self.data
        try:
            status = await read_storage(self.camera.client)
        except DvripError as err:
            LOGGER.debug("%s does not tell its storage: %s", self.camera.name, err)
            return self.data
        async_update_storage_issues(self.hass, self.camera.entry, status)
        return status
