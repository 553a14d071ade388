"""The alarm event entity: one per channel, fired on every alarm start."""

from __future__ import annotations

from homeassistant.components.event import EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import AlarmKind
from .coordinator import DvripCoordinator
from .entity import DvripEntity
from .models import AlarmEvent, signal_alarm
from .runtime import DvripConfigEntry

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
        DvripAlarmEventEntity(runtime.coordinator, channel)
        for channel in runtime.coordinator.active_channels
    )


class DvripAlarmEventEntity(DvripEntity, EventEntity):
    """Fires `motion`, `person`, ... `other` with the camera's own event name in the data.

    Once fired, the event's state and attributes stay as they are until the next alarm:
    every automation on this entity runs once per alarm. The alarm's picture, found seconds
    to minutes later, is the "Last alarm picture" image entity's (see `image`).
    """

    _attr_device_class = EventDeviceClass.MOTION

    def __init__(self, coordinator: DvripCoordinator, channel: int) -> None:
        super().__init__(coordinator, "alarm", channel)
        self._attr_event_types = [str(kind) for kind in AlarmKind]

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        assert self.channel is not None
        signal = signal_alarm(self.coordinator.entry.entry_id, self.channel)
        self.async_on_remove(async_dispatcher_connect(self.hass, signal, self._handle_alarm_event))

    @callback
    def _handle_alarm_event(self, event: AlarmEvent) -> None:
        self._trigger_event(str(event.kind), event.data)
        self.async_write_ha_state()
