"""A scripted device for the client's corner cases that the simulator does not produce.

Each connection's packets go to a handler that answers with raw bytes, so a test can send
exactly the malformed, late or fragmented replies it is about.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import struct
from typing import Any

_HEADER = struct.Struct("<BBxxIIBBHI")


@dataclass
class Request:
    msg_id: int
    session_id: int
    body: dict[str, Any]


def packet(
    msg_id: int, payload: bytes, *, session: int = 0x1C, total: int = 0, index: int = 0
) -> bytes:
    return _HEADER.pack(0xFF, 1, session, 0, total, index, msg_id, len(payload)) + payload


def reply(msg_id: int, body: dict[str, Any], **kwargs: Any) -> bytes:
    return packet(msg_id, json.dumps(body).encode() + b"\n\x00", **kwargs)


LOGIN_OK = {
    "Ret": 100,
    "SessionID": "0x0000001C",
    "AliveInterval": 20,
    "ChannelNum": 1,
    "DeviceType ": "IPC",
}

type Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class FakeDevice:
    handler: Handler
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> FakeDevice:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            while True:
                header = await reader.readexactly(20)
                _, _, session, _, _, _, msg_id, length = _HEADER.unpack(header)
                payload = await reader.readexactly(length)
                body = json.loads(payload.rstrip(b"\x00\n") or b"{}")
                request = Request(msg_id, session, body)
                self.requests.append(request)
                await self.handler(request, writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
