"""Finding the sharpest frame of a recording: codecs, damage, chunking, the score itself."""

from __future__ import annotations

from datetime import datetime, timedelta
import io
import json
from pathlib import Path
import threading

import av
import numpy as np
from packaging.requirements import Requirement
from PIL import Image
import pytest

from custom_components.dvrip.client.media import FrameType, MediaParser, demux_video
from custom_components.dvrip.pictures import NoFrameError, extract_sharpest_frame, sharpness
from custom_components.dvrip.pictures.frames import SharpestFrameFinder
from custom_components.dvrip.pictures.spool import SpoolAbortedError, SpoolFile
from simulator.media import MotionClip, motion_clip, pack_frame

START = datetime(2026, 11, 25, 13, 5, 10)
MANIFEST = Path(__file__).parents[2] / "custom_components" / "dvrip" / "manifest.json"


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def complete_video_frames(data: bytes) -> int:
    parser = MediaParser()
    return sum(1 for frame in parser.feed(data) if frame.is_video)


def clip(codec: str = "h264", seed: int = 1, **options: object) -> MotionClip:
    return motion_clip(codec=codec, start=START, seed=seed, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize("service_blocks", [False, True])
def test_sharpest_frame_of_a_clip(codec: str, service_blocks: bool) -> None:
    recorded = clip(codec, seed=3, service_blocks=service_blocks)
    frame = extract_sharpest_frame(chunks(recorded.data, 997))
    assert frame.index == recorded.sharpest_index
    assert frame.time == START + timedelta(seconds=frame.index / recorded.fps)
    assert frame.frames_seen == frame.frames_decoded == recorded.frame_count
    assert frame.codec == {"h264": "h264", "h265": "hevc"}[codec]
    assert (frame.width, frame.height) == (recorded.width, recorded.height)
    with Image.open(io.BytesIO(frame.jpeg)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 240)


def test_h264_frame_with_this_stacks_pyav() -> None:
    """The sharpest frame of an H.264 clip, decoded by the PyAV of the stack under test.

    Each test stack has its own PyAV (13 on the oldest, 19 on the current one); both must
    decode, and the manifest must accept the one here.
    """
    recorded = clip("h264", seed=5)
    frame = extract_sharpest_frame([recorded.data])
    assert frame.codec == "h264"
    assert frame.index == recorded.sharpest_index
    assert frame.frames_decoded == recorded.frame_count
    with Image.open(io.BytesIO(frame.jpeg)) as image:
        assert image.size == (recorded.width, recorded.height)
    manifest = json.loads(MANIFEST.read_text())
    [requirement] = [
        Requirement(line) for line in manifest["requirements"] if Requirement(line).name == "av"
    ]
    assert requirement.specifier.contains(av.__version__)


def test_the_clip_file_is_read_from_disk(tmp_path: Path) -> None:
    recorded = clip(seed=4)
    path = tmp_path / "clip.bin"
    path.write_bytes(recorded.data)
    assert extract_sharpest_frame(path).index == recorded.sharpest_index


def test_truncated_clip_uses_the_frames_that_arrived() -> None:
    for seed in range(40):
        recorded = clip(seed=seed, truncate_to=0.6)
        kept = complete_video_frames(recorded.data)
        if recorded.sharpest_index < kept:
            break
    else:  # pragma: no cover - the simulator places the sharpest frame at random
        pytest.fail("no seed puts the sharpest frame in the first 60 %")
    frame = extract_sharpest_frame([recorded.data])
    assert kept < recorded.frame_count
    assert frame.frames_seen == frame.frames_decoded == kept
    assert frame.index == recorded.sharpest_index


def test_corrupt_frames_are_skipped() -> None:
    recorded = clip(seed=5)
    data = bytearray(recorded.data)
    parser = MediaParser()
    offset = 0
    damaged = 0
    for frame in parser.feed(bytes(data)):
        start = bytes(data).find(frame.payload, offset)
        offset = start + len(frame.payload)
        if frame.frame_type is FrameType.P_FRAME and damaged < 3:
            # Overwrite the slice data (not the start code) with junk.
            data[start + 8 : start + 40] = bytes(range(32))
            damaged += 1
    result = extract_sharpest_frame([bytes(data)])
    assert result.frames_seen == recorded.frame_count
    assert result.frames_decoded >= recorded.frame_count - 3


def test_junk_between_frames_and_a_leading_fragment() -> None:
    recorded = clip(seed=6)
    # A stream that starts in the middle of a frame, with noise between two frames.
    middle = recorded.data.index(b"\x00\x00\x01\xfd", 1000)
    data = b"\x55" * 300 + recorded.data[:middle] + b"\x13" * 77 + recorded.data[middle:]
    assert extract_sharpest_frame(chunks(data, 4096)).index == recorded.sharpest_index


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_raw_annexb_stream(codec: str) -> None:
    recorded = clip(codec, seed=7)
    stream = demux_video(recorded.data)
    frame = extract_sharpest_frame(chunks(stream.annexb, 5000))
    assert frame.index == recorded.sharpest_index
    assert frame.time is None
    assert frame.codec == {"h264": "h264", "h265": "hevc"}[codec]


def test_short_input_is_classified_at_the_end() -> None:
    with pytest.raises(NoFrameError):
        extract_sharpest_frame([b"\x00\x00\x00\x01\x67"])
    with pytest.raises(NoFrameError, match="0 video frames"):
        extract_sharpest_frame([b"\x01\x02"])


def test_nothing_decodable() -> None:
    with pytest.raises(NoFrameError, match="no frame decoded"):
        extract_sharpest_frame([])
    with pytest.raises(NoFrameError):
        extract_sharpest_frame([bytes(range(256)) * 100])
    # Frames of a codec the container does not name: nothing to decode them with.
    unknown = pack_frame(
        FrameType.I_FRAME,
        b"\x00\x00\x00\x01\x65" + b"\x88" * 50,
        codec=None,
        width=320,
        height=240,
        fps=10,
        timestamp=START,
    )
    with pytest.raises(NoFrameError, match="1 video frames"):
        extract_sharpest_frame([unknown])
    # P-frames only: a stream cut before its first I-frame.
    recorded = clip(seed=8)
    first_p = recorded.data.index(b"\x00\x00\x01\xfd")
    second_i = recorded.data.index(b"\x00\x00\x01\xfc", first_p)
    with pytest.raises(NoFrameError, match="9 video frames"):
        extract_sharpest_frame([recorded.data[first_p:second_i]])


def test_a_codec_change_mid_stream() -> None:
    first = clip("h264", seed=9, frames=10)
    second = clip("h265", seed=10, frames=10)
    frame = extract_sharpest_frame([first.data + second.data])
    assert frame.frames_seen == 20
    assert frame.frames_decoded == 20


def test_finder_can_be_abandoned() -> None:
    finder = SharpestFrameFinder()
    finder.feed(clip(seed=11).data)
    assert finder.frames_seen == 20
    finder.close()


def _frame(luma: np.ndarray, pixel_format: str = "gray") -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(luma, format=pixel_format)


def test_sharpness_prefers_detail_over_blur() -> None:
    rng = np.random.default_rng(0)
    detail = (rng.integers(0, 2, (240, 320)) * 200 + 20).astype(np.uint8)
    image = Image.fromarray(detail)
    blurred = np.asarray(image.resize((80, 60)).resize((320, 240)))
    assert sharpness(_frame(detail)) > 4 * sharpness(_frame(blurred))
    assert sharpness(_frame(np.full((240, 320), 128, np.uint8))) == 0.0
    assert sharpness(_frame(detail[:2, :2])) == 0.0


def test_sharpness_of_other_pixel_formats() -> None:
    rng = np.random.default_rng(1)
    detail = (rng.integers(0, 2, (240, 320)) * 200 + 20).astype(np.uint8)
    gray = sharpness(_frame(detail))
    deep = sharpness(_frame(detail.astype(np.uint16) << 8, "gray16le"))
    assert deep == pytest.approx(gray * 65536, rel=0.01)
    semi_planar = _frame(detail).reformat(format="nv12")
    assert sharpness(semi_planar) == pytest.approx(gray, rel=0.05)
    rgb = _frame(np.stack([detail] * 3, axis=-1), "rgb24")
    assert sharpness(rgb) == pytest.approx(gray, rel=0.05)


def test_spool_reader_follows_the_writer(tmp_path: Path) -> None:
    spool = SpoolFile(tmp_path / "spool.bin")
    spool.open()
    received: list[bytes] = []
    first = threading.Event()

    def read() -> None:
        for chunk in spool.chunks(chunk_size=4):
            received.append(chunk)
            first.set()

    reader = threading.Thread(target=read)
    reader.start()
    spool._write(b"abcdef")
    assert first.wait(5)
    spool._write(b"gh")
    spool.finish()
    reader.join(5)
    assert b"".join(received) == b"abcdefgh"
    assert spool.written == 8


def test_spool_abort_stops_the_reader(tmp_path: Path) -> None:
    spool = SpoolFile(tmp_path / "spool.bin")
    spool.open()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            list(spool.chunks())
        except SpoolAbortedError as err:
            errors.append(err)

    reader = threading.Thread(target=read)
    reader.start()
    spool.abort()
    reader.join(5)
    assert len(errors) == 1
    with pytest.raises(RuntimeError):
        spool._write(b"late")


def test_audio_info_and_frames_without_rate() -> None:
    recorded = clip(seed=12, frames=10)
    parser = MediaParser()
    parts: list[bytes] = []
    for frame in parser.feed(recorded.data):
        if frame.frame_type is FrameType.I_FRAME:
            # An I-frame header that gives no frame rate (seen on some firmware).
            parts.append(
                pack_frame(
                    FrameType.I_FRAME,
                    frame.payload,
                    codec="h264",
                    width=320,
                    height=240,
                    fps=0,
                    timestamp=START,
                )
            )
        else:
            parts.append(pack_frame(FrameType.P_FRAME, frame.payload))
        parts.append(pack_frame(FrameType.AUDIO, b"\xd5" * 160))
    parts.insert(1, pack_frame(FrameType.INFO, b"\x01\x02\x03\x04"))
    result = extract_sharpest_frame([b"".join(parts)])
    assert result.index == recorded.sharpest_index
    assert result.time == START  # no rate: the I-frame's own time
    assert result.frames_seen == 10


def test_many_undecodable_frames_in_a_row() -> None:
    first = clip(seed=13, frames=10)
    second = clip(seed=14, frames=10)
    first_p = first.data.index(b"\x00\x00\x01\xfd")
    junk = b"".join(
        pack_frame(FrameType.P_FRAME, b"\x00\x00\x00\x01\x41" + bytes([n]) * 40) for n in range(80)
    )
    result = extract_sharpest_frame([first.data[:first_p] + junk + second.data])
    assert result.frames_seen == 1 + 80 + 10
    assert result.frames_decoded >= 11
    # The sharpest of the clean frames wins over whatever the junk decoded to.
    assert result.index in (0, 81 + second.sharpest_index)
