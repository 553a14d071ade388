"""Finding devices on the local network: the DVRIP search broadcast on UDP port 34569.

The wire format, from python-dvr (`DeviceManager.py`, `SearchXM`) and alexshpilkin/dvrip
(`DVRIPClient.discover`, `discover.py`), with message ids 1530/1531 as in the Xiongmai
interface document ("IPSEARCH_REQ"/"IPSEARCH_RSP"):

- the request is a bare 20-byte header, message id 1530, no payload, sent to
  255.255.255.255:34569;
- every device answers with message id 1531 and a JSON payload
  `{"NetWork.NetCommon": {...}, "Ret": 100, "SessionID": "0x00000000"}`; of its fields
  `HostIP` is the address as a hex string of the address read little-endian
  (`"0x0A01A8C0"` is 192.168.1.10), `TCPPort` the DVRIP port, `MAC` ("00:12:41:..."), `SN`
  the serial number and `HostName` the network host name (often "LocalHost").

Both those clients receive on port 34569 itself, so a reply sent to that port (broadcast or
not) arrives as well as one sent back to the sender's port: `discover` listens on 34569 when
it asks on 34569, and on a free port otherwise or when 34569 is taken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import contextlib
from dataclasses import dataclass
import ipaddress
import json
import logging
import re
import socket
import struct
from typing import Any, Final

from .const import DEFAULT_PORT, HEADER_MAGIC, HEADER_SIZE
from .framing import Header

_LOGGER = logging.getLogger(__name__)

DISCOVERY_PORT: Final = 34569
SEARCH_REQ: Final = 1530
SEARCH_RSP: Final = 1531
# A reply is one datagram; anything larger than this is not one.
_MAX_REPLY: Final = 16 * 1024
_NET_COMMON: Final = "NetWork.NetCommon"
_MAC_HEX: Final = re.compile(r"[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """One device that answered the search."""

    host: str  # the address the device says it has (HostIP), dotted quad
    port: int  # its DVRIP TCP port (TCPPort; 34567 when the reply has none)
    mac: str | None  # lower-case "aa:bb:cc:dd:ee:ff"
    serial: str | None  # SN
    model: str | None
    name: str | None  # HostName

    @property
    def identity(self) -> str | None:
        """What tells this device apart: the serial number, else the MAC, else None."""
        return self.serial or self.mac


def search_request() -> bytes:
    """The search request: a header alone, message id 1530."""
    return Header(session_id=0, sequence=0, msg_id=SEARCH_REQ, length=0).pack()


def parse_discovery_reply(payload: bytes, sender: str) -> DiscoveredDevice | None:
    """The device a search reply (a whole datagram) describes; None for anything else.

    `sender` is the address the datagram came from; it stands in for a missing `HostIP`.
    """
    try:
        return _parse(payload, sender)
    except (ValueError, TypeError, LookupError, ArithmeticError, struct.error):
        return None


def _parse(payload: bytes, sender: str) -> DiscoveredDevice | None:
    if len(payload) < HEADER_SIZE or payload[0] != HEADER_MAGIC:
        return None
    header = Header.unpack(payload[:HEADER_SIZE])
    body = payload[HEADER_SIZE : HEADER_SIZE + header.length]
    if header.msg_id != SEARCH_RSP or not body:
        return None
    text = body.rstrip(b"\x00\n\r ").replace(b"\x00", b"").decode("utf-8", "replace")
    reply = json.loads(text, strict=False)
    if not isinstance(reply, dict):
        return None
    common = reply.get(_NET_COMMON)
    if not isinstance(common, dict):
        return None
    host = _host(common.get("HostIP"), sender)
    port = _port(common.get("TCPPort"))
    if host is None or port is None:
        return None
    return DiscoveredDevice(
        host=host,
        port=port,
        mac=_mac(common.get("MAC")),
        serial=_text(common.get("SN")),
        # No source shows a model name in the reply; taken when a device writes one.
        model=_text(common.get("DeviceModel")) or _text(common.get("Model")),
        name=_text(common.get("HostName")),
    )


def _host(value: object, sender: str) -> str | None:
    if value is None:
        return sender
    if isinstance(value, str) and "." in value:
        return str(ipaddress.IPv4Address(value.strip()))
    if isinstance(value, str):
        number = int(value, 16)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        return None
    # The address's four bytes read as a little-endian number.
    return str(ipaddress.IPv4Address(number.to_bytes(4, "little")))


def _port(value: object) -> int | None:
    if value is None:
        return DEFAULT_PORT
    if isinstance(value, bool):
        return None
    number = int(value, 0) if isinstance(value, str) else value
    if isinstance(number, int) and 0 < number < 65536:
        return number
    return None


def _mac(value: object) -> str | None:
    """Lower-case and colon-separated, as Home Assistant's `format_mac` writes it."""
    if not isinstance(value, str):
        return None
    digits = re.sub(r"[:\-. ]", "", value.strip().lower())
    if not _MAC_HEX.fullmatch(digits) or digits == "0" * 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip().strip("\x00").strip() or None


