"""Streaming a recorded file out of the device (OPPlayBack DownloadStart)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol

from .const import MessageId

if TYPE_CHECKING:
    from .connection import DvripConnection
from .errors import DvripConnectionError, DvripError, DvripTimeoutError
from .framing import Packet, format_session_id
from .models import RecordFile, format_camera_time

_LOGGER = logging.getLogger(__name__)

_END_OF_DATA_IDS: Final = frozenset({MessageId.PLAYBACK_EOF})
_DATA_IDS: Final = frozenset({MessageId.DOWNLOAD_DATA, MessageId.PLAYBACK_DATA})


class DownloadSink(Protocol):
    """Where downloaded bytes go; `write` may be slow, the download waits for it."""

    async def write(self, data: bytes) -> None: ...


class FileSink:
    """Writes to a file through the default executor, so the event loop never blocks on disk."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    async def __aenter__(self) -> FileSink:
        self._file = await asyncio.to_thread(self._path.open, "wb")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._file is not None:
            await asyncio.to_thread(self._file.close)
            self._file = None

    async def write(self, data: bytes) -> None:
        if self._file is None:
            raise RuntimeError("FileSink used outside its context")
        await asyncio.to_thread(self._file.write, data)


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """What a finished download moved."""

    bytes_received: int
    sockets: int


def playback_message(
    record: RecordFile,
    action: str,
    session_id: int,
    window: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    """An OPPlayBack request; `window` selects part of the file (StartTime/EndTime)."""
    begin, end = window or (record.begin, record.end)
    return {
        "Name": "OPPlayBack",
        "SessionID": format_session_id(session_id),
        "OPPlayBack": {
            "Action": action,
            "StartTime": format_camera_time(begin),
            "EndTime": format_camera_time(end),
            "Parameter": {
                "FileName": record.name,
                "PlayMode": "ByName",
                "StreamType": 0,
                "Value": 0,
                "TransMode": "TCP",
            },
        },
    }


def is_end_of_data(packet: Packet) -> bool:
    """Devices end a download with an empty data packet, an end flag (on 1426, or 1422 for
    playback), or an EOF notice on 1423; some just close the socket (see pump_media)."""
    return (
        packet.msg_id in _END_OF_DATA_IDS
        or not packet.payload
        or (packet.msg_id in _DATA_IDS and packet.header.index == 1)
    )


class NoDataError(DvripError):
    """The device accepted nothing on this path: no data came in time."""


async def pump_media(
    queue: asyncio.Queue[Packet],
    sink: DownloadSink,
    connection: DvripConnection,
    *,
    first_packet_timeout: float | None = None,
    silence_timeout: float | None = None,
    expected_bytes: int = 0,
) -> int:
    """Move media packets from the queue to the sink until the end of data; return bytes moved.

    Every end-of-data form ends it as a success: an end packet or flag, the EOF notice (JSON
    on 1423, not file bytes), the device closing the socket in order, or `expected_bytes`
    (FileLength) received. A reset socket is an error. With `first_packet_timeout`, raise
    `NoDataError` when the first packet does not come within it (the device ignored the
    request on this path); `silence_timeout` gives up after that long without a packet.
    """
    received = 0
    first = True
    while True:
        wait = first_packet_timeout if first and first_packet_timeout else silence_timeout
        try:
            async with asyncio.timeout(wait):
                packet = await next_packet(queue, connection.closed_event)
        except TimeoutError:
            if first and first_packet_timeout:
                raise NoDataError("no data within the first-packet timeout") from None
            raise DvripTimeoutError(f"no data for {wait} s; the download is given up") from None
        except DvripConnectionError:
            if connection.closed_by_device:
                return received
            raise
        first = False
        if packet.payload and packet.msg_id not in _END_OF_DATA_IDS:
            await sink.write(packet.payload)
            received += len(packet.payload)
        if is_end_of_data(packet) or (expected_bytes and received >= expected_bytes):
            return received


async def next_packet(
    queue: asyncio.Queue[Packet], closed: asyncio.Event, purpose: str = "the download"
) -> Packet:
    """The next media packet; `DvripConnectionError` if the connection closes first."""
    if not queue.empty():
        return queue.get_nowait()
    getter = asyncio.ensure_future(queue.get())
    closer = asyncio.ensure_future(closed.wait())
    try:
        await asyncio.wait({getter, closer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closer.cancel()
        if not getter.done():
            getter.cancel()
    if getter.done() and not getter.cancelled():
        return getter.result()
    raise DvripConnectionError(f"the connection closed before {purpose} ended")
