"""The push-alarm coordinator: one per camera, owner of the DVRIP session and its subscription.

A small class with listeners rather than a `DataUpdateCoordinator`: alarms are events (the
event entity needs each one, not the latest snapshot), state changes per channel and alarm
kind (a push wakes only the entities of that key, not every entity of the camera), and
availability follows the connection, which the client reports through its disconnect
listener. The refresh, debounce and retry machinery of a `DataUpdateCoordinator` would all
be unused.

Every alarm takes one path, `_process_alarm`, whatever told us of it:

- a push on the DVRIP session (1504), the usual way;
- an alarm-centre message (1508), for firmware that only reports to such a server;
- the camera's history (its jpg entries and motion clips), for alarms no push announced.

The history is checked at startup, after every reconnect, and every `HISTORY_AUDIT_INTERVAL`
seconds while connected (see `backfill` for how the alarms found there are matched against
those already fired). What it finds is fired as `backfilled`: the event entity fires, the
binary sensors do not turn on for an alarm that is over. A camera whose history keeps
showing alarms that no push announced does not push at all: it is switched to history
polling, every `history_poll_interval` seconds, with a repair issue that says how to turn
the push on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
import ipaddress
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
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .backfill import CHECK_OVERLAP, AlarmLedger, HistoryAlarm, find_unseen_alarms
from .client import (
    Alarm,
    AlarmCentreMessage,
    AlarmStatus,
    DeviceInfo,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    DvripUnsupportedError,
    FileType,
    LoginRefusal,
    RecordEvent,
    RecordFile,
)
from .const import (
    CONF_ALARM_CENTRE,
    CONF_HISTORY_HOURS,
    CONF_OFF_DELAY,
    CONF_POLL_INTERVAL,
    DEFAULT_ALARM_CENTRE,
    DEFAULT_HISTORY_HOURS,
    DEFAULT_OFF_DELAY,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    LOGGER,
    AlarmKind,
    alarm_kind,
)

if TYPE_CHECKING:
    from .last_picture import LastAlarmPictures

# Seconds to wait for a reply. Tests shorten it so that a silent simulator is noticed fast.
REQUEST_TIMEOUT: float = 10.0
# A busy recorder's file search takes up to 30 s; it does not drop the session before this.
SEARCH_TIMEOUT: float = 45.0
# Some firmware never answers AlarmSet: the session goes on after this long without it.
GUARD_TIMEOUT: float = 3.0
# None: keepalives follow the AliveInterval the camera sends at login (about 20 s).
KEEPALIVE_INTERVAL: float | None = None
# Reconnect delays: 1 s, doubling after each failure, capped at 5 minutes, with jitter.
BACKOFF_INITIAL: float = 1.0
BACKOFF_MAX: float = 300.0
_BACKOFF_JITTER = 0.2

# A locked account (Ret 205) is tried again this rarely: some firmware extends the lock at
# every attempt, and it lasts half an hour on many.
LOCKED_RETRY_DELAY: float = 300.0
# Another camera answering at the address (a DHCP lease moved) is looked at again this rarely.
WRONG_DEVICE_RETRY_DELAY: float = 300.0

# A channel whose live still was refused is asked again after this long (seconds).
STILL_REFUSAL_EXPIRY = timedelta(hours=1)

# Pushed alarm starts remembered for exports (whose history may lack some of them).
RECENT_ALARMS = 200

# While pushes flow, the history is compared with them this often (seconds).
HISTORY_AUDIT_INTERVAL: float = 300.0
# ...and this soon after a check at startup or after a reconnect, which stopped short of the
# subscription: the entries of the alarms just before it are in the history by then.
HISTORY_FOLLOW_UP: float = 30.0
# An audit leaves out the last seconds: their entries may not be in the history yet.
HISTORY_SETTLE = timedelta(seconds=10)
# A check after a (re)subscription stops this long before it: an alarm of those seconds may
# still be on its way as a push. The next check looks at them.
SUBSCRIBE_MARGIN = timedelta(seconds=2)
# Checks in a row that find alarms no push announced, before the camera is polled instead.
UNANNOUNCED_CHECKS = 2
# Fired alarms are written to disk at most this often (seconds), and at unload.
ALARM_SAVE_DELAY: float = 5.0
STORAGE_VERSION = 1
# An alarm-centre message and a push about the same alarm, this close, are one alarm.
SOURCE_MATCH_SECONDS = 60.0

MOTION_DETECT_CONFIG = "Detect.MotionDetect"
ISSUE_DETECTION_DISABLED = "detection_disabled"
ISSUE_UPLOAD_DISABLED = "upload_disabled"
ISSUE_PUSH_MISSING = "push_missing"
ISSUE_ACCOUNT_LOCKED = "account_locked"
ISSUE_WRONG_DEVICE = "wrong_device"
ISSUES = (
    ISSUE_DETECTION_DISABLED,
    ISSUE_UPLOAD_DISABLED,
    ISSUE_PUSH_MISSING,
    ISSUE_ACCOUNT_LOCKED,
    ISSUE_WRONG_DEVICE,
)

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


class AlarmSource(StrEnum):
    """What told Home Assistant of an alarm."""

    PUSH = "push"  # AlarmInfo on the DVRIP session (1504)
    ALARM_CENTRE = "alarm_centre"  # a message to the alarm-centre listener (1508)
    HISTORY = "history"  # the camera's recordings: a backfilled alarm


class AlarmMode(StrEnum):
    """How a camera's alarms reach Home Assistant."""

    PUSH = "push"
    HISTORY_POLLING = "history_polling"