class _Collector(asyncio.DatagramProtocol):
    """Gathers the replies, one per device, until enough have come."""

    def __init__(self, expected: int | None) -> None:
        self.devices: dict[str, DiscoveredDevice] = {}
        self.expected = expected
        self.enough = asyncio.Event()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) > _MAX_REPLY:
            return
        device = parse_discovery_reply(data, str(addr[0]))
        if device is None:
            return
        key = device.identity or f"{device.host}:{device.port}"
        self.devices.setdefault(key, device)
        if self.expected is not None and len(self.devices) >= self.expected:
            self.enough.set()

    def error_received(self, exc: Exception) -> None:
        _LOGGER.debug("Device search: %s", exc)


async def _address(host: str, port: int) -> str:
    """An IPv4 address for `host`, looked up without blocking when it is a name."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
    )
    return str(infos[0][4][0])


def _open_socket(listen_port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setblocking(False)
        try:
            sock.bind(("", listen_port))
        except OSError:
            if listen_port == 0:
                raise
            _LOGGER.debug("Device search: port %d is taken, listening elsewhere", listen_port)
            sock.bind(("", 0))
    except BaseException:
        sock.close()
        raise
    return sock


async def discover(
    *,
    timeout: float = 3.0,
    targets: Sequence[tuple[str, int]] = (("255.255.255.255", DISCOVERY_PORT),),
    expected: int | None = None,
) -> list[DiscoveredDevice]:
    """Ask for devices and gather the answers for `timeout` seconds.

    Sends the search to each of `targets`; returns every device that answered, once each
    (by serial, else MAC, else address), in the order they answered. With `expected`, returns
    as soon as that many have. Network errors are logged at debug level, never raised: what
    answered until then is returned.
    """
    if timeout < 0:
        raise ValueError("timeout must not be negative")
    if expected is not None and expected < 1:
        raise ValueError("expected must be at least 1")
    for _, port in targets:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port < 65536:
            raise ValueError(f"target port must be between 0 and 65535, not {port!r}")
    loop = asyncio.get_running_loop()
    collector = _Collector(expected)
    listen_port = DISCOVERY_PORT if any(port == DISCOVERY_PORT for _, port in targets) else 0
    try:
        sock = _open_socket(listen_port)
        transport, _ = await loop.create_datagram_endpoint(lambda: collector, sock=sock)
    except OSError as err:
        _LOGGER.debug("Device search: cannot open a UDP socket: %s", err)
        return []
    try:
        request = search_request()
        for host, port in targets:
            try:
                transport.sendto(request, (await _address(host, port), port))
            except OSError as err:
                _LOGGER.debug("Device search: cannot send to %s:%d: %s", host, port, err)
        if targets:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(collector.enough.wait(), timeout)
    finally:
        transport.close()
    return list(collector.devices.values())
