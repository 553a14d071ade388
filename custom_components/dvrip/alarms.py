"""The one path every alarm takes, whatever told of it: its states, off-timers and the ledger.

A push (1504), an alarm-centre message (1508) or the camera's history (a backfilled alarm).
A live alarm turns its binary sensor on until its Stop or the off-delay; a backfilled one only
fires the event. Every start goes into the `AlarmLedger`, kept on disk, so that the history
checks neither repeat nor lose one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .backfill import AlarmLedger
from .client import Alarm, AlarmCentreMessage, AlarmStatus, ip_address_of
from .clock import CameraClock
from .const import DOMAIN, LOGGER, AlarmKind, alarm_kind
from .models import (
    AlarmEvent,
    AlarmKey,
    AlarmSource,
    AlarmState,
    ConnectionStatistics,
    signal_alarm,
    signal_state,
)
from .session import CameraSession

# Pushed alarm starts remembered for exports (whose history may lack some of them).
RECENT_ALARMS = 200
# Fired alarms are written to disk at most this often (seconds), and at unload.
ALARM_SAVE_DELAY: float = 5.0
STORAGE_VERSION = 1
# An alarm-centre message and a push about the same alarm, this close, are one alarm.
SOURCE_MATCH_SECONDS = 60.0


def storage_key(entry_id: str) -> str:
    """The key (file name in `.storage`) of an entry's alarm ledger."""
    return f"{DOMAIN}.{entry_id}.alarms"


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


