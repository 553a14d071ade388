"""History checks and polling: the alarms of the camera's history that no push announced.

Checked at startup, after every reconnect and by audits while pushes flow (see `backfill` for
the matching); what is found fires as `backfilled`. Audits come `HISTORY_AUDIT_INTERVAL`
seconds apart, twice as far apart after each one that finds nothing, up to
`HISTORY_AUDIT_MAX_INTERVAL`: a recorder searches each channel twice per audit, and while its
pushes work the audits find nothing. An audit that finds an alarm, a reconnect, or any check
that finds a missed push starts again from the shortest interval. A camera whose history keeps
showing unpushed alarms does not push: it is polled every `HISTORY_POLL_INTERVAL` seconds
instead, with a repair issue. A check that fails, for whatever reason, never stops the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .alarms import AlarmProcessor
from .backfill import (
    FIRED_RETENTION_MARGIN,
    CheckSpan,
    HistoryAlarm,
    check_spans,
    find_unseen_alarms,
    with_owed_spans,
)
from .client import (
    Alarm,
    AlarmStatus,
    DvripCommandError,
    DvripError,
    FileType,
    RecordEvent,
    RecordFile,
)
from .clock import CameraClock
from .const import DOMAIN, LOGGER, AlarmKind
from .models import AlarmEvent, AlarmMode, AlarmSource, CheckTrigger, HistoryCheckStatistics
from .repairs import Issue, async_clear_issue, async_has_issue, async_raise_issue
from .session import CameraSession

# While pushes flow, the history is compared with them this often at first (seconds)...
HISTORY_AUDIT_INTERVAL: float = 300.0
# ...and up to this rarely, doubling after each audit that found nothing.
HISTORY_AUDIT_MAX_INTERVAL: float = 3600.0
# A camera that does not push is searched this often (seconds).
HISTORY_POLL_INTERVAL: float = 60.0
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


class HistoryChecker:
    """One history check at a time; another asked for meanwhile runs right after it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: CameraSession,
        clock: CameraClock,
        alarms: AlarmProcessor,
        *,
        history_hours: float,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.session = session
        self.clock = clock
        self.alarms = alarms
        self.history_hours = history_hours
        self.mode = AlarmMode.PUSH
        self.stats = HistoryCheckStatistics()
        self._task: asyncio.Task[None] | None = None
        self._pending: CheckTrigger | None = None
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._unannounced = 0
        # Audits in a row that found nothing: each doubles the time to the next.
        self._quiet_audits = 0
        # The spans of a check that did not finish, searched again by the next one.
        self._owed: list[CheckSpan] = []
        # Also run at each audit: the camera's settings may have changed since the login.
        self.on_audit: Callable[[], Awaitable[None]] | None = None

    @property
    def audit_interval(self) -> float:
        """Seconds from an audit to the next one, while the camera pushes."""
        interval = HISTORY_AUDIT_INTERVAL * float(2 ** min(self._quiet_audits, 32))
        return min(interval, HISTORY_AUDIT_MAX_INTERVAL)

    async def async_shutdown(self) -> None:
        self._stop_timer()
        if (task := self._task) is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    @property
    def busy(self) -> bool:
        """Whether a check is under way."""
        return self._task is not None and not self._task.done()

    @callback
    def start_check(self, trigger: CheckTrigger) -> None:
        """Check the history now, or right after the check under way."""
        if self.session.closing:
            return
        self._stop_timer()
        if self._task is not None and not self._task.done():
            # A reconnect's check matters more than a periodic one.
            if self._pending is None or trigger is CheckTrigger.RECONNECT:
                self._pending = trigger
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_run(trigger), f"{DOMAIN} history {self.entry.title}"
        )

    async def _async_run(self, trigger: CheckTrigger) -> None:
        follow_up = trigger in (CheckTrigger.STARTUP, CheckTrigger.RECONNECT)
        if trigger is CheckTrigger.RECONNECT:
            # Pushes may have been lost with the link: audit soon again.
            self._quiet_audits = 0
        if self.session.available:
            try:
                await self.async_check(trigger)
            except DvripError as err:
                # A lost link: the reconnect asks for a check again.
                self.stats.last_error = str(err)
                LOGGER.debug("History check of %s failed: %s", self.entry.title, err)
            except Exception as err:
                # A reply of a shape nobody foresaw: the checks must go on all the same,
                # or a polled camera reports no alarm again.
                self.stats.last_error = str(err)
                LOGGER.exception("History check of %s failed", self.entry.title)
        self._task = None
        if self.session.closing:
            return
        if (pending := self._pending) is not None:
            self._pending = None
            self.start_check(pending)
            return
        if self.mode is AlarmMode.HISTORY_POLLING:
            delay = HISTORY_POLL_INTERVAL
        else:
            delay = HISTORY_FOLLOW_UP if follow_up else self.audit_interval
        self._cancel_timer = async_call_later(
            self.hass, delay, HassJob(self._timer_expired, cancel_on_shutdown=True)
        )

    def _stop_timer(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    @callback
    def _timer_expired(self, _now: datetime) -> None:
        self._cancel_timer = None
        polling = self.mode is AlarmMode.HISTORY_POLLING
        self.start_check(CheckTrigger.POLL if polling else CheckTrigger.AUDIT)

    async def async_check(self, trigger: CheckTrigger) -> list[AlarmEvent]:
        """Fire the history's alarms that no push announced; return them.

        From `CHECK_OVERLAP` before the last check (never beyond the look-back option) to the
        subscription (at startup and after a reconnect: later alarms are pushed) or about now.
        Where the camera's clock jumped since, what the old clock and what the new one wrote
        are both searched (see `backfill.check_spans`).
        """
        ledger = self.alarms.ledger
        if trigger in (CheckTrigger.AUDIT, CheckTrigger.POLL):
            # A daylight-saving change, an NTP correction or drift since the login: the
            # window and the alarms' times follow the camera's clock as it is now.
            await self.clock.async_learn(self.session.client, self.entry.title)
        if trigger is CheckTrigger.AUDIT and self.on_audit is not None:
            await self.on_audit()
        now = dt_util.utcnow()
        subscribed_at = self.session.subscribed or now
        if trigger in (CheckTrigger.STARTUP, CheckTrigger.RECONNECT):
            until_at = subscribed_at - SUBSCRIBE_MARGIN
        elif trigger is CheckTrigger.AUDIT:
            until_at = now - HISTORY_SETTLE
        else:
            until_at = now - SUBSCRIBE_MARGIN
        until_at = until_at.replace(microsecond=0)
        until = self.clock.camera_time_of(until_at)
        self.stats.last_trigger = str(trigger)
        mark = ledger.checked_until
        if mark is None:
            # The first check of a camera: nothing before it is backfilled.
            ledger.checked_until, ledger.checked_at = until, until_at
            self.alarms.save_later()
            return []
        # A ledger of an older version knows the mark on the camera's clock alone.
        mark_at = ledger.checked_at or self.clock.to_utc(mark) or until_at
        spans = with_owed_spans(
            check_spans(
                mark=mark,
                mark_at=mark_at,
                until=until,
                until_at=until_at,
                look_back=timedelta(hours=self.history_hours),
            ),
            self._owed,
            until_at,
        )
        if not spans:
            return []
        LOGGER.debug(
            "%s: %s check of the history from %s",
            self.entry.title,
            trigger,
            ", ".join(f"{span.begin} to {span.end}" for span in spans),
        )
        found: list[tuple[HistoryAlarm, datetime]] = []
        listed: list[tuple[CheckSpan, list[RecordFile]]] = []
        for span in spans:
            try:
                records = await self._async_list(span.begin, span.end)
            except BaseException:
                # The clock may jump before a check finishes: these spans are searched
                # again, as their clock wrote them (see `with_owed_spans`).
                self._owed = spans
                raise
            listed.append((span, records))
            for alarm in find_unseen_alarms(records, ledger, begin=span.begin, end=span.end):
                # When it happened, converted by the clock that stamped it (never later than
                # now: a clock that ran ahead is no reason to place it in the future).
                happened = (alarm.time - span.offset).replace(tzinfo=UTC)
                found.append((alarm, min(happened, now)))
        found.sort(key=lambda item: item[1])
        unannounced = [
            alarm
            for alarm, happened in found
            if trigger is CheckTrigger.AUDIT and happened >= subscribed_at + SUBSCRIBE_MARGIN
        ]
        self._owed = []
        events = [event for alarm, happened in found if (event := self._fire(alarm, happened))]
        for span, records in listed:
            ledger.settle(records, begin=span.begin, end=span.end)
        if until_at > mark_at:
            ledger.checked_until, ledger.checked_at = until, until_at
        ledger.prune(now - timedelta(hours=self.history_hours) - FIRED_RETENTION_MARGIN)
        self.alarms.save_later()
        stats = self.stats
        stats.checks += 1
        stats.last_check = now
        stats.last_window = (spans[0].begin.isoformat(), spans[-1].end.isoformat())
        stats.last_found = len(found)
        stats.last_error = None
        if found:
            # A push was missed: the next audits come at the shortest interval again.
            self._quiet_audits = 0
        elif trigger is CheckTrigger.AUDIT:
            self._quiet_audits += 1
        if found:
            LOGGER.debug(
                "%s: %d alarm(s) found in the camera's history that were not pushed",
                self.entry.title,
                len(found),
            )
        if unannounced and self.mode is AlarmMode.PUSH:
            self._unannounced += 1
            stats.unannounced_checks += 1
            if self._unannounced >= UNANNOUNCED_CHECKS:
                self._start_polling()
        return events

    async def _async_list(self, begin: datetime, end: datetime) -> list[RecordFile]:
        """The jpg entries and clips of every channel in the window (a refusal lists none)."""
        records: list[RecordFile] = []
        for channel in self.alarms.active_channels:
            for file_type in (FileType.PICTURE, FileType.VIDEO):
                try:
                    records.extend(
                        await self.session.client.query_files(
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
    def _fire(self, found: HistoryAlarm, happened: datetime) -> AlarmEvent | None:
        kind = AlarmKind.ALARM_INPUT if found.tag is RecordEvent.ALARM else AlarmKind.MOTION
        alarm = Alarm(
            channel=found.channel,
            # No event name is recorded: the recording's tag stands in for it.
            event="alarm" if found.tag is RecordEvent.ALARM else "motion",
            status=AlarmStatus.START,
            start_time=found.time,
            raw={"FileName": found.source_name},
        )
        return self.alarms.process(alarm, AlarmSource.HISTORY, kind, happened=happened)

    @callback
    def live_alarm_seen(self) -> None:
        """A pushed (or alarm-centre) alarm arrived: this camera tells of its alarms."""
        self._unannounced = 0
        if self.mode is AlarmMode.HISTORY_POLLING:
            self.mode = AlarmMode.PUSH
            LOGGER.info("%s pushes its alarms again; history polling stops", self.entry.title)
            async_clear_issue(self.hass, self.entry, Issue.PUSH_MISSING)

    @callback
    def _start_polling(self) -> None:
        self.mode = AlarmMode.HISTORY_POLLING
        LOGGER.warning(
            "%s records alarms but does not push them; its recordings are searched for"
            " alarms every %d s instead",
            self.entry.title,
            HISTORY_POLL_INTERVAL,
        )
        # Where alarm upload is known to be off, that issue already says how to fix it.
        if not async_has_issue(self.hass, self.entry, Issue.UPLOAD_DISABLED):
            async_raise_issue(
                self.hass,
                self.entry,
                Issue.PUSH_MISSING,
                poll_interval=str(round(HISTORY_POLL_INTERVAL)),
            )
