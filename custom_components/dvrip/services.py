"""The actions. `dvrip.export_last_alarms`: the last alarms' pictures of a camera, to a folder.
`dvrip.ptz`: move a channel's head, its presets and tours (see `ptz`).

It writes `<media>/dvrip/<entry id>/last_alarms_YYYYmmdd_HHMMSS/` (see `storage`) with the
JPEGs and report.json, built under a temporary name and renamed when complete, and answers
with the report. Exports older than the entry's `export_retention_days` option are removed at
setup, daily, and after each export (`async_remove_old_exports`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
import errno
import json
from pathlib import Path
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_AREA_ID, ATTR_ENTITY_ID, ATTR_FLOOR_ID, ATTR_LABEL_ID
from homeassistant.core import (
    CALLBACK_TYPE,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .client import DvripError, PtzCommand
from .const import CONF_EXPORT_RETENTION_DAYS, DOMAIN, LOGGER, PICTURE_KINDS, alarm_kind, option
from .coordinator import DvripCoordinator
from .devices import device_channel
from .ha_versions import device_config_entry_ids
from .pictures import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    REPORT_NAME,
    PreferredSource,
    last_alarm_pictures,
    remove_old_exports,
    write_export,
)
from .ptz import DEFAULT_SPEED, MAX_MOVE_SECONDS, PtzGuard
from .runtime import DvripConfigEntry
from .storage import media_root

SERVICE_EXPORT_LAST_ALARMS: Final = "export_last_alarms"

ATTR_DEVICE_ID: Final = "device_id"
ATTR_LIMIT: Final = "limit"
ATTR_BEGIN: Final = "begin"
ATTR_END: Final = "end"
ATTR_PREFER: Final = "prefer"
ATTR_STRICT: Final = "strict"
ATTR_DOWNLOAD_TIMEOUT: Final = "download_timeout"
ATTR_CHANNEL: Final = "channel"
# Added to the report in the response: where the export was written.
ATTR_FOLDER: Final = "folder"

DEFAULT_LIMIT: Final = 5
MAX_LIMIT: Final = 100
MAX_DOWNLOAD_TIMEOUT: Final = 3600
# How often exports past their retention are looked for.
RETENTION_CHECK_INTERVAL: Final = timedelta(days=1)
# No space left, or the user's quota used up.
_DISK_FULL: Final = frozenset({errno.ENOSPC, errno.EDQUOT})

EXPORT_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_LIMIT)
        ),
        vol.Optional(ATTR_BEGIN): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_PREFER, default=str(PreferredSource.JPG)): vol.In(
            [str(source) for source in PreferredSource]
        ),
        vol.Optional(ATTR_STRICT, default=False): cv.boolean,
        vol.Optional(ATTR_DOWNLOAD_TIMEOUT, default=DEFAULT_DOWNLOAD_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=MAX_DOWNLOAD_TIMEOUT)
        ),
        # Without it: the channel of the device picked (a recorder channel's), else 1.
        vol.Optional(ATTR_CHANNEL): vol.All(vol.Coerce(int), vol.Range(min=1)),
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated error in what the action was asked."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _failure(key: str, **placeholders: str) -> HomeAssistantError:
    """A translated error in carrying the action out."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, from `async_setup`)."""

    async def _async_export_last_alarms(call: ServiceCall) -> ServiceResponse:
        return await async_export_last_alarms(hass, call)

    hass.services.async_register(
        DOMAIN,
        SERVICE_EXPORT_LAST_ALARMS,
        _async_export_last_alarms,
        schema=EXPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )

    async def _async_ptz(call: ServiceCall) -> None:
        await async_ptz(hass, call)

    hass.services.async_register(DOMAIN, SERVICE_PTZ, _async_ptz, schema=PTZ_SCHEMA)


def _loaded_entry(hass: HomeAssistant, device_id: str) -> tuple[DvripConfigEntry, dr.DeviceEntry]:
    """The loaded config entry of one of our devices, and the device; a translated error
    otherwise.
    """
    device = dr.async_get(hass).async_get(device_id)
    if device is not None:
        for entry_id in device_config_entry_ids(device):
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain != DOMAIN:
                continue
            if entry.state is not ConfigEntryState.LOADED:
                raise _invalid("camera_not_loaded", name=entry.title)
            loaded: DvripConfigEntry = entry
            return loaded, device
    raise _invalid("device_not_found", device_id=device_id)


def _camera_time(coordinator: DvripCoordinator, value: datetime) -> datetime:
    """A time on the camera's clock: a time without a zone already is one."""
    if value.tzinfo is None:
        return value
    return coordinator.clock.camera_time_of(value).replace(microsecond=0)


