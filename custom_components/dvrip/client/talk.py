"""Talk: audio to the camera's speaker (OPTalk), paced at real time.

On a connection of its own (the client's second connection, whose turn stills wait for
meanwhile): claim the speaker with 1434 (`"Action": "Claim"`, G.711 A-law) and wait for the
answer, send `"Action": "Start"` on 1430 (without it the speaker stays shut), then one 1432
packet per 40 ms of audio, each an audio frame of the media container `00 00 01 FA 0E 02
<LE16 320>` and 320 bytes of 8 kHz A-law; `"Action": "Stop"` on 1430 ends it. Start and Stop
are not answered (go2rtc `pkg/dvrip/backchannel.go`; Moxnatiy/hass-xmeye
`src/xmeye/stream.py` `TalkStream`; voidnullvalue `PROTOCOL_NOTES.md`).

Packets go at real time: a camera plays what it is sent as it comes, and sent at once 5 s of
audio took 43 s to play (voidnullvalue). Packet n leaves n x 40 ms after the first, and Stop
once the last one has had its 40 ms (and `STOP_MARGIN`). A claim refused (Ret 503: another
talk holds the speaker) raises `DvripCommandError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .connection import DvripConnection
from .const import SUCCESS_CODES, MessageId, RetCode
from .errors import DvripCommandError, DvripProtocolError
from .framing import decode_json, format_session_id, parse_hex_int

SAMPLE_RATE: Final = 8000
PACKET_BYTES: Final = 320  # 40 ms of 8 kHz A-law
PACKET_SECONDS: Final = PACKET_BYTES / SAMPLE_RATE
ALAW_SILENCE: Final = 0xD5
# Stop waits this long past the last packet's 40 ms, so that a packet delayed on its way is
# played whole.
STOP_MARGIN: Final = 0.02
_AUDIO_FRAME_HEADER: Final = b"\x00\x00\x01\xfa\x0e\x02" + PACKET_BYTES.to_bytes(2, "little")


@dataclass(frozen=True, slots=True)
class TalkResult:
    """What a talk sent: packets, and the seconds from the first packet to Stop."""

    packets: int
    seconds: float


def talk_message(session_id: int, action: str) -> dict[str, Any]:
    """An OPTalk request (`Claim`, `Start` or `Stop`) for 8 kHz G.711 A-law."""
    return {
        "Name": "OPTalk",
        "OPTalk": {
            "Action": action,
            "AudioFormat": {
                "BitRate": 128,
                "EncodeType": "G711_ALAW",
                "SampleBit": 8,
                "SampleRate": SAMPLE_RATE,
            },
        },
        "SessionID": format_session_id(session_id),
    }


def talk_packets(alaw: bytes) -> list[bytes]:
    """The 1432 payloads of some A-law audio; the last one filled up with silence."""
    packets = []
    for start in range(0, len(alaw), PACKET_BYTES):
        chunk = alaw[start : start + PACKET_BYTES].ljust(PACKET_BYTES, bytes([ALAW_SILENCE]))
        packets.append(_AUDIO_FRAME_HEADER + chunk)
    return packets


async def speak(
    connection: DvripConnection,
    alaw: bytes,
    *,
    request_timeout: float,
    on_started: Callable[[], None] | None = None,
) -> TalkResult:
    """Play 8 kHz A-law audio on the camera's speaker, on a logged-in connection it closes.

    Cancelling it stops the talk (Stop is still sent).
    """
    reply = await connection.request(
        MessageId.TALK_CLAIM,
        talk_message(connection.session_id, "Claim"),
        timeout=request_timeout,
    )
    try:
        ret = parse_hex_int(decode_json(reply.payload).get("Ret"), RetCode.UNKNOWN_ERROR)
    except DvripProtocolError:
        ret = RetCode.UNKNOWN_ERROR
    if ret not in SUCCESS_CODES:
        await connection.log_out()
        raise DvripCommandError("OPTalk", ret)
    packets = talk_packets(alaw)
    loop = asyncio.get_running_loop()
    connection.send(MessageId.TALK, talk_message(connection.session_id, "Start"))
    started = loop.time()
    if on_started is not None:
        on_started()
    try:
        for index, packet in enumerate(packets):
            if (wait := started + index * PACKET_SECONDS - loop.time()) > 0:
                await asyncio.sleep(wait)
            connection.send(MessageId.TALK_DATA, packet)
        # The last packet is played for its 40 ms before the speaker is shut.
        if (wait := started + len(packets) * PACKET_SECONDS + STOP_MARGIN - loop.time()) > 0:
            await asyncio.sleep(wait)
    finally:
        if not connection.closed:
            connection.send(MessageId.TALK, talk_message(connection.session_id, "Stop"))
        # Logged out (and closed by the device, before the turn passes): the speaker is free
        # for the next talk, and the next user logs in afresh.
        await connection.log_out()
    return TalkResult(len(packets), loop.time() - started)
