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

from .client import Abilities
from .const import ALARM_KIND_BY_ABILITY, BINARY_SENSOR_KINDS, DEFAULT_ENABLED_KINDS, AlarmKind
from .coordinator import DvripCoordinator
from .entity import DvripEntity, remove_stale_entities
from .runtime import DvripConfigEntry

# Pushes arrive on one connection; there is nothing to fetch in parallel.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DvripAlarmSensorDescription(BinarySensorEntityDescription):
    """An alarm kind that has an on/off sensor per channel."""

    kind: AlarmKind


# The device class of each kind's sensor; which are enabled by default: `enabled_kinds`.
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
    )
    for kind in BINARY_SENSOR_KINDS
)


def enabled_kinds(abilities: Abilities | None) -> frozenset[AlarmKind]:
    """The kinds whose sensors are enabled by default: the detections the device reports.

    A device that reports no alarm abilities gets motion and person, as before abilities
    were read.
    """
    if abilities is None or not abilities.knows_alarms:
        return DEFAULT_ENABLED_KINDS
    return frozenset(
        kind for name, kind in ALARM_KIND_BY_ABILITY.items() if abilities.supports(name)
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the connectivity sensor and every kind's alarm sensor on every active channel.

    The ones the device cannot report start disabled; users enable or disable any of them in
    the entity registry.
    """
    coordinator = entry.runtime_data.coordinator
    enabled = enabled_kinds(coordinator.abilities)
    entities: list[DvripEntity] = [DvripConnectivitySensor(coordinator)]
    entities.extend(
        DvripAlarmSensor(coordinator, description, channel, enabled=description.kind in enabled)
        for channel in coordinator.active_channels
        for description in ALARM_SENSORS
    )
    # Sensors of channels no longer in use (a camera taken off a recorder) leave the registry.
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
        *,
        enabled: bool,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key, channel)
        self._attr_entity_registry_enabled_default = enabled
        self._listen_keys = ((channel, description.kind),)

    @property
    def is_on(self) -> bool:
        assert self.channel is not None
        return self.coordinator.alarm_state(self.channel, self.entity_description.kind).is_on
