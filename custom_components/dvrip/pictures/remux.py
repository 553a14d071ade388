"""A recording as fragmented MP4, remuxed while it downloads: the video copied, never re-encoded.

The device's container (section 8 of the protocol notes) holds one access unit per video
frame, Annex-B H.264 or H.265. Each becomes one MP4 packet as it is (FFmpeg's MP4 muxer turns
Annex-B into length-prefixed NAL units), timed by the frame rate its I-frame header gives.
The codec's parameters come from probing the first I-frame alone, so nothing waits for more
data than that. Audio (G.711 on these devices) is dropped: browsers do not play it in MP4,
and turning it into AAC would mean encoding.

The MP4 is fragmented (an empty `moov`, then a `moof`/`mdat` pair per keyframe and at least
every second), so a browser plays from the first fragment while the rest still downloads.

    download -> SpoolFile (disk) -> worker thread: MediaParser -> PyAV mux -> FragmentPipe
             -> event loop: the HTTP response

Memory stays at one container frame, the muxer's small buffers and the pipe's bound: the
download goes to disk, and a slow reader holds the muxer back rather than letting bytes pile up.
Everything that touches PyAV runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
import contextlib
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
import io
import logging
from pathlib import Path
import threading
import time
from typing import Final

import av
from av.container import OutputContainer

from ..client import DvripClient, DvripError, RecordFile
from ..client.media import FrameType, MediaFrame, MediaParser, VideoCodec
from .spool import SpoolAbortedError, SpoolFile

_LOGGER = logging.getLogger(__name__)

MIME_TYPE: Final = "video/mp4"
# Codecs an MP4 carries as they are, with the probe format and the sample entry browsers want
# (`hvc1`, not FFmpeg's default `hev1`: Safari plays only `hvc1`).
_FORMATS: Final = {VideoCodec.H264: ("h264", None), VideoCodec.H265: ("hevc", "hvc1")}
_MOVFLAGS: Final = "frag_keyframe+empty_moov+default_base_moof"
# A fragment at least every second even in a long GOP, so playback starts early.
FRAGMENT_MICROSECONDS: Final = 1_000_000
_TIME_BASE: Final = Fraction(1, 90_000)
# Devices that leave the frame rate out of the I-frame header: the common rate.
DEFAULT_FPS: Final = 25
# Bytes of MP4 waiting for the reader before the muxer is made to wait.
PIPE_LIMIT: Final = 4 * 1024 * 1024


class RemuxError(Exception):
    """The recording holds no video an MP4 can carry as it is."""


class PipeClosedError(Exception):
    """The reader of a fragment pipe went away."""


@dataclass(frozen=True, slots=True)
class RemuxStats:
    """What one remux did."""

    codec: str
    width: int
    height: int
    frames: int
    keyframes: int
    bytes_out: int
    cpu_seconds: float


class FragmentPipe:
    """Bytes from a worker thread to the event loop, bounded: a slow reader slows the writer."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = PIPE_LIMIT) -> None:
        self._loop = loop
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._finished = False
        self._closed = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._ready = asyncio.Event()

    def write(self, data: bytes) -> int:
        """Queue bytes (worker thread); waits while the reader is `limit` behind."""
        with self._changed:
            while self._size >= self._limit and not self._closed:
                self._changed.wait()
            if self._closed:
                raise PipeClosedError("the reader went away")
            self._chunks.append(bytes(data))
            self._size += len(data)
        self._loop.call_soon_threadsafe(self._ready.set)
        return len(data)

    def finish(self, error: BaseException | None = None) -> None:
        """No more bytes (worker thread); `error` is raised to the reader after the last."""
        with self._changed:
            self._finished = True
            self._error = error
        self._loop.call_soon_threadsafe(self._ready.set)

    def close(self) -> None:
        """The reader is gone (event loop): the writer stops at its next write."""
        with self._changed:
            self._closed = True
            self._chunks.clear()
            self._changed.notify_all()

    async def read(self) -> bytes | None:
        """The next bytes; None at the end."""
        while True:
            self._ready.clear()
            with self._changed:
                if self._chunks:
                    data = self._chunks.popleft()
                    self._size -= len(data)
                    self._changed.notify_all()
                    return data
                if self._finished:
                    if self._error is not None:
                        raise self._error
                    return None
            await self._ready.wait()


