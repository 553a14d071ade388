"""The "Snapshot" camera entity: one per channel, a live still, and RTSP when enabled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_RTSP_STREAM, MANUFACTURER, RTSP_PORT, option
from .coordinator import DvripConfigEntry, DvripCoordinator
from .entity import DvripEntity
from .last_picture import LastAlarmPictures
from .log_redaction import install_login_redaction
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
    rtsp = bool(option(entry.options, CONF_RTSP_STREAM))
    if rtsp:
        # The stream component would log the address, login included, when a stream fails.
        install_login_redaction()
    async_add_entities(
        DvripSnapshotCamera(runtime.coordinator, runtime.pictures, channel, rtsp=rtsp)
        for channel in runtime.coordinator.active_channels
    )


def rtsp_url(data: Mapping[str, Any], channel: int) -> str:
    """The XMEye RTSP address of a channel's main stream (channels count from 0 here).

    These devices take the login from the path, not from the URL's user part.
    """
    host = str(data[CONF_HOST])
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    user = quote(str(data[CONF_USERNAME]), safe="")
    password = quote(str(data[CONF_PASSWORD]), safe="")
    return (
        f"rtsp://{host}:{RTSP_PORT}/user={user}&password={password}"
        f"&channel={channel + 1}&stream=0.sdp"
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
        *,
        rtsp: bool,
    ) -> None:
        DvripEntity.__init__(self, coordinator, "snapshot", channel)
        Camera.__init__(self)
        self._pictures = pictures
        self._rtsp = rtsp
        self._attr_model = coordinator.device.model
        if rtsp:
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
        """The RTSP address, when the option is on."""
        if not self._rtsp:
            return None
        assert self.channel is not None
        return rtsp_url(self.coordinator.entry.data, self.channel)
