"""The push-alarm coordinator: one per camera, owner of the DVRIP session and its subscription.

A small class with listeners rather than a `DataUpdateCoordinator`: nothing here is ever
fetched on a schedule. Alarms are events (the event entity needs each one, not the latest
snapshot), state changes per channel and alarm kind (a push wakes only the entities of that
key, not every entity of the camera), and availability follows the connection, which the
client reports through its disconnect listener. The refresh, debounce and retry machinery of
a `DataUpdateCoordinator` would all be unused.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
import random
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .client import (
    Alarm,
    AlarmStatus,
    DeviceInfo,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    DvripUnsupportedError,
)
from .const import (
    CONF_OFF_DELAY,
    DEFAULT_OFF_DELAY,
    DOMAIN,
    LOGGER,
    AlarmKind,
    alarm_kind,
)

if TYPE_CHECKING:
    from .last_picture import LastAlarmPictures

# Seconds to wait for a reply. Tests shorten it so that a silent simulator is noticed fast.
REQUEST_TIMEOUT: float = 10.0
# None: keepalives follow the AliveInterval the camera sends at login (about 20 s).
KEEPALIVE_INTERVAL: float | None = None
# Reconnect delays: 1 s, doubling after each failure, capped at 5 minutes, with jitter.
BACKOFF_INITIAL: float = 1.0
BACKOFF_MAX: float = 300.0
_BACKOFF_JITTER = 0.2

# Pushed alarm starts remembered for exports (whose history may lack some of them).
RECENT_ALARMS = 200

MOTION_DETECT_CONFIG = "Detect.MotionDetect"
ISSUE_DETECTION_DISABLED = "detection_disabled"
ISSUE_UPLOAD_DISABLED = "upload_disabled"

type DvripConfigEntry = ConfigEntry[DvripRuntime]
type AlarmKey = tuple[int, AlarmKind]
type AlarmEventListener = Callable[[AlarmEvent], None]


@dataclass(slots=True)
class DvripRuntime:
    """What a loaded config entry holds (`entry.runtime_data`)."""

    coordinator: DvripCoordinator
    # The options the entry was set up with: a change of them needs a reload.
    options: dict[str, Any]
    # The last alarm pictures; None when the picture mode is off.
    pictures: LastAlarmPictures | None = None


def create_client(data: Mapping[str, Any]) -> DvripClient:
    """A client for the camera a config entry (or a config flow) describes."""
    return DvripClient(
        data[CONF_HOST],
        data[CONF_PORT],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        timeout=REQUEST_TIMEOUT,
        keepalive_interval=KEEPALIVE_INTERVAL,
    )


def error_key(err: DvripError) -> str:
    """The translation key of a client error, shared by the config flow and setup."""
    if isinstance(err, DvripAuthError):
        return "account_locked" if err.locked else "invalid_auth"
    if isinstance(err, DvripUnsupportedError):
        return "unsupported_firmware"
    if isinstance(err, DvripTimeoutError):
        return "timeout"
    return "cannot_connect"


def setup_error(err: DvripError, host: str) -> HomeAssistantError:
    """The Home Assistant error that setup raises for a client error.

    A locked account unlocks by itself, so it is retried rather than sent to reauth.
    """
    key = error_key(err)
    kind: type[HomeAssistantError] = ConfigEntryNotReady
    if key == "invalid_auth":
        kind = ConfigEntryAuthFailed
    elif key == "unsupported_firmware":
        kind = ConfigEntryError
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"host": host, "error": str(err)},
    )


def backoff_delay(attempt: int) -> float:
    """Seconds before reconnect attempt `attempt` (0 for the first)."""
    base = min(BACKOFF_MAX, BACKOFF_INITIAL * 2.0 ** min(attempt, 20))
    # Jitter spreads the retries of several cameras after a shared outage (a router reboot);
    # it is not security sensitive.
    return base * random.uniform(1 - _BACKOFF_JITTER, 1)  # noqa: S311


@dataclass(slots=True)
class AlarmState:
    """The state of one alarm kind on one channel."""

    is_on: bool = False
    event: str | None = None
    camera_time: datetime | None = None
    received: datetime | None = None
    starts: int = 0


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One alarm start, as the event entity fires it."""

    kind: AlarmKind
    alarm: Alarm
    received: datetime

    @property
    def data(self) -> dict[str, Any]:
        """Event data; the channel counts from 1, as in entity names."""
        start = self.alarm.start_time
        return {
            "event": self.alarm.event,
            "channel": self.alarm.channel + 1,
            "camera_time": start.isoformat() if start else None,
            "received": self.received.isoformat(),
        }


