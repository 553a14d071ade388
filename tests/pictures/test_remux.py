"""Remuxing the device's container into fragmented MP4: the video copied, frame for frame."""

from __future__ import annotations

from datetime import datetime
import io

import av
import numpy as np
import pytest

from custom_components.dvrip.client.media import MediaFrame, MediaParser
from custom_components.dvrip.pictures.remux import FragmentedMp4Remuxer, RemuxError
from simulator.media import motion_clip, pack_frame

START = datetime(2026, 11, 25, 13, 5, 10)


def decoded_planes(frames: list[av.VideoFrame]) -> list[bytes]:
    return [np.asarray(frame.planes[0]).tobytes() for frame in frames]


def source_frames(data: bytes, codec: str) -> list[av.VideoFrame]:
    """The clip decoded straight from its container, as a player of the device would."""
    decoder = av.CodecContext.create("hevc" if codec in ("h265", "hevc") else "h264", "r")
    decoded: list[av.VideoFrame] = []
    for frame in MediaParser().feed(data):
        if frame.is_video:
            decoded += decoder.decode(av.Packet(frame.payload))
    decoded += decoder.decode(None)
    return decoded


@pytest.mark.parametrize(("codec", "tag"), [("h264", "avc1"), ("h265", "hvc1")])
def test_mp4_holds_the_recordings_frames_unchanged(codec: str, tag: str) -> None:
    clip = motion_clip(codec=codec, width=320, height=240, fps=10, frames=30, start=START)
    output = io.BytesIO()
    remuxer = FragmentedMp4Remuxer(output)
    # Fed in odd chunks, as a download delivers it.
    for offset in range(0, len(clip.data), 1000):
        remuxer.feed(clip.data[offset : offset + 1000])
    stats = remuxer.finish()

    assert stats.frames == clip.frame_count == 30
    assert stats.keyframes == 3
    output.seek(0)
    with av.open(output) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == ("h264" if codec == "h264" else "hevc")
        assert stream.codec_tag == tag
        assert (stream.width, stream.height) == (320, 240)
        assert stream.duration is not None
        assert float(stream.duration * stream.time_base) == pytest.approx(3.0)
        mp4_frames = list(container.decode(stream))
    # Copied, not re-encoded: every decoded pixel is the device's.
    assert decoded_planes(mp4_frames) == decoded_planes(source_frames(clip.data, codec))


def test_the_mp4_is_fragmented_from_its_first_bytes() -> None:
    clip = motion_clip(codec="h264", width=320, height=240, fps=10, frames=30, start=START)
    output = io.BytesIO()
    remuxer = FragmentedMp4Remuxer(output)
    remuxer.feed(clip.data)
    remuxer.finish()
    data = output.getvalue()
    # An empty moov first, then moof/mdat pairs: a player starts at the first fragment.
    assert data[4:8] == b"ftyp"
    assert data.index(b"moov") < data.index(b"moof") < data.index(b"mdat")
    assert data.count(b"moof") >= 3


def test_frames_before_the_first_keyframe_are_dropped() -> None:
    clip = motion_clip(codec="h264", width=320, height=240, fps=10, frames=20, start=START)
    frames = list(MediaParser().feed(clip.data))
    # A live stream starts mid-GOP: cut the clip after its first I-frame's P-frames begin.
    second_keyframe = next(
        index for index, frame in enumerate(frames) if index and frame.frame_type == 0xFC
    )
    tail = b"".join(_pack(frame) for frame in frames[3:])
    output = io.BytesIO()
    remuxer = FragmentedMp4Remuxer(output)
    remuxer.feed(tail)
    stats = remuxer.finish()
    assert stats.frames == len(frames) - second_keyframe


def test_no_video_is_an_error() -> None:
    remuxer = FragmentedMp4Remuxer(io.BytesIO())
    remuxer.feed(b"\x00" * 1000)
    with pytest.raises(RemuxError):
        remuxer.finish()


def _pack(frame: MediaFrame) -> bytes:
    if frame.frame_type == 0xFC:
        return pack_frame(
            frame.frame_type,
            frame.payload,
            codec="h264",
            width=frame.width,
            height=frame.height,
            fps=frame.fps,
            timestamp=frame.timestamp,
        )
    return pack_frame(frame.frame_type, frame.payload)
