"""Where the camera entity's live view comes from: RTSP where the device serves it, else DVRIP.

Many of these devices have RTSP switched off or broken, while every one speaks DVRIP. So
the stream source is the device's RTSP address when its RTSP port accepts a connection, and
otherwise a `dvrip://` address: Home Assistant's go2rtc (built in since 2024.11) plays those
itself, with the channel and `subtype` (0 main, 1 sub stream) its dvrip source reads. Home
Assistant's own HLS stream cannot open `dvrip://`, so without go2rtc such a device has no
live view (its stills still work).

Whether the RTSP port answers is asked once for all of a device's channels and remembered
for `RTSP_PROBE_EXPIRY`, so a port switched on later is found without a restart. Either
address carries the login; the log redaction masks it wherever a log line shows one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
from typing import Any, Final
from urllib.parse import quote

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME

from .const import DEFAULT_DVRIP_PORT, LOGGER, RTSP_PORT, LiveStream

# Seconds the RTSP port has to accept a connection, and how long its answer is believed.
RTSP_PROBE_TIMEOUT: Final = 3.0
RTSP_PROBE_EXPIRY: Final = 600.0


def _host(data: Mapping[str, Any]) -> str:
    host = str(data[CONF_HOST])
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return host


def _subtype(stream: LiveStream) -> int:
    return 1 if stream is LiveStream.SUB else 0


def rtsp_url(data: Mapping[str, Any], channel: int, stream: LiveStream = LiveStream.MAIN) -> str:
    """The XMEye RTSP address of a channel's stream (channels count from 0 here).

    These devices take the login from the path, not from the URL's user part.
    """
    user = quote(str(data[CONF_USERNAME]), safe="")
    password = quote(str(data[CONF_PASSWORD]), safe="")
    return (
        f"rtsp://{_host(data)}:{RTSP_PORT}/user={user}&password={password}"
        f"&channel={channel + 1}&stream={_subtype(stream)}.sdp"
    )


def dvrip_url(data: Mapping[str, Any], channel: int, stream: LiveStream = LiveStream.MAIN) -> str:
    """go2rtc's DVRIP source of a channel's stream: `channel` counts from 0, `subtype` 0 is
    the main stream and 1 the sub stream (go2rtc `pkg/dvrip/client.go`).
    """
    user = quote(str(data[CONF_USERNAME]), safe="")
    password = quote(str(data[CONF_PASSWORD]), safe="")
    port = int(data.get(CONF_PORT) or DEFAULT_DVRIP_PORT)
    return (
        f"dvrip://{user}:{password}@{_host(data)}:{port}"
        f"?channel={channel}&subtype={_subtype(stream)}"
    )


async def rtsp_answers(host: str, port: int) -> bool:
    """Whether something accepts a TCP connection on the device's RTSP port."""
    try:
        async with asyncio.timeout(RTSP_PROBE_TIMEOUT):
            _reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class LiveView:
    """The live stream sources of one device's channels."""

    def __init__(self, data: Mapping[str, Any], stream: LiveStream) -> None:
        self._data = data
        self.stream = stream
        self._rtsp: bool | None = None
        self._probed_at = 0.0
        self._lock = asyncio.Lock()

    async def async_stream_source(self, channel: int) -> str | None:
        """RTSP where the device's RTSP port answers, else go2rtc's `dvrip://`; None when
        live view is off.
        """
        if self.stream is LiveStream.OFF:
            return None
        if await self._async_rtsp():
            return rtsp_url(self._data, channel, self.stream)
        return dvrip_url(self._data, channel, self.stream)

    async def _async_rtsp(self) -> bool:
        async with self._lock:
            now = asyncio.get_running_loop().time()
            if self._rtsp is None or now - self._probed_at >= RTSP_PROBE_EXPIRY:
                answers = await rtsp_answers(str(self._data[CONF_HOST]), RTSP_PORT)
                if answers != self._rtsp:
                    LOGGER.debug(
                        "Live view of %s over %s",
                        self._data[CONF_HOST],
                        "RTSP" if answers else "DVRIP (go2rtc): its RTSP port does not answer",
                    )
                self._rtsp = answers
                self._probed_at = asyncio.get_running_loop().time()
            return self._rtsp
