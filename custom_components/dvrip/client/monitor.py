"""Live video (OPMonitor): the first keyframe of a channel's stream, for a still.

A client claims a stream with 1413 (`"Action": "Claim"`) and waits for its answer (1414),
then starts it with 1410 (`"Action": "Start"`), which is not answered: frames follow on 1412
in the media container (go2rtc `pkg/dvrip/client.go` `Play()`; python-dvr
`start_monitor()`; Moxnatiy/hass-xmeye `src/xmeye/stream.py`). `StreamType` is "Main" or
"Extra1", the sub stream. A live stream starts mid-second: frames before the first I-frame
cannot be decoded alone and are skipped. `Stop` on 1410 ends the stream, unanswered.

The connection is closed once the keyframe is had: frames still on their way would be
taken for the answer to whatever is asked next on it.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any, Final

from .connection import DvripConnection, media_queue
from .const import SUCCESS_CODES, MessageId, RetCode
from .download import next_packet
from .errors import DvripCommandError, DvripProtocolError, DvripTimeoutError
from .framing import decode_json, format_session_id, parse_hex_int
from .media import FrameType, MediaFrame, MediaParser

# Seconds a stream has to bring its first keyframe: cameras send one every 1 to 4 s.
DEFAULT_KEYFRAME_TIMEOUT: Final = 8.0


class LiveStreamType(StrEnum):
    """OPMonitor's `StreamType`."""

    MAIN = "Main"
    EXTRA = "Extra1"


def monitor_message(
    session_id: int, action: str, channel: int, stream: LiveStreamType
) -> dict[str, Any]:
    """An OPMonitor request (`Claim`, `Start` or `Stop`) of a channel's stream."""
    return {
        "Name": "OPMonitor",
        "OPMonitor": {
            "Action": action,
            "Parameter": {
                "Channel": channel,
                "CombinMode": "NONE",
                "StreamType": str(stream),
                "TransMode": "TCP",
            },
        },
        "SessionID": format_session_id(session_id),
    }


async def first_keyframe(
    connection: DvripConnection,
    channel: int,
    stream: LiveStreamType = LiveStreamType.EXTRA,
    *,
    request_timeout: float,
    keyframe_timeout: float = DEFAULT_KEYFRAME_TIMEOUT,
) -> MediaFrame:
    """The first I-frame of a channel's live stream, on a logged-in connection it closes.

    Raises `DvripCommandError` when the claim is refused, `DvripTimeoutError` when the claim
    is unanswered or no keyframe comes within `keyframe_timeout` seconds.
    """
    queue = media_queue()
    connection.route_media(queue)
    try:
        reply = await connection.request(
            MessageId.MONITOR_CLAIM,
            monitor_message(connection.session_id, "Claim", channel, stream),
            timeout=request_timeout,
        )
        try:
            ret = parse_hex_int(decode_json(reply.payload).get("Ret"), RetCode.UNKNOWN_ERROR)
        except DvripProtocolError:
            ret = RetCode.UNKNOWN_ERROR
        if ret not in SUCCESS_CODES:
            raise DvripCommandError("OPMonitor", ret)
        connection.send(
            MessageId.MONITOR, monitor_message(connection.session_id, "Start", channel, stream)
        )
        parser = MediaParser()
        try:
            async with asyncio.timeout(keyframe_timeout):
                while True:
                    packet = await next_packet(queue, connection.closed_event, "the live stream")
                    if packet.msg_id != MessageId.MONITOR_DATA:
                        continue
                    for frame in parser.feed(packet.payload):
                        if frame.frame_type is FrameType.I_FRAME and frame.codec is not None:
                            _stop(connection, channel, stream)
                            return frame
        except TimeoutError:
            raise DvripTimeoutError(
                f"no keyframe of channel {channel + 1} within {keyframe_timeout} s"
            ) from None
    finally:
        connection.route_media(None)
        # Logged out, and closed by the device, before the turn passes: the next user's
        # login must not make a third connection while this one is still open.
        await connection.log_out()


def _stop(connection: DvripConnection, channel: int, stream: LiveStreamType) -> None:
    if not connection.closed:
        connection.send(
            MessageId.MONITOR, monitor_message(connection.session_id, "Stop", channel, stream)
        )
