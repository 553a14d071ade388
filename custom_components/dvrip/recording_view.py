"""The view that plays a listed recording as fragmented MP4 (see `recordings`)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from http import HTTPStatus
import logging
from pathlib import Path
import shutil
import tempfile

from aiohttp import hdrs, web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from .client import DvripError, RecordFile
from .pictures.remux import MIME_TYPE, RemuxError, stream_recording
from .recording_files import wants_whole_file
from .recordings import PART, URL, RecordingCatalogue, async_listed_recording

_LOGGER = logging.getLogger(__name__)


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
        found = await async_listed_recording(self.hass, entry_id, channel, day, token)
        if isinstance(found, web.Response):
            return found
        catalogue, record = found
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
