"""The media container parser, against literal vectors and real clips from the simulator."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
import itertools

import av
from av.video.codeccontext import VideoCodecContext
from hypothesis import given, strategies as st
import pytest

from custom_components.dvrip.client.const import MAX_MEDIA_PAYLOAD
from custom_components.dvrip.client.errors import DvripError
from custom_components.dvrip.client.media import (
    START_CODE,
    FrameType,
    MediaFrame,
    MediaParser,
    PayloadKind,
    VideoCodec,
    annexb_payload,
    classify_payload,
    decode_frame_datetime,
    demux_video,
    encode_frame_datetime,
    extract_jpeg,
)
from simulator.media import (
    SERVICE_BLOCK,
    MotionClip,
    PictureKind,
    jpeg_picture,
    motion_clip,
    pack_frame,
    picture_entry,
)
from tests.client.properties import examples

START = datetime(2024, 5, 1, 12, 30, 58)
I_FRAME_VECTOR = bytes.fromhex("000001fc5315e00eb959116a9b850000")
DECODERS = {VideoCodec.H264: "h264", VideoCodec.H265: "hevc"}
HEADER_SIZES = {0xFC: 16, 0xFE: 16, 0xFD: 8, 0xFA: 8, 0xF9: 8}
CODECS = ["h264", "h265"]


def parse(chunks: list[bytes], parser: MediaParser | None = None) -> list[MediaFrame]:
    parser = parser or MediaParser()
    return [frame for chunk in chunks for frame in parser.feed(chunk)]


def chunked(data: bytes, size: int | None) -> list[bytes]:
    if size is None:
        return [data]
    return [data[i : i + size] for i in range(0, len(data), size)]


def decode_annexb(codec: VideoCodec | None, annexb: bytes) -> int:
    """Frames an FFmpeg decoder gets out of an Annex-B stream."""
    assert codec is not None
    context = av.CodecContext.create(DECODERS[codec], "r")
    assert isinstance(context, VideoCodecContext)
    decoded = 0
    for packet in [*context.parse(annexb), *context.parse(None)]:
        decoded += len(context.decode(packet))
    decoded += len(context.decode(None))
    return decoded


def small_clip(codec: str = "h264", truncate_to: float | None = None) -> MotionClip:
    return motion_clip(codec=codec, width=160, height=120, start=START, truncate_to=truncate_to)


# --- header fields ------------------------------------------------------------------------


def test_i_frame_vector() -> None:
    payload = bytes(range(256)) * 0x86
    frames = parse([I_FRAME_VECTOR + payload[:0x859B]])
    assert frames == [
        MediaFrame(
            FrameType.I_FRAME,
            payload[:0x859B],
            VideoCodec.H265,
            width=3840,
            height=2160,
            fps=21,
            timestamp=datetime(2026, 8, 8, 21, 38, 57),
        )
    ]
    assert frames[0].is_video


def test_datetime_vector() -> None:
    assert decode_frame_datetime(0x6A1159B9) == datetime(2026, 8, 8, 21, 38, 57)
    assert encode_frame_datetime(datetime(2026, 8, 8, 21, 38, 57)) == 0x6A1159B9


@pytest.mark.parametrize("value", [0, 0xFFFFFFFF, encode_frame_datetime(START) & ~(0xF << 22)])
def test_impossible_datetime_is_none(value: int) -> None:
    assert decode_frame_datetime(value) is None


@pytest.mark.parametrize("year", [1999, 2064])
def test_datetime_outside_the_header_range(year: int) -> None:
    with pytest.raises(ValueError, match="year"):
        encode_frame_datetime(datetime(year, 1, 1))


@examples(0.5)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2063, 12, 31, 23, 59, 59)))
def test_datetime_round_trip(value: datetime) -> None:
    value = value.replace(microsecond=0)
    assert decode_frame_datetime(encode_frame_datetime(value)) == value


def test_unknown_codec_is_none() -> None:
    header = bytearray(I_FRAME_VECTOR)
    header[4] = 0x57  # codec 7, same size bits
    header[12:16] = b"\x00\x00\x00\x00"
    (frame,) = parse([bytes(header)])
    assert frame.codec is None
    assert (frame.width, frame.height) == (3840, 2160)


# --- the parser on real clips --------------------------------------------------------------


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("size", [1, 7, 4096, None])
def test_clip_any_chunking(codec: str, size: int | None) -> None:
    clip = small_clip(codec)
    parser = MediaParser()
    frames = parse(chunked(clip.data, size), parser)
    assert len(frames) == clip.frame_count
    assert parser.buffered == 0
    assert parser.skipped_bytes == 0
    keyframes = [f for f in frames if f.frame_type is FrameType.I_FRAME]
    assert [f.timestamp for f in keyframes] == [START, START + timedelta(seconds=1)]
    expected_codec = VideoCodec.H264 if codec == "h264" else VideoCodec.H265
    for frame in keyframes:
        assert (frame.codec, frame.width, frame.height, frame.fps) == (expected_codec, 160, 120, 10)
    assert {f.codec for f in frames} == {expected_codec}
    assert frames == parse([clip.data])


@pytest.mark.parametrize("codec", CODECS)
def test_annexb_decodes_to_every_frame(codec: str) -> None:
    clip = motion_clip(codec=codec, start=START)
    video = demux_video(clip.data)
    assert video.codec == (VideoCodec.H264 if codec == "h264" else VideoCodec.H265)
    assert (video.width, video.height, video.fps, video.start) == (320, 240, 10, START)
    assert (video.frame_count, video.keyframe_count) == (clip.frame_count, 2)
    assert decode_annexb(video.codec, video.annexb) == clip.frame_count
    assert video.annexb.startswith(b"\x00\x00\x00\x01")


def test_demux_from_chunks_matches_bytes() -> None:
    clip = small_clip()
    assert demux_video(chunked(clip.data, 1000)) == demux_video(clip.data)


def test_several_frames_in_one_chunk() -> None:
    stream = b"".join(
        [
            pack_frame(0xF9, b"info"),
            pack_frame(0xFC, b"\x00\x00\x00\x01\x67key", codec="h264", width=640, height=480),
            pack_frame(0xFA, b"audio" * 10),
            pack_frame(0xFD, b"\x00\x00\x00\x01\x41delta"),
        ]
    )
    frames = parse([stream])
    assert [f.frame_type for f in frames] == [0xF9, 0xFC, 0xFA, 0xFD]
    assert [f.is_video for f in frames] == [False, True, False, True]
    assert b"".join(annexb_payload(f) for f in frames) == (
        b"\x00\x00\x00\x01\x67key\x00\x00\x00\x01\x41delta"
    )
    assert frames[0].payload == b"info"
    assert frames[2].payload == b"audio" * 10
    assert frames[3].codec is VideoCodec.H264


def test_junk_before_first_start_code() -> None:
    clip = small_clip()
    junk = b"junk\x00\x00\x01\x00\x00\x00\x01\x65" + bytes(range(1, 200))
    parser = MediaParser()
    frames = parse(chunked(junk + clip.data, 333), parser)
    assert frames == parse([clip.data])
    assert parser.skipped_bytes == len(junk)


def test_live_stream_starting_mid_frame() -> None:
    clip = small_clip()
    first_p = clip.data.index(b"\x00\x00\x01\xfd")
    mid = clip.data[first_p + 10 :]
    video = demux_video(mid)
    # P-frames before the next I-frame are useless to a decoder: dropped.
    assert video.keyframe_count == 1
    assert video.frame_count == clip.frame_count - clip.fps
    assert decode_annexb(video.codec, video.annexb) == video.frame_count


def test_no_keyframe_means_no_video() -> None:
    assert demux_video([pack_frame(0xFD, b"\x00\x00\x00\x01\x41")]).codec is None
    assert demux_video(b"").annexb == b""


@pytest.mark.parametrize("codec", CODECS)
def test_service_blocks_are_skipped(codec: str) -> None:
    clip = motion_clip(codec=codec, start=START, service_blocks=True)
    assert clip.service_blocks == 2
    parser = MediaParser()
    frames = parse(chunked(clip.data, 4096), parser)
    assert parser.service_blocks == clip.service_blocks
    assert len(frames) == clip.frame_count
    assert all(SERVICE_BLOCK not in f.payload for f in frames)
    video = demux_video(clip.data)
    assert decode_annexb(video.codec, video.annexb) == clip.frame_count


def test_short_p_frame_with_start_code_is_video() -> None:
    payload = b"\x00\x00\x00\x01\x41" + bytes(122)
    assert len(payload) == 127
    parser = MediaParser()
    assert [f.payload for f in parse([pack_frame(0xFD, payload)], parser)] == [payload]
    assert parser.service_blocks == 0


def test_truncated_clip_yields_whole_frames_only() -> None:
    clip = small_clip(truncate_to=0.5)
    parser = MediaParser()
    frames = parse([clip.data], parser)
    assert 0 < len(frames) < clip.frame_count
    assert parser.buffered > 0  # the cut frame waits for bytes that never come


# --- untrusted lengths ----------------------------------------------------------------------


@pytest.mark.parametrize("length", [0xFFFFFFFF, MAX_MEDIA_PAYLOAD + 1])
def test_huge_declared_length_never_allocates(length: int) -> None:
    bogus = I_FRAME_VECTOR[:12] + length.to_bytes(4, "little")
    clip = small_clip()
    parser = MediaParser()
    frames = parse([bogus, b"\x00" * 64, clip.data[:100]], parser)
    assert frames == []
    assert parser.buffered <= 100
    frames += parse([clip.data[100:]], parser)
    assert frames == parse([clip.data])


def test_huge_p_frame_length_is_junk() -> None:
    bogus = b"\x00\x00\x01\xfd" + (MAX_MEDIA_PAYLOAD + 1).to_bytes(4, "little")
    frame = pack_frame(0xFD, b"\x00\x00\x00\x01\x41")
    assert [f.payload for f in parse([bogus + frame])] == [b"\x00\x00\x00\x01\x41"]


def test_buffer_bounded_by_cap_plus_chunk() -> None:
    parser = MediaParser(max_payload=1000)
    pending = pack_frame(0xFD, bytes(900))
    assert parse([pending[:-1]], parser) == []
    assert parser.buffered == len(pending) - 1
    big = b"\x01" * 5000
    assert len(parse([pending[-1:] + big], parser)) == 1
    assert parser.buffered <= 2


# --- payload classification ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (PictureKind.JPEG, PayloadKind.JPEG),
        (PictureKind.JPEG_IN_FRAME, PayloadKind.PICTURE_FRAME),
        (PictureKind.PLACEHOLDER, PayloadKind.EMPTY),
        (PictureKind.STREAM, PayloadKind.CONTAINER),
    ],
)
@pytest.mark.parametrize("codec", CODECS)
def test_classify_picture_entries(kind: PictureKind, expected: PayloadKind, codec: str) -> None:
    data = picture_entry(kind, start=START, codec=codec)
    assert classify_payload(data[:4096]) is expected
    assert classify_payload(data) is expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x01\x67\x42", PayloadKind.ANNEXB),
        (b"\x00\x00\x01\x40\x01", PayloadKind.ANNEXB),
        (b"\x00\x00\x00\x01\xfd\x05\x00\x00\x00", PayloadKind.CONTAINER),
        (b"\x00\x00\x01\xfa\x0e\x02\x00\x00", PayloadKind.CONTAINER),
        (b"\x00\x00\x01\xf9\x01\x00\x00\x00", PayloadKind.CONTAINER),
        (b'{"Ret":102}\n\x00', PayloadKind.JSON),
        (b"garbage" * 10 + b"\x00\x00\x01\xfc" + bytes(12), PayloadKind.CONTAINER),
        (b"garbage" + b"\x00\x00\x01\xfe" + bytes(12), PayloadKind.PICTURE_FRAME),
        (b"x" * 5000 + b"\x00\x00\x01\xfc" + bytes(12), PayloadKind.UNKNOWN),
        (b"\x00\x00\x01\xc0", PayloadKind.UNKNOWN),
        (b"\x00\x00\x01", PayloadKind.UNKNOWN),
        (b"GIF89a", PayloadKind.UNKNOWN),
    ],
)
def test_classify_payload(head: bytes, expected: PayloadKind) -> None:
    assert classify_payload(head) is expected


def test_classify_raw_annexb_from_a_clip() -> None:
    assert classify_payload(demux_video(small_clip().data).annexb) is PayloadKind.ANNEXB


def test_extract_jpeg() -> None:
    jpeg = jpeg_picture()
    assert extract_jpeg(picture_entry(PictureKind.JPEG, start=START)) == jpeg
    assert extract_jpeg(picture_entry(PictureKind.JPEG_IN_FRAME, start=START)) == jpeg
    assert extract_jpeg(picture_entry(PictureKind.PLACEHOLDER, start=START)) is None
    assert extract_jpeg(picture_entry(PictureKind.STREAM, start=START)) is None
    assert extract_jpeg(b'{"Ret":102}') is None
    assert extract_jpeg(pack_frame(0xFE, b"not a jpeg", width=8, height=8)) is None
    truncated = picture_entry(PictureKind.JPEG_IN_FRAME, start=START)[:-10]
    assert extract_jpeg(truncated) is None


def test_picture_frame_fields() -> None:
    (frame,) = parse([picture_entry(PictureKind.JPEG_IN_FRAME, start=START)])
    assert frame.frame_type is FrameType.PICTURE
    assert not frame.is_video
    assert (frame.width, frame.height, frame.timestamp) == (320, 240, START)
    assert annexb_payload(frame) == b""


# --- properties ---------------------------------------------------------------------------

SMALL_CAP = 4096


def assert_holds_one_partial_frame(stream: bytes, parser: MediaParser, cap: int) -> None:
    """What the parser keeps is the unread tail: up to two bytes of a possible start code, or
    the start of one plausible frame still missing bytes."""
    tail = stream[len(stream) - parser.buffered :]
    if len(tail) <= 2:
        return
    assert tail.startswith(START_CODE)
    if len(tail) < 4:
        return
    header_size = HEADER_SIZES[tail[3]]
    if len(tail) < header_size:
        return
    if tail[3] in (0xFC, 0xFE):
        length = int.from_bytes(tail[12:16], "little")
    elif tail[3] == 0xFD:
        length = int.from_bytes(tail[4:8], "little")
    else:
        length = int.from_bytes(tail[6:8], "little")
    assert length <= cap
    assert len(tail) < header_size + length


def feed_checked(chunks: list[bytes], cap: int = SMALL_CAP) -> list[MediaFrame]:
    parser = MediaParser(max_payload=cap)
    frames: list[MediaFrame] = []
    seen = b""
    for chunk in chunks:
        with contextlib.suppress(DvripError):
            frames.extend(parser.feed(chunk))
        seen += chunk
        assert parser.buffered <= 16 + cap + len(chunk)
        assert_holds_one_partial_frame(seen, parser, cap)
    return frames


def split_at(data: bytes, points: list[int]) -> list[bytes]:
    cuts = [0, *sorted({min(p, len(data)) for p in points}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


@st.composite
def mutated(draw: st.DrawFn, stream: bytes) -> bytes:
    data = bytearray(stream)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "start"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=24))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 24))]
        elif op == "start":
            data[at:at] = START_CODE + bytes([draw(st.sampled_from(sorted(HEADER_SIZES)))])
    return bytes(data)


# A tiny real clip keeps mutation cheap.
TINY_CLIP = motion_clip(width=32, height=32, fps=2, frames=4, start=START, service_blocks=True)


@examples(0.8)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes_never_break_the_parser(chunks: list[bytes]) -> None:
    feed_checked(chunks)


@examples(0.6)
@given(st.data(), st.lists(st.integers(0, len(TINY_CLIP.data)), max_size=5))
def test_mutated_clips_never_break_the_parser(data: st.DataObject, points: list[int]) -> None:
    stream = data.draw(mutated(TINY_CLIP.data))
    frames = feed_checked(split_at(stream, points), cap=len(TINY_CLIP.data))
    with contextlib.suppress(DvripError):
        demux_video(stream)
    assert len(frames) <= len(stream) // 8


def is_service_block(kind: int, payload: bytes) -> bool:
    annexb = payload.startswith((b"\x00\x00\x00\x01", b"\x00\x00\x01"))
    return kind == 0xFD and len(payload) == 127 and not annexb


frame_strategy = st.one_of(
    st.builds(
        lambda kind, payload, codec, width, height, fps, when: (
            kind,
            payload,
            pack_frame(
                kind,
                payload,
                codec=codec,
                width=width * 8,
                height=height * 8,
                fps=fps,
                timestamp=when,
            ),
            (width * 8, height * 8, fps, when),
        ),
        st.sampled_from([0xFC, 0xFE]),
        st.binary(max_size=120),
        st.sampled_from(["h264", "h265"]),
        st.integers(0, 1023),
        st.integers(0, 1023),
        st.integers(0, 31),
        # Seconds since 2000 up to the end of 2063, cheaper to draw than st.datetimes().
        st.integers(0, 2_019_686_399).map(lambda s: datetime(2000, 1, 1) + timedelta(seconds=s)),
    ),
    st.builds(
        lambda kind, payload: (kind, payload, pack_frame(kind, payload), None),
        st.sampled_from([0xFD, 0xFA, 0xF9]),
        st.binary(max_size=120),
    ),
)


@examples(0.6)
@given(
    st.lists(frame_strategy, max_size=5),
    st.lists(st.binary(max_size=20).map(lambda j: j.replace(b"\x00", b"")), max_size=6),
    st.lists(st.integers(0, 1500), max_size=8),
)
def test_written_frames_parse_back_through_any_split(
    frames: list[tuple[int, bytes, bytes, tuple[int, int, int, datetime] | None]],
    junk: list[bytes],
    points: list[int],
) -> None:
    # Junk without zero bytes cannot hide a start code, so every frame must come through.
    written = [f[2] for f in frames]
    stream = b"".join(
        itertools.chain.from_iterable(itertools.zip_longest(junk, written, fillvalue=b""))
    )
    parsed = feed_checked(split_at(stream, points), cap=MAX_MEDIA_PAYLOAD)
    expected = [
        (kind, payload) for kind, payload, _, _ in frames if not is_service_block(kind, payload)
    ]
    assert [(f.frame_type, f.payload) for f in parsed] == expected
    fields = [fields for kind, _, _, fields in frames if kind in (0xFC, 0xFE)]
    parsed_fields = [
        (f.width, f.height, f.fps, f.timestamp)
        for f in parsed
        if f.frame_type in (FrameType.I_FRAME, FrameType.PICTURE)
    ]
    assert parsed_fields == fields


@examples(1.5)
@given(st.binary(max_size=600))
def test_classify_and_extract_never_raise(head: bytes) -> None:
    assert isinstance(classify_payload(head), PayloadKind)
    jpeg = extract_jpeg(head)
    assert jpeg is None or jpeg.startswith(b"\xff\xd8")
