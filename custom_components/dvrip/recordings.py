"""The camera's recordings in the Media panel, and the view that plays them.

    DVRIP > <camera> > Recordings [channel N] > 2026-11-25 > 13:05:10 0:42 Motion, person

The structure follows Home Assistant core's Reolink media source (camera, then the days with
recordings, then each file titled with its trigger); playback goes through an authenticated
view of ours, as Reolink's `PlaybackProxyView` and UniFi Protect's `VideoProxyView` do (file
names travel base64url-encoded, as in Reolink's). Unlike theirs, the device serves no browser
format: the view remuxes its container into fragmented MP4 as it downloads (`pictures.remux`).

Lists are cached briefly: each is a search on the alarm session, and a recorder can take ten
seconds per search. A recording is played only if the device listed it: a URL cannot make the
device fetch a file name of its own.
"""

from __future__ import annotations

from collections import deque
import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
import logging
from pathlib import Path
import re
import shutil
import tempfile
import time
from typing import TYPE_CHECKING, Final

from aiohttp import hdrs, web
from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import BrowseMediaSource, PlayMedia, Unresolvable
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.helpers.storage import Store

from .client import DvripError, RecordFile
from .const import DOMAIN
from .models import AlarmEvent, signal_alarm
from .pictures.recordings import (
    day_recordings,
    file_name_of,
    find_recording,
    recording_days,
    recording_title,
    recording_token,
)
from .pictures.remux import MIME_TYPE, RemuxError, stream_recording
from .recording_files import WholeRecordings, wants_whole_file

if TYPE_CHECKING:
    from .coordinator import DvripCoordinator

_LOGGER = logging.getLogger(__name__)

# How long a list of days or recordings is reused before the device is searched again.
LIST_CACHE_SECONDS: Final = 60.0
# A recording longer than this is offered in parts of this length: a device sends at about
# real time (section 11 of the protocol notes), so a part is what a viewer waits through, and
# how long the camera's other downloads (alarm pictures) wait for it.
PART: Final = timedelta(minutes=5)
# Alarm kinds kept per channel to title recordings with (the newest).
KINDS_KEPT: Final = 2000
KINDS_STORAGE_VERSION: Final = 1
KINDS_SAVE_DELAY: Final = 10.0
RECORDINGS_FOLDER: Final = re.compile(r"recordings_(\d{1,3})")
DAY_NAME: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
PART_NAME: Final = re.compile(r"\d{1,6}")
URL: Final = "/api/dvrip/recording/{entry_id}/{channel}/{day}/{token}"
# Served by `thumbnails`.
THUMBNAIL_URL: Final = "/api/dvrip/recording_thumbnail/{entry_id}/{channel}/{day}/{token}"


def kinds_storage_key(entry_id: str) -> str:
    """The key (file name in `.storage`) of an entry's noted alarm kinds."""
    return f"{DOMAIN}.{entry_id}.recording_kinds"


def recordings_folder(channel: int) -> str:
    return f"recordings_{channel}"


@dataclass(frozen=True, slots=True)
class _Cached[T]:
    value: T
    until: float


