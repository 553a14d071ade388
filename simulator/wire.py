"""DVRIP bytes on the wire, as the simulated camera writes and reads them.

This is deliberately an independent implementation of the framing (it shares no code with the
integration's client), so a framing mistake in one is caught by the other.

A packet is a 20-byte little-endian header and a payload:

    0 u8 0xFF | 1 u8 version | 2 2 bytes reserved | 4 u32 session id | 8 u32 sequence
    12 u8 total fragments (media: channel) | 13 u8 fragment index (media: end flag)
    14 u16 message id | 16 u32 payload length
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
import hashlib
import ipaddress
import json
import re
import struct
from typing import Any

MAGIC = 0xFF
HEADER = struct.Struct("<BBxxIIBBHI")
HEADER_SIZE = HEADER.size
# Requests from a client are JSON; a length field is untrusted input.
MAX_REQUEST_PAYLOAD = 1024 * 1024
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_HASH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Control characters some firmware leaves inside strings; TAB, LF and CR are legal whitespace.
_CONTROL_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class MessageId(IntEnum):
    """Message ids the simulated camera understands or sends."""

    LOGIN = 1000
    LOGIN_REPLY = 1001
    LOGOUT = 1002
    LOGOUT_REPLY = 1003
    FORCED_LOGOUT = 1004
    KEEPALIVE = 1006
    KEEPALIVE_REPLY = 1007
    SYSTEM_INFO = 1020
    SYSTEM_INFO_REPLY = 1021
    CONFIG_SET = 1040
    CONFIG_SET_REPLY = 1041
    CONFIG_GET = 1042
    CONFIG_GET_REPLY = 1043
    CHANNEL_TITLE = 1048
    CHANNEL_TITLE_REPLY = 1049
    ABILITY = 1360
    ABILITY_REPLY = 1361
    PTZ_CONTROL = 1400  # OPPTZControl
    PTZ_CONTROL_REPLY = 1401
    MONITOR = 1410  # OPMonitor start and stop
    MONITOR_REPLY = 1411
    MONITOR_DATA = 1412
    MONITOR_CLAIM = 1413
    MONITOR_CLAIM_REPLY = 1414
    PLAYBACK = 1420
    PLAYBACK_REPLY = 1421
    PLAYBACK_DATA = 1422
    PLAYBACK_EOF = 1423
    PLAYBACK_CLAIM = 1424
    PLAYBACK_CLAIM_REPLY = 1425
    DOWNLOAD_DATA = 1426
    TALK = 1430  # OPTalk start and stop
    TALK_REPLY = 1431
    TALK_DATA = 1432
    TALK_CLAIM = 1434
    TALK_CLAIM_REPLY = 1435
    FILE_QUERY = 1440
    FILE_QUERY_REPLY = 1441
    TIME_SETTING = 1450  # OPTimeSetting and OPMachine (reboot)
    TIME_SETTING_REPLY = 1451
    TIME_QUERY = 1452
    TIME_QUERY_REPLY = 1453
    ALARM_SET = 1500
    ALARM_SET_REPLY = 1501
    ALARM_CLEAR = 1502
    ALARM_CLEAR_REPLY = 1503
    ALARM_INFO = 1504
    ALARM_CENTER = 1508
    SEARCH = 1530  # UDP, port 34569
    SEARCH_REPLY = 1531
    SNAPSHOT = 1560
    SNAPSHOT_REPLY = 1561
    REMOTE_CTRL = 4000  # OPRemoteCtrl: the siren
    REMOTE_CTRL_REPLY = 4001


class Ret(IntEnum):
    """Result codes in the "Ret" field of replies."""

    OK = 100
    UNKNOWN_ERROR = 101
    UNSUPPORTED = 102
    ILLEGAL_REQUEST = 103
    NOT_LOGGED_IN = 105
    WRONG_PASSWORD = 106
    NO_PERMISSION = 107
    DEVICE_TIMEOUT = 108
    NOTHING_FOUND = 109
    SEARCH_COMPLETE = 110
    SEARCH_PARTIAL = 111
    NO_FILES = 119
    EMPTY_CHANNEL = 121
    ILLEGAL_USER = 204
    USER_LOCKED = 205
    ALREADY_LOGGED_IN = 207
    NO_SUCH_CONFIG = 607


class FramingError(Exception):
    """The peer sent bytes that are not a DVRIP packet (bad magic, oversized length)."""


@dataclass(frozen=True, slots=True)
class Header:
    """One decoded packet header."""

    message_id: int
    length: int
    session_id: int = 0
    sequence: int = 0
    version: int = 1
    # Control packets: total fragments / fragment index. Media packets: channel / end flag.
    byte12: int = 0
    byte13: int = 0

    def pack(self) -> bytes:
        return HEADER.pack(
            MAGIC,
            self.version,
            self.session_id,
            self.sequence,
            self.byte12,
            self.byte13,
            self.message_id,
            self.length,
        )

    @classmethod
    def unpack(cls, raw: bytes) -> Header:
        magic, version, session_id, sequence, byte12, byte13, message_id, length = HEADER.unpack(
            raw
        )
        if magic != MAGIC:
            raise FramingError(f"bad magic byte 0x{magic:02X}")
        return cls(
            message_id=message_id,
            length=length,
            session_id=session_id,
            sequence=sequence,
            version=version,
            byte12=byte12,
            byte13=byte13,
        )


@dataclass(frozen=True, slots=True)
class Packet:
    """A header with its payload."""

    header: Header
    payload: bytes


async def read_packet(
    reader: asyncio.StreamReader, max_payload: int = MAX_REQUEST_PAYLOAD
) -> Packet | None:
    """Read one packet; None on a clean end of stream before a header starts."""
    try:
        raw = await reader.readexactly(HEADER_SIZE)
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            return None
        raise FramingError("stream ended inside a header") from err
    header = Header.unpack(raw)
    if header.length > max_payload:
        raise FramingError(f"payload length {header.length} exceeds {max_payload}")
    try:
        payload = await reader.readexactly(header.length)
    except asyncio.IncompleteReadError as err:
        raise FramingError("stream ended inside a payload") from err
    return Packet(header, payload)


def encode_packet(header: Header, payload: bytes) -> bytes:
    """Header and payload as one buffer; the header's length is taken from the payload."""
    fixed = Header(
        message_id=header.message_id,
        length=len(payload),
        session_id=header.session_id,
        sequence=header.sequence,
        version=header.version,
        byte12=header.byte12,
        byte13=header.byte13,
    )
    return fixed.pack() + payload


