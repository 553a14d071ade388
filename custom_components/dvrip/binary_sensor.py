"""Binary sensors: one per channel and alarm kind, and the camera's connectivity."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_ALARM_KINDS, DEFAULT_ALARM_KINDS, AlarmKind
from .coordinator import DvripCoordinator
from .entity import DvripEntity, remove_stale_entities
from .runtime import DvripConfigEntry

# Pushes arrive on one connection; there is nothing to fetch in parallel.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DvripAlarmSensorDescription(BinarySensorEntityDescription):
    """An alarm kind that has an on/off sensor per channel."""

    kind: AlarmKind


ALARM_SENSORS: tuple[DvripAlarmSensorDescription, ...] = (
    DvripAlarmSensorDescription(
        key="motion", kind=AlarmKind.MOTION, device_class=BinarySensorDeviceClass.MOTION
    ),
    DvripAlarmSensorDescription(
        key="person", kind=AlarmKind.PERSON, device_class=BinarySensorDeviceClass.OCCUPANCY
    ),
    DvripAlarmSensorDescription(
        key="vehicle",
        kind=AlarmKind.VEHICLE,
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="face",
        kind=AlarmKind.FACE,
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="tamper",
        kind=AlarmKind.TAMPER,
        device_class=BinarySensorDeviceClass.TAMPER,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="video_loss",
        kind=AlarmKind.VIDEO_LOSS,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="line_crossing",
        kind=AlarmKind.LINE_CROSSING,
        device_class=BinarySensorDeviceClass.MOTION,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="fall",
        kind=AlarmKind.FALL,
        device_class=BinarySensorDeviceClass.SAFETY,
        entity_registry_enabled_default=False,
    ),
    DvripAlarmSensorDescription(
        key="alarm_input",
        kind=AlarmKind.ALARM_INPUT,
        entity_registry_enabled_default=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the connectivity sensor and the alarm sensors of the chosen kinds."""
    coordinator = entry.runtime_data.coordinator
    kinds = set(entry.options.get(CONF_ALARM_KINDS, DEFAULT_ALARM_KINDS))
    entities: list[DvripEntity] = [DvripConnectivitySensor(coordinator)]
    entities.extend(
        DvripAlarmSensor(coordinator, description, channel)
        for channel in coordinator.active_channels
        for description in ALARM_SENSORS
        if description.kind in kinds
    )
    # Sensors of kinds (or channels) no longer chosen leave the registry.
    remove_stale_entities(
        hass, entry, Platform.BINARY_SENSOR, {entity.unique_id for entity in entities}
    )
    async_add_entities(entities)


class DvripConnectivitySensor(DvripEntity, BinarySensorEntity):
    """On while the camera is logged in (its alarms are taken from then on)."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: DvripCoordinator) -> None:
        super().__init__(coordinator, "connectivity")

    @property
    def available(self) -> bool:
        # It reports the connection, so it is itself always available.
        return True

    @property
    def is_on(self) -> bool:
        return self.coordinator.available


class DvripAlarmSensor(DvripEntity, BinarySensorEntity):
    """On at an alarm's Start; off at its Stop, or when the off-delay runs out."""

    entity_description: DvripAlarmSensorDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        description: DvripAlarmSensorDescription,
        channel: int,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key, channel)
        self._listen_keys = ((channel, description.kind),)

    @property
    def is_on(self) -> bool:
        assert self.channel is not None
        return self.coordinator.alarm_state(self.channel, self.entity_description.kind).is_on
