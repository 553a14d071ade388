"""The last alarm picture of each channel: looked for after every alarm, kept on disk.

A pushed alarm's recording appears in the history seconds later, so it is looked for after
`SETTLE_SECONDS`, then after `RETRY_DELAYS` (about five minutes in all). By picture mode:
`recording` (the jpg entry or motion clip, through the `pictures` resolver), `snapshot` (a
live still; the recording where stills are refused), `auto` (the still at once, replaced by
the recording's picture once found; `method` tells which), `off` (no `LastAlarmPictures`).
A better picture of the same alarm keeps the time its first one was shown (`shown`), so the
image entity's state changes once per alarm.
A backfilled alarm is over: its picture comes from the recording, and only for the newest.

Each channel looks for one picture at a time; of the alarms that came meanwhile only the
newest is looked for. The newest `KEPT_PICTURES` of each channel stay on disk (see
`pictures.kept`), so a notification's URL still works when the next alarm comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.util import dt as dt_util

from .client import DvripAuthError, DvripError, DvripUnsupportedError
from .clock import CameraClock
from .const import DOMAIN, LOGGER, PICTURE_KINDS, PictureMode
from .models import AlarmEvent, signal_alarm, signal_picture
from .pictures import AlarmMarker, alarm_file_name, resolve_alarm_picture
from .pictures.kept import KeptPicture, read_kept_pictures, write_kept_picture
from .session import CameraSession
from .stills import LiveStills
from .storage import PICTURES_FOLDER, media_root

# Seconds after an alarm before its picture is first looked for: the camera is still writing.
SETTLE_SECONDS: float = 10.0
# Then again after these many seconds each: about five minutes in all.
RETRY_DELAYS: tuple[float, ...] = (10.0, 20.0, 40.0, 80.0, 160.0)
PICTURE_DOWNLOAD_TIMEOUT: float = 60.0
# Pictures kept on disk per channel (the newest).
KEPT_PICTURES: int = 10

# The method of a live still (the resolver's methods name the recording's sources).
SNAPSHOT_METHOD: Final = "snapshot"

type PictureListener = Callable[[KeptPicture], None]


@dataclass(frozen=True, slots=True)
class _Request:
    """An alarm whose picture is wanted; `received` is the event loop's time of its push."""

    event: AlarmEvent
    marker: AlarmMarker
    received: float

    @property
    def channel(self) -> int:
        return self.event.alarm.channel


