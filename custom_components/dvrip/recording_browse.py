"""Browsing the camera's recordings in the Media panel, and resolving one for the player.

DVRIP > <camera> > Recordings [channel N] > 2026-11-25 > 13:05:10 0:42 Motion, person
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import BrowseMediaSource, PlayMedia, Unresolvable
from homeassistant.core import HomeAssistant

from .client import DvripError, RecordFile
from .const import DOMAIN
from .media_folders import media_folder
from .pictures.recordings import recording_title, recording_token
from .pictures.remux import MIME_TYPE
from .recordings import (
    PART,
    THUMBNAIL_URL,
    URL,
    RecordingCatalogue,
    RecordingItem,
    catalogue_of,
)


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
        folders.append(media_folder(RecordingItem(entry_id, channel).identifier, title))
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
        media_folder(
            RecordingItem(item.entry_id, item.channel, day).identifier,
            day.isoformat(),
            children_class=MediaClass.VIDEO,
        )
        for day in days
    ]
    return media_folder(item.identifier, "Recordings", children)


async def _browse_day(catalogue: RecordingCatalogue, item: RecordingItem) -> BrowseMediaSource:
    assert item.day is not None
    records = await catalogue.async_recordings(item.channel, item.day)
    children = [_recording_item(catalogue, item, record) for record in records]
    return media_folder(
        item.identifier, item.day.isoformat(), children, children_class=MediaClass.VIDEO
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
    return media_folder(item.identifier, title, children, children_class=MediaClass.VIDEO)


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
