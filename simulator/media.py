"""Media the simulated camera serves: motion clips and pictures in the Xiongmai container.

The container writer here is written from the protocol notes, independently of the client's
parser, so a misreading in one does not hide in the other. Clips are real H.264/H.265 encoded
on the fly from drawn frames of a yard a person walks across (scene.py), captioned like a
camera's, whose sharpness varies, with one clearly sharpest frame, so tests can check that a
picture picked from a clip is the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from fractions import Fraction
from functools import lru_cache
import io
import struct
from typing import Final

import av
from av.video.codeccontext import VideoCodecContext

from simulator.scene import scene, still

_START: Final = b"\x00\x00\x01"
_CODEC_IDS: Final = {"mpeg4": 1, "h264": 2, "h265": 3}
_ENCODERS: Final = {"h264": "libx264", "h265": "libx265"}
# Audio header bytes as G.711A recorders write them: codec 0x0E, 8 kHz rate index 0x02.
_AUDIO_CODEC: Final = 0x0E
_AUDIO_RATE: Final = 0x02
_INFO_KIND: Final = 0x01
_INFO_HEADER: Final = 8
# What 4K recorders insert as a P-frame every 2 s: 127 constant bytes. The measured block
# begins 00 00 00 01 11 01 78, like an H.265 NAL unit of layer 32; the rest is filler here.
_SERVICE_BLOCK_START: Final = b"\x00\x00\x00\x01\x11\x01\x78"
SERVICE_BLOCK: Final = _SERVICE_BLOCK_START + bytes(
    (0xA5 ^ i) & 0xFF for i in range(127 - len(_SERVICE_BLOCK_START))
)
_CRF: Final = "18"


class FrameType(IntEnum):
    """The container's frame types (the byte after `00 00 01`)."""

    I_FRAME = 0xFC
    P_FRAME = 0xFD
    PICTURE = 0xFE
    AUDIO = 0xFA
    INFO = 0xF9


class PictureKind(StrEnum):
    """What a `Type=jpg` history entry downloads as on real devices."""

    JPEG = "jpeg"
    JPEG_IN_FRAME = "jpeg_frame"
    PLACEHOLDER = "placeholder"
    STREAM = "stream"


@dataclass(frozen=True, slots=True)
class MotionClip:
    """A recorded clip as the device stores it.

    `frame_count` counts the frames encoded; a truncated clip holds only a prefix of them.
    """

    data: bytes
    codec: str
    width: int
    height: int
    fps: int
    frame_count: int
    sharpest_index: int
    start: datetime
    service_blocks: int = 0


def _pack_datetime(value: datetime) -> int:
    year = value.year - 2000
    if not 0 <= year < 64:
        raise ValueError(f"year {value.year} does not fit a frame header")
    return (
        year << 26
        | value.month << 22
        | value.day << 17
        | value.hour << 12
        | value.minute << 6
        | value.second
    )


def _size_units(pixels: int, name: str) -> int:
    units, rest = divmod(pixels, 8)
    if rest or not 0 <= units < 1024:
        raise ValueError(f"{name} {pixels} is not a multiple of 8 below 8192")
    return units


def pack_frame(
    frame_type: int,
    payload: bytes,
    *,
    codec: str | None = None,
    width: int = 0,
    height: int = 0,
    fps: int = 0,
    timestamp: datetime | None = None,
) -> bytes:
    """One container frame; codec, size, rate and time go only into I-frames and pictures."""
    kind = FrameType(frame_type)
    if kind in (FrameType.I_FRAME, FrameType.PICTURE):
        w_units = _size_units(width, "width")
        h_units = _size_units(height, "height")
        # Bits 8-9 of the size (in units of 8 px) ride in the T byte: 4K needs them.
        t_byte = _CODEC_IDS.get(codec or "", 0) | (w_units >> 8) << 4 | (h_units >> 8) << 6
        when = _pack_datetime(timestamp) if timestamp is not None else 0
        header = struct.pack(
            "<BBBBII", t_byte, fps & 0x1F, w_units & 0xFF, h_units & 0xFF, when, len(payload)
        )
    elif kind is FrameType.P_FRAME:
        header = struct.pack("<I", len(payload))
    else:
        if len(payload) > 0xFFFF:
            raise ValueError("audio and info frames hold at most 65535 bytes")
        first = _AUDIO_CODEC if kind is FrameType.AUDIO else _INFO_KIND
        second = _AUDIO_RATE if kind is FrameType.AUDIO else 0
        header = struct.pack("<BBH", first, second, len(payload))
    return _START + bytes([kind]) + header + payload


