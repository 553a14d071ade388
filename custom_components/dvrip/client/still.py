"""Live stills (OPSNAP): joining a reply into one whole JPEG, whatever shape it comes in.

Devices answer OPSNAP (1561) in several shapes: a raw JPEG in one packet; a raw JPEG over
several packets with the end flag (header byte 13) on the last; or a media-container picture
frame (`00 00 01 FE`, a 16-byte header with a 32-bit length) that may span packets. Header
byte 12 is the channel, not a fragment count. Recorders that refuse stills answer JSON.
A still is returned only once it is whole: a JPEG is walked marker by marker to its end of
image, so a picture cut short is an error, never half a picture.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Final

from .const import MAX_MEDIA_PAYLOAD, SUCCESS_CODES, RetCode
from .errors import DvripCommandError, DvripProtocolError
from .framing import Packet, decode_json, parse_hex_int

_SOI: Final = b"\xff\xd8"
_PICTURE_FRAME: Final = b"\x00\x00\x01\xfe"
_FRAME_HEADER: Final = 16
_EOI: Final = 0xD9
_SOS: Final = 0xDA
# Markers without a length field: restart markers and TEM.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})


def jpeg_length(data: bytes | bytearray) -> int | None:
    """The length of the whole JPEG at the start of `data`; None while it is not whole.

    Segments are skipped by their lengths (a thumbnail inside EXIF has an end-of-image
    marker of its own), entropy-coded data up to the next marker that is not stuffing.
    """
    if not data.startswith(_SOI):
        return None
    size = len(data)
    index = 2
    while index + 1 < size:
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte before a marker
            index += 1
            continue
        if marker == _EOI:
            return index + 2
        if marker in _STANDALONE:
            index += 2
            continue
        if index + 4 > size:
            return None
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
        if marker == _SOS:
            scan_end = _end_of_scan(data, index)
            if scan_end is None:
                return None
            index = scan_end
    return None


def _end_of_scan(data: bytes | bytearray, index: int) -> int | None:
    """Where the marker after entropy-coded data starting at `index` begins."""
    while True:
        index = data.find(b"\xff", index)
        if index == -1 or index + 1 >= len(data):
            return None
        following = data[index + 1]
        if following == 0x00 or following in _STANDALONE or following == 0xFF:
            index += 1
            continue
        return index


class _Shape(Enum):
    JPEG = auto()
    FRAME = auto()


class StillAssembler:
    """Feed it the 1561 packets of one OPSNAP reply; `add` returns the JPEG once whole."""

    def __init__(self, cap: int = MAX_MEDIA_PAYLOAD) -> None:
        self._cap = cap
        self._buffer = bytearray()
        self._shape: _Shape | None = None

    def add(self, packet: Packet) -> bytes | None:
        payload = packet.payload
        ends = packet.header.index == 1
        if self._shape is None:
            if not payload and not ends:
                return None
            self._shape = _shape_of(payload)
        self._buffer += payload
        if len(self._buffer) > self._cap:
            raise DvripProtocolError(f"a still larger than {self._cap} bytes")
        picture = self._picture()
        if picture is None and ends:
            raise DvripProtocolError("the still ended before its picture was whole")
        return picture

    def _picture(self) -> bytes | None:
        buffer = self._buffer
        if self._shape is _Shape.FRAME:
            if len(buffer) < _FRAME_HEADER:
                return None
            length = int.from_bytes(buffer[12:16], "little")
            if len(buffer) < _FRAME_HEADER + length:
                return None
            jpeg = bytes(buffer[_FRAME_HEADER : _FRAME_HEADER + length])
            if jpeg_length(jpeg) is None:
                raise DvripProtocolError("the still's picture frame holds no whole JPEG")
            return jpeg
        end = jpeg_length(buffer)
        return None if end is None else bytes(buffer[:end])


def _shape_of(payload: bytes) -> _Shape:
    if payload.startswith(_SOI):
        return _Shape.JPEG
    if payload.startswith(_PICTURE_FRAME):
        return _Shape.FRAME
    try:
        reply = decode_json(payload)
    except DvripProtocolError:
        raise DvripProtocolError("OPSNAP reply is neither a JPEG nor JSON") from None
    ret = parse_hex_int(reply.get("Ret"), RetCode.UNKNOWN_ERROR)
    if ret in SUCCESS_CODES:
        raise DvripProtocolError("OPSNAP answered JSON instead of a picture")
    raise DvripCommandError("OPSNAP", ret)
