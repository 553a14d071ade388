"""The "Snapshot" camera entity: one per channel, a live still and live view (see live_view)."""

from __future__ import annotations

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_LIVE_STREAM, MANUFACTURER, LiveStream, option
from .coordinator import DvripCoordinator
from .entity import DvripEntity
from .last_picture import LastAlarmPictures
from .live_view import LiveView
from .log_redaction import install_login_redaction
from .runtime import DvripConfigEntry
from .stills import STILL_INTERVAL

# Stills take turns in `stills` and on the client's second connection, not here.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One camera entity per channel."""
    runtime = entry.runtime_data
    live = LiveView(entry.data, LiveStream(option(entry.options, CONF_LIVE_STREAM)))
    if live.stream is not LiveStream.OFF:
        # The stream component and go2rtc would log the address, login included, when a
        # stream fails.
        install_login_redaction()
    async_add_entities(
        DvripSnapshotCamera(runtime.coordinator, runtime.pictures, channel, live)
        for channel in runtime.coordinator.active_channels
    )


class DvripSnapshotCamera(DvripEntity, Camera):
    """A live still from OPSNAP; the channel's last alarm picture where the device refuses it."""

    _attr_brand = MANUFACTURER
    # An open camera view (its MJPEG stream) asks for a still this often, not twice a second.
    _attr_frame_interval = STILL_INTERVAL.total_seconds()

    def __init__(
        self,
        coordinator: DvripCoordinator,
        pictures: LastAlarmPictures | None,
        channel: int,
        live: LiveView,
    ) -> None:
        DvripEntity.__init__(self, coordinator, "snapshot", channel)
        Camera.__init__(self)
        self._pictures = pictures
        self._live = live
        self._attr_model = coordinator.device.model
        if live.stream is not LiveStream.OFF:
            self._attr_supported_features = CameraEntityFeature.STREAM

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """A live JPEG; Home Assistant scales it when a smaller one is asked for."""
        assert self.channel is not None
        coordinator = self.coordinator
        stills = coordinator.stills
        if not stills.refused(self.channel):
            jpeg = await stills.async_snapshot(self.channel)
            if jpeg is not None or not stills.refused(self.channel):
                return jpeg
        picture = self._pictures.picture(self.channel) if self._pictures else None
        return picture.jpeg if picture is not None else None

    async def stream_source(self) -> str | None:
        """The device's RTSP address where it serves RTSP, else go2rtc's `dvrip://`."""
        assert self.channel is not None
        return await self._live.async_stream_source(self.channel)
