"""A temporary file that a download writes while a decoder reads it.

Decoding a motion clip while it arrives means the picture is ready almost when the last
byte is: over a slow link the decoder otherwise waits for the whole download and the link
then idles while it decodes. The bytes go to disk, never to memory; the reader follows the
writer through the file and waits when it catches up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
import threading
from typing import IO, Final

READ_CHUNK: Final = 1024 * 1024


class SpoolAbortedError(Exception):
    """The spool was abandoned while a reader was still reading it."""


class SpoolFile:
    """A download sink (`write`) on the event loop and a chunk reader for a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._written = 0
        self._finished = False
        self._aborted = False
        self._changed = threading.Condition()

    @property
    def written(self) -> int:
        return self._written

    def open(self) -> None:
        """Create the file (blocking: call it in an executor)."""
        self._file = self.path.open("wb", buffering=0)

    async def write(self, data: bytes) -> None:
        await asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> None:
        if self._file is None:
            raise RuntimeError("the spool is not open for writing")
        self._file.write(data)
        with self._changed:
            self._written += len(data)
            self._changed.notify_all()

    def finish(self) -> None:
        """No more bytes will come: a reader ends once it has read what was written."""
        self._close_file()
        with self._changed:
            self._finished = True
            self._changed.notify_all()

    def abort(self) -> None:
        """Stop any reader now (it raises `SpoolAbortedError`)."""
        self._close_file()
        with self._changed:
            self._aborted = True
            self._finished = True
            self._changed.notify_all()

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()

    def _wait_beyond(self, position: int) -> int:
        """Wait until bytes past `position` are written or none will be; return how many."""
        with self._changed:
            while self._written <= position and not self._finished:
                self._changed.wait()
            if self._aborted:
                raise SpoolAbortedError("the download was abandoned")
            return self._written - position

    def chunks(self, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
        """The file's bytes as they are written, until `finish` (blocking: a worker thread)."""
        position = 0
        with self.path.open("rb") as file:
            while True:
                available = self._wait_beyond(position)
                if not available:
                    return
                data = file.read(min(available, chunk_size))
                position += len(data)
                yield data
