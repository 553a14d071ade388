"""The DVRIP (XMEye) cameras integration: push alarms from Xiongmai cameras and recorders."""

from __future__ import annotations

from pathlib import Path
import re
import shutil

from homeassistant.const import CONF_HOST, CONF_PORT, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .alarm_centre import alarm_centre_hub
from .alarms import STORAGE_VERSION, storage_key
from .client import DvripAuthError, DvripError
from .clips import AlarmClips
from .const import (
    CONF_ALARM_CENTRE,
    CONF_ALARM_CENTRE_PORT,
    CONF_CLIP_BUDGET_MB,
    CONF_PICTURE_MODE,
    DOMAIN,
    LOGGER,
    PictureMode,
    option,
)
from .coordinator import DvripCoordinator
from .detection_settings import DetectionSettings
from .devices import async_register_devices, removable_device
from .discovery import async_start_discovery
from .disks import StorageMonitor
from .ha_versions import OPTIONS_FLOW_RELOADS
from .last_picture import LastAlarmPictures
from .lighting import LightingCoordinator
from .migration import async_migrate_entry
from .ptz import PtzGuard
from .recording_view import RecordingView
from .recordings import KINDS_STORAGE_VERSION, RecordingCatalogue, kinds_storage_key
from .repairs import Issue, async_clear_issue, async_update_locked_issue, delete_issues
from .runtime import DvripConfigEntry, DvripRuntime
from .services import async_remove_old_exports, async_setup_services, async_track_old_exports
from .session import create_client, forget_setup_pacing, setup_error, setup_pacing
from .storage import media_root
from .thumbnails import RecordingThumbnailView

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LIGHT,
    Platform.MEDIA_PLAYER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SIREN,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
# A unique id that is a MAC address, as `format_mac` writes it.
_MAC = re.compile(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}")

