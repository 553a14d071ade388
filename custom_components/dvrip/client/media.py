"""The Xiongmai media container that downloads and live video arrive in.

A stream of frames, each starting with `00 00 01 TYPE`; I-frames and pictures carry codec,
size, frame rate and camera-local time in a 16-byte header, everything else an 8-byte one.
Video payloads concatenated are Annex-B H.264/H.265.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
import logging
import struct
from typing import Final

from .const import MAX_MEDIA_PAYLOAD

_LOGGER = logging.getLogger(__name__)

START_CODE: Final = b"\x00\x00\x01"
_ANNEXB_START_CODES: Final = (b"\x00\x00\x00\x01", START_CODE)
_JPEG_MAGIC: Final = b"\xff\xd8"
# 4K recorders insert constant blocks of this size as P-frames every 2 s. The one measured
# begins like an H.265 NAL unit of layer 32 (00 00 00 01 11 01 78): not base-layer video,
# and decoders and players choke on it.
SERVICE_BLOCK_SIZE: Final = 127
SERVICE_BLOCK_PREFIX: Final = b"\x00\x00\x00\x01\x11\x01"
# How far into a payload classify_payload looks for a container start after junk.
CLASSIFY_SCAN_BYTES: Final = 4096

_LONG_HEADER = struct.Struct("<BBBBII")  # T, F, W, H, datetime, length
_YEAR_BASE: Final = 2000


class FrameType(IntEnum):
    """The byte after a frame's start code."""

    I_FRAME = 0xFC
    P_FRAME = 0xFD
    PICTURE = 0xFE
    AUDIO = 0xFA
    INFO = 0xF9


class VideoCodec(IntEnum):
    """Bits 0-3 of an I-frame's T byte."""

    MPEG4 = 1
    H264 = 2
    H265 = 3


_HEADER_SIZES: Final = {
    FrameType.I_FRAME: 16,
    FrameType.PICTURE: 16,
    FrameType.P_FRAME: 8,
    FrameType.AUDIO: 8,
    FrameType.INFO: 8,
}


@dataclass(frozen=True, slots=True)
class MediaFrame:
    """One frame of the container.

    `codec` is the stream's codec for video frames (a P-frame inherits it from the last
    I-frame); `width`, `height`, `fps` and `timestamp` (naive, camera-local) are set only on
    I-frames and pictures.
    """

    frame_type: FrameType
    payload: bytes
    codec: VideoCodec | None = None
    width: int = 0
    height: int = 0
    fps: int = 0
    timestamp: datetime | None = None

    @property
    def is_video(self) -> bool:
        return self.frame_type in (FrameType.I_FRAME, FrameType.P_FRAME)


def decode_frame_datetime(value: int) -> datetime | None:
    """Read the packed time of an I-frame header; None when the fields make no date."""
    try:
        return datetime(  # noqa: DTZ001 - camera-local time, zone unknown
            _YEAR_BASE + (value >> 26 & 0x3F),
            value >> 22 & 0x0F,
            value >> 17 & 0x1F,
            value >> 12 & 0x1F,
            value >> 6 & 0x3F,
            value & 0x3F,
        )
    except ValueError:
        return None


def encode_frame_datetime(value: datetime) -> int:
    """Pack a time the way I-frame headers carry it (years 2000-2063, whole seconds)."""
    year = value.year - _YEAR_BASE
    if not 0 <= year <= 0x3F:
        raise ValueError(f"year {value.year} does not fit a frame header")
    return (
        year << 26
        | value.month << 22
        | value.day << 17
        | value.hour << 12
        | value.minute << 6
        | value.second
    )


def _codec(t_byte: int) -> VideoCodec | None:
    try:
        return VideoCodec(t_byte & 0x0F)
    except ValueError:
        return None


def _is_annexb(payload: bytes) -> bool:
    return payload.startswith(_ANNEXB_START_CODES)