class LastAlarmPictures:
    """The last alarm picture of each channel of one camera (see the module docstring)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        session: CameraSession,
        clock: CameraClock,
        stills: LiveStills,
        channels: tuple[int, ...],
        mode: PictureMode,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.session = session
        self.clock = clock
        self.stills = stills
        self.channels = channels
        self.mode = mode
        self.root = media_root(hass)
        self.folder = self.root.camera_dir(entry.entry_id) / PICTURES_FOLDER if self.root else None
        self._pictures: dict[int, KeptPicture] = {}
        self._pending: dict[int, _Request] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        # One live still at a time per channel; the newest alarm that came meanwhile waits.
        self._still_pending: dict[int, _Request] = {}
        self._still_workers: dict[int, asyncio.Task[None]] = {}
        # Keeping a picture takes turns per channel: an older one never overwrites a newer.
        self._keep_locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._failures: dict[int, str] = {}
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._closing = False

    def picture(self, channel: int) -> KeptPicture | None:
        """The channel's last alarm picture, if there is one yet."""
        return self._pictures.get(channel)

    async def async_start(self) -> None:
        """Read the kept pictures back and start listening for alarms."""
        if self.folder is not None and self.root is not None:
            kept = await self.hass.async_add_executor_job(
                read_kept_pictures, self.folder, self.channels
            )
            for channel, picture in kept.items():
                assert picture.file_name is not None
                self._pictures[channel] = replace(picture, url=self._url(picture.file_name))
        for channel in self.channels:
            self._unsubscribers.append(
                async_dispatcher_connect(
                    self.hass, signal_alarm(self.entry.entry_id, channel), self._handle_alarm
                )
            )

    async def async_shutdown(self) -> None:
        """Stop listening and end every search for a picture."""
        self._closing = True
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    @callback
    def async_add_listener(self, channel: int, listener: PictureListener) -> CALLBACK_TYPE:
        """Call `listener` with each new picture of `channel`."""
        return async_dispatcher_connect(
            self.hass, signal_picture(self.entry.entry_id, channel), listener
        )

    @callback
    def _handle_alarm(self, event: AlarmEvent) -> None:
        if self._closing or event.kind not in PICTURE_KINDS:
            return
        if event.backfilled and not event.newest:
            return  # a later alarm's picture is the last one
        # A push without StartTime: the moment it arrived, on the camera's clock.
        marker = AlarmMarker.from_alarm(
            event.alarm, time=self.clock.camera_time_of(event.received).replace(microsecond=0)
        )
        received = self.hass.loop.time()
        if event.backfilled:
            # Recorded long since: no settle time, and no live still of a past alarm.
            self._queue(_Request(event, marker, received - SETTLE_SECONDS))
            return
        request = _Request(event, marker, received)
        if self.mode in (PictureMode.SNAPSHOT, PictureMode.AUTO) and (
            not self.stills.refused(request.channel)
        ):
            self._enqueue(self._still_pending, self._still_workers, request, self._async_snapshot)
            if self.mode is PictureMode.SNAPSHOT:
                return
        self._queue(request)

    @callback
    def _queue(self, request: _Request) -> None:
        """Look for the request's picture next; it replaces any alarm still waiting."""
        self._enqueue(self._pending, self._workers, request, self._async_resolve)

    @callback
    def _enqueue(
        self,
        pending: dict[int, _Request],
        workers: dict[int, asyncio.Task[None]],
        request: _Request,
        handle: Callable[[_Request], Coroutine[Any, Any, None]],
    ) -> None:
        """One worker per channel takes the newest waiting request, one at a time."""
        channel = request.channel
        pending[channel] = request
        if (worker := workers.get(channel)) is None or worker.done():

            async def work() -> None:
                while (waiting := pending.pop(channel, None)) is not None:
                    await handle(waiting)

            workers[channel] = self._spawn(work(), f"{handle.__name__} channel {channel + 1}")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = self.entry.async_create_background_task(
            self.hass, coro, f"{DOMAIN} {name} {self.entry.title}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _async_snapshot(self, request: _Request) -> None:
        # A still of the scene after the alarm came, not one a camera view asked for before.
        jpeg = await self.stills.async_snapshot(request.channel, asked_after=request.event.received)
        if jpeg is None:
            if self.mode is PictureMode.SNAPSHOT and not self._closing:
                self._queue(request)
            return
        # At once: the recording's picture, when found, replaces it (see _async_keep_in_turn).
        await self._async_keep(request, jpeg, SNAPSHOT_METHOD, None)

    async def _async_resolve(self, request: _Request) -> None:
        """Look for the picture of one alarm until found, given up, or a newer alarm came."""
        channel = request.channel
        settle = max(0.0, SETTLE_SECONDS - (self.hass.loop.time() - request.received))
        failure = "not looked for"
        for delay in (settle, *RETRY_DELAYS):
            await asyncio.sleep(delay)
            if channel in self._pending:
                # A newer alarm arrived: its picture is the last alarm's picture.
                return
            if not self.session.available:
                failure = "the camera is unavailable"
                continue
            try:
                picture = await resolve_alarm_picture(
                    self.session.client,
                    request.marker,
                    download_timeout=PICTURE_DOWNLOAD_TIMEOUT,
                )
            except (DvripAuthError, DvripUnsupportedError) as err:
                failure = str(err)
                break  # the same answer every time: stop asking
            except DvripError as err:
                failure = str(err)
                continue
            if picture.jpeg is not None:
                await self._async_keep(
                    request, picture.jpeg, str(picture.method), picture.source_name
                )
                return
            failure = picture.reason or str(picture.method)
        self._failures[channel] = failure
        LOGGER.debug(
            "No picture of the %s alarm at %s on %s channel %d: %s",
            request.event.alarm.event,
            request.marker.time,
            self.entry.title,
            channel + 1,
            failure,
        )

    async def _async_keep(
        self, request: _Request, jpeg: bytes, method: str, source_file: str | None
    ) -> None:
        """Keep a picture on disk and tell the entities; an older alarm's never replaces one."""
        async with self._keep_locks.setdefault(request.channel, asyncio.Lock()):
            await self._async_keep_in_turn(request, jpeg, method, source_file)

    async def _async_keep_in_turn(
        self, request: _Request, jpeg: bytes, method: str, source_file: str | None
    ) -> None:
        channel = request.channel
        event = request.event
        camera_time = request.marker.time
        current = self._pictures.get(channel)
        # A better picture of the shown alarm is no new alarm: it keeps the time first shown.
        same_alarm = current is not None and current.alarm is event
        shown = current.shown if current is not None and same_alarm else None
        picture = KeptPicture(
            channel=channel,
            jpeg=jpeg,
            # When the alarm happened, as converted when it came.
            time=event.time or event.received,
            camera_time=camera_time,
            kind=event.kind,
            event=event.alarm.event,
            method=method,
            source_file=source_file,
            backfilled=event.backfilled,
            shown=shown or dt_util.utcnow(),
            order_time=event.order_time,
            alarm=event,
        )
        if current is not None and not same_alarm and picture.order < current.order:
            # An earlier alarm's picture: the one pushed last (not the one the camera's clock,
            # which jumps, stamped latest) is the last alarm's.
            return
        if (
            same_alarm
            and current is not None
            and method == SNAPSHOT_METHOD
            and current.method != SNAPSHOT_METHOD
        ):
            return  # the recording's picture of this alarm came first: it is the better one
        if self.folder is not None:
            file_name = alarm_file_name(camera_time, channel)
            kept = replace(picture, file_name=file_name, url=self._url(file_name))
            try:
                await self.hass.async_add_executor_job(
                    write_kept_picture, self.folder, kept, KEPT_PICTURES
                )
            except OSError as err:
                LOGGER.warning(
                    "Cannot keep the alarm picture of %s in %s: %s",
                    self.entry.title,
                    self.folder,
                    err,
                )
            else:
                picture = kept
        self._failures.pop(channel, None)
        self._pictures[channel] = picture
        async_dispatcher_send(self.hass, signal_picture(self.entry.entry_id, channel), picture)

    def _url(self, file_name: str) -> str:
        assert self.root is not None
        return self.root.url(self.entry.entry_id, PICTURES_FOLDER, file_name)

    def as_dict(self) -> dict[str, Any]:
        """The mode, and each channel's last picture and last failure, for diagnostics."""
        channels: dict[str, Any] = {}
        for channel in self.channels:
            picture = self._pictures.get(channel)
            worker = self._workers.get(channel)
            channels[f"channel {channel + 1}"] = {
                "picture": picture
                and {
                    **picture.attributes(),
                    "time": picture.time.isoformat(),
                    "file": picture.file_name,
                    "bytes": len(picture.jpeg),
                },
                "last_failure": self._failures.get(channel),
                "searching": worker is not None and not worker.done(),
            }
        return {
            "mode": str(self.mode),
            "kept_on_disk": self.folder is not None,
            "channels": channels,
        }
