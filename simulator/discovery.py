"""The camera's answer to the device search: UDP, message 1530 in, 1531 out.

As python-dvr (`DeviceManager.py`, `SearchXM`) and alexshpilkin/dvrip (`discover.py`) expect
it: the request is a bare header; the answer is one datagram, a header with message id 1531
and `{"NetWork.NetCommon": {...}, "Ret": 100, "SessionID": "0x00000000"}`, `HostIP` written
as the hex of the address read little-endian. The answer goes back to the sender's address.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from simulator.device import Device
from simulator.wire import (
    HEADER_SIZE,
    MAGIC,
    FramingError,
    Header,
    MessageId,
    Ret,
    encode_json,
    encode_packet,
)

_LOGGER = logging.getLogger(__name__)


class DiscoveryResponder(asyncio.DatagramProtocol):
    """Answers each search datagram for one camera."""

    def __init__(self, camera: Device) -> None:
        self.camera = camera
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        camera = self.camera
        camera.count_search()
        if len(data) < HEADER_SIZE or data[0] != MAGIC:
            return
        try:
            header = Header.unpack(data[:HEADER_SIZE])
        except FramingError:  # pragma: no cover - the magic byte was checked
            return
        if header.message_id != MessageId.SEARCH or not camera.answers_search():
            return
        body: dict[str, Any] = {
            "NetWork.NetCommon": camera.search_answer(),
            "Ret": Ret.OK,
            "SessionID": "0x00000000",
        }
        reply = encode_packet(
            Header(
                message_id=MessageId.SEARCH_REPLY,
                length=0,
                version=camera.profile.reply_version,
            ),
            encode_json(body, camera.profile.json_terminator),
        )
        if self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("Search answer not sent: %s", exc)


async def start_responder(
    camera: Device, host: str, port: int
) -> tuple[asyncio.DatagramTransport, int]:
    """Listen for searches on host:port (0: a free port); the transport and the bound port."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: DiscoveryResponder(camera), local_addr=(host, port), allow_broadcast=True
    )
    bound: int = transport.get_extra_info("sockname")[1]
    return transport, bound