@dataclass(slots=True)
class ConnectionStatistics:
    """Counters shown in diagnostics."""

    connects: int = 0
    reconnects: int = 0
    disconnects: int = 0
    failed_attempts: int = 0
    alarms: int = 0
    connected_since: datetime | None = None
    last_disconnect: datetime | None = None
    last_error: str | None = None
    last_alarm: dict[str, Any] | None = field(default=None)


def detection_problems(config: Any, channels: int) -> tuple[list[int], list[int]]:
    """Channels (from 1) whose motion detection is off, and those that do not upload alarms.

    `Detect.MotionDetect` is a list with one object per channel; a single object is taken
    as channel 1. A missing flag counts as enabled: only a clear "off" raises a repair issue.
    """
    entries = config if isinstance(config, list) else [config]
    disabled: list[int] = []
    no_upload: list[int] = []
    for channel, entry in enumerate(entries[:channels], start=1):
        if not isinstance(entry, dict):
            continue
        if _flag_off(entry.get("Enable")):
            disabled.append(channel)
            continue
        handler = entry.get("EventHandler")
        if isinstance(handler, dict) and _flag_off(handler.get("MessageEnable")):
            no_upload.append(channel)
    return disabled, no_upload


def _flag_off(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "off")
    return value is False or value == 0


