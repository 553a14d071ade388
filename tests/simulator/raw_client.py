"""A minimal DVRIP client for simulator tests, written from the protocol notes with struct.

It shares no code with the simulator or the integration, so the three framings check each
other.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import hashlib
import json
import struct
from typing import Any

HEADER = struct.Struct("<BBxxIIBBHI")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

LOGIN = 1000
LOGOUT = 1002
KEEPALIVE = 1006
SYSTEM_INFO = 1020
CONFIG_SET = 1040
CONFIG_GET = 1042
PLAYBACK = 1420
CLAIM = 1424
DOWNLOAD_DATA = 1426
FILE_QUERY = 1440
ABILITY = 1360
TIME_QUERY = 1452
ALARM_SET = 1500
ALARM_INFO = 1504
SNAPSHOT = 1560


def sofia_hash(password: str) -> str:
    digest = hashlib.md5(password.encode()).digest()
    return "".join(ALPHABET[(digest[2 * i] + digest[2 * i + 1]) % 62] for i in range(8))


@dataclass
class Message:
    """A received message (fragments already joined)."""

    message_id: int
    session_id: int
    sequence: int
    version: int
    byte12: int
    byte13: int
    payload: bytes
    fragments: int = 1

    def json(self) -> dict[str, Any]:
        body = json.loads(self.payload.rstrip(b"\0\n").decode())
        assert isinstance(body, dict)
        return body


@dataclass
class RawClient:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    session_id: int = 0
    sequence: int = 0
    # Messages read while waiting for another one (pushes, data, other replies).
    skipped: list[Message] = field(default_factory=list)

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> RawClient:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    def pack(
        self,
        message_id: int,
        body: dict[str, Any] | bytes | None = None,
        *,
        session_id: int | None = None,
        version: int = 0,
        terminator: bytes = b"\n\0",
    ) -> bytes:
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = json.dumps(body).encode() + terminator
        sid = self.session_id if session_id is None else session_id
        header = HEADER.pack(0xFF, version, sid, self.sequence, 0, 0, message_id, len(payload))
        self.sequence += 1
        return header + payload

    async def send(
        self, message_id: int, body: dict[str, Any] | bytes | None = None, **kw: Any
    ) -> None:
        self.writer.write(self.pack(message_id, body, **kw))
        await self.writer.drain()

    async def read_packet(self, timeout: float = 5.0) -> Message:
        async with asyncio.timeout(timeout):
            raw = await self.reader.readexactly(HEADER.size)
            magic, version, sid, seq, b12, b13, mid, length = HEADER.unpack(raw)
            assert magic == 0xFF, f"bad magic {raw!r}"
            payload = await self.reader.readexactly(length)
        return Message(mid, sid, seq, version, b12, b13, payload)

    async def read_message(self, timeout: float = 5.0) -> Message:
        """One message; control replies split into fragments are joined."""
        first = await self.read_packet(timeout)
        if first.message_id == DOWNLOAD_DATA or first.byte12 <= 1:
            return first
        parts = [first]
        while len(parts) < first.byte12:
            part = await self.read_packet(timeout)
            assert part.message_id == first.message_id
            parts.append(part)
        assert [p.byte13 for p in parts] == list(range(first.byte12))
        first.payload = b"".join(p.payload for p in parts)
        first.fragments = len(parts)
        return first

    async def expect(self, message_id: int, timeout: float = 5.0) -> Message:
        """Read until a message with this id arrives; others are kept in ``skipped``."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.read_message(timeout)
                if message.message_id == message_id:
                    return message
                self.skipped.append(message)

    async def request(
        self, message_id: int, body: dict[str, Any] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        await self.send(message_id, body)
        return (await self.expect(message_id + 1, timeout)).json()

    async def login(self, password: str = "", user: str = "admin") -> dict[str, Any]:
        reply = await self.request(
            LOGIN,
            {
                "EncryptType": "MD5",
                "LoginType": "DVRIP-Web",
                "PassWord": sofia_hash(password),
                "UserName": user,
            },
        )
        if reply["Ret"] == 100:
            self.session_id = int(reply["SessionID"], 16)
        return reply

    def session_text(self) -> str:
        return f"0x{self.session_id:08X}"

    async def expect_closed(self, timeout: float = 5.0) -> None:
        """The peer closes or resets the connection (anything still buffered is skipped)."""
        async with asyncio.timeout(timeout):
            try:
                while await self.reader.read(65536):
                    pass
            except ConnectionResetError:
                pass

    async def read_download(self, timeout: float = 5.0) -> tuple[bytes, list[Message]]:
        """Download data until its end marker: a zero-length 1426 or end flag 1."""
        packets: list[Message] = []
        async with asyncio.timeout(timeout):
            while True:
                message = await self.read_message(timeout)
                if message.message_id != DOWNLOAD_DATA:
                    self.skipped.append(message)
                    continue
                packets.append(message)
                if not message.payload or message.byte13 == 1:
                    break
        return b"".join(p.payload for p in packets), packets


def playback_body(
    action: str, entry: dict[str, Any], session_id: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": "OPPlayBack",
        "OPPlayBack": {
            "Action": action,
            "StartTime": entry["BeginTime"],
            "EndTime": entry["EndTime"],
            "Parameter": {
                "FileName": entry["FileName"],
                "PlayMode": "ByName",
                "StreamType": 0,
                "Value": 0,
                "TransMode": "TCP",
            },
        },
    }
    if session_id is not None:
        body["SessionID"] = f"0x{session_id:08X}"
    return body


def file_query_body(
    begin: str, end: str, *, channel: int = 0, kind: str = "h264", event: str = "*"
) -> dict[str, Any]:
    return {
        "Name": "OPFileQuery",
        "OPFileQuery": {
            "BeginTime": begin,
            "EndTime": end,
            "Channel": channel,
            "DriverTypeMask": "0x0000FFFF",
            "Event": event,
            "StreamType": "0x00000000",
            "Type": kind,
        },
    }
