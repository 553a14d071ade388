"""Streaming a recorded file out of the device (OPPlayBack DownloadStart)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
from pathlib import Path
from typing import IO, Any, Final, Protocol

from .const import MessageId
from .errors import DvripConnectionError, DvripError
from .framing import Packet, format_session_id
from .models import RecordFile

_LOGGER = logging.getLogger(__name__)

_END_OF_DATA_IDS: Final = frozenset({MessageId.PLAYBACK_EOF})


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


def playback_message(record: RecordFile, action: str, session_id: int) -> dict[str, Any]:
    entry = record.to_entry()
    return {
        "Name": "OPPlayBack",
        "SessionID": format_session_id(session_id),
        "OPPlayBack": {
            "Action": action,
            "StartTime": entry["BeginTime"],
            "EndTime": entry["EndTime"],
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
    """Devices end a download with an empty data packet, an end flag, or both."""
    return (
        packet.msg_id in _END_OF_DATA_IDS
        or not packet.payload
        or (packet.msg_id == MessageId.DOWNLOAD_DATA and packet.header.index == 1)
    )


class NoDataError(DvripError):
    """The device accepted nothing on this path: no data came in time."""


async def pump_media(
    queue: asyncio.Queue[Packet],
    sink: DownloadSink,
    closed: asyncio.Event,
    *,
    first_packet_timeout: float | None = None,
) -> int:
    """Move media packets from the queue to the sink until the end of data; return bytes moved.

    With `first_packet_timeout`, raise `NoDataError` when the first packet does not come
    within it (the device ignored the request on this path).
    """
    received = 0
    if first_packet_timeout is not None:
        try:
            async with asyncio.timeout(first_packet_timeout):
                packet = await next_packet(queue, closed)
        except TimeoutError:
            raise NoDataError("no data within the first-packet timeout") from None
    else:
        packet = await next_packet(queue, closed)
    while True:
        if packet.payload:
            await sink.write(packet.payload)
            received += len(packet.payload)
        if is_end_of_data(packet):
            return received
        packet = await next_packet(queue, closed)


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
