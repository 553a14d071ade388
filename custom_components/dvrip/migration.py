"""Config entry migration: one step per version, from the entry's version to the current one.

Each step takes an entry of its version to the next and says so in `async_update_entry`; the
steps run in order, so an entry of any older version arrives at the current one. An entry of a
newer version than this code knows (written by a later release, then downgraded) is refused.

- 1 -> 2: the options lose `alarm_kinds` (every kind has its sensor; users disable the ones
  they do not want in the entity registry) and `history_poll_interval` (polling is automatic).
  The sensors of the kinds a user had left out stay disabled, by the user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
import re
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .config_flow import DvripConfigFlow
from .const import BINARY_SENSOR_KINDS, DOMAIN, LOGGER

# The options that version 1 had and version 2 has not.
V1_ALARM_KINDS: Final = "alarm_kinds"
V1_POLL_INTERVAL: Final = "history_poll_interval"

type MigrationStep = Callable[[HomeAssistant, ConfigEntry], Awaitable[None]]


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring an entry to the current version, step by step; refuse one from a newer release."""
    current = DvripConfigFlow.VERSION
    if entry.version > current:
        LOGGER.error(
            "%s was set up by a newer version of this integration (config entry version %d,"
            " this one knows up to %d): update the integration again to load it",
            entry.title,
            entry.version,
            current,
        )
        return False
    while entry.version < current:
        version = entry.version
        await MIGRATION_STEPS[version](hass, entry)
        if entry.version <= version:
            # A step that did not move the entry on would repeat forever.
            LOGGER.error("Migration of %s stopped at version %d", entry.title, version)
            return False
        LOGGER.debug("Migrated %s from version %d to %d", entry.title, version, entry.version)
    return True


async def _async_migrate_1_to_2(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Drop the alarm kinds and polling interval; keep the left-out kinds' sensors disabled."""
    options = dict(entry.options)
    chosen = options.pop(V1_ALARM_KINDS, None)
    options.pop(V1_POLL_INTERVAL, None)
    if isinstance(chosen, list):
        left_out = [kind for kind in BINARY_SENSOR_KINDS if str(kind) not in chosen]
        _disable_left_out_sensors(hass, entry, left_out)
    hass.config_entries.async_update_entry(entry, options=options, version=2)


def _disable_left_out_sensors(
    hass: HomeAssistant, entry: ConfigEntry, kinds: Sequence[str]
) -> None:
    """Register each kind's sensor on each channel the entry has entities for, disabled by
    the user (as if they had disabled it), or disable the one registered already.

    Unique ids as the binary sensors build them: `{serial}_{channel}_{kind}`.
    """
    serial = entry.unique_id
    if not kinds or not serial:
        return
    registry = er.async_get(hass)
    registered = er.async_entries_for_config_entry(registry, entry.entry_id)
    channel_id = re.compile(rf"{re.escape(serial)}_(\d+)_.+")
    channels = sorted(
        {int(match[1]) for item in registered if (match := channel_id.fullmatch(item.unique_id))}
    )
    # Version 1 named a recorder's entities "Channel 2 motion", a camera's "Motion".
    per_channel = any((item.translation_key or "").startswith("channel_") for item in registered)
    device = next(
        (
            device
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            if (DOMAIN, serial) in device.identifiers
        ),
        None,
    )
    for channel in channels:
        for kind in kinds:
            unique_id = f"{serial}_{channel}_{kind}"
            if entity_id := registry.async_get_entity_id(Platform.BINARY_SENSOR, DOMAIN, unique_id):
                registry.async_update_entity(entity_id, disabled_by=er.RegistryEntryDisabler.USER)
                continue
            name = f"channel {channel + 1} {kind}" if per_channel else kind
            registry.async_get_or_create(
                Platform.BINARY_SENSOR,
                DOMAIN,
                unique_id,
                suggested_object_id=f"{entry.title} {name}",
                config_entry=entry,
                device_id=device.id if device else None,
                disabled_by=er.RegistryEntryDisabler.USER,
                has_entity_name=True,
                translation_key=kind,
            )


# The step that takes an entry of each version to the next.
MIGRATION_STEPS: Final[dict[int, MigrationStep]] = {
    1: _async_migrate_1_to_2,
}
