"""The Media panel's "DVRIP" folder: each camera's alarm pictures, exports and recordings.

    DVRIP > <camera> > Alarm pictures | Export 2026-11-25 13:10:00 > <pictures>
    DVRIP > <camera> > Recordings > <day> > <recording>          (see `recordings`)

Identifiers are `<entry id>/<folder>/<file>` below `<media>/dvrip/` (see `storage`); each part
must match the names this integration writes, so no identifier reaches outside that folder.
Pictures are served by Home Assistant's own media view (`/media/<key>/dvrip/...`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .media_folders import media_folder
from .pictures import PICTURE_FILE_NAME, is_picture_name
from .pictures.clips import CLIP_FILE_NAME, is_clip_name
from .pictures.remux import MIME_TYPE as CLIP_MIME_TYPE
from .recording_browse import async_browse_recordings, async_resolve_recording, recordings_folders
from .recordings import is_recordings_identifier
from .storage import (
    CAMERA_FOLDER_NAME,
    EXPORT_FOLDER_NAME,
    PICTURES_FOLDER,
    MediaRoot,
    is_folder_name,
    media_root,
)

MIME_TYPE = "image/jpeg"
_TIME_FORMAT = "%Y%m%d_%H%M%S"


async def async_get_media_source(hass: HomeAssistant) -> DvripMediaSource:
    """The integration's media source."""
    return DvripMediaSource(hass)


def parse_identifier(identifier: str) -> tuple[str, ...]:
    """The parts of an identifier, each checked; ValueError for anything else.

    Recordings' identifiers are checked by `recordings` (their parts are no paths).
    """
    if not identifier:
        return ()
    parts = tuple(identifier.split("/"))
    if is_recordings_identifier(parts) and CAMERA_FOLDER_NAME.fullmatch(parts[0]):
        return parts
    checks: tuple[Callable[[str], object], ...] = (
        CAMERA_FOLDER_NAME.fullmatch,
        is_folder_name,
        _is_kept_file_name,
    )
    if len(parts) > len(checks) or not all(
        check(part) for check, part in zip(checks, parts, strict=False)
    ):
        raise ValueError(f"not a DVRIP media item: {identifier!r}")
    return parts


def _is_kept_file_name(name: str) -> bool:
    """An alarm picture, or an alarm clip (`clips`)."""
    return is_picture_name(name) or is_clip_name(name)


def _folder_title(name: str) -> str:
    if name == PICTURES_FOLDER:
        return "Alarm pictures"
    match = EXPORT_FOLDER_NAME.fullmatch(name)
    assert match is not None
    created = datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - as named
    return f"Export {created:%Y-%m-%d %H:%M:%S}"


def _picture_title(name: str) -> str:
    match = PICTURE_FILE_NAME.fullmatch(name)
    assert match is not None
    taken = datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - camera clock
    return f"{taken:%Y-%m-%d %H:%M:%S} channel {int(match.group(2)) + 1}"


def _names(folder: Path, *, folders: bool) -> list[str]:
    """Names in a folder (blocking I/O): sub-folders or files; none when it does not exist."""
    try:
        return [path.name for path in folder.iterdir() if path.is_dir() == folders]
    except (FileNotFoundError, NotADirectoryError):
        return []