def _encoder(codec: str, width: int, height: int, fps: int) -> VideoCodecContext:
    context = av.CodecContext.create(_ENCODERS[codec], "w")
    if not isinstance(context, VideoCodecContext):
        raise TypeError(f"{_ENCODERS[codec]} is not a video encoder")
    context.width = width
    context.height = height
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, fps)
    context.framerate = Fraction(fps, 1)
    context.gop_size = fps
    if codec == "h264":
        context.options = {
            "crf": _CRF,
            "preset": "veryfast",
            "bf": "0",
            "g": str(fps),
            "keyint_min": str(fps),
            "sc_threshold": "0",
        }
    else:
        # repeat-headers: every I-frame carries VPS/SPS/PPS, as a camera's stream does.
        context.options = {
            "crf": _CRF,
            "preset": "ultrafast",
            "x265-params": (
                f"log-level=none:keyint={fps}:min-keyint={fps}:bframes=0:scenecut=0"
                ":repeat-headers=1"
            ),
        }
    return context


@lru_cache(maxsize=32)
def _encode(
    codec: str,
    width: int,
    height: int,
    fps: int,
    frames: int,
    seed: int,
    start: datetime,
    channel: int | None,
) -> tuple[tuple[tuple[bytes, bool], ...], int]:
    """Encoded packets (Annex-B bytes, keyframe) in display order, and the sharpest index."""
    images, sharpest = scene(width, height, frames, fps, seed, start, channel)
    context = _encoder(codec, width, height, fps)
    packets: list[tuple[bytes, bool]] = []
    for index, image in enumerate(images):
        frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
        frame.pts = index
        packets.extend((bytes(packet), packet.is_keyframe) for packet in context.encode(frame))
    # Flushed: the context is freed with its last reference (PyAV 14+ has no `close()`).
    packets.extend((bytes(packet), packet.is_keyframe) for packet in context.encode(None))
    return tuple(packets), sharpest


