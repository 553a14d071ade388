"""The camera's clock: cameras stamp alarms and recordings with their local time, no zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from homeassistant.util import dt as dt_util

from .client import DvripClient, DvripCommandError, DvripProtocolError, DvripTimeoutError
from .const import LOGGER

# A live alarm stamped further than this from its arrival (converted with the offset) shows
# that the clock jumped: pushes arrive within a second or two of their alarm, and drift
# stays within this for days.
CLOCK_JUMP_TOLERANCE: Final = timedelta(seconds=90)
# A camera's clock further off than this from the right time in its zone is wrong (a repair
# issue offers to keep it right).
CLOCK_WRONG_TOLERANCE: Final = timedelta(minutes=1)
# No time zone is further from UTC than this; a clock that is, is not in a zone (its epoch).
MAX_ZONE_OFFSET: Final = timedelta(hours=14)
# The UTC offsets in use that are no whole hours, in minutes (IANA time zone database: e.g.
# Newfoundland -3:30, India +5:30, Nepal +5:45, Chatham +12:45, with their summer times).
PART_HOUR_ZONES: Final = (-570, -210, -150, 210, 270, 330, 345, 390, 525, 570, 630, 765, 825)
# A clock this close to Home Assistant's zone is taken to be in it: most cameras are where
# Home Assistant is, and a clock some minutes off is nearer to another zone now and then.
HOME_ZONE_MARGIN: Final = timedelta(minutes=30)
_ZONE_OFFSETS: Final = sorted(
    {timedelta(hours=hours) for hours in range(-12, 15)}
    | {timedelta(minutes=minutes) for minutes in PART_HOUR_ZONES}
)


class CameraClock:
    """The camera's clock minus UTC (`offset`, whole seconds; None until the camera tells it).

    Learned at each login and audit: daylight saving, NTP and drift move it, so a time is
    converted when its alarm arrives, never later.
    """

    def __init__(self) -> None:
        self.offset: timedelta | None = None
        # The camera's zone as last inferred from a clock within a zone of UTC: kept while
        # its clock is back at its epoch.
        self._zone: timedelta | None = None

    async def async_learn(self, client: DvripClient, name: str) -> None:
        """Measure the offset again; a camera that does not tell its time keeps the old one."""
        asked = dt_util.utcnow()
        try:
            camera_now = await client.get_time()
        except (DvripCommandError, DvripProtocolError, DvripTimeoutError) as err:
            LOGGER.debug("%s does not tell its time: %s", name, err)
            return
        answered = dt_util.utcnow()
        # The camera's second began up to a second before it answered: take its middle,
        # against the middle of the request.
        camera_moment = camera_now + timedelta(seconds=0.5)
        host_moment = (asked + (answered - asked) / 2).replace(tzinfo=None)
        self._learned(timedelta(seconds=round((camera_moment - host_moment).total_seconds())))

    def _learned(self, offset: timedelta) -> None:
        self.offset = offset
        if (zone := _nearest_zone(offset)) is not None:
            self._zone = zone

    def moved(self, camera_time: datetime, received: datetime) -> bool:
        """Whether an alarm stamped `camera_time` that arrived at `received` (aware) shows
        that the clock jumped since the offset was learned.
        """
        expected = self.to_utc(camera_time)
        return expected is not None and abs(expected - received) > CLOCK_JUMP_TOLERANCE

    def learn_from_alarm(self, camera_time: datetime, received: datetime) -> None:
        """Take the offset from a live alarm: stamped (in the middle of its second) as it came."""
        moment = camera_time.replace(tzinfo=None) + timedelta(seconds=0.5)
        arrived = dt_util.as_utc(received).replace(tzinfo=None)
        self._learned(timedelta(seconds=round((moment - arrived).total_seconds())))

    def zone_offset(self) -> timedelta | None:
        """The camera's time zone (its UTC offset) as its clock tells; None when it cannot.

        Inferred from the learned offset: Home Assistant's zone when the clock is within
        `HOME_ZONE_MARGIN` of it, else the nearest UTC offset in use (whole hours, and the
        half and three-quarter hours some zones keep): a clock a few minutes off is taken to
        be in the zone it is nearest to. Rounding to any quarter hour would put a clock ten
        minutes slow in a zone nobody uses. A clock further than any zone
        from UTC (back at its epoch after a power cut) tells nothing: the zone inferred
        before is kept; without one, None (Home Assistant's zone is taken).
        """
        if self.offset is not None and (zone := _nearest_zone(self.offset)) is not None:
            return zone
        return self._zone

    def right_time(self, moment: datetime) -> datetime:
        """What the camera's clock should read at an aware moment: the local time of its
        zone (see `zone_offset`), else of Home Assistant's (naive, as the camera writes it).
        """
        zone = self.zone_offset()
        if zone is None:
            return dt_util.as_local(moment).replace(tzinfo=None)
        return dt_util.as_utc(moment).replace(tzinfo=None) + zone

    def error(self) -> timedelta | None:
        """How far the camera's clock is ahead of the right time; None while unknown."""
        if self.offset is None:
            return None
        now = dt_util.utcnow()
        return self.camera_time_of(now) - self.right_time(now)

    def to_utc(self, camera_time: datetime) -> datetime | None:
        """A time on the camera's clock as an aware UTC time; None while the offset is unknown."""
        if self.offset is None:
            return None
        return (camera_time.replace(tzinfo=None) - self.offset).replace(tzinfo=UTC)

    def camera_time_of(self, moment: datetime) -> datetime:
        """What the camera's clock reads at an aware moment (naive, as the camera writes it).

        Without a learned offset the camera is taken to keep Home Assistant's local time.
        """
        if self.offset is None:
            return dt_util.as_local(moment).replace(tzinfo=None)
        return dt_util.as_utc(moment).replace(tzinfo=None) + self.offset

    def now(self) -> datetime:
        """The camera's clock now (naive, whole seconds as the camera counts)."""
        return self.camera_time_of(dt_util.utcnow()).replace(microsecond=0)

    def seconds(self) -> float | None:
        """The offset in seconds, for diagnostics."""
        return self.offset.total_seconds() if self.offset is not None else None


def _nearest_zone(offset: timedelta) -> timedelta | None:
    """The UTC offset a clock's offset suggests (see `zone_offset`); None beyond any zone."""
    if abs(offset) > MAX_ZONE_OFFSET + timedelta(minutes=30):
        return None
    home = dt_util.now().utcoffset()
    if home is not None and abs(offset - home) <= HOME_ZONE_MARGIN:
        return home
    return min(_ZONE_OFFSETS, key=lambda zone: abs(zone - offset))