__all__ = ["DOMAIN", "DvripConfigEntry", "async_migrate_entry"]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they exist whether or not a camera is loaded), start the search."""
    async_setup_services(hass)
    async_start_discovery(hass)
    hass.http.register_view(RecordingView(hass))
    hass.http.register_view(RecordingThumbnailView(hass))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: DvripConfigEntry) -> bool:
    """Log in, read the device, subscribe to alarms, then set up the entities."""
    host = f"{entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}"
    pacing = setup_pacing(hass, entry.entry_id)
    pacing.check_lock(entry.data, host)
    client = create_client(entry.data, pacing.ret_205)
    started = False
    try:
        await client.connect()
        device = await client.get_device_info()
        if device.serial and _keyed_by_serial(entry) and device.serial != entry.unique_id:
            # Another camera answers at this address (DHCP gave it a new one, for example).
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="wrong_device",
                translation_placeholders={"host": host},
            )
        # The right camera answers: a repair saying another one did is over.
        async_clear_issue(hass, entry, Issue.WRONG_DEVICE)
        coordinator = DvripCoordinator(hass, entry, client, device)
        await coordinator.async_start()
        started = True
    except DvripError as err:
        pacing.learn(client, entry.data, err)
        if isinstance(err, DvripAuthError) and err.locked:
            # Home Assistant retries the setup by itself; the pacing holds the logins back.
            async_update_locked_issue(hass, entry, locked=True)
        raise setup_error(err, host) from err
    finally:
        if not started:
            await client.close()
    pacing.learn(client, entry.data, None)
    async_update_locked_issue(hass, entry, locked=False)
    async_register_devices(hass, entry, coordinator)
    entry.runtime_data = DvripRuntime(
        coordinator=coordinator,
        options=dict(entry.options),
        detection=DetectionSettings(hass, entry, coordinator),
        storage=StorageMonitor(hass, entry, coordinator),
    )
    entry.runtime_data.ptz = PtzGuard(hass, entry, coordinator)
    entry.runtime_data.lighting = LightingCoordinator(hass, entry, coordinator)
    entry.runtime_data.recordings = RecordingCatalogue(hass, coordinator)
    await entry.runtime_data.recordings.async_load()
    entry.async_on_unload(entry.runtime_data.recordings.async_start())
    entry.async_on_unload(entry.runtime_data.recordings.files.async_close)
    entry.async_on_unload(entry.runtime_data.recordings.async_save)
    clip_budget = int(option(entry.options, CONF_CLIP_BUDGET_MB)) * 1024 * 1024
    entry.runtime_data.clips = AlarmClips(hass, coordinator, clip_budget)
    entry.async_on_unload(entry.runtime_data.clips.async_start())
    try:
        await _async_finish_setup(hass, entry, coordinator)
    except BaseException:
        # The session is up: a later step that fails must not leave it (and its tasks) behind.
        await _async_shutdown(entry)
        raise
    coordinator.async_start_checks()
    return True


def _keyed_by_serial(entry: DvripConfigEntry) -> bool:
    """Whether the entry is known by a serial number (not by a MAC address, as a camera is
    whose SystemInfo went unanswered when it was added).
    """
    unique_id = entry.unique_id
    return bool(unique_id) and _MAC.fullmatch(unique_id or "") is None


async def _async_finish_setup(
    hass: HomeAssistant, entry: DvripConfigEntry, coordinator: DvripCoordinator
) -> None:
    """The steps after the session started: settings, pictures, listeners, the platforms."""
    # The detection settings and storage: read now, and again at each reconnect and audit.
    runtime = entry.runtime_data
    coordinator.settings_readers.extend(
        (runtime.detection.async_refresh, runtime.storage.async_refresh)
    )
    await coordinator.async_read_settings()
    mode = PictureMode(option(entry.options, CONF_PICTURE_MODE))
    if mode is not PictureMode.OFF:
        pictures = LastAlarmPictures(
            hass,
            entry,
            coordinator.session,
            coordinator.clock,
            coordinator.stills,
            coordinator.active_channels,
            mode,
        )
        entry.runtime_data.pictures = pictures
        await pictures.async_start()

    async def _async_stop(_event: Event) -> None:
        # Log out when Home Assistant stops: devices allow only a few sessions.
        await _async_shutdown(entry)

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stop))
    await async_remove_old_exports(hass, entry)
    entry.async_on_unload(async_track_old_exports(hass, entry))
    if not OPTIONS_FLOW_RELOADS:
        entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    if option(entry.options, CONF_ALARM_CENTRE):
        await _async_listen_alarm_centre(hass, entry, coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if (lighting := entry.runtime_data.lighting) is not None:
        # Now that the entities say what they show: read it, without holding up the setup.
        entry.async_create_task(hass, lighting.async_refresh(), f"{DOMAIN} lighting read")


async def _async_listen_alarm_centre(
    hass: HomeAssistant, entry: DvripConfigEntry, coordinator: DvripCoordinator
) -> None:
    """Take this camera's alarm-centre messages; a port that cannot be had is only logged."""
    port = int(option(entry.options, CONF_ALARM_CENTRE_PORT))
    hub = alarm_centre_hub(hass)
    try:
        bound, unregister = await hub.async_register(
            port,
            coordinator.unique_id,
            coordinator.alarms.handle_alarm_centre,
            # Known by its MAC address: its messages may name it otherwise.
            host=None if coordinator.device.serial else entry.data[CONF_HOST],
        )
    except OSError as err:
        LOGGER.error("Cannot listen for alarm-centre messages on port %d: %s", port, err)
        coordinator.alarm_centre_status = {"port": port, "listening": False, "error": str(err)}
        return
    coordinator.alarm_centre_status = {"port": bound, "listening": True, "error": None}
    entry.async_on_unload(unregister)


async def async_unload_entry(hass: HomeAssistant, entry: DvripConfigEntry) -> bool:
    """Remove the entities, then stop reconnecting and log out."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await _async_shutdown(entry)
    return unloaded


async def _async_shutdown(entry: DvripConfigEntry) -> None:
    """Stop the PTZ moves under way, end the picture searches (they use the session), then
    log out.
    """
    runtime = entry.runtime_data
    if runtime.ptz is not None:
        await runtime.ptz.async_shutdown()
    if runtime.pictures is not None:
        await runtime.pictures.async_shutdown()
    await runtime.coordinator.async_shutdown()


async def async_remove_entry(hass: HomeAssistant, entry: DvripConfigEntry) -> None:
    """Drop the entry's repair issues, its alarm ledger, pictures and exports with it."""
    delete_issues(hass, entry)
    forget_setup_pacing(hass, entry.entry_id)
    await Store[dict[str, object]](
        hass, STORAGE_VERSION, storage_key(entry.entry_id)
    ).async_remove()
    await Store[dict[str, object]](
        hass, KINDS_STORAGE_VERSION, kinds_storage_key(entry.entry_id)
    ).async_remove()
    if (root := media_root(hass)) is not None:
        folder = root.camera_dir(entry.entry_id)
        await hass.async_add_executor_job(_remove_folder, folder)


def _remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


async def _async_options_updated(hass: HomeAssistant, entry: DvripConfigEntry) -> None:
    # Only where the options flow does not reload by itself (see ha_versions). Reauth and
    # reconfigure reload by themselves; only an options change needs one here.
    if dict(entry.options) != entry.runtime_data.options:
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: DvripConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a recorder channel's device once no camera is behind the channel."""
    return removable_device(entry, device)