def is_service_block(payload: bytes) -> bool:
    """A recorder's 127-byte filler P-frame: not video, or the measured layer-32 block."""
    if len(payload) != SERVICE_BLOCK_SIZE:
        return False
    return not _is_annexb(payload) or payload.startswith(SERVICE_BLOCK_PREFIX)


class MediaParser:
    """Turns container bytes into frames, whatever the chunking.

    Junk before a start code is skipped (live streams start mid-frame). A declared length
    above `max_payload` cannot be a frame: that start code is treated as junk, so memory
    stays under one capped frame plus the chunk being fed.
    """

    def __init__(self, max_payload: int = MAX_MEDIA_PAYLOAD) -> None:
        self._max_payload = max_payload
        self._buffer = bytearray()
        self._pos = 0  # bytes of `_buffer` already consumed
        self._codec: VideoCodec | None = None
        self.skipped_bytes = 0
        self.service_blocks = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos

    def feed(self, data: bytes) -> Iterator[MediaFrame]:
        """Add bytes and yield each frame they complete."""
        self._compact()
        self._buffer += data
        while (frame := self._next_frame()) is not None:
            yield frame
        self._compact()

    def _compact(self) -> None:
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0

    def _skip(self, count: int) -> None:
        self._pos += count
        self.skipped_bytes += count

    def _next_frame(self) -> MediaFrame | None:
        buffer = self._buffer
        while True:
            start = self._pos
            found = buffer.find(START_CODE, start)
            if found == -1:
                # Keep a tail that may be the first bytes of a start code.
                self._skip(max(0, len(buffer) - start - (len(START_CODE) - 1)))
                return None
            if found > start:
                _LOGGER.debug("Skipped %d bytes before a media start code", found - start)
                self._skip(found - start)
            if len(buffer) - found < len(START_CODE) + 1:
                return None
            try:
                frame_type = FrameType(buffer[found + 3])
            except ValueError:
                self._skip(1)
                continue
            header_size = _HEADER_SIZES[frame_type]
            if len(buffer) - found < header_size:
                return None
            length = self._declared_length(frame_type, found)
            if length > self._max_payload:
                _LOGGER.debug("Media frame declares %d bytes: not a frame", length)
                self._skip(1)
                continue
            end = found + header_size + length
            if len(buffer) < end:
                return None
            with memoryview(buffer) as view:
                header = bytes(view[found : found + header_size])
                payload = bytes(view[found + header_size : end])
            self._pos = end
            frame = self._frame(frame_type, header, payload)
            if frame is not None:
                return frame

    def _declared_length(self, frame_type: FrameType, offset: int) -> int:
        if frame_type in (FrameType.I_FRAME, FrameType.PICTURE):
            return int.from_bytes(self._buffer[offset + 12 : offset + 16], "little")
        if frame_type is FrameType.P_FRAME:
            return int.from_bytes(self._buffer[offset + 4 : offset + 8], "little")
        return int.from_bytes(self._buffer[offset + 6 : offset + 8], "little")

    def _frame(self, frame_type: FrameType, header: bytes, payload: bytes) -> MediaFrame | None:
        if frame_type in (FrameType.I_FRAME, FrameType.PICTURE):
            t_byte, f_byte, w_byte, h_byte, when, _ = _LONG_HEADER.unpack_from(header, 4)
            codec = _codec(t_byte)
            if frame_type is FrameType.I_FRAME:
                self._codec = codec
            return MediaFrame(
                frame_type,
                payload,
                codec,
                # Bits 4-5 and 6-7 of T are bits 8-9 of W and H: 4K needs them.
                width=((t_byte >> 4 & 0x03) << 8 | w_byte) * 8,
                height=((t_byte >> 6 & 0x03) << 8 | h_byte) * 8,
                fps=f_byte & 0x1F,
                timestamp=decode_frame_datetime(when),
            )
        if frame_type is FrameType.P_FRAME:
            if is_service_block(payload):
                self.service_blocks += 1
                return None
            return MediaFrame(frame_type, payload, self._codec)
        return MediaFrame(frame_type, payload)


