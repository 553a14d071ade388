"""The sharpest frame of a recording, as a JPEG.

A recording (a motion clip, or a `jpg` history entry that turned out to be video) is fed in
chunks, as it is read from disk or while it is still downloading; every decodable frame is
scored and only the best one so far is kept, so memory stays at one chunk, one container
frame and a few decoded frames whatever the size of the file.

Sharpness measure: the variance of the 4-neighbour Laplacian (4*c - up - down - left - right)
of the luma plane, taken on a nearest-neighbour downscale to about 240 pixels wide (one pixel
in k of every k-th row, k = width // 240, the middle one of each k x k cell). A blurred or
smeared frame has less energy at high spatial frequencies, hence a smaller variance. The
decoded plane is read in place (no colour conversion), so scoring a 1080p frame costs about
0.1 ms, next to one to ten for decoding it; only the chosen frame is converted and encoded.

Everything here is plain synchronous CPU work: callers run it in an executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import io
import logging
from pathlib import Path
import time
from typing import Any, Final

import av
from av.video.codeccontext import VideoCodecContext
from av.video.frame import VideoFrame
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ..client.media import (
    FrameType,
    MediaParser,
    PayloadKind,
    VideoCodec,
    annexb_payload,
    classify_payload,
)

_LOGGER = logging.getLogger(__name__)

CHUNK_SIZE: Final = 1024 * 1024
JPEG_QUALITY: Final = 90
# Width of the grid the sharpness is measured on.
SCORE_WIDTH: Final = 240
_DECODERS: Final = {VideoCodec.H264: "h264", VideoCodec.H265: "hevc", VideoCodec.MPEG4: "mpeg4"}
# Bytes looked at to tell a container from raw Annex-B.
_SNIFF_BYTES: Final = 64
# H.265 NAL types that open a stream (VPS, SPS, PPS, AUD, SEI, IDR); H.264 never starts so.
_HEVC_FIRST_NAL_TYPES: Final = frozenset({32, 33, 34, 35, 39, 19, 20})


class NoFrameError(Exception):
    """Nothing in the recording decoded to a picture."""


@dataclass(frozen=True, slots=True)
class ExtractedFrame:
    """The sharpest frame of a recording.

    `index` counts the video frames of the stream from 0 in the order they are stored
    (the devices record without B-frames, so that is also display order); `time` is the
    camera time of that frame, from the last I-frame's header and the frame rate.
    """

    jpeg: bytes = field(repr=False)
    index: int
    time: datetime | None
    sharpness: float
    width: int
    height: int
    codec: str
    frames_seen: int
    frames_decoded: int
    decode_errors: int
    seconds: float


def sharpness(frame: VideoFrame) -> float:
    """The variance of the Laplacian of the frame's luma on a ~240 px wide grid."""
    luma = _luma(frame)
    step = max(1, frame.width // SCORE_WIDTH)
    # Copying the chosen rows first reads memory in order; then pick columns. 16 bits hold
    # a Laplacian of 8-bit samples (at most 4 * 255 either way). Samples sit mid-way between
    # grid lines, off the edges of the codec's 8x8 blocks.
    offset = step // 2
    rows = np.ascontiguousarray(luma[offset::step])
    grid: NDArray[np.signedinteger[Any]] = rows[:, offset::step].astype(
        np.int16 if luma.dtype == np.uint8 else np.int32
    )
    if grid.shape[0] < 3 or grid.shape[1] < 3:
        return 0.0
    laplacian = grid[1:-1, 1:-1] * 4
    laplacian -= grid[:-2, 1:-1]
    laplacian -= grid[2:, 1:-1]
    laplacian -= grid[1:-1, :-2]
    laplacian -= grid[1:-1, 2:]
    values = laplacian.astype(np.float32).ravel()
    mean = float(values.mean())
    return max(0.0, float(values @ values) / values.size - mean * mean)


def _luma(frame: VideoFrame) -> NDArray[Any]:
    """The luma plane as a view of the decoder's buffer (no copy) where the format allows."""
    component = frame.format.components[0]
    if not component.is_luma or frame.format.name.startswith(("nv", "p0", "p1")):
        # Packed or semi-planar layouts are rare from these decoders: convert once.
        gray: NDArray[Any] = frame.to_ndarray(format="gray")
        return gray
    plane = frame.planes[0]
    dtype = np.uint16 if component.bits > 8 else np.uint8
    itemsize = np.dtype(dtype).itemsize
    rows: NDArray[Any] = np.frombuffer(plane, dtype=dtype).reshape(-1, plane.line_size // itemsize)
    return rows[: frame.height, : frame.width]


def encode_jpeg(frame: VideoFrame, quality: int = JPEG_QUALITY) -> bytes:
    """The frame as a JPEG, through one RGB copy that Pillow reads in place.

    Pillow keeps RGB pixels in 4 bytes; converting to RGBX first lets it use the converted
    frame's buffer as is, instead of two more copies of a 1080p frame (about 14 MB).
    """
    rgbx = frame.reformat(format="rgb0")
    plane = rgbx.planes[0]
    pixels = np.frombuffer(plane, dtype=np.uint8)  # a view, not a copy
    image = Image.frombuffer(
        "RGBX", (rgbx.width, rgbx.height), pixels, "raw", "RGBX", plane.line_size, 1
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _guess_annexb_codec(head: bytes) -> str:
    """H.264 or H.265, from the first NAL unit header of a raw Annex-B stream."""
    start = head.find(b"\x00\x00\x01")
    if start == -1 or start + 4 >= len(head):
        return "h264"
    first, second = head[start + 3], head[start + 4]
    if second == 1 and (first >> 1 & 0x3F) in _HEVC_FIRST_NAL_TYPES:
        return "hevc"
    return "h264"


class SharpestFrameFinder:
    """Decodes a recording fed in chunks and keeps its sharpest frame.

    Takes the Xiongmai container (the usual case) or raw Annex-B. Whatever decodes is used:
    undecodable frames are counted and skipped, a truncated tail is ignored.
    """

    def __init__(self) -> None:
        self._head = b""
        self._raw_annexb: bool | None = None
        self._parser = MediaParser()
        self._decoder: VideoCodecContext | None = None
        self._codec_name = ""
        self._video_frames = 0
        self._decoded = 0
        self._errors = 0
        self._seconds = 0.0
        # Camera time of frames handed to the decoder and not yet out of it, by index.
        self._times: dict[int, datetime | None] = {}
        self._anchor: tuple[int, datetime | None, int] = (0, None, 0)
        self._best: VideoFrame | None = None
        self._best_score = -1.0
        self._best_index = 0
        self._best_time: datetime | None = None

    @property
    def frames_seen(self) -> int:
        return self._video_frames

    def feed(self, data: bytes) -> None:
        """Decode what these bytes complete."""
        started = time.perf_counter()
        try:
            if self._raw_annexb is None:
                self._head += data
                if len(self._head) < _SNIFF_BYTES:
                    return
                data, self._head = self._head, b""
                self._choose_mode(data)
            if self._raw_annexb:
                self._feed_annexb(data)
            else:
                self._feed_container(data)
        finally:
            self._seconds += time.perf_counter() - started

    def finish(self, quality: int = JPEG_QUALITY) -> ExtractedFrame:
        """Flush the decoder and return the sharpest frame; `NoFrameError` if none decoded."""
        started = time.perf_counter()
        try:
            if self._raw_annexb is None and self._head:
                data, self._head = self._head, b""
                if self._choose_mode(data):
                    self._feed_annexb(data)
                else:
                    self._feed_container(data)
            if self._decoder is not None:
                if self._raw_annexb:
                    self._decode_all(self._decoder.parse(None))
                self._decode(None)
            best = self._best
            if best is None:
                raise NoFrameError(
                    f"no frame decoded ({self._video_frames} video frames in the stream, "
                    f"{self._errors} undecodable)"
                )
            jpeg = encode_jpeg(best, quality)
        finally:
            self._seconds += time.perf_counter() - started
            self._close_decoder()
        return ExtractedFrame(
            jpeg=jpeg,
            index=self._best_index,
            time=self._best_time,
            sharpness=self._best_score,
            width=best.width,
            height=best.height,
            codec=self._codec_name,
            frames_seen=self._video_frames,
            frames_decoded=self._decoded,
            decode_errors=self._errors,
            seconds=self._seconds,
        )

    def close(self) -> None:
        """Release the decoder without a result (the recording was abandoned)."""
        self._close_decoder()
        self._best = None

    def _close_decoder(self) -> None:
        # A codec context is freed with its last reference: PyAV 14 and later have no
        # `close()` on it, and PyAV 13 frees it the same way.
        self._decoder = None
        self._times.clear()

    def _choose_mode(self, head: bytes) -> bool:
        """Container or raw Annex-B, from the first bytes; True for raw Annex-B."""
        self._raw_annexb = classify_payload(head) is PayloadKind.ANNEXB
        if self._raw_annexb:
            self._open_decoder(_guess_annexb_codec(head))
        return self._raw_annexb

    def _open_decoder(self, name: str) -> None:
        self._close_decoder()
        decoder = av.CodecContext.create(name, "r")
        if not isinstance(decoder, VideoCodecContext):  # pragma: no cover - names are video
            raise TypeError(f"{name} is not a video decoder")
        self._decoder = decoder
        self._codec_name = name

    def _feed_container(self, data: bytes) -> None:
        for frame in self._parser.feed(data):
            if frame.frame_type is FrameType.I_FRAME:
                name = _DECODERS.get(frame.codec) if frame.codec is not None else None
                if name is None:
                    _LOGGER.debug("Skipped an I-frame of unknown codec %s", frame.codec)
                elif name != self._codec_name or self._decoder is None:
                    if self._decoder is not None:
                        self._decode(None)
                    self._open_decoder(name)
                self._anchor = (self._video_frames, frame.timestamp, frame.fps)
            elif frame.frame_type is not FrameType.P_FRAME:
                continue  # audio, info, pictures: not part of the video
            index = self._video_frames
            self._video_frames += 1
            if self._decoder is None:
                continue  # P-frames before the first I-frame cannot be decoded
            self._times[index] = self._frame_time(index)
            # One container frame is one access unit: no parser needed, and the index
            # travels through the decoder as the packet's pts.
            packet = av.Packet(annexb_payload(frame))
            packet.pts = index
            self._decode(packet)

    def _feed_annexb(self, data: bytes) -> None:
        assert self._decoder is not None
        self._decode_all(self._decoder.parse(data))

    def _decode_all(self, packets: Iterable[av.Packet]) -> None:
        for packet in packets:
            packet.pts = self._video_frames
            self._times[self._video_frames] = None
            self._video_frames += 1
            self._decode(packet)

    def _frame_time(self, index: int) -> datetime | None:
        first, when, fps = self._anchor
        if when is None:
            return None
        return when + timedelta(seconds=(index - first) / fps) if fps else when

    def _decode(self, packet: av.Packet | None) -> None:
        assert self._decoder is not None
        try:
            frames = self._decoder.decode(packet)
        except av.FFmpegError as err:
            self._errors += 1
            _LOGGER.debug("Undecodable frame: %s", err)
            return
        for frame in frames:
            self._score(frame)

    def _score(self, frame: VideoFrame) -> None:
        self._decoded += 1
        index = frame.pts if frame.pts is not None else self._decoded - 1
        score = sharpness(frame)
        when = self._times.pop(index, None)
        if len(self._times) > 64:
            # Frames that never came out of the decoder (errors) leave their time behind.
            for stale in [key for key in self._times if key < index]:
                del self._times[stale]
        if score > self._best_score:
            self._best, self._best_score = frame, score
            self._best_index, self._best_time = index, when


def extract_sharpest_frame(
    source: Path | Iterable[bytes], *, quality: int = JPEG_QUALITY
) -> ExtractedFrame:
    """The sharpest frame of a recording file (read in chunks) or of a chunk iterable."""
    finder = SharpestFrameFinder()
    try:
        for chunk in read_chunks(source) if isinstance(source, Path) else source:
            finder.feed(chunk)
    except BaseException:
        finder.close()
        raise
    return finder.finish(quality)


def read_chunks(path: Path, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(chunk_size):
            yield chunk
