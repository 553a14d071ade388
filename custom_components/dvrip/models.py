"""The alarm stream's models, shared by the coordinator's parts, the pictures and the entities.

The dispatcher signals name what changed: the connection or one alarm key's state
(`signal_state`), an alarm start on a channel (`signal_alarm`), a new picture (`signal_picture`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .client import Alarm
from .const import DOMAIN, AlarmKind

type AlarmKey = tuple[int, AlarmKind]


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

    `time`: when it happened, on Home Assistant's clock (or `received` when not known).
    `newest` is False for an alarm that came before one already fired on its channel, in
    the order of `order_time` (only a backfilled one can).
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
    def order_time(self) -> datetime:
        """What orders alarms (and their pictures): when Home Assistant was told of a live
        one, when a backfilled one happened (never after it was found). Not the camera's
        clock, which jumps.
        """
        if self.backfilled and self.time is not None:
            return min(self.time, self.received)
        return self.received

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


def signal_state(entry_id: str, key: AlarmKey | None = None) -> str:
    """Sent when one alarm key's state changes; with no key, when the connection does."""
    if key is None:
        return f"{DOMAIN}_{entry_id}_connection"
    return f"{DOMAIN}_{entry_id}_state_{key[0]}_{key[1]}"


def signal_alarm(entry_id: str, channel: int) -> str:
    """Sent with the `AlarmEvent` of every alarm start on `channel`."""
    return f"{DOMAIN}_{entry_id}_alarm_{channel}"


def signal_picture(entry_id: str, channel: int) -> str:
    """Sent with each new last-alarm picture of `channel`."""
    return f"{DOMAIN}_{entry_id}_picture_{channel}"


type AlarmEventListener = Callable[[AlarmEvent], None]