def motion_clip(
    *,
    codec: str = "h264",
    width: int = 320,
    height: int = 240,
    fps: int = 10,
    frames: int = 20,
    start: datetime,
    seed: int = 0,
    channel: int | None = None,
    service_blocks: bool = False,
    truncate_to: float | None = None,
) -> MotionClip:
    """A clip in the container: an I-frame every `fps` frames, P-frames between.

    The view is a yard a person walks across, captioned with each frame's time from `start`
    and, when given, the channel (`channel` counts from 0 as the protocol does, the caption
    from 1). Encoding is cached per content (codec, size, rate, frames, seed, start,
    channel); the rest is cheap.

    `service_blocks` inserts a 127-byte junk P-frame every second (denser than the 2 s of
    real recorders, so short clips carry several). `truncate_to` keeps that fraction of the
    bytes, as an interrupted download would.
    """
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")
    if frames < 1 or fps < 1:
        raise ValueError("a clip needs at least one frame and a positive frame rate")
    packets, sharpest = _encode(codec, width, height, fps, frames, seed, start, channel)
    parts: list[bytes] = []
    inserted = 0
    for index, (packet, keyframe) in enumerate(packets):
        if service_blocks and index % fps == fps - 1:
            parts.append(pack_frame(FrameType.P_FRAME, SERVICE_BLOCK))
            inserted += 1
        if keyframe:
            when = start + timedelta(seconds=index // fps)
            parts.append(
                pack_frame(
                    FrameType.I_FRAME,
                    packet,
                    codec=codec,
                    width=width,
                    height=height,
                    fps=fps,
                    timestamp=when,
                )
            )
        else:
            parts.append(pack_frame(FrameType.P_FRAME, packet))
    data = b"".join(parts)
    if truncate_to is not None:
        data = data[: int(len(data) * truncate_to)]
    return MotionClip(data, codec, width, height, fps, len(packets), sharpest, start, inserted)


def jpeg_picture(
    *,
    width: int = 320,
    height: int = 240,
    seed: int = 0,
    channel: int | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A real JPEG snapshot of the yard (tens of KB, like a camera's), always sharp.

    The caption names the channel and the time, each when given.
    """
    return _jpeg(width, height, seed, channel, timestamp)


@lru_cache(maxsize=16)
def _jpeg(
    width: int, height: int, seed: int, channel: int | None, timestamp: datetime | None
) -> bytes:
    image = still(width, height, seed, channel, timestamp)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _unpack_datetime(value: int) -> datetime | None:
    try:
        return datetime(  # noqa: DTZ001 - the camera's clock has no zone
            (value >> 26) + 2000,
            value >> 22 & 0xF,
            value >> 17 & 0x1F,
            value >> 12 & 0x1F,
            value >> 6 & 0x3F,
            value & 0x3F,
        )
    except ValueError:
        return None


def _frames_of(data: bytes) -> list[tuple[int, int, datetime | None]]:
    """(offset, frame type, I-frame time) of each frame of a container, in order."""
    frames: list[tuple[int, int, datetime | None]] = []
    offset = 0
    while offset + 8 <= len(data) and data[offset : offset + 3] == _START:
        kind = data[offset + 3]
        when = None
        if kind in (FrameType.I_FRAME, FrameType.PICTURE):
            header = 16
            length = int.from_bytes(data[offset + 12 : offset + 16], "little")
            when = _unpack_datetime(int.from_bytes(data[offset + 8 : offset + 12], "little"))
        elif kind == FrameType.P_FRAME:
            header = 8
            length = int.from_bytes(data[offset + 4 : offset + 8], "little")
        else:
            header = 8
            length = int.from_bytes(data[offset + 6 : offset + 8], "little")
        frames.append((offset, kind, when if kind == FrameType.I_FRAME else None))
        offset += header + length
    return frames


def container_window(data: bytes, begin: datetime, end: datetime) -> bytes:
    """The part of a recording a playback of `begin`..`end` sends (OPPlayBack's window).

    From the last I-frame at or before `begin` (a decoder needs one to start) to the first
    I-frame after `end`.
    """
    frames = _frames_of(data)
    first = 0
    last = len(data)
    for offset, _kind, when in frames:
        if when is None:
            continue
        if when <= begin:
            first = offset
        elif when > end:
            last = offset
            break
    return data[first:last]


def pad_container(data: bytes, size: int) -> bytes:
    """Container bytes filled up with info frames to `size` bytes (or a few less).

    Recorders store files in a size of their own; clients drop info frames. Data already as
    large is returned as it is.
    """
    pieces = [data]
    missing = size - len(data)
    while missing >= _INFO_HEADER:
        body = min(missing - _INFO_HEADER, 0xFFFF)
        pieces.append(pack_frame(FrameType.INFO, b"\x00" * body))
        missing -= body + _INFO_HEADER
    return b"".join(pieces)


def padded_jpeg(jpeg: bytes, size: int) -> bytes:
    """The same picture grown to at least `size` bytes with comment segments (a large still)."""
    segments: list[bytes] = []
    missing = size - len(jpeg)
    while missing > 0:
        body = min(missing, 0xFFFF - 2)
        segments.append(b"\xff\xfe" + (body + 2).to_bytes(2, "big") + b"\x20" * body)
        missing -= body + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def without_jfif(jpeg: bytes) -> bytes:
    """The same picture without its leading APP0 (JFIF) and other application segments, so
    that it starts FF D8 FF DB as some firmware's stills do.
    """
    index = 2
    while jpeg[index] == 0xFF and 0xE0 <= jpeg[index + 1] <= 0xEF:
        index += 2 + int.from_bytes(jpeg[index + 2 : index + 4], "big")
    return jpeg[:2] + jpeg[index:]


def picture_entry(
    kind: PictureKind,
    *,
    start: datetime,
    seed: int = 0,
    codec: str = "h264",
    channel: int | None = None,
) -> bytes:
    """The bytes a `Type=jpg` history entry of this kind downloads as.

    A JPEG entry is the seed's snapshot as it is; a stream entry is a clip from `start`.
    """
    if kind is PictureKind.JPEG:
        return jpeg_picture(seed=seed, channel=channel)
    if kind is PictureKind.JPEG_IN_FRAME:
        return pack_frame(
            FrameType.PICTURE,
            jpeg_picture(seed=seed, channel=channel),
            width=320,
            height=240,
            fps=1,
            timestamp=start,
        )
    if kind is PictureKind.PLACEHOLDER:
        return b""
    return motion_clip(codec=codec, frames=5, start=start, seed=seed, channel=channel).data