def annexb_payload(frame: MediaFrame) -> bytes:
    """The Annex-B bytes a frame contributes to the video stream (none for audio and info)."""
    return frame.payload if frame.is_video else b""


@dataclass(frozen=True, slots=True)
class VideoStream:
    """The video of a container: Annex-B bytes ready for an H.264/H.265 decoder."""

    codec: VideoCodec | None
    annexb: bytes
    width: int = 0
    height: int = 0
    fps: int = 0
    start: datetime | None = None
    frame_count: int = 0
    keyframe_count: int = 0


def demux_video(source: bytes | Iterable[bytes]) -> VideoStream:
    """Collect the video of a whole container (bytes or chunks) in memory.

    P-frames before the first I-frame are dropped: a live stream starts mid-GOP and a
    decoder cannot use them.
    """
    chunks: Iterable[bytes] = (source,) if isinstance(source, bytes) else source
    parser = MediaParser()
    parts: list[bytes] = []
    first: MediaFrame | None = None
    frames = keyframes = 0
    for chunk in chunks:
        for frame in parser.feed(chunk):
            if frame.frame_type is FrameType.I_FRAME:
                if first is None:
                    first = frame
                keyframes += 1
            elif frame.frame_type is not FrameType.P_FRAME or first is None:
                continue
            parts.append(annexb_payload(frame))
            frames += 1
    if first is None:
        return VideoStream(None, b"")
    return VideoStream(
        first.codec,
        b"".join(parts),
        first.width,
        first.height,
        first.fps,
        first.timestamp,
        frames,
        keyframes,
    )


class PayloadKind(StrEnum):
    """What a downloaded file or snapshot reply turns out to hold."""

    EMPTY = "empty"
    JPEG = "jpeg"
    PICTURE_FRAME = "picture_frame"
    CONTAINER = "container"
    ANNEXB = "annexb"
    JSON = "json"
    UNKNOWN = "unknown"


def _container_kind(frame_type: int) -> PayloadKind:
    return PayloadKind.PICTURE_FRAME if frame_type == FrameType.PICTURE else PayloadKind.CONTAINER


def classify_payload(head: bytes) -> PayloadKind:
    """Tell what a payload is from its first bytes (a few KB are enough)."""
    if not head:
        return PayloadKind.EMPTY
    if head.startswith(_JPEG_MAGIC):
        return PayloadKind.JPEG
    # A start code at the very beginning: 3 bytes, or 4 with a leading zero.
    offset = (
        0 if head.startswith(START_CODE) else 1 if head.startswith(b"\x00" + START_CODE) else -1
    )
    if offset >= 0 and len(head) > offset + 3:
        nal = head[offset + 3]
        if nal in _HEADER_SIZES:
            return _container_kind(nal)
        if not nal & 0x80:  # forbidden_zero_bit clear: a plausible NAL header
            return PayloadKind.ANNEXB
    if head.startswith(b"{"):
        return PayloadKind.JSON
    window = head[:CLASSIFY_SCAN_BYTES]
    found = window.find(START_CODE)
    while found != -1 and found + 3 < len(window):
        if window[found + 3] in _HEADER_SIZES:
            return _container_kind(window[found + 3])
        found = window.find(START_CODE, found + 1)
    return PayloadKind.UNKNOWN


def extract_jpeg(data: bytes) -> bytes | None:
    """The JPEG in `data`, given raw or wrapped in a picture frame; None otherwise."""
    if data.startswith(_JPEG_MAGIC):
        return data
    parser = MediaParser()
    for frame in parser.feed(data):
        if frame.frame_type is FrameType.PICTURE and frame.payload.startswith(_JPEG_MAGIC):
            return frame.payload
    return None