def encode_json(body: dict[str, Any], terminator: bytes = b"\n\0") -> bytes:
    """Serialise a JSON body the way devices do: compact, UTF-8, with a trailing terminator."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + terminator


def decode_json(payload: bytes) -> dict[str, Any]:
    """Parse a JSON request leniently (ValueError: not JSON; TypeError: not an object)."""
    cleaned = _CONTROL_CHARS.sub(b"", payload.rstrip(b"\0\n\r "))
    try:
        text = cleaned.decode()
    except UnicodeDecodeError:
        text = cleaned.decode("latin-1")
    body = json.loads(text, strict=False)
    if not isinstance(body, dict):
        raise TypeError("JSON body is not an object")
    return body


def sofia_hash(password: str) -> str:
    """The 8-character password hash that DVRIP logins carry."""
    digest = hashlib.md5(password.encode()).digest()  # noqa: S324 - the protocol's own scheme
    return "".join(
        _HASH_ALPHABET[(digest[2 * i] + digest[2 * i + 1]) % len(_HASH_ALPHABET)] for i in range(8)
    )


def session_text(session_id: int) -> str:
    """A session id as devices write it in JSON."""
    return f"0x{session_id:08X}"


def parse_hex(value: object) -> int | None:
    """A hex string such as "0x1c" or "0x0000001C" (or a plain int); None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16)
        except ValueError:
            return None
    return None


def format_time(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def parse_time(text: object) -> datetime | None:
    """A camera-clock time string; None if absent or malformed."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT)  # noqa: DTZ007 - camera clock, no zone
    except ValueError:
        return None


def host_ip_text(address: str) -> str:
    """An IPv4 address as `HostIP` writes it: "192.168.1.10" is "0x0A01A8C0"."""
    packed = ipaddress.IPv4Address(address).packed
    return f"0x{int.from_bytes(packed, 'little'):08X}"
