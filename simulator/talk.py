"""Talk (audio to the camera's speaker): OPTalk claim 1434, start and stop 1430, audio 1432.

What the sources say, and what is played here:

- A client talks on a connection of its own: it claims the speaker with 1434 `{"Name":
  "OPTalk", "OPTalk": {"Action": "Claim", "AudioFormat": {"EncodeType": "G711_ALAW", ...}}}`
  and waits for the answer (1435), sends `"Action": "Start"` on 1430 (without it the speaker
  stays shut), then audio packets on 1432, each an audio frame of the media container
  `00 00 01 FA 0E 02 <LE16 320>` and 320 bytes of 8 kHz G.711 A-law (40 ms); `Stop` on 1430
  ends it. Start and Stop are sent without waiting for an answer (go2rtc
  `pkg/dvrip/backchannel.go`, 320-byte packets, codec 14 A-law or 10 mu-law, rate index 2;
  Moxnatiy/hass-xmeye `src/xmeye/stream.py` `TalkStream`; voidnullvalue `PROTOCOL_NOTES.md`:
  unpaced, 5 s of audio took 43 s to play). So Start and Stop are not answered here.
- The speaker is one: a claim while another connection holds it is refused with Ret 503,
  "talk channel has been opened", and a Start without a claim with Ret 504, "talk channel
  is not open" (python-dvr `DeviceManager.py`'s return-code table). A camera without a
  speaker refuses the claim with Ret 103 (no source says otherwise); it reports
  `SystemFunction.PreviewFunction.Talk` false (python-dvr's README shows `"Talk": true`).
- Audio before Start is not played. Closing the socket ends the talk as Stop does.

Every talk is recorded for tests: the A-law bytes played and when each packet came.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import time
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from simulator.wire import MessageId, Ret

if TYPE_CHECKING:
    from simulator.link import Link as Connection

_LOGGER = logging.getLogger(__name__)

# python-dvr DeviceManager.py: 503 "Talk channel has been opened", 504 "Talk channel is not open".
TALK_IN_USE: Final = 503
TALK_NOT_OPEN: Final = 504
AUDIO_HEADER: Final = b"\x00\x00\x01\xfa"
# Codec ids of the audio frame (go2rtc backchannel.go): 14 G.711 A-law, 10 mu-law.
ALAW: Final = 0x0E
ULAW: Final = 0x0A
RATE_8K: Final = 0x02


@dataclass(slots=True)
class TalkRecord:
    """One talk: what was claimed, and the audio the speaker played, packet by packet."""

    connection: int
    encode_type: str
    started: bool = False
    stopped: bool = False
    # (time.monotonic() at arrival, the packet's A-law or mu-law bytes), in order.
    packets: list[tuple[float, bytes]] = field(default_factory=list)
    # Packets that were not an 8 kHz G.711 audio frame, or came before Start.
    rejected: int = 0
    # time.monotonic() at Stop (or when the connection went).
    stopped_at: float | None = None

    @property
    def audio(self) -> bytes:
        return b"".join(data for _, data in self.packets)


def _alaw_sample(code: int) -> int:
    """One G.711 A-law byte as a 16-bit linear sample (ITU-T G.711: even bits inverted,
    3 segment bits, 4 step bits, sign bit set for positive values).
    """
    code ^= 0x55
    step = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    value = step + 8 if segment == 0 else (step + 0x108) << (segment - 1)
    return value if code & 0x80 else -value


_ALAW_TABLE: Final = np.array([_alaw_sample(code) for code in range(256)], dtype=np.int16)


def decode_alaw(data: bytes) -> NDArray[np.int16]:
    """A-law bytes as linear samples, so a test can hear what the speaker played."""
    return _ALAW_TABLE[np.frombuffer(data, dtype=np.uint8)]


def dominant_frequency(samples: NDArray[np.int16], rate: int = 8000) -> float:
    """The strongest frequency of some samples, in Hz."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum[1:])) + 1])


class Speaker:
    """The camera's speaker: one talk at a time, over the connection that claimed it."""

    def __init__(self, has_speaker: bool, notify: Callable[[], None]) -> None:
        self.has_speaker = has_speaker
        self._notify = notify
        self._owner: Connection | None = None
        self._current: TalkRecord | None = None
        # Every talk claimed, in order.
        self.talks: list[TalkRecord] = []

    def end(self, connection: Connection) -> None:
        """The connection is gone: its talk ends."""
        if self._owner is connection:
            self._finish()

    async def handle_claim(self, connection: Connection, body: dict[str, Any]) -> None:
        params = body.get("OPTalk")
        audio = params.get("AudioFormat") if isinstance(params, dict) else None
        encode = audio.get("EncodeType") if isinstance(audio, dict) else None
        ret: int
        if not self.has_speaker or not isinstance(params, dict) or params.get("Action") != "Claim":
            ret = Ret.ILLEGAL_REQUEST
        elif self._owner is not None and self._owner is not connection:
            ret = TALK_IN_USE
        else:
            ret = Ret.OK
            if self._owner is connection:
                self._finish()
            self._owner = connection
            self._current = TalkRecord(connection.number, str(encode or "G711_ALAW"))
            self.talks.append(self._current)
            self._notify()
        await connection.reply(MessageId.TALK_CLAIM_REPLY, {"Name": "OPTalk", "Ret": ret})

    async def handle_talk(self, connection: Connection, body: dict[str, Any]) -> None:
        params = body.get("OPTalk")
        action = params.get("Action") if isinstance(params, dict) else None
        if self._owner is not connection or self._current is None:
            await connection.reply(MessageId.TALK_REPLY, {"Name": "OPTalk", "Ret": TALK_NOT_OPEN})
            return
        if action == "Start":
            self._current.started = True
            self._notify()
        elif action == "Stop":
            self._finish()
        else:
            await connection.reply(
                MessageId.TALK_REPLY, {"Name": "OPTalk", "Ret": Ret.ILLEGAL_REQUEST}
            )

    def handle_audio(self, connection: Connection, payload: bytes) -> None:
        """A 1432 packet: played when the talk is started and it is an 8 kHz G.711 frame."""
        now = time.monotonic()
        talk = self._current
        if self._owner is not connection or talk is None:
            return
        length = int.from_bytes(payload[6:8], "little") if len(payload) >= 8 else -1
        if (
            not talk.started
            or not payload.startswith(AUDIO_HEADER)
            or payload[4] not in (ALAW, ULAW)
            or payload[5] != RATE_8K
            or length != len(payload) - 8
        ):
            talk.rejected += 1
            _LOGGER.debug("%r: talk packet not played (%d bytes)", connection, len(payload))
        else:
            talk.packets.append((now, payload[8:]))
        self._notify()

    def _finish(self) -> None:
        if self._current is not None:
            self._current.stopped = True
            self._current.stopped_at = time.monotonic()
        self._current = None
        self._owner = None
        self._notify()
