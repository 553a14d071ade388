"""What the camera's settings and state read as, kept fresh: the common part of the detection
settings (`detection_settings`), the storage (`disks`) and the lighting (`lighting`).

Each is read over the alarm session (no connection of its own) at setup, after each write
(an entity shows what the camera reads back, not what was asked) and every few minutes. A
camera offline keeps its last reading (its entities are unavailable meanwhile, and the
reconnect reads again); one that does not answer leaves it unknown, logged at debug level
only: alarms do not depend on any of it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import DvripError
from .const import DOMAIN, LOGGER
from .coordinator import DvripCoordinator

# Settings change from the vendor's app too; an entity shows them this fresh at most.
READ_INTERVAL: Final = timedelta(minutes=5)


class CameraReadings[T](DataUpdateCoordinator[T]):
    """One part of the camera read back, `initial` until it is read."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        camera: DvripCoordinator,
        what: str,
        initial: T,
        *,
        always_update: bool = True,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {what} {entry.title}",
            update_interval=READ_INTERVAL,
            always_update=always_update,
        )
        self.camera = camera
        self.what = what
        self.data = initial

    async def _async_update_data(self) -> T:
        if not self.camera.available:
            return self.data
        try:
            return await self._async_read()
        except DvripError as err:
            LOGGER.debug("Cannot read the %s of %s: %s", self.what, self.camera.name, err)
            return self.data

    async def _async_read(self) -> T:
        """Read it from the camera (logged in); a `DvripError` keeps the last reading."""
        raise NotImplementedError