class AlarmProcessor:
    """Turns a camera's alarms into states and events (see the module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: CameraSession,
        clock: CameraClock,
        stats: ConnectionStatistics,
        *,
        off_delay: float,
        match_sources: bool,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.session = session
        self.clock = clock
        self.stats = stats
        self.off_delay = off_delay
        self.active_channels: tuple[int, ...] = ()
        self.ledger = AlarmLedger()
        self.recent_alarms: deque[Alarm] = deque(maxlen=RECENT_ALARMS)
        self.states: dict[AlarmKey, AlarmState] = {}
        # Called with each live alarm: the history checks stop polling a camera that pushes.
        self.on_live_alarm: Callable[[], None] = lambda: None
        # Called when a live alarm showed that the camera's clock jumped.
        self.on_clock_moved: Callable[[], None] = lambda: None
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self._matcher = _SourceMatcher() if match_sources else None
        self._off_timers: dict[AlarmKey, CALLBACK_TYPE] = {}
        # Alarms that came while the entry was set up (no entity or picture search listened
        # yet), with their time of arrival; None once `release_held` delivered them.
        self._held: list[tuple[Alarm, AlarmSource, AlarmKind | None, datetime]] | None = []
        # Pushes that came on a reconnected session before it was known to be this camera's
        # (the reconnect checks the serial number after AlarmSet), with their time of arrival.
        self._unidentified: deque[tuple[Alarm, datetime]] = deque(maxlen=RECENT_ALARMS)

    async def async_load(self) -> None:
        """Read the ledger back: before the subscription, so that no push is recorded twice."""
        self.ledger = AlarmLedger.from_dict(await self._store.async_load())

    @callback
    def save_later(self) -> None:
        self._store.async_delay_save(self.ledger.as_dict, ALARM_SAVE_DELAY)

    async def async_shutdown(self) -> None:
        self.clear_timers()
        await self._store.async_save(self.ledger.as_dict())

    @callback
    def clear_timers(self) -> None:
        for cancel_timer in self._off_timers.values():
            cancel_timer()
        self._off_timers.clear()

    @callback
    def reset(self) -> None:
        """The link dropped: a Stop sent meanwhile is lost, so start clean when it is back."""
        self.clear_timers()
        for state in self.states.values():
            state.is_on = False

    @callback
    def handle_push(self, alarm: Alarm) -> None:
        """A push on the DVRIP session."""
        self.process(alarm, AlarmSource.PUSH)

    @callback
    def handle_alarm_centre(self, message: AlarmCentreMessage, peer: str) -> None:
        """An alarm-centre message for this camera; from another address than its IP, dropped."""
        if not _same_address(self.entry.data[CONF_HOST], peer):
            self.stats.alarm_centre_rejected += 1
            LOGGER.debug("Ignored an alarm-centre message for %s from %s", self.entry.title, peer)
            return
        if message.kind.casefold() != "alarm":
            LOGGER.debug("Ignored an alarm-centre %s message from %s", message.kind, peer)
            return
        self.process(message.alarm, AlarmSource.ALARM_CENTRE)

    @callback
    def release_held(self) -> None:
        """The entities are set up: deliver the alarms that came meanwhile, in order.

        Until then they are neither recorded nor fired: a setup that fails leaves them to the
        next one's history check.
        """
        held, self._held = self._held or [], None
        for alarm, source, kind, received in held:
            self.process(alarm, source, kind, received=received)

    @callback
    def release_identified(self) -> None:
        """The reconnected session is this camera's: deliver what it pushed meanwhile."""
        while self._unidentified:
            alarm, received = self._unidentified.popleft()
            self.process(alarm, AlarmSource.PUSH, received=received)

    @callback
    def drop_unidentified(self) -> None:
        """Another camera answered at the address: what it pushed is not this camera's."""
        if self._unidentified:
            LOGGER.debug(
                "Ignored %d alarms of another camera at %s's address",
                len(self._unidentified),
                self.entry.title,
            )
        self._unidentified.clear()

    @callback
    def process(
        self,
        alarm: Alarm,
        source: AlarmSource,
        kind: AlarmKind | None = None,
        *,
        received: datetime | None = None,
        happened: datetime | None = None,
    ) -> AlarmEvent | None:
        """The one alarm path: state, ledger, then the event; returns the event fired, if any.

        `received`: when an alarm held (during setup, or until a reconnect knew the camera)
        arrived. `happened`: when a backfilled
        alarm happened, as its history check converted it.
        """
        received = received or dt_util.utcnow()
        if self.session.closing:
            return None  # an alarm-centre message racing the unload
        if source is AlarmSource.PUSH and not self.session.identified:
            # A push on a session not yet known to be this camera's: kept until the reconnect
            # knows (`release_identified`), dropped if another camera answers at the address.
            self._unidentified.append((alarm, received))
            return None
        if self._held is not None:
            self._held.append((alarm, source, kind, received))
            return None
        if alarm.channel not in self.active_channels:
            # No such channel, or no camera behind it (until a reload finds one).
            LOGGER.debug("Ignored an alarm for channel %d of %s", alarm.channel, self.entry.title)
            return None
        live = source is not AlarmSource.HISTORY
        if live:
            self.on_live_alarm()
            if self._matcher is not None and self._matcher.is_duplicate(
                alarm, source, self.hass.loop.time()
            ):
                self.stats.duplicates += 1
                return None
        kind = kind or alarm_kind(alarm.event)
        self._count(alarm, source, kind, received)
        key = (alarm.channel, kind)
        if alarm.status == AlarmStatus.STOP:
            state = self.states.setdefault(key, AlarmState())
            self._cancel_off_timer(key)
            if state.is_on:
                state.is_on = False
                async_dispatcher_send(self.hass, signal_state(self.entry.entry_id, key))
            return None
        # A Start, or a status-less event (storage alarms say "None"): both are news.
        if live and alarm.start_time and self.clock.moved(alarm.start_time, received):
            # The clock jumped since the offset was learned: the push says by how much, so
            # that this alarm's time (and which picture is kept) comes out right.
            self.clock.learn_from_alarm(alarm.start_time, received)
            self.on_clock_moved()
        camera_time = alarm.start_time or self.clock.camera_time_of(received).replace(microsecond=0)
        self.ledger.record(alarm.channel, camera_time, received)
        if live:
            self._turn_on(key, alarm, received)
            time = self.clock.to_utc(camera_time) if alarm.start_time else received
        else:
            time = happened or self.clock.to_utc(camera_time)
        event = AlarmEvent(kind, alarm, received, source, time)
        event = replace(event, newest=self.ledger.take_newest(alarm.channel, event.order_time))
        self.save_later()
        async_dispatcher_send(self.hass, signal_alarm(self.entry.entry_id, alarm.channel), event)
        return event

    def _count(
        self, alarm: Alarm, source: AlarmSource, kind: AlarmKind, received: datetime
    ) -> None:
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

    @callback
    def _turn_on(self, key: AlarmKey, alarm: Alarm, received: datetime) -> None:
        state = self.states.setdefault(key, AlarmState())
        # An alarm held during setup has spent part of its off-delay already.
        remaining = self.off_delay - (dt_util.utcnow() - received).total_seconds()
        state.is_on = remaining > 0
        state.event = alarm.event
        state.camera_time = alarm.start_time
        state.received = received
        state.starts += 1
        self.recent_alarms.append(alarm)
        self._cancel_off_timer(key)
        if state.is_on:
            self._off_timers[key] = async_call_later(
                self.hass,
                remaining,
                HassJob(partial(self._off_delay_expired, key), cancel_on_shutdown=True),
            )
        async_dispatcher_send(self.hass, signal_state(self.entry.entry_id, key))

    @callback
    def _off_delay_expired(self, key: AlarmKey, _now: datetime) -> None:
        # Not every Start gets a Stop: without one the sensor turns off after the delay.
        self._off_timers.pop(key, None)
        self.states[key].is_on = False
        async_dispatcher_send(self.hass, signal_state(self.entry.entry_id, key))

    def _cancel_off_timer(self, key: AlarmKey) -> None:
        if (cancel_timer := self._off_timers.pop(key, None)) is not None:
            cancel_timer()


def _same_address(host: str, peer: str) -> bool:
    """Whether `peer` may be the camera at `host` (a host name cannot be told, so it may)."""
    expected = ip_address_of(host)
    return expected is None or ip_address_of(peer) == expected
