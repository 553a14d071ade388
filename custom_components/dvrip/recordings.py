"""The camera's recordings in the Media panel (played by `recording_view`).

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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
import logging
import re
import time
from typing import TYPE_CHECKING, Final

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.storage import Store

from .client import DvripError, RecordFile
from .const import DOMAIN
from .models import AlarmEvent, signal_alarm
from .pictures.recordings import (
    day_recordings,
    file_name_of,
    find_recording,
    recording_days,
)
from .recording_files import WholeRecordings

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


async def async_listed_recording(
    hass: HomeAssistant, entry_id: str, channel: str, day: str, token: str
) -> tuple[RecordingCatalogue, RecordFile] | web.Response:
    """The catalogue and the recording that the parts of a view's URL (`URL`, `THUMBNAIL_URL`)
    name, if the camera lists it; else the view's answer: not found, or a bad gateway when
    the camera did not list its recordings.
    """
    try:
        item = RecordingItem.parse((entry_id, recordings_folder(int(channel)), day, token))
    except ValueError:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    catalogue = catalogue_of(hass, item.entry_id)
    if catalogue is None or item.day is None or item.token is None:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    try:
        record = await catalogue.async_find(item.channel, item.day, item.token)
    except DvripError as err:
        return web.Response(status=HTTPStatus.BAD_GATEWAY, text=str(err))
    if record is None:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    return catalogue, record