class RecordingCatalogue:
    """One camera's recordings: cached lists, and the alarm kinds to title them with."""

    def __init__(self, hass: HomeAssistant, coordinator: DvripCoordinator) -> None:
        self.hass = hass
        self.coordinator = coordinator
        self._days: dict[int, _Cached[list[date]]] = {}
        self._lists: dict[tuple[int, date], _Cached[list[RecordFile]]] = {}
        # (camera time, kind) of the alarms this camera pushed or backfilled, per channel.
        self._kinds: dict[int, deque[tuple[datetime, str]]] = {}
        self._store = Store[dict[str, object]](
            hass, KINDS_STORAGE_VERSION, kinds_storage_key(coordinator.entry.entry_id)
        )
        # Whole MP4s for players that ask for byte ranges (Safari).
        self.files = WholeRecordings(coordinator.client)

    async def async_load(self) -> None:
        """Read back the alarm kinds noted before Home Assistant's last restart."""
        try:
            stored = await self._store.async_load()
        except HomeAssistantError as err:
            _LOGGER.warning(
                "The alarm kinds of %s's recordings are unreadable: %s",
                self.coordinator.entry.title,
                err,
            )
            return
        channels = stored.get("channels") if isinstance(stored, dict) else None
        if not isinstance(channels, dict):
            return
        for channel, entries in channels.items():
            kinds: deque[tuple[datetime, str]] = deque(maxlen=KINDS_KEPT)
            for entry in entries if isinstance(entries, list) else ():
                try:
                    kinds.append((datetime.fromisoformat(entry[0]), str(entry[1])))
                except (TypeError, ValueError, IndexError):
                    continue  # a damaged entry: that title says less
            if kinds and str(channel).isdigit():
                self._kinds[int(channel)] = kinds

    async def async_save(self) -> None:
        """Write the noted kinds now (at unload: a reload reads them back at once)."""
        if self._kinds:
            await self._store.async_save(self._stored())

    def _stored(self) -> dict[str, object]:
        return {
            "channels": {
                str(channel): [[moment.isoformat(), kind] for moment, kind in kinds]
                for channel, kinds in self._kinds.items()
            }
        }

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Take note of each alarm's kind; returns what stops it."""
        entry_id = self.coordinator.entry.entry_id
        removers = [
            async_dispatcher_connect(self.hass, signal_alarm(entry_id, channel), self._note_alarm)
            for channel in self.coordinator.active_channels
        ]

        @callback
        def stop() -> None:
            for remove in removers:
                remove()

        return stop

    @callback
    def _note_alarm(self, event: AlarmEvent) -> None:
        if event.alarm.start_time is None:
            return
        kinds = self._kinds.setdefault(event.alarm.channel, deque(maxlen=KINDS_KEPT))
        kinds.append((event.alarm.start_time, str(event.kind)))
        self._store.async_delay_save(self._stored, KINDS_SAVE_DELAY)

    def kinds_during(self, record: RecordFile) -> list[str]:
        """The kinds of the alarms that happened while `record` was recorded."""
        return [
            kind
            for moment, kind in self._kinds.get(record.channel, ())
            if record.begin <= moment <= record.end
        ]

    async def async_days(self, channel: int) -> list[date]:
        cached = self._days.get(channel)
        if cached is not None and cached.until > time.monotonic():
            return cached.value
        days = await recording_days(self.coordinator.client, channel)
        self._days[channel] = _Cached(days, time.monotonic() + LIST_CACHE_SECONDS)
        return days

    async def async_recordings(self, channel: int, day: date) -> list[RecordFile]:
        cached = self._lists.get((channel, day))
        if cached is not None and cached.until > time.monotonic():
            return cached.value
        found = await day_recordings(self.coordinator.client, channel, day)
        now = time.monotonic()
        self._lists = {key: item for key, item in self._lists.items() if item.until > now}
        self._lists[(channel, day)] = _Cached(found, now + LIST_CACHE_SECONDS)
        return found

    async def async_find(self, channel: int, day: date, token: str) -> RecordFile | None:
        return find_recording(await self.async_recordings(channel, day), token)


# -- the Media panel -----------------------------------------------------------------------


def is_recordings_identifier(parts: tuple[str, ...]) -> bool:
    """Whether an identifier's parts (camera first) name recordings."""
    return len(parts) >= 2 and RECORDINGS_FOLDER.fullmatch(parts[1]) is not None


@dataclass(frozen=True, slots=True)
class RecordingItem:
    """What a recordings identifier names: a channel, a day, a recording, one of its parts."""

    entry_id: str
    channel: int
    day: date | None = None
    token: str | None = None
    part: int | None = None

    @classmethod
    def parse(cls, parts: tuple[str, ...]) -> RecordingItem:
        """ValueError for anything but `<camera>/recordings_<ch>[/<day>[/<token>[/<part>]]]`."""
        match = RECORDINGS_FOLDER.fullmatch(parts[1]) if len(parts) >= 2 else None
        if match is None or len(parts) > 5:
            raise ValueError(f"not DVRIP recordings: {'/'.join(parts)!r}")
        day: date | None = None
        if len(parts) >= 3:
            if not DAY_NAME.fullmatch(parts[2]):
                raise ValueError(f"not a day: {parts[2]!r}")
            day = date.fromisoformat(parts[2])
        token = parts[3] if len(parts) >= 4 else None
        if token is not None:
            file_name_of(token)
        part: int | None = None
        if len(parts) == 5:
            if not PART_NAME.fullmatch(parts[4]):
                raise ValueError(f"not a part: {parts[4]!r}")
            part = int(parts[4])
        return cls(parts[0], int(match.group(1)), day, token, part)

    def url(self, template: str) -> str:
        """A recording's URL on one of our views."""
        assert self.day is not None
        assert self.token is not None
        return template.format(
            entry_id=self.entry_id,
            channel=self.channel,
            day=self.day.isoformat(),
            token=self.token,
        )

    @property
    def identifier(self) -> str:
        parts = [self.entry_id, recordings_folder(self.channel)]
        if self.day is not None:
            parts.append(self.day.isoformat())
        if self.token is not None:
            parts.append(self.token)
        if self.part is not None:
            parts.append(str(self.part))
        return "/".join(parts)