class FragmentedMp4Remuxer:
    """The device's container in (`feed`), fragmented MP4 out (to `output.write`).

    Synchronous CPU work: run it in a worker thread. Frames before the first I-frame cannot
    be played and are dropped; a change of codec mid-stream ends the video there.
    """

    def __init__(self, output: FragmentPipe | io.RawIOBase | io.BufferedIOBase) -> None:
        self._output = output
        self._parser = MediaParser()
        self._container: OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self._codec: VideoCodec | None = None
        self._width = self._height = 0
        self._fps = DEFAULT_FPS
        self._pts = 0
        self._frames = self._keyframes = 0
        self._bytes_out = 0
        self._cpu = 0.0
        self._ended = False

    def feed(self, data: bytes) -> None:
        started = time.thread_time()
        try:
            for frame in self._parser.feed(data):
                if frame.is_video and not self._ended:
                    self._add(frame)
        finally:
            self._cpu += time.thread_time() - started

    def finish(self) -> RemuxStats:
        """Write the last fragment; `RemuxError` when no video came."""
        started = time.thread_time()
        try:
            if self._container is None:
                raise RemuxError("no playable video in the recording")
            self._container.close()
            self._container = None
        finally:
            self._cpu += time.thread_time() - started
        codec = _FORMATS[self._codec][0] if self._codec in _FORMATS else ""
        return RemuxStats(
            codec,
            self._width,
            self._height,
            self._frames,
            self._keyframes,
            self._bytes_out,
            self._cpu,
        )

    def close(self) -> None:
        """Drop the muxer without finishing (the recording was abandoned)."""
        container, self._container = self._container, None
        if container is not None:
            with contextlib.suppress(av.FFmpegError, PipeClosedError, OSError):
                container.close()

    def _add(self, frame: MediaFrame) -> None:
        keyframe = frame.frame_type is FrameType.I_FRAME
        if keyframe:
            if self._container is None:
                self._open(frame)
            elif frame.codec is not self._codec:
                _LOGGER.debug("The codec changed to %s mid-recording: video ends", frame.codec)
                self._ended = True
                return
            if frame.fps:
                self._fps = frame.fps
        if self._container is None or self._stream is None:
            return  # P-frames before the first I-frame
        step = int(90_000 / self._fps)
        packet = av.Packet(frame.payload)
        packet.pts = packet.dts = self._pts
        packet.duration = step
        packet.time_base = _TIME_BASE
        packet.is_keyframe = keyframe
        packet.stream = self._stream
        self._container.mux(packet)
        self._pts += step
        self._frames += 1
        self._keyframes += keyframe

    def _open(self, first: MediaFrame) -> None:
        if first.codec not in _FORMATS:
            raise RemuxError(f"{first.codec!s} video cannot be remuxed into MP4")
        probe_format, tag = _FORMATS[first.codec]
        # The first I-frame carries the parameter sets: probing it alone gives the codec's
        # parameters (extradata, size) without waiting for more of the download.
        with av.open(io.BytesIO(first.payload), format=probe_format) as probe:
            template = probe.streams.video[0]
            container = av.open(
                _Writer(self),
                mode="w",
                format="mp4",
                options={"movflags": _MOVFLAGS, "frag_duration": str(FRAGMENT_MICROSECONDS)},
            )
            # PyAV 14 and later name this `add_stream_from_template` (and dropped the
            # `template` argument); PyAV 13 has only the argument.
            from_template = getattr(container, "add_stream_from_template", None)
            if from_template is not None:
                stream = from_template(template)
            else:
                stream = container.add_stream(template=template)
        if tag is not None:
            stream.codec_context.codec_tag = tag
        self._container = container
        self._stream = stream
        self._codec = first.codec
        self._width, self._height = first.width, first.height


class _Writer:
    """The file-like object PyAV writes the MP4 to: counts, then hands on."""

    def __init__(self, remuxer: FragmentedMp4Remuxer) -> None:
        self._remuxer = remuxer

    def write(self, data: bytes) -> int:
        self._remuxer._bytes_out += len(data)
        self._remuxer._output.write(data)
        return len(data)


def remux_chunks(chunks: Iterable[bytes], pipe: FragmentPipe) -> RemuxStats:
    """Remux container chunks into the pipe until they end (a worker thread)."""
    remuxer = FragmentedMp4Remuxer(pipe)
    try:
        for chunk in chunks:
            remuxer.feed(chunk)
        stats = remuxer.finish()
    except BaseException as err:
        remuxer.close()
        pipe.finish(err)
        raise
    pipe.finish()
    return stats


type WriteFragment = Callable[[bytes], Awaitable[None]]


async def stream_recording(
    client: DvripClient,
    record: RecordFile,
    write: WriteFragment,
    workdir: Path,
    *,
    window: tuple[datetime, datetime] | None = None,
    timeout: float,
) -> RemuxStats:
    """Download `record` (or its `window`) and hand its fragmented MP4 to `write` as it comes.

    The download takes its turn with the device's others (the client's connection budget);
    a `write` that fails (the viewer went away) stops the download. Raises `RemuxError` when
    nothing playable came, and the client's errors when the download failed before any of it.
    """
    loop = asyncio.get_running_loop()
    spool = SpoolFile(workdir / f"recording-{id(write):x}-{time.monotonic_ns()}.bin")
    pipe = FragmentPipe(loop)
    await asyncio.to_thread(spool.open)
    remux = asyncio.ensure_future(asyncio.to_thread(remux_chunks, spool.chunks(), pipe))
    download = asyncio.ensure_future(client.download(record, spool, timeout=timeout, window=window))
    download.add_done_callback(lambda _task: spool.finish())
    written = 0
    try:
        while (data := await pipe.read()) is not None:
            await write(data)
            written += len(data)
        try:
            await download
        except DvripError as err:
            # What came before the failure has been served; the player ends there.
            _LOGGER.debug("Playback of %s ended early: %s", record.name, err)
        return await remux
    except RemuxError:
        # Nothing to play: the download's own failure says more, when it failed.
        if download.done() and not download.cancelled() and download.exception() is not None:
            raise download.exception() from None  # type: ignore[misc]
        raise
    finally:
        pipe.close()
        if not download.done():
            download.cancel()
        if not remux.done():
            spool.abort()
        await asyncio.gather(download, remux, return_exceptions=True)
        await asyncio.to_thread(spool.path.unlink, missing_ok=True)
        _LOGGER.debug("Served %d bytes of MP4 for %s", written, record.name)


__all__ = [
    "MIME_TYPE",
    "FragmentPipe",
    "FragmentedMp4Remuxer",
    "PipeClosedError",
    "RemuxError",
    "RemuxStats",
    "SpoolAbortedError",
    "remux_chunks",
    "stream_recording",
]