class CheckTrigger(StrEnum):
    """Why the history is checked."""

    STARTUP = "startup"
    RECONNECT = "reconnect"
    AUDIT = "audit"
    POLL = "poll"


def create_client(data: Mapping[str, Any]) -> DvripClient:
    """A client for the camera a config entry (or a config flow) describes."""
    return DvripClient(
        data[CONF_HOST],
        data[CONF_PORT],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        timeout=REQUEST_TIMEOUT,
        keepalive_interval=KEEPALIVE_INTERVAL,
        search_timeout=SEARCH_TIMEOUT,
        guard_timeout=GUARD_TIMEOUT,
        # Only the coordinator's reconnect loop logs in again (it waits out a locked account).
        relogin_on_request=False,
    )


def error_key(err: DvripError) -> str:
    """The translation key of a client error, shared by the config flow and setup."""
    if isinstance(err, DvripAuthError):
        if err.refusal is LoginRefusal.SESSION_REFUSED:
            return "login_refused"
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
    """One alarm start, as the event entity fires it.

    `time` is when the alarm happened on Home Assistant's clock (UTC): its camera time less
    the camera's clock offset, or `received` when neither is known. `newest` is False for a
    backfilled alarm older than one already fired on its channel.
    """

    kind: AlarmKind
    alarm: Alarm
    received: datetime
    source: AlarmSource = AlarmSource.PUSH
    time: datetime | None = None
    newest: bool = True

    @property
    def backfilled(self) -> bool:
        """Found in the camera's history rather than told when it happened."""
        return self.source is AlarmSource.HISTORY

    @property
    def data(self) -> dict[str, Any]:
        """Event data; the channel counts from 1, as in entity names."""
        start = self.alarm.start_time
        return {
            "event": self.alarm.event,
            "channel": self.alarm.channel + 1,
            "camera_time": start.isoformat() if start else None,
            "alarm_time": (self.time or self.received).isoformat(),
            "received": self.received.isoformat(),
            "source": str(self.source),
            "backfilled": self.backfilled,
        }


@dataclass(slots=True)
class ConnectionStatistics:
    """Counters shown in diagnostics."""

    connects: int = 0
    reconnects: int = 0
    disconnects: int = 0
    failed_attempts: int = 0
    alarms: int = 0
    pushed_alarms: int = 0
    alarm_centre_alarms: int = 0
    backfilled_alarms: int = 0
    # Alarms dropped as another source's copy of one already fired.
    duplicates: int = 0
    # Alarm-centre messages from another address than the camera's.
    alarm_centre_rejected: int = 0
    connected_since: datetime | None = None
    last_disconnect: datetime | None = None
    last_error: str | None = None
    last_alarm: dict[str, Any] | None = field(default=None)


@dataclass(slots=True)
class HistoryCheckStatistics:
    """What the history checks did, for diagnostics."""

    checks: int = 0
    last_check: datetime | None = None
    last_trigger: str | None = None
    last_window: tuple[str, str] | None = None
    last_found: int = 0
    unannounced_checks: int = 0
    last_error: str | None = None