def catalogue_of(hass: HomeAssistant, entry_id: str) -> RecordingCatalogue | None:
    """The catalogue of a loaded camera; None for any other entry id."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        return None
    catalogue: RecordingCatalogue | None = getattr(entry.runtime_data, "recordings", None)
    return catalogue


def recordings_folders(hass: HomeAssistant, entry_id: str) -> list[BrowseMediaSource]:
    """The camera's recordings folders: one, or one per recorder channel."""
    catalogue = catalogue_of(hass, entry_id)
    if catalogue is None:
        return []
    coordinator = catalogue.coordinator
    channels = coordinator.active_channels
    titles = coordinator.channel_titles
    folders = []
    for channel in channels:
        title = "Recordings"
        if coordinator.is_recorder:
            name = titles[channel] if channel < len(titles) and titles[channel] else None
            title = f"Recordings {name or f'channel {channel + 1}'}"
        folders.append(
            _directory(RecordingItem(entry_id, channel).identifier, title, MediaClass.DIRECTORY)
        )
    return folders


async def async_browse_recordings(hass: HomeAssistant, parts: tuple[str, ...]) -> BrowseMediaSource:
    """A channel's days, a day's recordings, or a long recording's parts."""
    item = _parse(parts, BrowseError)
    catalogue = catalogue_of(hass, item.entry_id)
    if catalogue is None:
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="recordings_camera_not_loaded",
        )
    try:
        if item.day is None:
            return await _browse_days(catalogue, item)
        if item.token is None:
            return await _browse_day(catalogue, item)
        if item.part is None:
            return await _browse_parts(catalogue, item)
    except DvripError as err:
        raise BrowseError(
            translation_domain=DOMAIN,
            translation_key="recordings_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    raise BrowseError(f"not a DVRIP folder: {item.identifier!r}")


async def _browse_days(catalogue: RecordingCatalogue, item: RecordingItem) -> BrowseMediaSource:
    days = await catalogue.async_days(item.channel)
    children = [
        _directory(
            RecordingItem(item.entry_id, item.channel, day).identifier,
            day.isoformat(),
            MediaClass.DIRECTORY,
            video=True,
        )
        for day in days
    ]
    return _directory(item.identifier, "Recordings", MediaClass.DIRECTORY, children)


async def _browse_day(catalogue: RecordingCatalogue, item: RecordingItem) -> BrowseMediaSource:
    assert item.day is not None
    records = await catalogue.async_recordings(item.channel, item.day)
    children = [_recording_item(catalogue, item, record) for record in records]
    return _directory(
        item.identifier, item.day.isoformat(), MediaClass.DIRECTORY, children, video=True
    )


def _recording_item(
    catalogue: RecordingCatalogue, day: RecordingItem, record: RecordFile
) -> BrowseMediaSource:
    identifier = RecordingItem(day.entry_id, day.channel, day.day, recording_token(record))
    title = recording_title(record, catalogue.kinds_during(record))
    long = record.end - record.begin > PART
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier.identifier,
        media_class=MediaClass.DIRECTORY if long else MediaClass.VIDEO,
        media_content_type="" if long else MIME_TYPE,
        title=title,
        can_play=not long,
        can_expand=long,
        children_media_class=MediaClass.VIDEO if long else None,
        thumbnail=identifier.url(THUMBNAIL_URL),
    )


async def _browse_parts(catalogue: RecordingCatalogue, item: RecordingItem) -> BrowseMediaSource:
    record = await _find(catalogue, item, BrowseError)
    children = [
        BrowseMediaSource(
            domain=DOMAIN,
            identifier=RecordingItem(
                item.entry_id, item.channel, item.day, item.token, index
            ).identifier,
            media_class=MediaClass.VIDEO,
            media_content_type=MIME_TYPE,
            title=f"{begin:%H:%M:%S}-{end:%H:%M:%S}",
            can_play=True,
            can_expand=False,
        )
        for index, (begin, end) in enumerate(recording_parts(record))
    ]
    title = recording_title(record, catalogue.kinds_during(record))
    return _directory(item.identifier, title, MediaClass.DIRECTORY, children, video=True)


def recording_parts(record: RecordFile) -> list[tuple[datetime, datetime]]:
    """A long recording's windows of `PART`, in order (the whole of a short one)."""
    parts = []
    begin = record.begin
    while True:
        end = min(record.end, begin + PART)
        parts.append((begin, end))
        if end >= record.end:
            return parts
        begin = end


async def async_resolve_recording(hass: HomeAssistant, parts: tuple[str, ...]) -> PlayMedia:
    """The view's URL of a recording (or part); Home Assistant signs it for the player."""
    item = _parse(parts, Unresolvable)
    catalogue = catalogue_of(hass, item.entry_id)
    if catalogue is None or item.day is None or item.token is None:
        raise Unresolvable(f"not a DVRIP recording: {item.identifier!r}")
    try:
        record = await _find(catalogue, item, Unresolvable)
    except DvripError as err:
        raise Unresolvable(f"the camera did not list its recordings: {err}") from err
    url = item.url(URL)
    if item.part is not None:
        windows = recording_parts(record)
        if item.part >= len(windows):
            raise Unresolvable(f"no such part: {item.identifier!r}")
        begin, end = windows[item.part]
        url += f"?start={int((begin - record.begin).total_seconds())}"
        url += f"&end={int((end - record.begin).total_seconds())}"
    return PlayMedia(url, MIME_TYPE)