class DvripCoordinator:
    """Keeps one camera connected and subscribed, and turns its alarm pushes into state."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: DvripConfigEntry,
        client: DvripClient,
        device: DeviceInfo,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.device = device
        self.channels = max(1, device.channels)
        self.off_delay = float(entry.options.get(CONF_OFF_DELAY, DEFAULT_OFF_DELAY))
        self.stats = ConnectionStatistics()
        self.detection_config: Any = None
        # Camera clock minus UTC, learned at each login; None until the camera tells its time.
        self.clock_offset: timedelta | None = None
        # Set when the device refuses OPSNAP (recorders often do); kept until a reload.
        self.snapshot_refused = False
        self.recent_alarms: deque[Alarm] = deque(maxlen=RECENT_ALARMS)
        self._available = False
        self._closing = False
        self._states: dict[AlarmKey, AlarmState] = {}
        self._off_timers: dict[AlarmKey, CALLBACK_TYPE] = {}
        self._listeners: dict[AlarmKey | None, list[CALLBACK_TYPE]] = {}
        self._event_listeners: dict[int, list[AlarmEventListener]] = {}
        self._client_unsubscribers: list[Callable[[], None]] = []
        self._reconnect_task: asyncio.Task[None] | None = None

    @property
    def unique_id(self) -> str:
        """The camera's serial number (the entry's unique id)."""
        return self.entry.unique_id or self.device.serial or self.entry.entry_id

    @property
    def available(self) -> bool:
        """Logged in with a confirmed alarm subscription."""
        return self._available

    def alarm_state(self, channel: int, kind: AlarmKind) -> AlarmState:
        return self._states.get((channel, kind)) or AlarmState()

    # -- lifecycle -------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Subscribe on a connected client; client errors propagate to setup."""
        self._client_unsubscribers = [
            self.client.add_alarm_listener(self._handle_alarm),
            self.client.add_disconnect_listener(self._handle_disconnect),
        ]
        await self.client.subscribe_alarms()
        await self.async_learn_clock()
        await self.async_check_detection()
        self.stats.connects += 1
        self.stats.connected_since = dt_util.utcnow()
        self._available = True

    async def async_shutdown(self) -> None:
        """Stop reconnecting, cancel off-delay timers and log out."""
        if self._closing:
            return
        self._closing = True
        if (task := self._reconnect_task) is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})
        for cancel_timer in self._off_timers.values():
            cancel_timer()
        self._off_timers.clear()
        for unsubscribe in self._client_unsubscribers:
            unsubscribe()
        self._client_unsubscribers.clear()
        await self.client.close()

    # -- listeners -------------------------------------------------------------------------

    @callback
    def async_add_listener(
        self, update: CALLBACK_TYPE, keys: Iterable[AlarmKey] = ()
    ) -> CALLBACK_TYPE:
        """Call `update` when availability changes, and when one of `keys` changes."""
        registered = [None, *keys]
        for key in registered:
            self._listeners.setdefault(key, []).append(update)

        @callback
        def remove() -> None:
            for key in registered:
                self._listeners[key].remove(update)

        return remove

    @callback
    def async_add_event_listener(self, channel: int, listener: AlarmEventListener) -> CALLBACK_TYPE:
        """Call `listener` with every alarm start on `channel`."""
        listeners = self._event_listeners.setdefault(channel, [])
        listeners.append(listener)
        return partial(listeners.remove, listener)

    @callback
    def _notify(self, key: AlarmKey | None) -> None:
        if key is None:
            updates = {update for listeners in self._listeners.values() for update in listeners}
        else:
            updates = set(self._listeners.get(key, ()))
        for update in updates:
            update()

    # -- alarms ----------------------------------------------------------------------------

    @callback
    def _handle_alarm(self, alarm: Alarm) -> None:
        received = dt_util.utcnow()
        if not 0 <= alarm.channel < self.channels:
            LOGGER.debug("Ignored an alarm for channel %d of %s", alarm.channel, self.entry.title)
            return
        kind = alarm_kind(alarm.event)
        self.stats.alarms += 1
        self.stats.last_alarm = {
            "event": alarm.event,
            "kind": kind,
            "channel": alarm.channel + 1,
            "status": alarm.status,
            "camera_time": alarm.start_time,
            "received": received,
        }
        key = (alarm.channel, kind)
        state = self._states.setdefault(key, AlarmState())
        if alarm.status == AlarmStatus.STOP:
            self._cancel_off_timer(key)
            if state.is_on:
                state.is_on = False
                self._notify(key)
            return
        # A Start, or a status-less event (storage alarms say "None"): both are news.
        state.is_on = True
        state.event = alarm.event
        state.camera_time = alarm.start_time
        state.received = received
        state.starts += 1
        self.recent_alarms.append(alarm)
        self._cancel_off_timer(key)
        self._off_timers[key] = async_call_later(
            self.hass,
            self.off_delay,
            HassJob(partial(self._off_delay_expired, key), cancel_on_shutdown=True),
        )
        self._notify(key)
        event = AlarmEvent(kind, alarm, received)
        for listener in list(self._event_listeners.get(alarm.channel, ())):
            listener(event)

    @callback
    def _off_delay_expired(self, key: AlarmKey, _now: datetime) -> None:
        # Not every Start gets a Stop: without one the sensor turns off after the delay.
        self._off_timers.pop(key, None)
        self._states[key].is_on = False
        self._notify(key)

    def _cancel_off_timer(self, key: AlarmKey) -> None:
        if (cancel_timer := self._off_timers.pop(key, None)) is not None:
            cancel_timer()

    # -- connection ------------------------------------------------------------------------

    @callback
    def _handle_disconnect(self, error: DvripError | None) -> None:
        if self._closing:
            return
        self.stats.disconnects += 1
        self.stats.last_disconnect = dt_util.utcnow()
        self.stats.last_error = str(error) if error else "connection closed"
        self._set_unavailable(self.stats.last_error)
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = self.entry.async_create_background_task(
                self.hass, self._async_reconnect(), f"{DOMAIN} reconnect {self.entry.title}"
            )

    @callback
    def _set_unavailable(self, reason: str) -> None:
        if not self._available:
            return
        LOGGER.info("%s is unavailable: %s", self.entry.title, reason)
        self._available = False
        # A Stop sent while the link was down is lost: start clean when it is back.
        for cancel_timer in self._off_timers.values():
            cancel_timer()
        self._off_timers.clear()
        for state in self._states.values():
            state.is_on = False
        self._notify(None)

    async def _async_reconnect(self) -> None:
        """Log in again until it works; a refused password starts reauth and stops trying."""
        attempt = 0
        while True:
            await asyncio.sleep(backoff_delay(attempt))
            attempt += 1
            try:
                # The client renews the alarm subscription as part of logging in again.
                await self.client.connect()
            except DvripAuthError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                if err.locked:
                    LOGGER.debug("%s: %s; retrying later", self.entry.title, err)
                    continue
                LOGGER.warning(
                    "%s refused the login; enter it again to reconnect", self.entry.title
                )
                self.entry.async_start_reauth(self.hass)
                return
            except DvripError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                LOGGER.debug("Reconnect to %s failed: %s", self.entry.title, err)
                continue
            break
        self.stats.reconnects += 1
        self.stats.connects += 1
        self.stats.connected_since = dt_util.utcnow()
        self._available = True
        LOGGER.info("%s is available again", self.entry.title)
        self._notify(None)
        # In its own task, so that this one has ended when the next drop needs a reconnect.
        self.entry.async_create_background_task(
            self.hass, self._async_recheck_camera(), f"{DOMAIN} detection check"
        )

    async def _async_recheck_camera(self) -> None:
        """After a reconnect: the settings and the clock may have changed meanwhile."""
        try:
            await self.async_learn_clock()
            await self.async_check_detection()
        except DvripError as err:
            LOGGER.debug("Cannot read the settings of %s: %s", self.entry.title, err)

    # -- live stills -----------------------------------------------------------------------

    async def async_snapshot(self, channel: int) -> bytes | None:
        """A live JPEG of a channel (OPSNAP); None when there is none to be had now.

        A device that refuses OPSNAP is not asked again until the entry reloads: recorders
        refuse it for good, and the camera entity would otherwise ask at every frame.
        """
        if self.snapshot_refused or not self._available:
            return None
        try:
            return await self.client.snapshot(channel)
        except DvripCommandError as err:
            self.snapshot_refused = True
            LOGGER.info(
                "%s refuses live snapshots (%s); its alarm pictures stand in for them",
                self.entry.title,
                err,
            )
        except DvripError as err:
            LOGGER.debug("No snapshot of %s channel %d: %s", self.entry.title, channel + 1, err)
        return None

    # -- the camera's clock ----------------------------------------------------------------

    async def async_learn_clock(self) -> None:
        """Measure the camera's clock against Home Assistant's (its zone and its drift).

        Cameras stamp alarms and recordings with their own local time, without a zone. The
        offset is rounded to the second, the camera's resolution.
        """
        asked = dt_util.utcnow()
        try:
            camera_now = await self.client.get_time()
        except (DvripCommandError, DvripProtocolError) as err:
            LOGGER.debug("%s does not tell its time: %s", self.entry.title, err)
            return
        answered = dt_util.utcnow()
        # The camera's second began up to a second before it answered: take its middle,
        # against the middle of the request.
        camera_moment = camera_now + timedelta(seconds=0.5)
        host_moment = (asked + (answered - asked) / 2).replace(tzinfo=None)
        measured = (camera_moment - host_moment).total_seconds()
        self.clock_offset = timedelta(seconds=round(measured))

    def camera_time_to_utc(self, camera_time: datetime) -> datetime | None:
        """A time on the camera's clock as an aware UTC time; None while the offset is unknown."""
        if self.clock_offset is None:
            return None
        return (camera_time.replace(tzinfo=None) - self.clock_offset).replace(tzinfo=UTC)

    def camera_time_of(self, moment: datetime) -> datetime:
        """What the camera's clock reads at an aware moment (naive, as the camera writes it).

        Without a learned offset the camera is taken to keep Home Assistant's local time.
        """
        if self.clock_offset is None:
            return dt_util.as_local(moment).replace(tzinfo=None)
        return dt_util.as_utc(moment).replace(tzinfo=None) + self.clock_offset

    def camera_now(self) -> datetime:
        """The camera's clock now (naive, whole seconds as the camera counts)."""
        return self.camera_time_of(dt_util.utcnow()).replace(microsecond=0)

    # -- camera configuration --------------------------------------------------------------

    async def async_check_detection(self) -> None:
        """Raise (or clear) repair issues when motion detection or alarm upload is off."""
        try:
            config = await self.client.get_config(MOTION_DETECT_CONFIG)
        except DvripCommandError as err:
            # Some firmware has no such section; nothing can be said then.
            LOGGER.debug("%s has no %s: %s", self.entry.title, MOTION_DETECT_CONFIG, err)
            return
        self.detection_config = config
        disabled, no_upload = detection_problems(config, self.channels)
        self._update_issue(ISSUE_DETECTION_DISABLED, disabled)
        self._update_issue(ISSUE_UPLOAD_DISABLED, no_upload)

    def _update_issue(self, issue: str, channels: list[int]) -> None:
        issue_id = f"{issue}_{self.entry.entry_id}"
        if not channels:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=issue,
            translation_placeholders={
                "name": self.entry.title,
                "channels": ", ".join(str(channel) for channel in channels),
            },
        )

    # -- diagnostics -----------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """State and statistics for diagnostics."""
        return {
            "available": self._available,
            "channels": self.channels,
            "off_delay": self.off_delay,
            "alive_interval": self.client.alive_interval,
            "clock_offset_seconds": (
                self.clock_offset.total_seconds() if self.clock_offset is not None else None
            ),
            "snapshot_refused": self.snapshot_refused,
            "statistics": asdict(self.stats),
            "alarms": {
                f"channel {channel + 1} {kind}": asdict(state)
                for (channel, kind), state in sorted(self._states.items())
            },
            "motion_detect_config": self.detection_config,
        }


def delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove this entry's repair issues (when the entry is removed)."""
    for issue in (ISSUE_DETECTION_DISABLED, ISSUE_UPLOAD_DISABLED):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")
