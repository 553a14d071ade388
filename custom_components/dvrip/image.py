"""The "Last alarm picture" image entity: one per channel, updated after each alarm."""

from __future__ import annotations

from homeassistant.components.image import ImageEntity
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .clips import ATTR_CLIP_SIGNED_URL, AlarmClipInfo, AlarmClips, signal_clip
from .coordinator import DvripCoordinator
from .entity import DvripEntity, remove_stale_entities
from .last_picture import LastAlarmPictures
from .pictures.kept import KeptPicture
from .runtime import DvripConfigEntry

# Pictures arrive from the alarm pushes; nothing is fetched on a schedule.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One image entity per channel, unless alarm pictures are off."""
    runtime = entry.runtime_data
    if runtime.pictures is None:
        remove_stale_entities(hass, entry, Platform.IMAGE, set())
        return
    pictures = runtime.pictures
    async_add_entities(
        DvripAlarmPictureImage(hass, runtime.coordinator, pictures, channel)
        for channel in runtime.coordinator.active_channels
    )


class DvripAlarmPictureImage(DvripEntity, ImageEntity):
    """The picture of the channel's last alarm: the trigger for a notification with it.

    The state (Home Assistant's `image_last_updated`) is when a picture of a new alarm was
    first shown: it changes once per alarm. A better picture of the same alarm (the
    recording's after the live still) replaces the image and its `method`/`source_file`
    attributes, not the state; a new access token makes dashboards load it. Attributes:
    the alarm (`event_type`, `event`, `channel`, `alarm_time`, `camera_time`, `backfilled`),
    how its picture was found (`method`, `source_file`), and `picture_url`; once the
    alarm's clip is kept, `clip_url` and `clip_signed_url` (see `clips`).
    """

    _attr_content_type = "image/jpeg"
    # A signed URL is a temporary key: not for the history database.
    _unrecorded_attributes = frozenset({ATTR_CLIP_SIGNED_URL})

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: DvripCoordinator,
        pictures: LastAlarmPictures,
        channel: int,
    ) -> None:
        DvripEntity.__init__(self, coordinator, "last_alarm_picture", channel)
        ImageEntity.__init__(self, hass)
        self._pictures = pictures
        self._picture: KeptPicture | None = None
        self._clips: AlarmClips | None = coordinator.entry.runtime_data.clips
        self._clip: AlarmClipInfo | None = self._clips.clip(channel) if self._clips else None
        self._show(pictures.picture(channel))

    @property
    def available(self) -> bool:
        # The kept picture is still the last alarm's picture while the camera is away.
        return True

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        assert self.channel is not None
        self.async_on_remove(self._pictures.async_add_listener(self.channel, self._handle_picture))
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_clip(self.coordinator.entry.entry_id, self.channel),
                self._handle_clip,
            )
        )

    @callback
    def _handle_clip(self, clip: AlarmClipInfo) -> None:
        self._clip = clip
        self._show(self._picture)
        self.async_write_ha_state()

    @callback
    def _handle_picture(self, picture: KeptPicture) -> None:
        previous = self._attr_image_last_updated
        self._show(picture)
        if self._attr_image_last_updated == previous:
            # The same alarm, a better picture: the dashboard's address (token and state)
            # must change for it to be loaded, and the state must not.
            self.async_update_token()
        self.async_write_ha_state()

    def _show(self, picture: KeptPicture | None) -> None:
        self._picture = picture
        if picture is not None:
            self._attr_image_last_updated = picture.shown or picture.time
            attributes = picture.attributes()
            clip = self._clip
            if clip is not None and clip.camera_time == picture.camera_time:
                attributes |= clip.attributes()
            self._attr_extra_state_attributes = attributes

    async def async_image(self) -> bytes | None:
        """The JPEG, from memory (it was read from disk at startup)."""
        return self._picture.jpeg if self._picture is not None else None
