"""The camera's clock: cameras stamp alarms and recordings with their local time, no zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.util import dt as dt_util

from .client import DvripClient, DvripCommandError, DvripProtocolError, DvripTimeoutError
from .const import LOGGER


class CameraClock:
    """The camera's clock minus UTC (`offset`, whole seconds; None until the camera tells it).

    Learned at each login and audit: daylight saving, NTP and drift move it, so a time is
    converted when its alarm arrives, never later.
    """

    def __init__(self) -> None:
        self.offset: timedelta | None = None

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
        self.offset = timedelta(seconds=round((camera_moment - host_moment).total_seconds()))

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
