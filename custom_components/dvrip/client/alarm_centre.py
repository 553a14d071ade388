"""Alarm-centre messages (1508): alarms a device sends to a server it connects out to.

Some firmware never pushes alarms on the DVRIP session; it only reports them to an "alarm
centre" (the device's NetAlarmServer / AlarmCenter setting): it opens a TCP connection to a
configured host and port (15002 by default) and writes one framed packet, message id 1508,
whose JSON ends with `\\n` only:

    {"Address": "0x0A01A8C0", "Channel": 0, "Descrip": "", "Event": "HumanDetect",
     "SerialID": "7c9a2f31d0e84b56", "StartTime": "2026-11-25 13:05:10", "Status": "Start",
     "Type": "Alarm"}

`Address` is the device's own IPv4 address as a little-endian number, `Type` is `Alarm` or
`Log`. Nothing is answered. `AlarmCentreServer` listens for such connections; anyone on the
network can open one, so every connection is bounded: a few seconds to send, a few KiB,
a limited number at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import ipaddress
import logging
from typing import Any, Final

from .const import MessageId
from .errors import DvripError, DvripProtocolError
from .framing import PacketDecoder, decode_json, parse_hex_int
from .models import Alarm, AlarmStatus, parse_camera_time

_LOGGER = logging.getLogger(__name__)

DEFAULT_ALARM_CENTRE_PORT: Final = 15002
# Bounds on what one connection may cost.
MAX_CONNECTIONS: Final = 32
READ_TIMEOUT: Final = 10.0
MAX_CONNECTION_BYTES: Final = 64 * 1024
_READ_CHUNK: Final = 4096
_ALARM_KEYS: Final = frozenset({"SerialID", "Event", "StartTime"})


@dataclass(frozen=True, slots=True)
class AlarmCentreMessage:
    """One 1508 message: which device (its serial number) and what alarm."""

    serial: str
    alarm: Alarm
    kind: str = "Alarm"
    address: str | None = None
    description: str = ""


type AlarmCentreHandler = Callable[[AlarmCentreMessage, str], None]


def ip_address_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address as a peer or a config names it (`::ffff:a.b.c.d` as IPv4); None for a name."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_alarm_centre_message(payload: bytes) -> AlarmCentreMessage:
    """Read a 1508 payload; `DvripProtocolError` for anything that is not one.

    The fields are usually at the top level; a message wrapped in one object (as
    `{"AlarmCenter": {...}}`) is accepted too.
    """
    message = decode_json(payload)
    body = _alarm_body(message)
    # A device without a serial number may send an empty one: its address tells who it is.
    serial = body.get("SerialID") or ""
    if not isinstance(serial, str):
        raise DvripProtocolError("alarm-centre message with a SerialID that is no string")
    channel = parse_hex_int(body.get("Channel"), 0)
    if not 0 <= channel < 1024:
        raise DvripProtocolError(f"alarm-centre message for channel {channel}")
    alarm = Alarm(
        channel=channel,
        event=str(body.get("Event") or "").strip(),
        status=str(body.get("Status") or AlarmStatus.NONE).strip(),
        start_time=parse_camera_time(body.get("StartTime")),
        raw=body,
    )
    return AlarmCentreMessage(
        serial=serial.strip(),
        alarm=alarm,
        kind=str(body.get("Type") or "Alarm").strip(),
        address=_address(body.get("Address")),
        description=str(body.get("Descrip") or ""),
    )


def _alarm_body(message: dict[str, Any]) -> dict[str, Any]:
    if _ALARM_KEYS & message.keys():
        return message
    for value in message.values():
        if isinstance(value, dict) and _ALARM_KEYS & value.keys():
            return value
    raise DvripProtocolError("not an alarm-centre message")


def _address(value: object) -> str | None:
    """The device's IPv4 address: a number whose lowest byte is the address's first."""
    number = parse_hex_int(value, -1)
    if not 0 <= number <= 0xFFFFFFFF:
        return None
    return str(ipaddress.IPv4Address(number.to_bytes(4, "little")))


class AlarmCentreServer:
    """A TCP listener that hands each alarm-centre message to `handler(message, peer)`.

    `peer` is the address the connection came from. Messages that are not 1508, or do not
    parse, are dropped (logged at debug level); a connection ends after `READ_TIMEOUT`
    seconds or `MAX_CONNECTION_BYTES` bytes, and beyond `MAX_CONNECTIONS` at once new ones
    are closed unread.
    """

    def __init__(self, handler: AlarmCentreHandler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.received = 0
        self.rejected = 0

    @property
    def port(self) -> int | None:
        """The bound port while listening."""
        if self._server is None or not self._server.sockets:
            return None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int) -> int:
        """Listen on `host:port` (port 0: any free one); `OSError` when that is impossible."""
        self._server = await asyncio.start_server(self._serve, host, port, reuse_address=True)
        bound = self.port
        assert bound is not None
        return bound

    async def close(self) -> None:
        """Stop listening and drop every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self._connections) >= MAX_CONNECTIONS:
            self.rejected += 1
            writer.close()
            return
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        peer_host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        try:
            await self._read(reader, peer_host)
        except (TimeoutError, OSError, DvripError) as err:
            _LOGGER.debug("Alarm-centre connection from %s ended: %s", peer_host, err)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader, peer_host: str) -> None:
        decoder = PacketDecoder()
        total = 0
        async with asyncio.timeout(READ_TIMEOUT):
            while chunk := await reader.read(_READ_CHUNK):
                total += len(chunk)
                if total > MAX_CONNECTION_BYTES:
                    raise DvripProtocolError(f"more than {MAX_CONNECTION_BYTES} bytes")
                for packet in decoder.feed(chunk):
                    if packet.msg_id != MessageId.ALARM_CENTER:
                        _LOGGER.debug("Ignored message %d from %s", packet.msg_id, peer_host)
                        continue
                    try:
                        message = parse_alarm_centre_message(packet.payload)
                    except DvripProtocolError as err:
                        _LOGGER.debug("Ignored an alarm-centre message from %s: %s", peer_host, err)
                        continue
                    self.received += 1
                    try:
                        self._handler(message, peer_host)
                    except Exception:
                        _LOGGER.exception("Alarm-centre handler failed")
