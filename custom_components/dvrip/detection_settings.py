"""Each channel's detection settings (motion, human) as the camera has them, and switching them.

Read one channel's section at a time (`client.detection`) as `readings` says, and after each
reconnect and at each audit of the history. The same readings raise or clear the repair issues
of motion detection or alarm upload being off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .client import Detection, DvripCommandError, read_detection, write_detection
from .const import LOGGER
from .coordinator import DvripCoordinator
from .readings import CameraReadings
from .repairs import async_update_detection_issues


@dataclass(frozen=True, slots=True)
class DetectionReadings:
    """Each channel's sections as last read (channel from 0); a channel left out was not read
    (refused, not answered, or not asked).
    """

    sections: dict[Detection, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def section(self, detection: Detection, channel: int) -> dict[str, Any] | None:
        return self.sections.get(detection, {}).get(channel)


class DetectionSettings(CameraReadings[DetectionReadings]):
    """The camera's detection settings.

    Motion detection is always read (its repair issues need it); human detection only while
    one of its switches is in use, so a camera without it is not asked every few minutes.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, camera: DvripCoordinator) -> None:
        super().__init__(hass, entry, camera, "detection settings", DetectionReadings())
        self._wanted: Counter[Detection] = Counter({Detection.MOTION: 1})

    @callback
    def async_want(self, detection: Detection) -> Callable[[], None]:
        """Read `detection` at each refresh until the returned callback is called."""
        self._wanted[detection] += 1

        @callback
        def release() -> None:
            self._wanted[detection] -= 1

        return release

    def wants(self, detection: Detection) -> bool:
        return self._wanted[detection] > 0

    async def _async_read(self) -> DetectionReadings:
        """Read what is wanted; a section the camera does not give is left out."""
        sections: dict[Detection, dict[int, dict[str, Any]]] = {}
        for detection in Detection:
            if self.wants(detection):
                sections[detection] = await self._async_read_sections(detection)
        readings = DetectionReadings(sections)
        motion = sections.get(Detection.MOTION, {})
        if motion:
            camera = self.camera
            channels = camera.active_channels
            config = [motion.get(channel) for channel in range(max(channels, default=0) + 1)]
            camera.detection_config = config
            async_update_detection_issues(self.hass, camera.entry, config, channels)
        return readings

    async def _async_read_sections(self, detection: Detection) -> dict[int, dict[str, Any]]:
        """Each active channel's section of one detection.

        A camera that gives no first channel's section is not asked for the others: firmware
        that leaves a ConfigGet unanswered does so for every channel (dbuezas/icsee-ptz #66),
        and each unanswered request costs its timeout.
        """
        found: dict[int, dict[str, Any]] = {}
        for channel in self.camera.active_channels:
            section = await read_detection(self.camera.client, detection, channel)
            if isinstance(section, list) and len(section) == 1:
                section = section[0]
            if not isinstance(section, dict):
                if not found:
                    LOGGER.debug("%s does not tell its %s", self.camera.name, detection)
                    break
                continue
            found[channel] = section
        return found

    async def async_switch(self, detection: Detection, channel: int, *, enabled: bool) -> None:
        """Switch one channel's detection, then read the settings back.

        Raises `DvripError` when the camera refuses or does not answer; the readings stay.
        """
        try:
            await write_detection(self.camera.client, detection, channel, enabled=enabled)
        except DvripCommandError:
            # Refused: what the camera has now is shown (the write may have done something).
            await self.async_refresh()
            raise
        await self.async_refresh()
