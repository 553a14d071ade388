"""Live video: OPMonitor (claim 1413, start and stop 1410) and its frames on 1412.

What the sources say, and what is played here:

- A client claims a channel's stream with 1413 `{"Name": "OPMonitor", "OPMonitor":
  {"Action": "Claim", "Parameter": {"Channel": 0, "CombinMode": "NONE", "StreamType":
  "Main", "TransMode": "TCP"}}}` and waits for its JSON answer (1414), then sends the same
  body with `"Action": "Start"` on 1410 and reads frames without waiting for another
  answer (go2rtc `pkg/dvrip/client.go` `Play()`; python-dvr `start_monitor()`; Moxnatiy
  `src/xmeye/stream.py` `LiveStream.start()`). Both go2rtc and python-dvr take the first
  packet after Start for media, so the camera sends no JSON answer to Start. `Stop` on 1410
  ends the frames, unanswered too (Moxnatiy `LiveStream.stop()`).
- `StreamType` "Main" is the main stream, "Extra1" the sub stream (go2rtc's `subtype=0|1`).
  A claim of a channel the camera lacks or of another stream type is refused with Ret 103,
  and so is a Start without a claim (no source says otherwise).
- Frames come on 1412 in the container of the protocol notes (section 8), header byte 12
  the channel: each frame begins a packet (python-dvr's `reassemble_bin_payload()` reads a
  frame header at the start of every packet while no frame is open; go2rtc's `Handle()`
  joins a frame across packets by its length), large frames span several packets.
- Video is H.264 or H.265 as the camera records, an I-frame a second, at its frame rate;
  G.711 A-law audio (codec 0x0E, rate index 2 = 8 kHz: go2rtc `AddAudioTrack()` and its
  sample-rate table) in 320-byte frames, one each 40 ms. All at real time: frame n goes
  n / fps seconds after Start. A live stream starts where the camera is: here mid-second,
  with P-frames before the first I-frame.

The pictures are the yard of the motion clips (media.py), encoded once per stream and then
sent round and round; the main stream at the camera's clip size, the sub stream at a quarter
of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import logging
from typing import TYPE_CHECKING, Any, Final

from simulator.media import FrameType, motion_clip, pack_frame
from simulator.wire import MessageId, Ret

if TYPE_CHECKING:
    from simulator.link import Link as Connection
    from simulator.state import DeviceState

_LOGGER = logging.getLogger(__name__)

# G.711 A-law: 320 bytes are 40 ms at 8 kHz; 0xD5 is silence.
AUDIO_FRAME_BYTES: Final = 320
AUDIO_FRAME_SECONDS: Final = AUDIO_FRAME_BYTES / 8000
ALAW_SILENCE: Final = 0xD5
# Live frames larger than this go out over several packets.
LIVE_PACKET: Final = 8 * 1024
# Seconds of pictures encoded per stream (sent round and round).
LOOP_SECONDS: Final = 2
# The frame of the loop a stream starts at: mid-second, before an I-frame.
START_FRAME: Final = 3
_CLIP_START: Final = datetime(2026, 1, 1, 12, 0, 0)  # noqa: DTZ001 - the camera's clock


class StreamType(StrEnum):
    """OPMonitor's `StreamType`."""

    MAIN = "Main"
    EXTRA = "Extra1"


@dataclass(frozen=True, slots=True)
class LiveClaim:
    """A claimed stream of a channel."""

    channel: int
    stream: StreamType


@dataclass(frozen=True, slots=True)
class _VideoFrame:
    keyframe: bool
    payload: bytes


@dataclass(slots=True)
class LiveFeed:
    """A stream being sent to one connection; what has gone out so far."""

    claim: LiveClaim
    codec: str
    width: int
    height: int
    fps: int
    video_frames: int = 0
    keyframes: int = 0
    audio_frames: int = 0
    task: asyncio.Task[None] | None = None


