"""Live stills: one at a time per channel, shared, and which channels refuse them.

Home Assistant asks for a still once per frame interval for every open camera view, and
cards, automations and alarm pictures ask too. The camera is asked once per channel at a
time: whoever asks while a still is on its way gets that one, and a still younger than
`STILL_MAX_AGE` is given again. The client takes the stills on its second connection, one
login kept while stills keep coming (see `client.extra`); while a download holds that
connection, a camera view is given the channel's last still again.

A still is OPSNAP's JPEG. Where the device refuses OPSNAP (most recorders), gets stuck on it
(Ret 108 for every still until a reboot) or leaves it unanswered, the still is the first
keyframe of the channel's sub stream (OPMonitor), decoded in the executor; a channel whose
OPSNAP was refused goes to the stream straight away for `STILL_REFUSAL_EXPIRY`. Either way
the still takes the same turn on the second connection, so stills stay within the device's
two connections.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.util import dt as dt_util

from .client import (
    DvripAuthError,
    DvripBusyError,
    DvripCommandError,
    DvripError,
    DvripTimeoutError,
    LiveStreamType,
    LoginRefusal,
)
from .const import DOMAIN, LOGGER
from .pictures.frames import NoFrameError
from .pictures.keyframe import keyframe_jpeg
from .session import CameraSession

# A channel whose live still was refused is asked again after this long.
STILL_REFUSAL_EXPIRY = timedelta(hours=1)
# How often an open camera view asks for a still (the camera entity's frame interval).
STILL_INTERVAL: Final = timedelta(seconds=5)
# A still younger than this is given again rather than asked of the camera. A little short of
# the interval, so that an open view's next frame is a new still.
STILL_MAX_AGE: Final = STILL_INTERVAL * 0.8


@dataclass(frozen=True, slots=True)
class _Still:
    """A still of `channel` asked of the camera at `asked` (UTC): on its way, or come."""

    channel: int
    asked: datetime
    task: asyncio.Task[bytes | None]

    def serves(self, asked_after: datetime | None) -> bool:
        """Whether, on its way, it may be given to someone asking now."""
        return asked_after is None or self.asked >= asked_after

    def fresh(self, asked_after: datetime | None) -> bool:
        """Whether, come, it may be given again (a clock set back makes it stale)."""
        now = dt_util.utcnow()
        oldest = now - STILL_MAX_AGE
        if asked_after is not None:
            oldest = max(oldest, asked_after)
        return oldest <= self.asked <= now

    @property
    def jpeg(self) -> bytes | None:
        """The picture, once come; None while on its way, or when there was none."""
        task = self.task
        if not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()


class LiveStills:
    """Live stills of a camera's channels (see the module docstring). A refused channel is
    not asked again for `STILL_REFUSAL_EXPIRY`.
    """

    def __init__(self, entry: ConfigEntry, session: CameraSession) -> None:
        self.entry = entry
        self.session = session
        # Until when a channel's OPSNAP is refused (its stills come from the stream), and
        # until when it has no live stills at all.
        self._snap_refused: dict[int, datetime] = {}
        self._refused: dict[int, datetime] = {}
        # The last still asked of each channel, and the last one that came.
        self._stills: dict[int, _Still] = {}
        self._last: dict[int, bytes] = {}

    def refused(self, channel: int) -> bool:
        """Whether the device refused this channel's live stills a short while ago."""
        return _still_holds(self._refused, channel)

    def stream_channels(self) -> list[int]:
        """The channels (counted from 1) whose stills come from the stream now, for diagnostics."""
        return sorted(
            channel + 1 for channel in list(self._snap_refused) if self.from_stream(channel)
        )

    def from_stream(self, channel: int) -> bool:
        """Whether this channel's stills come from its live stream (OPSNAP refused)."""
        return _still_holds(self._snap_refused, channel)

    def refused_channels(self) -> list[int]:
        """The channels (counted from 1) whose stills are refused now, for diagnostics."""
        return sorted(channel + 1 for channel in list(self._refused) if self.refused(channel))

    async def async_snapshot(
        self, channel: int, *, asked_after: datetime | None = None
    ) -> bytes | None:
        """A live JPEG of a channel; None when there is none to be had now.

        `asked_after`: only a still asked of the camera from then on will do (an alarm's
        picture must not show the scene before the alarm).
        """
        if self.refused(channel) or not self.session.available:
            return None
        while (still := self._stills.get(channel)) is not None and not still.task.done():
            if still.serves(asked_after):
                return await self._async_wait(still, asked_after)
            # Asked too early for this caller; one at a time, so the next waits for it.
            await asyncio.wait([still.task])
        if still is not None and still.jpeg is not None and still.fresh(asked_after):
            return still.jpeg
        if self.refused(channel) or not self.session.available:
            return None
        still = _Still(
            channel,
            dt_util.utcnow(),
            self.entry.async_create_background_task(
                self.session.hass,
                self._async_ask(channel),
                f"{DOMAIN} still channel {channel + 1} {self.entry.title}",
            ),
        )
        self._stills[channel] = still
        return await self._async_wait(still, asked_after)

    async def _async_wait(self, still: _Still, asked_after: datetime | None) -> bytes | None:
        try:
            # Shielded: someone else may be waiting for the same still when this caller gives up.
            return await asyncio.shield(still.task)
        except DvripBusyError:
            # A camera view keeps its last frame meanwhile; an alarm's picture must be new.
            return None if asked_after is not None else self._last.get(still.channel)

    async def _async_ask(self, channel: int) -> bytes | None:
        """Ask the camera; `DvripBusyError` when its second connection stays taken."""
        if not self.from_stream(channel):
            try:
                jpeg = await self.session.client.snapshot(channel)
            except DvripBusyError as err:
                LOGGER.debug("No snapshot of %s channel %d: %s", self.entry.title, channel + 1, err)
                raise
            except DvripAuthError as err:
                self._auth_refused(channel, err)
                return None
            except DvripCommandError as err:
                # Refused, or stuck (Ret 108 until a reboot): the stream stands in.
                self._snap_refused[channel] = dt_util.utcnow() + STILL_REFUSAL_EXPIRY
                LOGGER.debug(
                    "%s refuses live snapshots of channel %d (%s); its stream stands in",
                    self.entry.title,
                    channel + 1,
                    err,
                )
            except DvripTimeoutError as err:
                LOGGER.debug(
                    "No snapshot of %s channel %d (%s); a still from its stream instead",
                    self.entry.title,
                    channel + 1,
                    err,
                )
            except DvripError as err:
                LOGGER.debug("No snapshot of %s channel %d: %s", self.entry.title, channel + 1, err)
                return None
            else:
                self._last[channel] = jpeg
                return jpeg
        return await self._async_from_stream(channel)

    async def _async_from_stream(self, channel: int) -> bytes | None:
        """The first keyframe of the channel's sub stream, as a JPEG."""
        try:
            frame = await self.session.client.live_keyframe(channel, LiveStreamType.EXTRA)
            jpeg = await self.session.hass.async_add_executor_job(keyframe_jpeg, frame)
        except DvripBusyError as err:
            LOGGER.debug("No still of %s channel %d: %s", self.entry.title, channel + 1, err)
            raise
        except DvripAuthError as err:
            self._auth_refused(channel, err)
            return None
        except DvripCommandError as err:
            # Neither OPSNAP nor the stream: the channel's alarm pictures stand in.
            self._refused[channel] = dt_util.utcnow() + STILL_REFUSAL_EXPIRY
            LOGGER.debug(
                "%s refuses the live stream of channel %d too (%s); its alarm pictures stand in",
                self.entry.title,
                channel + 1,
                err,
            )
            return None
        except (DvripError, NoFrameError) as err:
            LOGGER.debug(
                "No still from the stream of %s channel %d: %s", self.entry.title, channel + 1, err
            )
            return None
        self._last[channel] = jpeg
        return jpeg

    def _auth_refused(self, channel: int, err: DvripAuthError) -> None:
        """A camera that allows one login only (Ret 207): a still needs a second login, so
        there are none while the alarm session is open.
        """
        if err.refusal is not LoginRefusal.SESSION_REFUSED:
            LOGGER.debug("No still of %s: %s", self.entry.title, err)
            return
        self._refused[channel] = dt_util.utcnow() + STILL_REFUSAL_EXPIRY
        LOGGER.debug(
            "%s allows no second login for live stills of channel %d (%s); its alarm "
            "pictures stand in",
            self.entry.title,
            channel + 1,
            err,
        )


def _still_holds(until_by_channel: dict[int, datetime], channel: int) -> bool:
    """Whether a channel's entry is set and not yet expired (an expired one is dropped)."""
    until = until_by_channel.get(channel)
    if until is None:
        return False
    if dt_util.utcnow() >= until:
        del until_by_channel[channel]
        return False
    return True
