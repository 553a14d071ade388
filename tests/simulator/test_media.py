"""The simulator's clips and pictures are what the protocol notes say devices store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import io
import struct

import av
from av.video.codeccontext import VideoCodecContext
import numpy as np
from numpy.typing import NDArray
from PIL import Image
import pytest

from simulator.media import (
    SERVICE_BLOCK,
    FrameType,
    MotionClip,
    PictureKind,
    jpeg_picture,
    motion_clip,
    pack_frame,
    picture_entry,
)

START = datetime(2023, 11, 19, 5, 38, 58)
CODECS = ["h264", "h265"]
DECODERS = {"h264": "h264", "h265": "hevc"}


def sharpness(gray: NDArray[np.uint8]) -> float:
    """Variance of the 3x3 Laplacian: high for crisp edges, low for blur."""
    g = gray.astype(np.float64)
    laplacian = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1]
    return float(laplacian.var())


def gray_jpeg(data: bytes) -> NDArray[np.int16]:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.int16)


def block_spread(gray: NDArray[np.int16], size: int = 40) -> float:
    """Spread of the means of size x size blocks: large for a view, small for fine noise."""
    h, w = (gray.shape[0] // size) * size, (gray.shape[1] // size) * size
    blocks = gray[:h, :w].reshape(h // size, size, w // size, size).mean(axis=(1, 3))
    return float(blocks.std())


def read_frames(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(type, header, payload) of each whole frame, straight from the protocol notes' table.

    Kept apart from the client's parser on purpose: the simulator is checked against the
    notes, not against the code it is meant to test.
    """
    frames = []
    offset = 0
    while offset + 8 <= len(data):
        assert data[offset : offset + 3] == b"\x00\x00\x01", f"no start code at {offset}"
        kind = data[offset + 3]
        if kind in (0xFC, 0xFE):
            size = 16
            if offset + size > len(data):
                break
            (length,) = struct.unpack_from("<I", data, offset + 12)
        elif kind == 0xFD:
            size = 8
            (length,) = struct.unpack_from("<I", data, offset + 4)
        else:
            size = 8
            (length,) = struct.unpack_from("<H", data, offset + 6)
        end = offset + size + length
        if end > len(data):
            break
        frames.append((kind, data[offset : offset + size], data[offset + size : end]))
        offset = end
    return frames


def decode(clip: MotionClip) -> list[NDArray[np.uint8]]:
    """Gray planes of every frame an FFmpeg decoder gets from the clip's video frames."""
    annexb = b"".join(
        payload
        for kind, _, payload in read_frames(clip.data)
        if kind == 0xFC or (kind == 0xFD and payload != SERVICE_BLOCK)
    )
    context = av.CodecContext.create(DECODERS[clip.codec], "r")
    assert isinstance(context, VideoCodecContext)
    frames = []
    for packet in [*context.parse(annexb), *context.parse(None)]:
        frames += context.decode(packet)
    frames += context.decode(None)
    return [np.asarray(f.to_ndarray(format="gray"), dtype=np.uint8) for f in frames]


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sharpest_frame_is_where_the_clip_says(codec: str, seed: int) -> None:
    clip = motion_clip(codec=codec, start=START, seed=seed)
    planes = decode(clip)
    assert len(planes) == clip.frame_count == 20
    assert planes[0].shape == (clip.height, clip.width)
    scores = [sharpness(p) for p in planes]
    ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    assert ranked[0] == clip.sharpest_index
    # Clear margin, so a picture picked from a clip is unambiguous.
    assert scores[ranked[0]] > 3 * scores[ranked[1]]


def test_seed_moves_the_sharpest_frame() -> None:
    clips = [motion_clip(width=32, height=32, start=START, seed=seed) for seed in range(6)]
    assert len({clip.sharpest_index for clip in clips}) > 1


@pytest.mark.parametrize("codec", CODECS)
def test_clip_headers(codec: str) -> None:
    clip = motion_clip(codec=codec, start=START)
    frames = read_frames(clip.data)
    assert len(frames) == clip.frame_count
    keyframes = [header for kind, header, _ in frames if kind == FrameType.I_FRAME]
    assert len(keyframes) == 2  # one per second at 10 fps
    t_byte, fps, w_units, h_units = keyframes[0][4:8]
    assert t_byte & 0x0F == (2 if codec == "h264" else 3)
    assert (w_units * 8, h_units * 8, fps) == (320, 240, 10)
    assert [kind for kind, _, _ in frames].count(FrameType.P_FRAME) == 18
    assert all(payload.startswith(b"\x00\x00\x00\x01") for _, _, payload in frames)


@pytest.mark.parametrize("codec", CODECS)
def test_truncated_clip_decodes_a_prefix(codec: str) -> None:
    whole = motion_clip(codec=codec, start=START)
    clip = motion_clip(codec=codec, start=START, truncate_to=0.6)
    assert clip.data == whole.data[: int(len(whole.data) * 0.6)]
    planes = decode(clip)
    assert 0 < len(planes) < clip.frame_count


