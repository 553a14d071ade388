"""Live stills (OPSNAP), and which channels refuse them for now."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.util import dt as dt_util

from .client import DvripAuthError, DvripCommandError, DvripError, LoginRefusal
from .const import LOGGER
from .session import CameraSession

# A channel whose live still was refused is asked again after this long.
STILL_REFUSAL_EXPIRY = timedelta(hours=1)


class LiveStills:
    """Live stills of a camera's channels, each over a login of its own (a slow one cannot drop
    the alarm session). A refused channel is not asked again for `STILL_REFUSAL_EXPIRY`.
    """

    def __init__(self, entry: ConfigEntry, session: CameraSession) -> None:
        self.entry = entry
        self.session = session
        self._refused: dict[int, datetime] = {}

    def refused(self, channel: int) -> bool:
        """Whether the device refused this channel's live stills a short while ago."""
        until = self._refused.get(channel)
        if until is None:
            return False
        if dt_util.utcnow() >= until:
            del self._refused[channel]
            return False
        return True

    def refused_channels(self) -> list[int]:
        """The channels (counted from 1) whose stills are refused now, for diagnostics."""
        return sorted(channel + 1 for channel in list(self._refused) if self.refused(channel))

    async def async_snapshot(self, channel: int) -> bytes | None:
        """A live JPEG of a channel; None when there is none to be had now."""
        if self.refused(channel) or not self.session.available:
            return None
        try:
            return await self.session.client.snapshot(channel)
        except (DvripCommandError, DvripAuthError) as err:
            if isinstance(err, DvripAuthError) and err.refusal is not LoginRefusal.SESSION_REFUSED:
                LOGGER.debug("No snapshot of %s: %s", self.entry.title, err)
                return None
            # Refused outright, or a camera that allows one login only (Ret 207): a still
            # needs a login of its own, so there are none while the alarm session is open.
            self._refused[channel] = dt_util.utcnow() + STILL_REFUSAL_EXPIRY
            LOGGER.debug(
                "%s refuses live snapshots of channel %d (%s); its alarm pictures stand in",
                self.entry.title,
                channel + 1,
                err,
            )
        except DvripError as err:
            LOGGER.debug("No snapshot of %s channel %d: %s", self.entry.title, channel + 1, err)
        return None
