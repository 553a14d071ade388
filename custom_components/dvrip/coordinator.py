"""One camera's glue put together (the config entry's runtime data is in `runtime`).

A small class rather than a `DataUpdateCoordinator`: alarms are events (the event entity
needs each one, not the latest snapshot), and a push wakes only the entities of its channel
and kind, through the dispatcher signals of `models`. The parts: `session` (login, reconnect,
who answers), `clock`, `alarms` (the one alarm path), `history_checks`, `repairs`, `stills`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .alarms import AlarmProcessor
from .client import (
    Abilities,
    DeviceInfo,
    DvripClient,
    DvripCommandError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
)
from .clock import CLOCK_WRONG_TOLERANCE, CameraClock
from .const import (
    CONF_ALARM_CENTRE,
    CONF_HISTORY_HOURS,
    CONF_KEEP_CLOCK,
    CONF_OFF_DELAY,
    DOMAIN,
    LOGGER,
    AlarmKind,
    option,
)
from .history_checks import HISTORY_POLL_INTERVAL, HistoryChecker
from .models import AlarmKey, AlarmState, CheckTrigger, ConnectionStatistics, signal_state
from .naming import device_title
from .repairs import Issue, async_update_issue
from .session import CameraSession
from .stills import LiveStills

# The camera's clock is checked (and, with the option, set) this often, besides each connect.
CLOCK_CHECK_INTERVAL: Final = timedelta(days=1)


class DvripCoordinator:
    """Keeps one camera connected and subscribed, and turns its alarms into state and events."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, client: DvripClient, device: DeviceInfo
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.device = device
        self.channels = max(1, device.channels)
        options = entry.options
        self.stats = ConnectionStatistics()
        self.clock = CameraClock()
        self.session = CameraSession(hass, entry, client, device, self.stats)
        self.alarms = AlarmProcessor(
            hass,
            entry,
            self.session,
            self.clock,
            self.stats,
            off_delay=float(option(options, CONF_OFF_DELAY)),
            match_sources=bool(option(options, CONF_ALARM_CENTRE)),
        )
        # Channels with a camera behind them: a recorder's login counts its empty ones too.
        self.alarms.active_channels = tuple(range(self.channels))
        self.history = HistoryChecker(
            hass,
            entry,
            self.session,
            self.clock,
            self.alarms,
            history_hours=float(option(options, CONF_HISTORY_HOURS)),
        )
        self.stills = LiveStills(entry, self.session)
        # Each channel's Detect.MotionDetect as last read (diagnostics, the repair's fix).
        self.detection_config: Any = None
        # What reads the camera's settings again at each reconnect and audit (the detection
        # settings, the storage): set up with the entry.
        self.settings_readers: list[Callable[[], Awaitable[None]]] = []
        # What the device says it can detect (None when it does not say), its own name
        # (MachineName) and its channels' titles: read once at setup.
        self.abilities: Abilities | None = None
        self.device_name: str | None = None
        self.channel_titles: list[str] = []
        # The registry id of the camera's (or recorder's) device, once made at setup.
        self.device_entry_id: str | None = None
        # What the alarm-centre listener reports for this camera (set at setup when enabled).
        self.alarm_centre_status: dict[str, Any] | None = None
        self.alarms.on_live_alarm = self.history.live_alarm_seen
        self.history.on_audit = self.async_read_settings
        self.alarms.on_clock_moved = self._handle_clock_moved
        self.session.on_lost = self._handle_lost
        self.session.on_back = self._handle_back
        self.session.on_wrong_device = self.alarms.drop_unidentified
        self._unsubscribe_alarms: CALLBACK_TYPE | None = None
        self._stop_clock_checks: CALLBACK_TYPE | None = None

    @property
    def unique_id(self) -> str:
        """The camera's serial number, or MAC address (the entry's unique id)."""
        return self.entry.unique_id or self.device.serial or self.entry.entry_id

    @property
    def available(self) -> bool:
        """Logged in: pushes are taken, whether or not the camera confirmed AlarmSet."""
        return self.session.available

    @property
    def active_channels(self) -> tuple[int, ...]:
        return self.alarms.active_channels

    @property
    def is_recorder(self) -> bool:
        """More than one channel: each channel's camera is a device of its own."""
        return self.channels > 1

    @property
    def name(self) -> str:
        """The device's own name, else its address (see `naming`)."""
        data = self.entry.data
        return device_title(self.device_name, data[CONF_HOST], data[CONF_PORT])

    def alarm_state(self, channel: int, kind: AlarmKind) -> AlarmState:
        return self.alarms.states.get((channel, kind)) or AlarmState()

    async def async_start(self) -> None:
        """Read the ledger, subscribe, read the camera; client errors propagate to setup."""
        await self.alarms.async_load()
        self._unsubscribe_alarms = self.client.add_alarm_listener(self.alarms.handle_push)
        # Pushes are taken whatever the camera answers; the answer goes to diagnostics.
        await self.client.subscribe_alarms()
        await self.async_read_channels()
        await self.async_read_device_facts()
        await self.clock.async_learn(self.client, self.entry.title)
        await self.async_check_clock()
        self.session.set_connected()
        self._stop_clock_checks = async_track_time_interval(
            self.hass, self._async_daily_clock_check, CLOCK_CHECK_INTERVAL, cancel_on_shutdown=True
        )

    @callback
    def async_start_checks(self) -> None:
        """Deliver the alarms pushed during setup, then check the history for missed ones,
        once the event entities exist to fire them.
        """
        self.alarms.release_held()
        self.history.start_check(CheckTrigger.STARTUP)

    async def async_shutdown(self) -> None:
        """Stop reconnecting and checking, cancel off-delay timers, keep the ledger, log out."""
        if self.session.closing:
            return
        self.session.closing = True
        if self._stop_clock_checks is not None:
            self._stop_clock_checks()
        await self.history.async_shutdown()
        if self._unsubscribe_alarms is not None:
            self._unsubscribe_alarms()
        await self.alarms.async_shutdown()
        await self.session.async_shutdown()

    @callback
    def async_add_listener(
        self, update: CALLBACK_TYPE, keys: tuple[AlarmKey, ...] = ()
    ) -> CALLBACK_TYPE:
        """Call `update` when availability changes, and when one of `keys` changes."""
        removers = [
            async_dispatcher_connect(self.hass, signal_state(self.entry.entry_id, key), update)
            for key in (None, *keys)
        ]

        @callback
        def remove() -> None:
            for remover in removers:
                remover()

        return remove

    @callback
    def _handle_lost(self, _reason: str) -> None:
        self.alarms.reset()
        async_dispatcher_send(self.hass, signal_state(self.entry.entry_id))

    @callback
    def _handle_back(self) -> None:
        async_dispatcher_send(self.hass, signal_state(self.entry.entry_id))
        self.alarms.release_identified()
        # In its own task, so that the reconnect's has ended when the next drop needs one.
        self.entry.async_create_background_task(
            self.hass, self._async_recheck_camera(), f"{DOMAIN} detection check"
        )

    @callback
    def _handle_clock_moved(self) -> None:
        """A push showed the camera's clock jumped: ask the camera for it (more exact)."""
        self.entry.async_create_background_task(
            self.hass, self._async_learn_clock(), f"{DOMAIN} clock {self.entry.title}"
        )

    async def _async_learn_clock(self) -> None:
        try:
            await self.clock.async_learn(self.client, self.entry.title)
        except DvripError as err:
            LOGGER.debug("Cannot read the clock of %s: %s", self.entry.title, err)

    async def _async_recheck_camera(self) -> None:
        """After a reconnect: read the settings and the clock again, then check the history."""
        try:
            await self.clock.async_learn(self.client, self.entry.title)
            await self.async_check_clock()
            await self.async_read_settings()
        except DvripError as err:
            LOGGER.debug("Cannot read the settings of %s: %s", self.entry.title, err)
        self.history.start_check(CheckTrigger.RECONNECT)

    async def async_check_clock(self) -> None:
        """Set the camera's clock where the option says so; else say when it is wrong.

        A camera that refuses to set or tell its time keeps its clock (and no issue).
        """
        if option(self.entry.options, CONF_KEEP_CLOCK):
            try:
                await self.async_set_clock()
            except (DvripCommandError, DvripProtocolError, DvripTimeoutError) as err:
                # Refused, or never answered (the session stays): the clock stays as it is.
                LOGGER.warning("Cannot set the clock of %s: %s", self.entry.title, err)
            async_update_issue(self.hass, self.entry, Issue.CLOCK_WRONG, False)
            return
        error = self.clock.error()
        wrong = error is not None and abs(error) > CLOCK_WRONG_TOLERANCE
        async_update_issue(self.hass, self.entry, Issue.CLOCK_WRONG, wrong, **self.clock_readings())

    def clock_readings(self) -> dict[str, str]:
        """What the camera's clock reads now, and what it should read (for the repair)."""
        now = dt_util.utcnow()
        return {
            "camera_time": self.clock.camera_time_of(now).replace(microsecond=0).isoformat(" "),
            "right_time": self.clock.right_time(now).replace(microsecond=0).isoformat(" "),
        }

    async def async_set_clock(self) -> None:
        """Set the camera's clock to the right time in its zone, then learn its offset again."""
        # The camera keeps whole seconds: the one under way in the middle.
        moment = self.clock.right_time(dt_util.utcnow() + timedelta(seconds=0.5))
        await self.client.set_time(moment)
        LOGGER.info("Set the clock of %s to %s", self.entry.title, moment.replace(microsecond=0))
        await self.clock.async_learn(self.client, self.entry.title)

    async def _async_daily_clock_check(self, _now: datetime) -> None:
        if not self.session.available:
            return  # the next connect checks it
        try:
            await self.clock.async_learn(self.client, self.entry.title)
            await self.async_check_clock()
        except DvripError as err:
            LOGGER.debug("Cannot check the clock of %s: %s", self.entry.title, err)

    async def async_read_channels(self) -> None:
        """Which channels have a camera behind them; a reply that names none is not believed."""
        statuses = await self.client.get_channel_statuses()
        with_camera = tuple(status.channel for status in statuses or () if status.has_camera)
        if with_camera:
            self.alarms.active_channels = with_camera
        elif statuses:
            LOGGER.debug("%s reports no channel with a camera", self.entry.title)

    async def async_read_device_facts(self) -> None:
        """What the device can detect, its name and its channels' titles (None or empty where
        the firmware does not say).
        """
        self.abilities = await self.client.get_abilities()
        self.device_name = await self.client.get_device_name()
        if self.is_recorder:
            self.channel_titles = await self.client.get_channel_titles()
        # Entries added before were titled with the model, which two cameras of a kind share:
        # such a title becomes the device's name (or address). A title the user chose stays.
        if self.device.model and self.entry.title == self.device.model:
            self.hass.config_entries.async_update_entry(self.entry, title=self.name)

    async def async_read_settings(self) -> None:
        """Read the camera's settings again (repair issues follow what they say)."""
        for read in self.settings_readers:
            await read()

    def as_dict(self) -> dict[str, Any]:
        """State and statistics for diagnostics."""
        subscription = self.client.subscription
        history = self.history
        ledger = self.alarms.ledger
        return {
            "available": self.available,
            "channels": self.channels,
            "channels_with_camera": [channel + 1 for channel in self.active_channels],
            # "confirmed", or how AlarmSet went unconfirmed: pushes are taken either way.
            "alarm_subscription": str(subscription) if subscription else None,
            "off_delay": self.alarms.off_delay,
            "alive_interval": self.client.alive_interval,
            "clock_offset_seconds": self.clock.seconds(),
            "snapshot_refused": bool(self.stills.refused_channels()),
            "stills_refused_channels": self.stills.refused_channels(),
            "stills_from_stream_channels": self.stills.stream_channels(),
            "alarm_source": str(history.mode),
            "account_locked": self.session.locked,
            "statistics": asdict(self.stats),
            "foreign_pushes": self.client.foreign_pushes,
            "history_check": {
                **asdict(history.stats),
                "poll_interval": HISTORY_POLL_INTERVAL,
                "audit_interval": history.audit_interval,
                "look_back_hours": history.history_hours,
                "checked_until": ledger.checked_until.isoformat() if ledger.checked_until else None,
                "checked_at": ledger.checked_at.isoformat() if ledger.checked_at else None,
                "remembered_alarms": len(ledger),
            },
            "alarm_centre": self.alarm_centre_status,
            "abilities": (
                {name: sorted(names) for name, names in self.abilities.sections.items()}
                if self.abilities
                else None
            ),
            "alarms": {
                f"channel {channel + 1} {kind}": asdict(state)
                for (channel, kind), state in sorted(self.alarms.states.items())
            },
            "motion_detect_config": self.detection_config,
        }
