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

from .const import BINARY_SENSOR_KINDS, CONF_ALARM_KINDS, AlarmKind, option
from .coordinator import DvripConfigEntry, DvripCoordinator
from .entity import DvripEntity, remove_stale_entities

# Pushes arrive on one connection; there is nothing to fetch in parallel.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DvripAlarmSensorDescription(BinarySensorEntityDescription):
    """An alarm kind that has an on/off sensor per channel."""

    kind: AlarmKind


# The device class of each kind's sensor; only motion and person are enabled by default.
_DEVICE_CLASSES: dict[AlarmKind, BinarySensorDeviceClass | None] = {
    AlarmKind.MOTION: BinarySensorDeviceClass.MOTION,
    AlarmKind.PERSON: BinarySensorDeviceClass.OCCUPANCY,
    AlarmKind.VEHICLE: BinarySensorDeviceClass.OCCUPANCY,
    AlarmKind.FACE: BinarySensorDeviceClass.OCCUPANCY,
    AlarmKind.TAMPER: BinarySensorDeviceClass.TAMPER,
    AlarmKind.VIDEO_LOSS: BinarySensorDeviceClass.PROBLEM,
    AlarmKind.LINE_CROSSING: BinarySensorDeviceClass.MOTION,
    AlarmKind.FALL: BinarySensorDeviceClass.SAFETY,
    AlarmKind.ALARM_INPUT: None,
}
ALARM_SENSORS: tuple[DvripAlarmSensorDescription, ...] = tuple(
    DvripAlarmSensorDescription(
        key=str(kind),
        kind=kind,
        device_class=_DEVICE_CLASSES[kind],
        entity_registry_enabled_default=kind in (AlarmKind.MOTION, AlarmKind.PERSON),
    )
    for kind in BINARY_SENSOR_KINDS
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the connectivity sensor and the alarm sensors of the chosen kinds."""
    coordinator = entry.runtime_data.coordinator
    kinds = set(option(entry.options, CONF_ALARM_KINDS))
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