class _SourceMatcher:
    """Pairs an alarm-centre message with the push of the same alarm (firmware may send both).

    Pushes are never matched with each other: a camera may well push two alarms of one
    kind in one second. Only an alarm seen from one source and then from the other, within
    `SOURCE_MATCH_SECONDS`, is one alarm.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], list[tuple[AlarmSource, float]]] = {}
        self._next_sweep = 0.0

    def is_duplicate(self, alarm: Alarm, source: AlarmSource, now: float) -> bool:
        cutoff = now - SOURCE_MATCH_SECONDS
        if now >= self._next_sweep:
            self._seen = {
                key: kept
                for key, seen in self._seen.items()
                if (kept := [entry for entry in seen if entry[1] >= cutoff])
            }
            self._next_sweep = now + SOURCE_MATCH_SECONDS
        key = (alarm.channel, alarm.event, alarm.status, alarm.start_time)
        seen = [entry for entry in self._seen.get(key, ()) if entry[1] >= cutoff]
        for position, (other, _when) in enumerate(seen):
            if other is not source:
                del seen[position]
                self._seen[key] = seen
                return True
        seen.append((source, now))
        self._seen[key] = seen
        return False


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
    """Keeps one camera connected and subscribed, and turns its alarms into state and events."""

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
        # Channels with a camera behind them: a recorder's login counts its empty ones too.
        self.active_channels: tuple[int, ...] = tuple(range(self.channels))
        self.off_delay = float(entry.options.get(CONF_OFF_DELAY, DEFAULT_OFF_DELAY))
        self.poll_interval = float(entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL))
        self.history_hours = float(entry.options.get(CONF_HISTORY_HOURS, DEFAULT_HISTORY_HOURS))
        self.stats = ConnectionStatistics()
        self.history_stats = HistoryCheckStatistics()
        self.detection_config: Any = None
        # Camera clock minus UTC, learned at each login and each audit; None until known.
        self.clock_offset: timedelta | None = None
        # Channels whose live stills the device refused (recorders often do), and until
        # when: they are asked again after `STILL_REFUSAL_EXPIRY`.
        self._stills_refused: dict[int, datetime] = {}
        self.recent_alarms: deque[Alarm] = deque(maxlen=RECENT_ALARMS)
        self.mode = AlarmMode.PUSH
        self.ledger = AlarmLedger()
        # What the alarm-centre listener reports for this camera (set at setup when enabled).
        self.alarm_centre_status: dict[str, Any] | None = None
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self._matcher = (
            _SourceMatcher() if entry.options.get(CONF_ALARM_CENTRE, DEFAULT_ALARM_CENTRE) else None
        )
        self._available = False
        self._closing = False
        self._locked = False
        # Set after a reconnect found another camera at the address: none of its alarms count.
        self._wrong_device = False
        # Whether the session is known to be this camera's: setup checked it, each reconnect
        # checks it again before a push counts.
        self._identified = True
        # When the alarm subscription was last confirmed (UTC).
        self._subscribed: datetime | None = None
        self._states: dict[AlarmKey, AlarmState] = {}
        self._off_timers: dict[AlarmKey, CALLBACK_TYPE] = {}
        self._listeners: dict[AlarmKey | None, list[CALLBACK_TYPE]] = {}
        self._event_listeners: dict[int, list[AlarmEventListener]] = {}
        self._client_unsubscribers: list[Callable[[], None]] = []
        self._reconnect_task: asyncio.Task[None] | None = None
        # One history check at a time; another asked for meanwhile runs right after it.
        self._check_task: asyncio.Task[None] | None = None
        self._check_pending: CheckTrigger | None = None
        self._cancel_check_timer: CALLBACK_TYPE | None = None
        self._unannounced_checks = 0

    @property
    def unique_id(self) -> str:
        """The camera's serial number (the entry's unique id)."""
        return self.entry.unique_id or self.device.serial or self.entry.entry_id

    @property
    def available(self) -> bool:
        """Logged in: pushes are taken, whether or not the camera confirmed AlarmSet."""
        return self._available

    @property
    def closing(self) -> bool:
        """Shutting down (unload or Home Assistant stopping): no new work for the camera."""
        return self._closing

    def alarm_state(self, channel: int, kind: AlarmKind) -> AlarmState:
        return self._states.get((channel, kind)) or AlarmState()

    # -- lifecycle -------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Subscribe on a connected client; client errors propagate to setup.

        The ledger is read first: a push that comes with the subscription is recorded in it.
        The history is checked later, by `async_start_checks`, once the entities exist.
        """
        self.ledger = AlarmLedger.from_dict(await self._store.async_load())
        self._client_unsubscribers = [
            self.client.add_alarm_listener(self._handle_alarm),
            self.client.add_disconnect_listener(self._handle_disconnect),
        ]
        # Pushes are taken whatever the camera answers; the answer goes to diagnostics.
        await self.client.subscribe_alarms()
        self._subscribed = dt_util.utcnow()
        await self.async_read_channels()
        await self.async_learn_clock()
        await self.async_check_detection()
        self.stats.connects += 1
        self.stats.connected_since = dt_util.utcnow()
        self._available = True

    @callback
    def async_start_checks(self) -> None:
        """Check the history for alarms missed while Home Assistant was away.

        Called once the platforms are set up: an alarm fired before its event entity exists
        would be recorded as delivered and never seen. A task of its own: setup does not wait
        for the camera's file search.
        """
        self._start_check(CheckTrigger.STARTUP)

    async def async_shutdown(self) -> None:
        """Stop reconnecting and checking, cancel off-delay timers, keep the ledger, log out."""
        if self._closing:
            return
        self._closing = True
        if self._cancel_check_timer is not None:
            self._cancel_check_timer()
            self._cancel_check_timer = None
        tasks = [
            task
            for task in (self._reconnect_task, self._check_task)
            if task is not None and not task.done()
        ]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for cancel_timer in self._off_timers.values():
            cancel_timer()
        self._off_timers.clear()
        for unsubscribe in self._client_unsubscribers:
            unsubscribe()
        self._client_unsubscribers.clear()
        await self._store.async_save(self.ledger.as_dict())
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
        """A push on the DVRIP session."""
        self._process_alarm(alarm, AlarmSource.PUSH)

    @callback
    def async_handle_alarm_centre(self, message: AlarmCentreMessage, peer: str) -> None:
        """An alarm-centre message with this camera's serial number.

        Anyone on the network can send one: where the entry names the camera by its IP
        address, a message from another address is dropped.
        """
        if not _same_address(self.entry.data[CONF_HOST], peer):
            self.stats.alarm_centre_rejected += 1
            LOGGER.debug("Ignored an alarm-centre message for %s from %s", self.entry.title, peer)
            return
        if message.kind.casefold() != "alarm":
            LOGGER.debug("Ignored an alarm-centre %s message from %s", message.kind, peer)
            return
        self._process_alarm(message.alarm, AlarmSource.ALARM_CENTRE)

    @callback
    def _process_alarm(
        self, alarm: Alarm, source: AlarmSource, kind: AlarmKind | None = None
    ) -> AlarmEvent | None:
        """The one alarm path: state, ledger, then the event; returns the event fired, if any.

        A live alarm (pushed, or from the alarm centre) turns its binary sensor on; a
        backfilled one only fires the event: it is over.
        """
        received = dt_util.utcnow()
        if self._closing:
            return None  # an alarm-centre message racing the unload
        if source is AlarmSource.PUSH and not self._identified:
            # A push on a session not yet known to be this camera's (a reconnect checks
            # the serial number first), or from another camera at the address.
            LOGGER.debug("Ignored an alarm from %s before it was recognised", self.entry.title)
            return None
        if alarm.channel not in self.active_channels:
            # No such channel, or no camera behind it (until a reload finds one).
            LOGGER.debug("Ignored an alarm for channel %d of %s", alarm.channel, self.entry.title)
            return None
        live = source is not AlarmSource.HISTORY
        if live:
            self._live_alarm_seen()
            if self._matcher is not None and self._matcher.is_duplicate(
                alarm, source, self.hass.loop.time()
            ):
                self.stats.duplicates += 1
                return None
        kind = kind or alarm_kind(alarm.event)
        self.stats.alarms += 1
        if source is AlarmSource.PUSH:
            self.stats.pushed_alarms += 1
        elif source is AlarmSource.ALARM_CENTRE:
            self.stats.alarm_centre_alarms += 1
        else:
            self.stats.backfilled_alarms += 1
        self.stats.last_alarm = {
            "event": alarm.event,
            "kind": kind,
            "channel": alarm.channel + 1,
            "status": alarm.status,
            "source": source,
            "camera_time": alarm.start_time,
            "received": received,
        }
        key = (alarm.channel, kind)
        if alarm.status == AlarmStatus.STOP:
            state = self._states.setdefault(key, AlarmState())
            self._cancel_off_timer(key)
            if state.is_on:
                state.is_on = False
                self._notify(key)
            return None
        # A Start, or a status-less event (storage alarms say "None"): both are news.
        camera_time = alarm.start_time or self.camera_time_of(received).replace(microsecond=0)
        newest_before = self.ledger.newest(alarm.channel)
        self.ledger.record(alarm.channel, camera_time)
        self._store.async_delay_save(self.ledger.as_dict, ALARM_SAVE_DELAY)
        if live:
            state = self._states.setdefault(key, AlarmState())
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
        event = AlarmEvent(
            kind,
            alarm,
            received,
            source,
            self.camera_time_to_utc(camera_time) if alarm.start_time else received,
            newest=newest_before is None or camera_time >= newest_before,
        )
        for listener in list(self._event_listeners.get(alarm.channel, ())):
            listener(event)
        return event

    @callback
    def _off_delay_expired(self, key: AlarmKey, _now: datetime) -> None:
        # Not every Start gets a Stop: without one the sensor turns off after the delay.
        self._off_timers.pop(key, None)
        self._states[key].is_on = False
        self._notify(key)

    def _cancel_off_timer(self, key: AlarmKey) -> None:
        if (cancel_timer := self._off_timers.pop(key, None)) is not None:
            cancel_timer()

    @callback
    def _live_alarm_seen(self) -> None:
        """A pushed (or alarm-centre) alarm arrived: this camera tells of its alarms."""
        self._unannounced_checks = 0
        if self.mode is AlarmMode.HISTORY_POLLING:
            self.mode = AlarmMode.PUSH
            LOGGER.info("%s pushes its alarms again; history polling stops", self.entry.title)
            async_clear_issue(self.hass, self.entry, ISSUE_PUSH_MISSING)

    # -- the camera's history --------------------------------------------------------------

    @callback
    def _start_check(self, trigger: CheckTrigger) -> None:
        """Check the history now, or right after the check under way."""
        if self._closing:
            return
        if self._cancel_check_timer is not None:
            self._cancel_check_timer()
            self._cancel_check_timer = None
        if self._check_task is not None and not self._check_task.done():
            # A reconnect's check matters more than a periodic one.
            if self._check_pending is None or trigger is CheckTrigger.RECONNECT:
                self._check_pending = trigger
            return
        self._check_task = self.entry.async_create_background_task(
            self.hass, self._async_run_check(trigger), f"{DOMAIN} history {self.entry.title}"
        )

    async def _async_run_check(self, trigger: CheckTrigger) -> None:
        follow_up = trigger in (CheckTrigger.STARTUP, CheckTrigger.RECONNECT)
        if self._available:
            try:
                await self.async_check_history(trigger)
            except DvripError as err:
                # A lost link: the reconnect asks for a check again.
                self.history_stats.last_error = str(err)
                LOGGER.debug("History check of %s failed: %s", self.entry.title, err)
            except Exception as err:
                # A reply of a shape nobody foresaw: the checks must go on all the same,
                # or a polled camera reports no alarm again.
                self.history_stats.last_error = str(err)
                LOGGER.exception("History check of %s failed", self.entry.title)
        self._check_task = None
        if self._closing:
            return
        if (pending := self._check_pending) is not None:
            self._check_pending = None
            self._start_check(pending)
            return
        if self.mode is AlarmMode.HISTORY_POLLING:
            delay = self.poll_interval
        else:
            delay = HISTORY_FOLLOW_UP if follow_up else HISTORY_AUDIT_INTERVAL
        self._cancel_check_timer = async_call_later(
            self.hass, delay, HassJob(self._check_timer_expired, cancel_on_shutdown=True)
        )

    @callback
    def _check_timer_expired(self, _now: datetime) -> None:
        self._cancel_check_timer = None
        polling = self.mode is AlarmMode.HISTORY_POLLING
        self._start_check(CheckTrigger.POLL if polling else CheckTrigger.AUDIT)

    async def async_check_history(self, trigger: CheckTrigger) -> list[AlarmEvent]:
        """Fire the alarms of the camera's history that no push announced; return them.

        The window runs from a while before the last check (`CHECK_OVERLAP`) to the
        subscription (at startup and after a reconnect: later alarms are pushed) or to
        (about) now, never further back than the history look-back option.
        """
        ledger = self.ledger
        if trigger in (CheckTrigger.AUDIT, CheckTrigger.POLL):
            # A daylight-saving change, an NTP correction or drift since the login: the
            # window and the alarms' times follow the camera's clock as it is now.
            await self.async_learn_clock()
        if trigger in (CheckTrigger.STARTUP, CheckTrigger.RECONNECT):
            until = self.camera_time_of(self._subscribed or dt_util.utcnow()) - SUBSCRIBE_MARGIN
        elif trigger is CheckTrigger.AUDIT:
            until = self.camera_now() - HISTORY_SETTLE
        else:
            until = self.camera_now() - SUBSCRIBE_MARGIN
        until = until.replace(microsecond=0)
        self.history_stats.last_trigger = str(trigger)
        mark = ledger.checked_until
        if mark is None or until < mark - CHECK_OVERLAP:
            # The first check of a camera (nothing before it is backfilled), or its clock
            # went back (a reboot without a clock battery): start over from here.
            ledger.checked_until = until
            self._store.async_delay_save(ledger.as_dict, ALARM_SAVE_DELAY)
            return []
        begin = max(mark - CHECK_OVERLAP, until - timedelta(hours=self.history_hours))
        if begin >= until:
            return []
        records = await self._async_list_history(begin, until)
        found = find_unseen_alarms(records, ledger, begin=begin, end=until)
        connected_since = self.camera_time_of(self._subscribed or dt_util.utcnow())
        unannounced = [
            alarm
            for alarm in found
            if trigger is CheckTrigger.AUDIT and alarm.time >= connected_since + SUBSCRIBE_MARGIN
        ]
        events = [event for alarm in found if (event := self._fire_history_alarm(alarm))]
        ledger.checked_until = max(mark, until)
        ledger.prune(ledger.checked_until - CHECK_OVERLAP)
        self._store.async_delay_save(ledger.as_dict, ALARM_SAVE_DELAY)
        stats = self.history_stats
        stats.checks += 1
        stats.last_check = dt_util.utcnow()
        stats.last_window = (begin.isoformat(), until.isoformat())
        stats.last_found = len(found)
        stats.last_error = None
        if found:
            LOGGER.info(
                "%s: %d alarm(s) found in the camera's history that were not pushed",
                self.entry.title,
                len(found),
            )
        if unannounced and self.mode is AlarmMode.PUSH:
            self._unannounced_checks += 1
            stats.unannounced_checks += 1
            if self._unannounced_checks >= UNANNOUNCED_CHECKS:
                self._start_polling()
        return events

    async def _async_list_history(self, begin: datetime, end: datetime) -> list[RecordFile]:
        """The jpg entries and clips of every channel in the window (a refusal lists none)."""
        records: list[RecordFile] = []
        for channel in self.active_channels:
            for file_type in (FileType.PICTURE, FileType.VIDEO):
                try:
                    records.extend(
                        await self.client.query_files(
                            begin, end, channel=channel, file_type=file_type
                        )
                    )
                except DvripCommandError as err:
                    LOGGER.debug(
                        "%s lists no %s files of channel %d: %s",
                        self.entry.title,
                        file_type,
                        channel + 1,
                        err,
                    )
        return records

    @callback
    def _fire_history_alarm(self, found: HistoryAlarm) -> AlarmEvent | None:
        kind = AlarmKind.ALARM_INPUT if found.tag is RecordEvent.ALARM else AlarmKind.MOTION
        alarm = Alarm(
            channel=found.channel,
            # No event name is recorded: the recording's tag stands in for it.
            event="alarm" if found.tag is RecordEvent.ALARM else "motion",
            status=AlarmStatus.START,
            start_time=found.time,
            raw={"FileName": found.source_name},
        )
        return self._process_alarm(alarm, AlarmSource.HISTORY, kind)

    @callback
    def _start_polling(self) -> None:
        self.mode = AlarmMode.HISTORY_POLLING
        LOGGER.warning(
            "%s records alarms but does not push them; its recordings are searched for"
            " alarms every %d s instead",
            self.entry.title,
            self.poll_interval,
        )
        upload_off = ir.async_get(self.hass).async_get_issue(
            DOMAIN, f"{ISSUE_UPLOAD_DISABLED}_{self.entry.entry_id}"
        )
        # Where alarm upload is known to be off, that issue already says how to fix it.
        if upload_off is None:
            async_raise_issue(
                self.hass,
                self.entry,
                ISSUE_PUSH_MISSING,
                poll_interval=str(round(self.poll_interval)),
            )

    # -- connection ------------------------------------------------------------------------

    @callback
    def _handle_disconnect(self, error: DvripError | None) -> None:
        if self._closing:
            return
        self.stats.disconnects += 1
        self.stats.last_disconnect = dt_util.utcnow()
        self.stats.last_error = str(error) if error else "connection closed"
        self._set_unavailable(self.stats.last_error)
        self._identified = False
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
        """Log in again until it works; a refused password starts reauth and stops trying.

        A locked account is tried again only every `LOCKED_RETRY_DELAY` seconds, with a
        repair issue meanwhile: hammering a locked camera can keep it locked.
        """
        attempt = 0
        while True:
            delay = backoff_delay(attempt)
            if self._locked:
                delay = max(delay, LOCKED_RETRY_DELAY)
            if self._wrong_device:
                delay = max(delay, WRONG_DEVICE_RETRY_DELAY)
            await asyncio.sleep(delay)
            attempt += 1
            try:
                # The client renews the alarm subscription as part of logging in again.
                await self.client.connect()
                if not await self._async_same_device():
                    continue
                if not self.client.alarms_wanted:
                    # Logged out of another camera meanwhile: that dropped the subscription.
                    await self.client.subscribe_alarms()
            except DvripAuthError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                if err.locked:
                    LOGGER.debug("%s: %s; retrying later", self.entry.title, err)
                    self._set_locked(True)
                    continue
                LOGGER.warning(
                    "%s refused the login; enter it again to reconnect", self.entry.title
                )
                self._set_locked(False)
                self.entry.async_start_reauth(self.hass)
                return
            except DvripError as err:
                self.stats.failed_attempts += 1
                self.stats.last_error = str(err)
                LOGGER.debug("Reconnect to %s failed: %s", self.entry.title, err)
                continue
            break
        self._set_locked(False)
        self._subscribed = dt_util.utcnow()
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
        """After a reconnect: the settings and the clock may have changed meanwhile.

        Then the history is checked for alarms missed while the link was down.
        """
        try:
            await self.async_learn_clock()
            await self.async_check_detection()
        except DvripError as err:
            LOGGER.debug("Cannot read the settings of %s: %s", self.entry.title, err)
        self._start_check(CheckTrigger.RECONNECT)

    async def _async_same_device(self) -> bool:
        """Whether the camera that answered the reconnect is this entry's (by serial number).

        Another one (its DHCP lease moved, same default login) is logged out of, with a
        repair issue, and none of its alarms is taken.
        """
        serial = (await self.client.get_device_info()).serial
        expected = self.device.serial
        same = not serial or not expected or serial == expected
        if same is self._wrong_device:
            self._wrong_device = not same
            if same:
                async_clear_issue(self.hass, self.entry, ISSUE_WRONG_DEVICE)
            else:
                LOGGER.warning(
                    "%s: another camera (serial number %s) answers at its address",
                    self.entry.title,
                    serial,
                )
                async_raise_issue(
                    self.hass, self.entry, ISSUE_WRONG_DEVICE, host=self.entry.data[CONF_HOST]
                )
        self._identified = same
        if not same:
            self.stats.failed_attempts += 1
            self.stats.last_error = f"another camera answers (serial number {serial})"
            await self.client.close()
        return same

    @callback
    def _set_locked(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            async_update_locked_issue(self.hass, self.entry, locked=locked)

    # -- live stills -----------------------------------------------------------------------

    @property
    def snapshot_refused(self) -> bool:
        """Whether some channel's live stills are refused now."""
        return any(self.still_refused(channel) for channel in list(self._stills_refused))

    def still_refused(self, channel: int) -> bool:
        """Whether the device refused this channel's live stills a short while ago."""
        until = self._stills_refused.get(channel)
        if until is None:
            return False
        if dt_util.utcnow() >= until:
            del self._stills_refused[channel]
            return False
        return True

    async def async_snapshot(self, channel: int) -> bytes | None:
        """A live JPEG of a channel (OPSNAP); None when there is none to be had now.

        A channel whose still is refused is not asked again for `STILL_REFUSAL_EXPIRY`
        seconds: recorders refuse it for good, and the camera entity would otherwise ask at
        every frame. Each still takes a login of its own (see the client), so a slow one
        cannot drop the alarm session.
        """
        if self.still_refused(channel) or not self._available:
            return None
        try:
            return await self.client.snapshot(channel)
        except (DvripCommandError, DvripAuthError) as err:
            if isinstance(err, DvripAuthError) and err.refusal is not LoginRefusal.SESSION_REFUSED:
                LOGGER.debug("No snapshot of %s: %s", self.entry.title, err)
                return None
            # Refused outright, or a camera that allows one login only (Ret 207): a still
            # needs a login of its own, so there are none while the alarm session is open.
            self._stills_refused[channel] = dt_util.utcnow() + STILL_REFUSAL_EXPIRY
            LOGGER.info(
                "%s refuses live snapshots of channel %d (%s); its alarm pictures stand in",
                self.entry.title,
                channel + 1,
                err,
            )
        except DvripError as err:
            LOGGER.debug("No snapshot of %s channel %d: %s", self.entry.title, channel + 1, err)
        return None

    # -- the camera's clock ----------------------------------------------------------------

    async def async_read_channels(self) -> None:
        """Which channels have a camera behind them (read at each setup).

        A channel that gains a camera later gets its entities at the next reload. A reply
        that names no camera at all is not believed: every channel stays.
        """
        statuses = await self.client.get_channel_statuses()
        with_camera = tuple(status.channel for status in statuses or () if status.has_camera)
        if with_camera:
            self.active_channels = with_camera
        elif statuses:
            LOGGER.debug("%s reports no channel with a camera", self.entry.title)

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
        """Raise `issue` for these channels (from 1), or clear it when there are none."""
        if not channels:
            async_clear_issue(self.hass, self.entry, issue)
            return
        async_raise_issue(
            self.hass,
            self.entry,
            issue,
            channels=", ".join(str(channel) for channel in channels),
        )

    # -- diagnostics -----------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """State and statistics for diagnostics."""
        subscription = self.client.subscription
        return {
            "available": self._available,
            "channels": self.channels,
            "channels_with_camera": [channel + 1 for channel in self.active_channels],
            # "confirmed", or how the camera left AlarmSet unconfirmed ("unanswered",
            # "empty_reply", "refused (Ret N)"): pushes are taken either way.
            "alarm_subscription": str(subscription) if subscription else None,
            "off_delay": self.off_delay,
            "alive_interval": self.client.alive_interval,
            "clock_offset_seconds": (
                self.clock_offset.total_seconds() if self.clock_offset is not None else None
            ),
            "snapshot_refused": self.snapshot_refused,
            "stills_refused_channels": sorted(
                channel + 1 for channel in list(self._stills_refused) if self.still_refused(channel)
            ),
            "alarm_source": str(self.mode),
            "account_locked": self._locked,
            "statistics": asdict(self.stats),
            "foreign_pushes": self.client.foreign_pushes,
            "history_check": {
                **asdict(self.history_stats),
                "poll_interval": self.poll_interval,
                "audit_interval": HISTORY_AUDIT_INTERVAL,
                "look_back_hours": self.history_hours,
                "checked_until": (
                    self.ledger.checked_until.isoformat() if self.ledger.checked_until else None
                ),
                "remembered_alarms": len(self.ledger),
            },
            "alarm_centre": self.alarm_centre_status,
            "alarms": {
                f"channel {channel + 1} {kind}": asdict(state)
                for (channel, kind), state in sorted(self._states.items())
            },
            "motion_detect_config": self.detection_config,
        }


def storage_key(entry_id: str) -> str:
    """The key (file name in `.storage`) of an entry's alarm ledger."""
    return f"{DOMAIN}.{entry_id}.alarms"


def _same_address(host: str, peer: str) -> bool:
    """Whether `peer` may be the camera at `host` (a host name cannot be told, so it may)."""
    try:
        expected = ipaddress.ip_address(host)
    except ValueError:
        return True
    try:
        actual = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if isinstance(actual, ipaddress.IPv6Address) and actual.ipv4_mapped is not None:
        return actual.ipv4_mapped == expected
    return actual == expected


@callback
def async_raise_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, **placeholders: str
) -> None:
    """Raise one of an entry's repair issues (its title is the `name` placeholder)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{issue}_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=issue,
        translation_placeholders={"name": entry.title, **placeholders},
    )


@callback
def async_clear_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> None:
    ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry.entry_id}")


@callback
def async_update_locked_issue(hass: HomeAssistant, entry: ConfigEntry, *, locked: bool) -> None:
    """Say (or stop saying) that the camera has locked the account."""
    if locked:
        async_raise_issue(hass, entry, ISSUE_ACCOUNT_LOCKED, host=entry.data[CONF_HOST])
    else:
        async_clear_issue(hass, entry, ISSUE_ACCOUNT_LOCKED)


def delete_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove this entry's repair issues (when the entry is removed)."""
    for issue in ISSUES:
        async_clear_issue(hass, entry, issue)