def stream_size(stream: StreamType, width: int, height: int) -> tuple[int, int]:
    """The picture size of a stream: the sub stream is half as wide and high (multiples of 8)."""
    if stream is StreamType.MAIN:
        return width, height
    return max(64, width // 2 // 8 * 8), max(48, height // 2 // 8 * 8)


def _split_frames(data: bytes) -> list[_VideoFrame]:
    """The video frames of a container (all I- or P-frames, as `motion_clip` makes them)."""
    frames: list[_VideoFrame] = []
    offset = 0
    while offset + 8 <= len(data):
        kind = data[offset + 3]
        if kind == FrameType.I_FRAME:
            length = int.from_bytes(data[offset + 12 : offset + 16], "little")
            start = offset + 16
        else:
            length = int.from_bytes(data[offset + 4 : offset + 8], "little")
            start = offset + 8
        frames.append(_VideoFrame(kind == FrameType.I_FRAME, data[start : start + length]))
        offset = start + length
    return frames


class LiveStreams:
    """Each connection's claimed and running live stream."""

    def __init__(self, camera: DeviceState, notify: Callable[[], None]) -> None:
        self._camera = camera
        self._notify = notify
        self._claims: dict[Connection, LiveClaim] = {}
        self._feeds: dict[Connection, LiveFeed] = {}
        # Every feed started, in order (running or ended): what tests look at.
        self.started: list[LiveFeed] = []

    @property
    def running(self) -> list[LiveFeed]:
        return [feed for feed in self._feeds.values() if feed.task and not feed.task.done()]

    def end(self, connection: Connection) -> None:
        """The connection is gone: its claim and stream with it."""
        self._claims.pop(connection, None)
        self._stop(connection)

    async def handle_claim(self, connection: Connection, body: dict[str, Any]) -> None:
        claim = self._parse(body)
        if claim is None:
            await connection.reply(
                MessageId.MONITOR_CLAIM_REPLY, {"Name": "OPMonitor", "Ret": Ret.ILLEGAL_REQUEST}
            )
            return
        self._claims[connection] = claim
        await connection.reply(MessageId.MONITOR_CLAIM_REPLY, {"Name": "OPMonitor", "Ret": Ret.OK})

    async def handle_monitor(self, connection: Connection, body: dict[str, Any]) -> None:
        params = body.get("OPMonitor")
        action = params.get("Action") if isinstance(params, dict) else None
        if action == "Stop":
            self._stop(connection)
            return
        claim = self._claims.get(connection)
        if action != "Start" or claim is None or self._parse(body) != claim:
            await connection.reply(
                MessageId.MONITOR_REPLY, {"Name": "OPMonitor", "Ret": Ret.ILLEGAL_REQUEST}
            )
            return
        self._stop(connection)
        profile = self._camera.profile
        width, height = stream_size(claim.stream, profile.clip_width, profile.clip_height)
        feed = LiveFeed(claim, profile.codec, width, height, profile.clip_fps)
        feed.task = asyncio.create_task(
            self._send(connection, feed), name=f"dvrip-sim live {connection.number}"
        )
        self._feeds[connection] = feed
        self.started.append(feed)
        self._notify()

    def _parse(self, body: dict[str, Any]) -> LiveClaim | None:
        params = body.get("OPMonitor")
        parameter = params.get("Parameter") if isinstance(params, dict) else None
        if not isinstance(parameter, dict):
            return None
        channel = parameter.get("Channel", 0)
        if isinstance(channel, bool) or not isinstance(channel, int):
            return None
        if not 0 <= channel < self._camera.camera_channels:
            return None
        try:
            stream = StreamType(parameter.get("StreamType", StreamType.MAIN))
        except ValueError:
            return None
        return LiveClaim(channel, stream)

    def _stop(self, connection: Connection) -> None:
        feed = self._feeds.pop(connection, None)
        if feed is not None and feed.task is not None:
            feed.task.cancel()
            self._notify()

    async def _send(self, connection: Connection, feed: LiveFeed) -> None:
        fps = feed.fps
        clip = await asyncio.to_thread(
            motion_clip,
            codec=feed.codec,
            width=feed.width,
            height=feed.height,
            fps=fps,
            frames=fps * LOOP_SECONDS,
            start=_CLIP_START,
            seed=self._camera.config.seed + feed.claim.channel,
            channel=feed.claim.channel,
        )
        frames = _split_frames(clip.data)
        audio = pack_frame(FrameType.AUDIO, bytes([ALAW_SILENCE]) * AUDIO_FRAME_BYTES)
        loop = asyncio.get_running_loop()
        started = loop.time()
        video_index = 0
        audio_index = 0
        try:
            while not connection.closed:
                video_at = started + video_index / fps
                audio_at = started + audio_index * AUDIO_FRAME_SECONDS
                due = min(video_at, audio_at)
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if audio_at <= video_at:
                    data = audio
                    audio_index += 1
                    feed.audio_frames += 1
                else:
                    data = self._video(feed, frames[(START_FRAME + video_index) % len(frames)])
                    video_index += 1
                if not await self._write(connection, feed.claim.channel, data):
                    return
                self._notify()
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("live stream to %r failed", connection)

    def _video(self, feed: LiveFeed, frame: _VideoFrame) -> bytes:
        feed.video_frames += 1
        if not frame.keyframe:
            return pack_frame(FrameType.P_FRAME, frame.payload)
        feed.keyframes += 1
        return pack_frame(
            FrameType.I_FRAME,
            frame.payload,
            codec=feed.codec,
            width=feed.width,
            height=feed.height,
            fps=feed.fps,
            timestamp=self._frame_time(),
        )

    def _frame_time(self) -> datetime | None:
        """The camera's clock for an I-frame header (none before 2000, which it cannot hold)."""
        with contextlib.suppress(ValueError):
            now = self._camera.now()
            if 2000 <= now.year < 2064:
                return now
        return None

    @staticmethod
    async def _write(connection: Connection, channel: int, data: bytes) -> bool:
        for index in range(0, len(data), LIVE_PACKET):
            sent = await connection.send_media(
                data[index : index + LIVE_PACKET],
                session_id=connection.session_id,
                channel=channel,
                end=False,
                message_id=MessageId.MONITOR_DATA,
            )
            if not sent:
                return False
        return True