def _parse(parts: tuple[str, ...], error: type[Exception]) -> RecordingItem:
    try:
        return RecordingItem.parse(parts)
    except ValueError as err:
        raise error(str(err)) from err


async def _find(
    catalogue: RecordingCatalogue, item: RecordingItem, error: type[Exception]
) -> RecordFile:
    assert item.day is not None
    assert item.token is not None
    record = await catalogue.async_find(item.channel, item.day, item.token)
    if record is None:
        raise error(f"the camera lists no such recording: {item.identifier!r}")
    return record


def _directory(
    identifier: str,
    title: str,
    media_class: MediaClass,
    children: list[BrowseMediaSource] | None = None,
    *,
    video: bool = False,
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier,
        media_class=media_class,
        media_content_type="",
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=MediaClass.VIDEO if video else MediaClass.DIRECTORY,
    )


# -- the view ----------------------------------------------------------------------------


class RecordingView(HomeAssistantView):
    """A listed recording (or a window of it) as fragmented MP4, for a logged-in user.

    The Media panel's player gets the URL signed by Home Assistant (media source resolution
    signs relative URLs), so no login header is needed there.
    """

    url = URL
    name = "api:dvrip:recording"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass

    async def get(
        self, request: web.Request, entry_id: str, channel: str, day: str, token: str
    ) -> web.StreamResponse:
        try:
            item = RecordingItem.parse((entry_id, recordings_folder(int(channel)), day, token))
        except ValueError:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        catalogue = catalogue_of(self.hass, item.entry_id)
        if catalogue is None or item.day is None or item.token is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        try:
            record = await catalogue.async_find(item.channel, item.day, item.token)
        except DvripError as err:
            return web.Response(status=HTTPStatus.BAD_GATEWAY, text=str(err))
        if record is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        try:
            window = _window(record, request.query.get("start"), request.query.get("end"))
        except ValueError as err:
            return web.Response(status=HTTPStatus.BAD_REQUEST, text=str(err))
        return await _async_serve(catalogue, record, window, request)


def _window(record: RecordFile, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """The part of `record` asked for (seconds from its start), at most `PART` long."""
    begin = record.begin + timedelta(seconds=int(start or 0))
    finish = record.begin + timedelta(seconds=int(end)) if end is not None else record.end
    finish = min(finish, record.end, begin + PART)
    if not record.begin <= begin < finish or begin > record.end:
        raise ValueError("the window asked for is not inside the recording")
    return begin, finish


async def _async_serve(
    catalogue: RecordingCatalogue,
    record: RecordFile,
    window: tuple[datetime, datetime],
    request: web.Request,
) -> web.StreamResponse:
    # A device sends at about real time: the window's length, and then some.
    timeout = (window[1] - window[0]).total_seconds() * 3 + 60
    headers = {"Content-Type": MIME_TYPE, "Cache-Control": "no-store"}
    if wants_whole_file(request.headers.get(hdrs.RANGE)):
        try:
            path = await catalogue.files.async_file(record, window, timeout)
        except (RemuxError, DvripError) as err:
            _LOGGER.debug("Recording %s not served: %s", record.name, err)
            return web.Response(status=HTTPStatus.BAD_GATEWAY, text=str(err))
        return web.FileResponse(path, headers=headers)
    response = web.StreamResponse(headers=headers)
    prepared = False

    async def write(data: bytes) -> None:
        nonlocal prepared
        if not prepared:
            await response.prepare(request)
            prepared = True
        await response.write(data)

    hass = catalogue.hass
    workdir = Path(await hass.async_add_executor_job(_workdir))
    try:
        await stream_recording(
            catalogue.coordinator.client,
            record,
            write,
            workdir,
            window=None if window == (record.begin, record.end) else window,
            timeout=timeout,
        )
    except (RemuxError, DvripError) as err:
        _LOGGER.debug("Recording %s not served: %s", record.name, err)
        if not prepared:
            return web.Response(status=HTTPStatus.BAD_GATEWAY, text=str(err))
    except ConnectionResetError:
        _LOGGER.debug("The player of %s went away", record.name)
    finally:
        await hass.async_add_executor_job(shutil.rmtree, workdir, True)
    if prepared:
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
    return response


def _workdir() -> str:
    return tempfile.mkdtemp(prefix="dvrip-recording-")
