"""Whole MP4 files of recordings, for players that ask for byte ranges.

Chrome and Firefox play the MP4 as it is remuxed, from a response without a length. Safari
(and the iOS app's web view) first asks for a few bytes (`Range: bytes=0-1`) and plays only
from a response that says the whole length, so for a request with such a range the window is
downloaded and remuxed whole first, then served as a file (with ranges). The file is kept
for later ranges of the same window: the few newest ones are kept, the rest removed, and
all of them when the camera's entry unloads.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime
import hashlib
from pathlib import Path
import shutil
import tempfile
from typing import IO, Final

from .client import DvripClient, RecordFile
from .pictures.remux import stream_recording

# Whole recordings kept for later ranges (each is a window of at most 5 minutes).
FILES_KEPT: Final = 4


def wants_whole_file(range_header: str | None) -> bool:
    """Whether a request's range needs the whole length: any range but "from the start on"."""
    return range_header is not None and range_header.replace(" ", "") != "bytes=0-"


class WholeRecordings:
    """One camera's recordings made whole on request, newest kept."""

    def __init__(self, client: DvripClient) -> None:
        self._client = client
        self._folder: Path | None = None
        self._files: OrderedDict[str, Path] = OrderedDict()
        self._making: dict[str, asyncio.Future[Path]] = {}

    async def async_file(
        self, record: RecordFile, window: tuple[datetime, datetime], timeout: float
    ) -> Path:
        """The MP4 of `window` of `record`, made if not kept; the client's errors if it fails."""
        key = hashlib.sha256(f"{record.name}|{window[0]}|{window[1]}".encode()).hexdigest()
        if (path := self._files.get(key)) is not None:
            self._files.move_to_end(key)
            return path
        if (making := self._making.get(key)) is not None:
            return await asyncio.shield(making)
        future: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
        self._making[key] = future
        try:
            path = await self._async_make(key, record, window, timeout)
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # read: a failure nobody else waits for is no warning
            raise
        finally:
            del self._making[key]
        future.set_result(path)
        self._files[key] = path
        while len(self._files) > FILES_KEPT:
            _, oldest = self._files.popitem(last=False)
            await asyncio.to_thread(oldest.unlink, missing_ok=True)
        return path

    async def _async_make(
        self, key: str, record: RecordFile, window: tuple[datetime, datetime], timeout: float
    ) -> Path:
        if self._folder is None:
            self._folder = Path(
                await asyncio.to_thread(tempfile.mkdtemp, prefix="dvrip-recordings-")
            )
        path = self._folder / f"{key[:32]}.mp4"
        partial = path.with_suffix(".part")
        file: IO[bytes] = await asyncio.to_thread(partial.open, "wb")

        async def write(data: bytes) -> None:
            await asyncio.to_thread(file.write, data)

        try:
            whole = window == (record.begin, record.end)
            await stream_recording(
                self._client,
                record,
                write,
                self._folder,
                window=None if whole else window,
                timeout=timeout,
            )
        except BaseException:
            await asyncio.to_thread(file.close)
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise
        await asyncio.to_thread(file.close)
        await asyncio.to_thread(partial.replace, path)
        return path

    async def async_close(self) -> None:
        """Remove every file kept."""
        self._files.clear()
        folder, self._folder = self._folder, None
        if folder is not None:
            await asyncio.to_thread(shutil.rmtree, folder, True)
