"""The alarm event entity: one per channel, fired on every alarm start."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import AlarmKind
from .coordinator import DvripConfigEntry, DvripCoordinator
from .entity import DvripEntity
from .last_picture import LastAlarmPictures
from .models import AlarmEvent, signal_alarm
from .pictures.kept import ATTR_PICTURE_URL, KeptPicture

# Pushes arrive on one connection; there is nothing to fetch in parallel.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One alarm event entity per channel."""
    runtime = entry.runtime_data
    async_add_entities(
        DvripAlarmEventEntity(runtime.coordinator, channel, runtime.pictures)
        for channel in runtime.coordinator.active_channels
    )


class DvripAlarmEventEntity(DvripEntity, EventEntity):
    """Fires `motion`, `person`, ... `other` with the camera's own event name in the data.

    The alarm's picture is found seconds to minutes after the alarm (see `last_picture`).
    An event, once fired, cannot change, and firing the same alarm again would run every
    automation that triggers on this entity twice. So the picture's URL is added to the
    entity's attributes as `picture_url` when it is found, while the state (the time of the
    event) stays the same: automations that trigger on the event are not run again, and one
    that wants the picture triggers on that attribute. The next alarm removes it.
    """

    _attr_device_class = EventDeviceClass.MOTION

    def __init__(
        self,
        coordinator: DvripCoordinator,
        channel: int,
        pictures: LastAlarmPictures | None = None,
    ) -> None:
        super().__init__(coordinator, "alarm", channel)
        self._attr_event_types = [str(kind) for kind in AlarmKind]
        self._pictures = pictures
        self._last_alarm: AlarmEvent | None = None
        self._picture_url: str | None = None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        if self._picture_url is None:
            return None
        return {ATTR_PICTURE_URL: self._picture_url}

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        assert self.channel is not None
        signal = signal_alarm(self.coordinator.entry.entry_id, self.channel)
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._handle_alarm_event))
        if self._pictures is not None:
            self.async_on_remove(
                self._pictures.async_add_listener(self.channel, self._handle_picture)
            )
            self._picture_url = self._restored_picture_url(self._pictures)

    def _restored_picture_url(self, pictures: LastAlarmPictures) -> str | None:
        """After a restart: the kept picture's URL, when it is the restored event's picture."""
        assert self.channel is not None
        picture = pictures.picture(self.channel)
        camera_time = self.state_attributes.get("camera_time")
        if picture is None or camera_time is None:
            return None
        return picture.url if camera_time == picture.camera_time.isoformat() else None

    @callback
    def _handle_alarm_event(self, event: AlarmEvent) -> None:
        self._last_alarm = event
        self._picture_url = None
        self._trigger_event(str(event.kind), event.data)
        self.async_write_ha_state()

    @callback
    def _handle_picture(self, picture: KeptPicture) -> None:
        # Only the picture of the event this entity shows: an older alarm's is not its picture.
        if picture.alarm is None or picture.alarm is not self._last_alarm or picture.url is None:
            return
        self._picture_url = picture.url
        self.async_write_ha_state()
