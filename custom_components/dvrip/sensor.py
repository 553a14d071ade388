"""Sensors: the camera's SD card (or a recorder's disks): state, total and free space."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import StorageState, StorageStatus
from .coordinator import DvripCoordinator
from .disks import StorageMonitor
from .entity import DvripEntity
from .runtime import DvripConfigEntry

# Read by the storage monitor; nothing is fetched per entity.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DvripStorageSensorDescription(SensorEntityDescription):
    """A figure of the camera's storage."""

    value_fn: Callable[[StorageStatus], str | int]


STORAGE_SENSORS: tuple[DvripStorageSensorDescription, ...] = (
    DvripStorageSensorDescription(
        key="storage_state",
        device_class=SensorDeviceClass.ENUM,
        options=[str(state) for state in StorageState],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda status: str(status.state),
    ),
    DvripStorageSensorDescription(
        key="storage_total",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEBIBYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda status: status.total_mib,
    ),
    DvripStorageSensorDescription(
        key="storage_free",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEBIBYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda status: status.free_mib,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DvripConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The storage sensors, on the camera's (or recorder's) device."""
    coordinator = entry.runtime_data.coordinator
    storage = entry.runtime_data.storage
    async_add_entities(
        DvripStorageSensor(coordinator, storage, description) for description in STORAGE_SENSORS
    )


class DvripStorageSensor(DvripEntity, SensorEntity):
    """One figure of the storage as last read; unknown until the camera tells it."""

    entity_description: DvripStorageSensorDescription

    def __init__(
        self,
        coordinator: DvripCoordinator,
        storage: StorageMonitor,
        description: DvripStorageSensorDescription,
    ) -> None:
        self.entity_description = description
        super().__init__(coordinator, description.key)
        self.storage = storage

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.storage.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> str | int | None:
        status = self.storage.data
        return None if status is None else self.entity_description.value_fn(status)
