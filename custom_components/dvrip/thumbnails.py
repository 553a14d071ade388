"""Thumbnails of recordings in the Media panel: the alarm picture, else a frame of the recording.

An alarm picture kept for the recording's channel and time is the best thumbnail and costs the
device nothing. Otherwise the first second of the recording is downloaded (a window, as for
alarm pictures) and its sharpest frame kept as a JPEG in the camera's media folder, so each
recording costs the device one short download, once. Such downloads take their turn with
playback and alarm pictures (the client's connection budget), one thumbnail at a time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import hashlib
from http import HTTPStatus
import io
import logging
from pathlib import Path
import shutil
import tempfile
from typing import Final

from aiohttp import web
import av
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView
from PIL import Image

from .client import DvripError, RecordFile
from .pictures import PICTURE_FILE_NAME
from .pictures.frames import NoFrameError, extract_sharpest_frame
from .pictures.spool import SpoolAbortedError, SpoolFile
from .recordings import THUMBNAIL_URL, RecordingCatalogue, async_listed_recording
from .storage import PICTURES_FOLDER, media_root

_LOGGER = logging.getLogger(__name__)

THUMBNAILS_FOLDER: Final = "recording_thumbnails"
# The part of a recording a thumbnail is taken from, and how long that may take.
THUMBNAIL_WINDOW: Final = timedelta(seconds=1)
THUMBNAIL_TIMEOUT: Final = 20.0
# Thumbnails are this size at most, and the newest this many are kept per camera.
THUMBNAIL_SIZE: Final = (480, 270)
THUMBNAILS_KEPT: Final = 500
_TIME_FORMAT: Final = "%Y%m%d_%H%M%S"


def alarm_picture_of(folder: Path, record: RecordFile) -> Path | None:
    """A kept alarm picture of the recording's channel taken while it recorded (blocking)."""
    try:
        names = [path.name for path in folder.iterdir()]
    except (FileNotFoundError, NotADirectoryError):
        return None
    for name in sorted(names):
        match = PICTURE_FILE_NAME.fullmatch(name)
        if match is None or int(match.group(2)) != record.channel:
            continue
        taken = datetime.strptime(match.group(1), _TIME_FORMAT)  # noqa: DTZ007 - camera clock
        if record.begin <= taken <= record.end:
            return folder / name
    return None


def _cache_name(record: RecordFile) -> str:
    # The device's file name is no path: a digest of it is (with its channel and begin).
    digest = hashlib.sha256(f"{record.channel}|{record.name}".encode()).hexdigest()[:32]
    return f"{digest}.jpg"


class RecordingThumbnailView(HomeAssistantView):
    """A listed recording's thumbnail, for a logged-in user."""

    url = THUMBNAIL_URL
    name = "api:dvrip:recording_thumbnail"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._turn = asyncio.Lock()

    async def get(
        self, request: web.Request, entry_id: str, channel: str, day: str, token: str
    ) -> web.StreamResponse:
        root = media_root(self.hass)
        if root is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        found = await async_listed_recording(self.hass, entry_id, channel, day, token)
        if isinstance(found, web.Response):
            return found
        catalogue, record = found
        camera_dir = root.camera_dir(entry_id)
        picture = await self.hass.async_add_executor_job(
            alarm_picture_of, camera_dir / PICTURES_FOLDER, record
        )
        if picture is not None:
            return web.FileResponse(picture, headers={"Cache-Control": "private, max-age=3600"})
        cached = camera_dir / THUMBNAILS_FOLDER / _cache_name(record)
        async with self._turn:
            if not await self.hass.async_add_executor_job(cached.is_file):
                try:
                    await self._async_make(catalogue, record, cached)
                except (DvripError, NoFrameError, av.FFmpegError, SpoolAbortedError) as err:
                    _LOGGER.debug("No thumbnail of %s: %s", record.name, err)
                    return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.FileResponse(cached, headers={"Cache-Control": "private, max-age=3600"})

    async def _async_make(
        self, catalogue: RecordingCatalogue, record: RecordFile, target: Path
    ) -> None:
        """Download the recording's first second and keep its sharpest frame at `target`."""
        workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="dvrip-thumbnail-"))
        try:
            spool = SpoolFile(workdir / "recording.bin")
            await asyncio.to_thread(spool.open)
            extraction = asyncio.ensure_future(
                asyncio.to_thread(extract_sharpest_frame, spool.chunks())
            )
            window = (record.begin, min(record.end, record.begin + THUMBNAIL_WINDOW))
            try:
                await catalogue.coordinator.client.download(
                    record, spool, timeout=THUMBNAIL_TIMEOUT, window=window
                )
            except BaseException:
                spool.abort()
                await asyncio.gather(extraction, return_exceptions=True)
                raise
            spool.finish()
            frame = await extraction
            await asyncio.to_thread(_write, target, frame.jpeg)
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)


def _write(target: Path, jpeg: bytes) -> None:
    """Keep a small copy of the frame, then drop the oldest beyond `THUMBNAILS_KEPT`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with Image.open(io.BytesIO(jpeg)) as picture:
        picture.thumbnail(THUMBNAIL_SIZE)
        picture.save(partial, format="JPEG", quality=85)
    partial.replace(target)
    kept = sorted(
        (path for path in target.parent.iterdir() if path.suffix == ".jpg"),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    for path in kept[THUMBNAILS_KEPT:]:
        path.unlink(missing_ok=True)