def test_service_blocks_are_inserted() -> None:
    clip = motion_clip(start=START, service_blocks=True)
    blocks = [p for kind, _, p in read_frames(clip.data) if p == SERVICE_BLOCK]
    assert len(blocks) == clip.service_blocks == 2
    assert len(SERVICE_BLOCK) == 127
    assert len(decode(clip)) == clip.frame_count


@pytest.mark.parametrize(
    ("width", "height", "header"),
    [
        (3840, 2160, "000001fc5315e00eb959116a9b850000"),
        (320, 240, "000001fc0215281eb959116a9b850000"),
    ],
)
def test_pack_i_frame_header_vector(width: int, height: int, header: str) -> None:
    frame = pack_frame(
        FrameType.I_FRAME,
        bytes(0x859B),
        codec="h265" if width == 3840 else "h264",
        width=width,
        height=height,
        fps=21,
        timestamp=datetime(2026, 8, 8, 21, 38, 57),
    )
    assert frame[:16] == bytes.fromhex(header)
    assert len(frame) == 16 + 0x859B


def test_pack_short_headers() -> None:
    assert pack_frame(FrameType.P_FRAME, b"abc") == bytes.fromhex("000001fd03000000") + b"abc"
    assert pack_frame(FrameType.AUDIO, b"ab")[:8] == bytes.fromhex("000001fa0e020200")
    assert pack_frame(FrameType.INFO, b"")[:8] == bytes.fromhex("000001f901000000")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: pack_frame(FrameType.I_FRAME, b"", width=321, height=240), "width"),
        (lambda: pack_frame(FrameType.PICTURE, b"", width=320, height=8192), "height"),
        (
            lambda: pack_frame(
                FrameType.I_FRAME, b"", width=320, height=240, timestamp=datetime(2064, 1, 1)
            ),
            "year",
        ),
        (lambda: pack_frame(FrameType.AUDIO, bytes(0x10000)), "65535"),
    ],
)
def test_pack_rejects_what_a_header_cannot_hold(make: Callable[[], bytes], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_motion_clip_rejects_unknown_codec() -> None:
    with pytest.raises(ValueError, match="codec"):
        motion_clip(codec="vp9", start=START)


def test_jpeg_picture_is_a_real_jpeg() -> None:
    data = jpeg_picture(width=64, height=48, seed=3)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert jpeg_picture(width=64, height=48, seed=3) == data
    assert jpeg_picture(width=64, height=48, seed=4) != data


def test_picture_entries() -> None:
    jpeg = picture_entry(PictureKind.JPEG, start=START, seed=5)
    assert jpeg.startswith(b"\xff\xd8")
    assert jpeg == jpeg_picture(seed=5)

    wrapped = picture_entry(PictureKind.JPEG_IN_FRAME, start=START, seed=5)
    ((kind, header, payload),) = read_frames(wrapped)
    assert kind == FrameType.PICTURE
    assert payload == jpeg
    (when,) = struct.unpack_from("<I", header, 8)
    assert when & 0x3F == START.second
    assert (when >> 26) + 2000 == START.year

    assert picture_entry(PictureKind.PLACEHOLDER, start=START) == b""

    for codec in CODECS:
        stream = picture_entry(PictureKind.STREAM, start=START, codec=codec)
        assert stream[:4] == b"\x00\x00\x01\xfc"
        assert len(read_frames(stream)) == 5


@pytest.mark.parametrize("seed", range(4))
def test_jpeg_picture_is_a_view_not_noise(seed: int) -> None:
    # Sky, house, fence and lawn differ over whole areas; a random texture averages out.
    assert block_spread(gray_jpeg(jpeg_picture(seed=seed))) > 15


def test_caption_names_the_channel_and_the_time() -> None:
    plain = gray_jpeg(jpeg_picture(seed=2))
    for other in (jpeg_picture(seed=2, channel=1), jpeg_picture(seed=2, timestamp=START)):
        diff = np.abs(gray_jpeg(other) - plain)
        assert diff[:24, :160].mean() > 0.5  # the caption, top left
        assert not diff[32:].any()  # the view under it is the same


@pytest.mark.parametrize("codec", CODECS)
def test_clip_caption_follows_start_and_channel(codec: str) -> None:
    """Another start or channel rewrites the caption of every frame, and little else.

    Most characters change ("CH10" shifts the rest), so the caption's change stands well
    above what encoding the same view twice varies.
    """
    planes = decode(motion_clip(codec=codec, start=START))
    later = START + timedelta(days=400, hours=7, minutes=11, seconds=11)
    for other in (
        motion_clip(codec=codec, start=later),
        motion_clip(codec=codec, start=START, channel=9),
    ):
        for plane, changed in zip(planes, decode(other), strict=True):
            diff = np.abs(changed.astype(np.int16) - plane)
            assert diff[:20, :130].mean() > 3 * diff[32:].mean()


def test_tiny_frames_leave_the_caption_out() -> None:
    clip = motion_clip(width=32, height=32, fps=2, frames=4, start=START, seed=3)
    assert len(decode(clip)) == 4
    # A caption with the time does not fit, so neither channel's is drawn.
    first, second = (
        jpeg_picture(width=32, height=32, seed=3, channel=channel, timestamp=START)
        for channel in (0, 1)
    )
    assert first == second
