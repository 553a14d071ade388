"""Media the simulated camera serves: motion clips and pictures in the Xiongmai container.

The container writer here is written from the protocol notes, independently of the client's
parser, so a misreading in one does not hide in the other. Clips are real H.264/H.265 encoded
on the fly from synthetic frames whose sharpness varies, with one clearly sharpest frame, so
tests can check that a picture picked from a clip is the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from fractions import Fraction
from functools import lru_cache
import io
import random
import struct
from typing import Final

import av
from av.video.codeccontext import VideoCodecContext
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

_START: Final = b"\x00\x00\x01"
_CODEC_IDS: Final = {"mpeg4": 1, "h264": 2, "h265": 3}
_ENCODERS: Final = {"h264": "libx264", "h265": "libx265"}
# Audio header bytes as G.711A recorders write them: codec 0x0E, 8 kHz rate index 0x02.
_AUDIO_CODEC: Final = 0x0E
_AUDIO_RATE: Final = 0x02
_INFO_KIND: Final = 0x01
# What 4K recorders insert as a P-frame every 2 s: 127 constant bytes, not a NAL unit.
SERVICE_BLOCK: Final = bytes((0xA5 ^ i) & 0xFF for i in range(127))
_CELL: Final = 3  # texture cell in pixels: edges a blur visibly softens
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


def _texture(width: int, height: int, seed: int) -> NDArray[np.uint8]:
    """A two-tone random checker of small cells, a cell wider than the frame for panning."""
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, 2, size=(height // _CELL + 1, width // _CELL + 2), dtype=np.uint8)
    tones = (cells * 190 + 30).astype(np.uint8)
    return np.kron(tones, np.ones((_CELL, _CELL), dtype=np.uint8))


def _scene(width: int, height: int, frames: int, seed: int) -> tuple[list[Image.Image], int]:
    """Frames panning over a texture, each blurred except the sharpest one."""
    rng = random.Random(seed)
    sharpest = rng.randrange(frames)
    texture = _texture(width, height, seed)
    images: list[Image.Image] = []
    for index in range(frames):
        shift = index % _CELL
        luma = texture[:height, shift : shift + width]
        rgb = np.stack((luma, np.roll(luma, 7, axis=1), luma[::-1]), axis=-1)
        image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
        # Radius 1.5 or more wipes out the cell edges: a margin lossy encoding cannot close.
        radius = 0.0 if index == sharpest else 1.5 + 2.0 * rng.random()
        if radius:
            image = image.filter(ImageFilter.GaussianBlur(radius))
        images.append(image)
    return images, sharpest


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
    codec: str, width: int, height: int, fps: int, frames: int, seed: int
) -> tuple[tuple[tuple[bytes, bool], ...], int]:
    """Encoded packets (Annex-B bytes, keyframe) in display order, and the sharpest index."""
    images, sharpest = _scene(width, height, frames, seed)
    context = _encoder(codec, width, height, fps)
    packets: list[tuple[bytes, bool]] = []
    for index, image in enumerate(images):
        frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
        frame.pts = index
        packets.extend((bytes(packet), packet.is_keyframe) for packet in context.encode(frame))
    packets.extend((bytes(packet), packet.is_keyframe) for packet in context.encode(None))
    context.close()
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
    service_blocks: bool = False,
    truncate_to: float | None = None,
) -> MotionClip:
    """A clip in the container: an I-frame every `fps` frames, P-frames between.

    Encoding is cached per content (codec, size, rate, frames, seed); the rest is cheap.

    `service_blocks` inserts a 127-byte junk P-frame every second (denser than the 2 s of
    real recorders, so short clips carry several). `truncate_to` keeps that fraction of the
    bytes, as an interrupted download would.
    """
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")
    if frames < 1 or fps < 1:
        raise ValueError("a clip needs at least one frame and a positive frame rate")
    packets, sharpest = _encode(codec, width, height, fps, frames, seed)
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


def jpeg_picture(*, width: int = 320, height: int = 240, seed: int = 0) -> bytes:
    """A real JPEG snapshot of a textured scene (tens of KB, like a camera's)."""
    return _jpeg(width, height, seed)


@lru_cache(maxsize=16)
def _jpeg(width: int, height: int, seed: int) -> bytes:
    luma = _texture(width, height, seed)[:height, :width]
    rgb = np.stack((luma, luma[::-1], np.roll(luma, 11, axis=1)), axis=-1)
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def picture_entry(
    kind: PictureKind, *, start: datetime, seed: int = 0, codec: str = "h264"
) -> bytes:
    """The bytes a `Type=jpg` history entry of this kind downloads as."""
    if kind is PictureKind.JPEG:
        return jpeg_picture(seed=seed)
    if kind is PictureKind.JPEG_IN_FRAME:
        return pack_frame(
            FrameType.PICTURE,
            jpeg_picture(seed=seed),
            width=320,
            height=240,
            fps=1,
            timestamp=start,
        )
    if kind is PictureKind.PLACEHOLDER:
        return b""
    return motion_clip(codec=codec, frames=5, start=start, seed=seed).data