def _read_report(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / REPORT_NAME).read_text("utf-8"))
    return document


async def async_export_last_alarms(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Export a camera's last alarms; the response is report.json plus the folder."""
    entry, device = _loaded_entry(hass, call.data[ATTR_DEVICE_ID])
    coordinator = entry.runtime_data.coordinator
    placeholders = {"name": entry.title}
    channel = call.data.get(ATTR_CHANNEL)
    if (picked := device_channel(coordinator, device)) is not None:
        if channel not in (None, picked + 1):
            raise _invalid(
                "channel_of_device",
                **placeholders,
                device=device.name_by_user or device.name or "",
                channel=str(picked + 1),
            )
        channel = picked + 1
    channel = channel or 1
    if channel > coordinator.channels:
        raise _invalid("invalid_channel", **placeholders, channels=str(coordinator.channels))
    now = coordinator.clock.now()
    end = _camera_time(coordinator, call.data[ATTR_END]) if ATTR_END in call.data else now
    if ATTR_BEGIN in call.data:
        begin = _camera_time(coordinator, call.data[ATTR_BEGIN])
    else:
        # The day before the end's, from midnight: yesterday 00:00 when the end is now.
        begin = datetime.combine(end.date() - timedelta(days=1), time.min)
    if begin >= end:
        raise _invalid("invalid_window", begin=begin.isoformat(), end=end.isoformat())

    root = media_root(hass)
    if root is None:
        raise _failure("no_media_folder")
    target = root.camera_dir(entry.entry_id)
    if not await hass.async_add_executor_job(hass.config.is_allowed_path, str(target)):
        raise _failure("path_not_allowed", path=str(target))
    if not coordinator.available:
        raise _failure("camera_unavailable", **placeholders)

    pushed = [
        alarm
        for alarm in coordinator.alarms.recent_alarms
        if alarm.channel == channel - 1 and alarm_kind(alarm.event) in PICTURE_KINDS
    ]
    try:
        report = await last_alarm_pictures(
            coordinator.client,
            limit=call.data[ATTR_LIMIT],
            begin=begin,
            end=end,
            channel=channel - 1,
            prefer=PreferredSource(call.data[ATTR_PREFER]),
            strict=call.data[ATTR_STRICT],
            download_timeout=call.data[ATTR_DOWNLOAD_TIMEOUT],
            pushed_alarms=pushed,
        )
    except DvripError as err:
        raise _failure("export_failed", **placeholders, error=str(err)) from err
    if coordinator.session.closing:
        # Home Assistant stopped (or the entry unloaded) meanwhile: the downloads it cut
        # short are no export.
        raise _failure("camera_unavailable", **placeholders)
    try:
        folder = await hass.async_add_executor_job(write_export, report, target)
        document = await hass.async_add_executor_job(_read_report, folder)
    except OSError as err:
        # write_export leaves nothing behind when it fails: no export looks complete.
        raise _failure(
            "disk_full" if err.errno in _DISK_FULL else "write_failed",
            path=str(target),
            error=str(err),
        ) from err
    await async_remove_old_exports(hass, entry)
    if not call.return_response:
        return None
    return {**document, ATTR_FOLDER: str(folder)}


async def async_remove_old_exports(hass: HomeAssistant, entry: DvripConfigEntry) -> None:
    """Remove the camera's exports older than its retention option (only exports we wrote)."""
    if (root := media_root(hass)) is None:
        return
    days = int(option(entry.options, CONF_EXPORT_RETENTION_DAYS))
    older_than = dt_util.now() - timedelta(days=days)
    try:
        removed = await hass.async_add_executor_job(
            remove_old_exports, root.camera_dir(entry.entry_id), older_than
        )
    except OSError as err:
        LOGGER.warning("Cannot remove the old exports of %s: %s", entry.title, err)
        return
    if removed:
        LOGGER.info(
            "Removed %d export(s) of %s older than %d days", len(removed), entry.title, days
        )


@callback
def async_track_old_exports(hass: HomeAssistant, entry: DvripConfigEntry) -> CALLBACK_TYPE:
    """Remove old exports daily; returns the function that stops it."""

    async def _async_check(_now: datetime) -> None:
        await async_remove_old_exports(hass, entry)

    return async_track_time_interval(
        hass, _async_check, RETENTION_CHECK_INTERVAL, cancel_on_shutdown=True
    )


# -- dvrip.ptz -------------------------------------------------------------------------------

SERVICE_PTZ: Final = "ptz"
ATTR_COMMAND: Final = "command"
ATTR_SPEED: Final = "speed"
ATTR_DURATION: Final = "duration"
ATTR_PRESET: Final = "preset"
DEFAULT_DURATION: Final = 1.0

# The action's commands: the moves, then what is not a move.
PTZ_MOVES: Final = {
    "up": PtzCommand.UP,
    "down": PtzCommand.DOWN,
    "left": PtzCommand.LEFT,
    "right": PtzCommand.RIGHT,
    "left_up": PtzCommand.LEFT_UP,
    "left_down": PtzCommand.LEFT_DOWN,
    "right_up": PtzCommand.RIGHT_UP,
    "right_down": PtzCommand.RIGHT_DOWN,
    "zoom_in": PtzCommand.ZOOM_IN,
    "zoom_out": PtzCommand.ZOOM_OUT,
    "focus_near": PtzCommand.FOCUS_NEAR,
    "focus_far": PtzCommand.FOCUS_FAR,
}
PTZ_PRESETS: Final = {
    "preset_set": PtzCommand.SET_PRESET,
    "preset_goto": PtzCommand.GOTO_PRESET,
    "preset_clear": PtzCommand.CLEAR_PRESET,
}
PTZ_COMMANDS: Final = (*PTZ_MOVES, "stop", *PTZ_PRESETS, "tour_start", "tour_stop")
_OTHER_TARGETS: Final = (ATTR_AREA_ID, ATTR_FLOOR_ID, ATTR_LABEL_ID)

PTZ_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
            vol.Optional(ATTR_ENTITY_ID): cv.entity_ids,
            vol.Required(ATTR_COMMAND): vol.In(PTZ_COMMANDS),
            vol.Optional(ATTR_SPEED, default=DEFAULT_SPEED): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=8)
            ),
            vol.Optional(ATTR_DURATION, default=DEFAULT_DURATION): vol.All(
                vol.Coerce(float), vol.Range(min=0.1, max=MAX_MOVE_SECONDS)
            ),
            vol.Optional(ATTR_PRESET): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
            # A target picker offers these too; they name no channel (refused below).
            vol.Optional(ATTR_AREA_ID): cv.ensure_list,
            vol.Optional(ATTR_FLOOR_ID): cv.ensure_list,
            vol.Optional(ATTR_LABEL_ID): cv.ensure_list,
        }
    ),
    cv.has_at_least_one_key(ATTR_DEVICE_ID, ATTR_ENTITY_ID),
)