class DvripMediaSource(MediaSource):
    """Alarm pictures and exports in `<media>/dvrip/`."""

    name = "DVRIP"

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(DOMAIN)
        self.hass = hass

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """A picture's URL on Home Assistant's media view."""
        try:
            parts = parse_identifier(item.identifier)
        except ValueError as err:
            raise Unresolvable(str(err)) from err
        if is_recordings_identifier(parts):
            return await async_resolve_recording(self.hass, parts)
        root = media_root(self.hass)
        if len(parts) != 3 or root is None:
            raise Unresolvable(f"not a DVRIP picture: {item.identifier!r}")
        camera, folder, file_name = parts
        path = root.camera_dir(camera) / folder / file_name
        if not await self.hass.async_add_executor_job(path.is_file):
            raise Unresolvable(f"no such picture: {item.identifier!r}")
        mime_type = CLIP_MIME_TYPE if is_clip_name(file_name) else MIME_TYPE
        return PlayMedia(root.url(camera, folder, file_name), mime_type)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """DVRIP, a camera, or one of its folders."""
        try:
            parts = parse_identifier(item.identifier)
        except ValueError as err:
            raise BrowseError(str(err)) from err
        if is_recordings_identifier(parts):
            return await async_browse_recordings(self.hass, parts)
        root = media_root(self.hass)
        if not parts:
            return await self._async_browse_cameras(root)
        if len(parts) == 1 and (root is not None or recordings_folders(self.hass, parts[0])):
            return await self._async_browse_camera(root, parts[0])
        if root is None or len(parts) == 3:
            raise BrowseError(f"not a DVRIP folder: {item.identifier!r}")
        return await self._async_browse_folder(root, parts[0], parts[1])

    def _camera_titles(self) -> dict[str, str]:
        entries = self.hass.config_entries.async_entries(DOMAIN)
        return {entry.entry_id: entry.title for entry in entries}

    async def _async_browse_cameras(self, root: MediaRoot | None) -> BrowseMediaSource:
        names: list[str] = []
        if root is not None:
            names = await self.hass.async_add_executor_job(lambda: _names(root.dvrip, folders=True))
        titles = self._camera_titles()
        cameras = [name for name in names if CAMERA_FOLDER_NAME.fullmatch(name)]
        # A loaded camera has recordings to show, pictures or not.
        cameras += [
            entry_id
            for entry_id in titles
            if entry_id not in cameras and recordings_folders(self.hass, entry_id)
        ]
        children = [media_folder(name, titles.get(name, name)) for name in cameras]
        children.sort(key=lambda child: child.title.casefold())
        return media_folder("", self.name or DOMAIN, children)

    async def _async_browse_camera(self, root: MediaRoot | None, camera: str) -> BrowseMediaSource:
        names: list[str] = []
        if root is not None:
            names = await self.hass.async_add_executor_job(
                lambda: _names(root.camera_dir(camera), folders=True)
            )
        # The alarm pictures first, then the recordings, then the exports, newest first.
        exports = sorted(
            (name for name in names if EXPORT_FOLDER_NAME.fullmatch(name)), reverse=True
        )
        children = [
            media_folder(f"{camera}/{name}", _folder_title(name), children_class=MediaClass.IMAGE)
            for name in ([PICTURES_FOLDER] if PICTURES_FOLDER in names else [])
        ]
        children += recordings_folders(self.hass, camera)
        children += [
            media_folder(f"{camera}/{name}", _folder_title(name), children_class=MediaClass.IMAGE)
            for name in exports
        ]
        title = self._camera_titles().get(camera, camera)
        return media_folder(camera, title, children)

    async def _async_browse_folder(
        self, root: MediaRoot, camera: str, folder: str
    ) -> BrowseMediaSource:
        names = await self.hass.async_add_executor_job(
            lambda: _names(root.camera_dir(camera) / folder, folders=False)
        )
        # Each alarm's picture, then its clip (same name but .mp4), newest alarm first.
        kept = sorted(
            (name for name in names if _is_kept_file_name(name)),
            key=lambda name: (name.rsplit(".", 1)[0], is_picture_name(name)),
            reverse=True,
        )
        children = [_kept_item(camera, folder, name) for name in kept]
        return media_folder(
            f"{camera}/{folder}", _folder_title(folder), children, children_class=MediaClass.IMAGE
        )


def _kept_item(camera: str, folder: str, name: str) -> BrowseMediaSource:
    if is_clip_name(name):
        match = CLIP_FILE_NAME.fullmatch(name)
        assert match is not None
        taken = datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - camera clock
        title = f"{taken:%Y-%m-%d %H:%M:%S} channel {int(match.group(2)) + 1} clip"
        media_class, mime_type = MediaClass.VIDEO, CLIP_MIME_TYPE
    else:
        title, media_class, mime_type = _picture_title(name), MediaClass.IMAGE, MIME_TYPE
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=f"{camera}/{folder}/{name}",
        media_class=media_class,
        media_content_type=mime_type,
        title=title,
        can_play=True,
        can_expand=False,
    )
