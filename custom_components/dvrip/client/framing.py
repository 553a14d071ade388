"""Bytes on the wire: the 20-byte header, JSON payloads, and an incremental packet decoder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import json
import logging
import struct
from typing import Any, Final

from .const import (
    HEADER_MAGIC,
    HEADER_SIZE,
    MAX_JSON_PAYLOAD,
    MAX_MEDIA_PAYLOAD,
    MEDIA_MESSAGE_IDS,
)
from .errors import DvripProtocolError

_LOGGER = logging.getLogger(__name__)

_HEADER = struct.Struct("<BBxxIIBBHI")
# Message ids a real device uses (up to OPRemoteCtrl's reply, 4001, and the vendor's other
# 4xxx operations); anything outside is garbage, not a header.
_MIN_MSG_ID: Final = 1000
_MAX_MSG_ID: Final = 4999
_JSON_TERMINATOR: Final = b"\n\x00"
# Bytes < 0x20 except TAB, LF, CR appear raw inside strings on some firmware.
_CONTROL_CHARS: Final = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))


@dataclass(frozen=True, slots=True)
class Header:
    """A packet header; `total`/`index` are channel/end flag on media packets."""

    session_id: int
    sequence: int
    msg_id: int
    length: int
    version: int = 1
    total: int = 0
    index: int = 0

    def pack(self) -> bytes:
        return _HEADER.pack(
            HEADER_MAGIC,
            self.version,
            self.session_id,
            self.sequence,
            self.total,
            self.index,
            self.msg_id,
            self.length,
        )

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        if len(data) < HEADER_SIZE:
            raise DvripProtocolError(f"header needs {HEADER_SIZE} bytes, got {len(data)}")
        magic, version, session_id, sequence, total, index, msg_id, length = _HEADER.unpack_from(
            data
        )
        if magic != HEADER_MAGIC:
            raise DvripProtocolError(f"bad header magic 0x{magic:02x}")
        return cls(session_id, sequence, msg_id, length, version, total, index)


@dataclass(frozen=True, slots=True)
class Packet:
    """One decoded packet."""

    header: Header
    payload: bytes

    @property
    def msg_id(self) -> int:
        return self.header.msg_id

    @property
    def is_media(self) -> bool:
        return self.header.msg_id in MEDIA_MESSAGE_IDS


def payload_cap(msg_id: int) -> int:
    """The largest payload accepted for a message id."""
    return MAX_MEDIA_PAYLOAD if msg_id in MEDIA_MESSAGE_IDS else MAX_JSON_PAYLOAD


def encode_packet(
    msg_id: int,
    payload: bytes,
    *,
    session_id: int = 0,
    sequence: int = 0,
    version: int = 0,
    total: int = 0,
    index: int = 0,
) -> bytes:
    """Frame a payload."""
    header = Header(session_id, sequence, msg_id, len(payload), version, total, index)
    return header.pack() + payload


def encode_json(message: dict[str, Any]) -> bytes:
    """Serialise a JSON message with the `\\n\\0` terminator devices expect."""
    return json.dumps(message, separators=(",", ":")).encode() + _JSON_TERMINATOR


def decode_json(payload: bytes) -> dict[str, Any]:
    """Parse device JSON leniently; raise `DvripProtocolError` for anything but an object."""
    body = payload.rstrip(b"\x00\n\r\t ").translate(None, _CONTROL_CHARS)
    try:
        text = body.decode()
    except UnicodeDecodeError:
        # Some firmware writes latin-1.
        text = body.decode("latin-1")
    try:
        message = json.loads(text, strict=False)
    except (ValueError, RecursionError) as err:
        # Deeply nested garbage exhausts the parser's recursion limit, not a ValueError.
        raise DvripProtocolError(f"invalid JSON from the camera: {err}") from None
    if not isinstance(message, dict):
        raise DvripProtocolError("JSON from the camera is not an object")
    return message


def parse_hex_int(value: object, default: int = 0) -> int:
    """Read a number that firmware sends as int, "0x1C", "0x0000001C" or "28"."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.lower().startswith("0x"):
                return int(text, 16)
            return int(text)
        except ValueError:
            return default
    return default


def parse_session_id(value: object) -> int:
    """A session id from JSON: hex with or without "0x" ("0x1c", "0000001C"); 0 if unreadable."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 16)
        except ValueError:
            return 0
    return 0


def format_session_id(session_id: int) -> str:
    """Session ids go into JSON as eight-digit hex strings."""
    return f"0x{session_id:08X}"


def _plausible_header(data: bytes | bytearray, offset: int) -> bool:
    if data[offset] != HEADER_MAGIC or data[offset + 1] > 1:
        return False
    msg_id: int
    length: int
    msg_id, length = struct.unpack_from("<HI", data, offset + 14)
    return _MIN_MSG_ID <= msg_id <= _MAX_MSG_ID and length <= payload_cap(msg_id)


class PacketDecoder:
    """Turns a byte stream into packets, whatever the chunking.

    Garbage between packets is skipped up to the next plausible header, so a burst of
    noise costs the bytes it replaced, not the connection. Never holds more than one
    packet's capped payload plus the chunk being fed.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped_bytes = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> Iterator[Packet]:
        """Add bytes and yield each packet they complete."""
        self._buffer += data
        while True:
            packet = self._next_packet()
            if packet is None:
                return
            yield packet

    def _next_packet(self) -> Packet | None:
        buffer = self._buffer
        start = 0
        while len(buffer) - start >= HEADER_SIZE and not _plausible_header(buffer, start):
            found = buffer.find(HEADER_MAGIC, start + 1)
            start = found if found != -1 else len(buffer)
        if start:
            self.skipped_bytes += start
            _LOGGER.debug("Skipped %d bytes that are not DVRIP packets", start)
            del buffer[:start]
        if len(buffer) < HEADER_SIZE:
            return None
        header = Header.unpack(bytes(buffer[:HEADER_SIZE]))
        end = HEADER_SIZE + header.length
        if len(buffer) < end:
            return None
        payload = bytes(buffer[HEADER_SIZE:end])
        del buffer[:end]
        return Packet(header, payload)


class FragmentAssembler:
    """Joins control replies a device splits into fragments (total > 1)."""

    def __init__(self, cap: int = MAX_JSON_PAYLOAD) -> None:
        self._cap = cap
        # msg id -> (total announced, fragments received by index)
        self._parts: dict[int, tuple[int, dict[int, bytes]]] = {}

    def add(self, packet: Packet) -> bytes | None:
        """Return the whole payload once every fragment of the message is in."""
        header = packet.header
        if header.total <= 1:
            return packet.payload
        if header.index >= header.total:
            self._parts.pop(header.msg_id, None)
            raise DvripProtocolError(
                f"fragment {header.index} of message {header.msg_id} outside its total"
                f" {header.total}"
            )
        total, parts = self._parts.get(header.msg_id, (header.total, {}))
        if total != header.total or header.index in parts:
            # A fragment went missing: what is held belongs to an older message.
            total, parts = header.total, {}
        parts[header.index] = packet.payload
        if sum(len(part) for part in parts.values()) > self._cap:
            self._parts.pop(header.msg_id, None)
            raise DvripProtocolError(f"fragmented message {header.msg_id} exceeds the size cap")
        if len(parts) < total:
            self._parts[header.msg_id] = (total, parts)
            return None
        self._parts.pop(header.msg_id, None)
        return b"".join(parts[i] for i in range(total))