def _ptz_targets(hass: HomeAssistant, call: ServiceCall) -> list[tuple[PtzGuard, int]]:
    """The head of each channel the action targets: a channel's (or a camera's) device, or
    its camera entity.
    """
    if any(call.data.get(key) for key in _OTHER_TARGETS):
        raise _invalid("ptz_target")
    device_ids: list[str] = list(call.data.get(ATTR_DEVICE_ID, []))
    registry = er.async_get(hass)
    for entity in call.data.get(ATTR_ENTITY_ID, []):
        registered = registry.async_get(entity)
        if registered is None or registered.platform != DOMAIN or registered.device_id is None:
            raise _invalid("not_a_camera_entity", entity_id=entity)
        device_ids.append(registered.device_id)
    targets: list[tuple[PtzGuard, int]] = []
    for device_id in dict.fromkeys(device_ids):
        entry, device = _loaded_entry(hass, device_id)
        coordinator = entry.runtime_data.coordinator
        channel = device_channel(coordinator, device)
        if channel is None:
            if coordinator.is_recorder:
                raise _invalid("ptz_pick_channel", name=entry.title)
            channel = 0
        guard = entry.runtime_data.ptz
        assert guard is not None
        targets.append((guard, channel))
    return targets


async def async_ptz(hass: HomeAssistant, call: ServiceCall) -> None:
    """Carry out a PTZ command on each targeted channel; a move ends with its stop after
    `duration` seconds (sent by the guard in `ptz`).
    """
    command: str = call.data[ATTR_COMMAND]
    preset: int | None = call.data.get(ATTR_PRESET)
    if command in PTZ_PRESETS and preset is None:
        raise _invalid("ptz_preset_required", command=command)
    for guard, channel in _ptz_targets(hass, call):
        if (move := PTZ_MOVES.get(command)) is not None:
            await guard.async_move(channel, move, call.data[ATTR_SPEED], call.data[ATTR_DURATION])
        elif command == "stop":
            await guard.async_stop(channel)
        elif command in PTZ_PRESETS:
            assert preset is not None
            await guard.async_preset(channel, PTZ_PRESETS[command], preset)
        else:
            await guard.async_tour(channel, start=command == "tour_start")
