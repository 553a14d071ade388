"""Resolving an alarm to a picture: the jpg entry if it is one, else the motion clip's best frame.

What a camera stores as an alarm's `Type=jpg` entry varies by firmware: a real JPEG (maybe in
a 0xFE frame), a short H.264/H.265 stream, an empty placeholder, or nothing that arrives in
time. So for each alarm the resolver tries, in order:

1. the jpg entry (unless clips are preferred): a JPEG is used as is (`direct`), a video
   stream gives its sharpest frame (`direct_stream`); a placeholder, timeout or garbage is
   a miss;
2. on a miss, unless strict: the motion clip that contains the alarm's time, else the one
   whose BeginTime is nearest; its sharpest frame (`motion_clip`), decoded while it
   downloads.

Every step tried is recorded with its reason, bytes and timings. Downloads go to files in a
temporary folder that is removed afterwards, whatever happens; camera file names never
become paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import io
import itertools
import logging
from pathlib import Path
import shutil
import tempfile
import time
from typing import Final

import av
from PIL import Image, UnidentifiedImageError

from ..client import (
    Alarm,
    DvripClient,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    FileType,
    RecordFile,
)
from ..client.media import CLASSIFY_SCAN_BYTES, PayloadKind, classify_payload, extract_jpeg
from .frames import ExtractedFrame, NoFrameError, extract_sharpest_frame
from .history import (
    ALARM_MERGE_WINDOW,
    CLIP_MAX_DISTANCE,
    clip_window,
    find_motion_clip,
    find_picture_entry,
    is_motion_clip,
    list_alarm_history,
    merge_alarm_markers,
)
from .models import (
    AlarmMarker,
    AlarmPicture,
    Attempt,
    ExportParameters,
    ExportReport,
    HistoryCounts,
    Outcome,
    PictureMethod,
    PreferredSource,
    Step,
)
from .spool import SpoolAbortedError, SpoolFile

_LOGGER = logging.getLogger(__name__)

DEFAULT_DOWNLOAD_TIMEOUT: Final = 60.0
DEFAULT_WINDOW: Final = timedelta(hours=24)
# A jpg entry is tens of KB; anything this large is not a snapshot.
MAX_PICTURE_BYTES: Final = 16 * 1024 * 1024
# Failures that make a step a miss; anything else (auth, unsupported) ends the work.
_DOWNLOAD_MISSES: Final = (DvripConnectionError, DvripCommandError, DvripProtocolError)

type ProgressCallback = Callable[[int, int, AlarmPicture], None]

_download_ids = itertools.count(1)


@dataclass(slots=True)
class _StepResult:
    attempt: Attempt
    method: PictureMethod | None = None
    jpeg: bytes | None = field(default=None, repr=False)
    width: int | None = None
    height: int | None = None
    frame: ExtractedFrame | None = None


@dataclass(frozen=True, slots=True)
class _DirectPicture:
    """What a downloaded jpg entry holds: a JPEG, a stream, or why it is neither."""

    kind: PayloadKind
    jpeg: bytes | None = None
    width: int = 0
    height: int = 0
    problem: str | None = None


async def resolve_alarm_picture(
    client: DvripClient,
    alarm: AlarmMarker | Alarm,
    *,
    prefer: PreferredSource = PreferredSource.JPG,
    strict: bool = False,
    download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    workdir: Path | None = None,
    pictures: Sequence[RecordFile] | None = None,
    clips: Sequence[RecordFile] | None = None,
) -> AlarmPicture:
    """Find the picture of one alarm (see the module docstring for the order of steps).

    `pictures` and `clips` are the jpg entries and videos already listed for a window that
    contains the alarm; when None, the camera is asked around the alarm's time. `workdir`
    holds the downloads (a temporary folder of its own when None). Raises only what makes
    every alarm fail alike (`DvripAuthError`, `DvripUnsupportedError`); everything else is
    a miss recorded in the result.
    """
    marker = alarm if isinstance(alarm, AlarmMarker) else AlarmMarker.from_alarm(alarm)
    steps = [Step.DIRECT, Step.MOTION_CLIP]
    if prefer is PreferredSource.CLIP:
        steps.reverse()
    if strict:
        steps = steps[:1]
    async with _working_folder(workdir) as folder:
        attempts: list[Attempt] = []
        for step in steps:
            if step is Step.DIRECT:
                result = await _try_picture_entry(
                    client, marker, pictures, download_timeout, folder
                )
            else:
                result = await _try_motion_clip(client, marker, clips, download_timeout, folder)
            attempts.append(result.attempt)
            if result.method is not None and result.jpeg is not None:
                return _picture(marker, result, attempts)
    return AlarmPicture(
        marker=marker,
        method=PictureMethod.SKIPPED if strict else PictureMethod.FAILED,
        bytes_downloaded=sum(attempt.bytes_downloaded for attempt in attempts),
        download_seconds=sum(attempt.download_seconds for attempt in attempts),
        decode_seconds=sum(attempt.decode_seconds for attempt in attempts),
        attempts=tuple(attempts),
    )


def _picture(marker: AlarmMarker, result: _StepResult, attempts: list[Attempt]) -> AlarmPicture:
    assert result.method is not None
    frame = result.frame
    return AlarmPicture(
        marker=marker,
        method=result.method,
        jpeg=result.jpeg,
        source_name=result.attempt.source_name,
        bytes_downloaded=sum(attempt.bytes_downloaded for attempt in attempts),
        frame_index=frame.index if frame else None,
        frame_time=frame.time if frame else None,
        sharpness=frame.sharpness if frame else None,
        width=result.width,
        height=result.height,
        download_seconds=sum(attempt.download_seconds for attempt in attempts),
        decode_seconds=sum(attempt.decode_seconds for attempt in attempts),
        attempts=tuple(attempts),
    )


async def last_alarm_pictures(
    client: DvripClient,
    *,
    limit: int = 5,
    begin: datetime | None = None,
    end: datetime | None = None,
    channel: int = 0,
    prefer: PreferredSource = PreferredSource.JPG,
    strict: bool = False,
    download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    pushed_alarms: Sequence[Alarm | AlarmMarker] = (),
    workdir: Path | None = None,
    progress: ProgressCallback | None = None,
    merge_window: timedelta = ALARM_MERGE_WINDOW,
) -> ExportReport:
    """Pictures of the newest `limit` alarms between `begin` and `end` (camera clock).

    `end` defaults to the camera's clock now, `begin` to a day before `end`. Alarms come
    from jpg entries, motion clips and `pushed_alarms`, merged (traces closer than
    `merge_window` are one alarm), newest first. `progress(position, total, picture)` is
    called after each alarm. Downloads take turns (the client's `max_downloads`).
    """
    started = time.perf_counter()
    created = datetime.now().astimezone()
    errors: list[str] = []
    camera_time: datetime | None = None
    try:
        camera_time = await client.get_time()
    except (DvripCommandError, DvripProtocolError, DvripTimeoutError) as err:
        # Unanswered is no failure either: the session stays, the search goes on.
        errors.append(f"camera time: {err}")
    if end is None:
        # Without the camera's clock, the host's local time is the best guess.
        end = camera_time or created.replace(tzinfo=None)
    if begin is None:
        begin = end - DEFAULT_WINDOW
    history = await list_alarm_history(client, begin, end, channel=channel)
    errors.extend(history.errors)
    markers = merge_alarm_markers(
        pictures=history.pictures,
        clips=history.clips,
        pushed=pushed_alarms,
        window=merge_window,
        channel=channel,
        begin=begin,
        end=end,
    )
    chosen = markers[: max(0, limit)]
    pictures: list[AlarmPicture] = []
    async with _working_folder(workdir) as folder:
        for position, marker in enumerate(chosen, start=1):
            picture = await resolve_alarm_picture(
                client,
                marker,
                prefer=prefer,
                strict=strict,
                download_timeout=download_timeout,
                workdir=folder,
                pictures=history.pictures,
                clips=history.clips,
            )
            pictures.append(picture)
            if progress is not None:
                progress(position, len(chosen), picture)
    return ExportReport(
        parameters=ExportParameters(
            limit=limit,
            begin=begin,
            end=end,
            channel=channel,
            prefer=prefer,
            strict=strict,
            download_timeout=download_timeout,
            merge_window=merge_window.total_seconds(),
        ),
        counts=HistoryCounts(
            picture_entries=len(history.pictures),
            motion_clips=len(history.clips),
            pushed_alarms=len(pushed_alarms),
            alarms=len(markers),
            errors=tuple(errors),
        ),
        pictures=tuple(pictures),
        created=created,
        camera_time=camera_time,
        host=f"{client.host}:{client.port}",
        elapsed_seconds=time.perf_counter() - started,
    )


# -- step 1: the jpg entry ---------------------------------------------------------------


async def _try_picture_entry(
    client: DvripClient,
    marker: AlarmMarker,
    pictures: Sequence[RecordFile] | None,
    download_timeout: float,
    folder: Path,
) -> _StepResult:
    record = marker.picture
    if record is None:
        if pictures is None:
            try:
                pictures = await client.query_files(
                    marker.time - ALARM_MERGE_WINDOW,
                    marker.time + ALARM_MERGE_WINDOW,
                    channel=marker.channel,
                    file_type=FileType.PICTURE,
                )
            except _DOWNLOAD_MISSES as err:
                return _miss(Step.DIRECT, f"jpg query failed: {err}")
        record = find_picture_entry(pictures, marker.time, channel=marker.channel)
        if record is None:
            return _miss(Step.DIRECT, "no jpg entry for this alarm")
    path = folder / f"picture-{next(_download_ids)}.bin"
    try:
        started = time.perf_counter()
        try:
            result = await client.download(record, path, timeout=download_timeout)
        except _DOWNLOAD_MISSES as err:
            size = await asyncio.to_thread(_size, path)
            return _miss(
                Step.DIRECT,
                _download_problem(err),
                record,
                size,
                time.perf_counter() - started,
            )
        download_seconds = time.perf_counter() - started
        received = result.bytes_received
        if not received:
            return _miss(Step.DIRECT, "empty placeholder (no bytes)", record, 0, download_seconds)
        started = time.perf_counter()
        content = await asyncio.to_thread(_read_picture_entry, path)
        frame: ExtractedFrame | None = None
        if content.problem is None and content.jpeg is None:
            try:
                frame = await asyncio.to_thread(extract_sharpest_frame, path)
            except (NoFrameError, av.FFmpegError) as err:
                content = _DirectPicture(content.kind, problem=f"a video stream, but {err}")
        decode_seconds = time.perf_counter() - started
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    if content.problem is not None:
        return _miss(
            Step.DIRECT, content.problem, record, received, download_seconds, decode_seconds
        )
    if frame is not None:
        return _StepResult(
            Attempt(
                Step.DIRECT,
                Outcome.OK,
                f"a {frame.codec} stream of {frame.frames_seen} frames: used its sharpest",
                record.name,
                received,
                download_seconds,
                decode_seconds,
            ),
            PictureMethod.DIRECT_STREAM,
            frame.jpeg,
            frame.width,
            frame.height,
            frame,
        )
    assert content.jpeg is not None
    reason = "a JPEG in a picture frame" if content.kind is PayloadKind.PICTURE_FRAME else "a JPEG"
    return _StepResult(
        Attempt(
            Step.DIRECT,
            Outcome.OK,
            reason,
            record.name,
            received,
            download_seconds,
            decode_seconds,
        ),
        PictureMethod.DIRECT,
        content.jpeg,
        content.width,
        content.height,
    )


def _read_picture_entry(path: Path) -> _DirectPicture:
    """Tell what a downloaded jpg entry holds; a JPEG must decode to count as one."""
    with path.open("rb") as file:
        head = file.read(CLASSIFY_SCAN_BYTES)
    kind = classify_payload(head)
    if kind in (PayloadKind.CONTAINER, PayloadKind.ANNEXB):
        return _DirectPicture(kind)  # a video stream: the caller extracts a frame
    if kind is PayloadKind.EMPTY:  # pragma: no cover - an empty download never gets here
        return _DirectPicture(kind, problem="empty placeholder (no bytes)")
    if kind is PayloadKind.JSON:
        text = head[:120].decode("utf-8", "replace").strip()
        return _DirectPicture(kind, problem=f"a JSON reply instead of a picture: {text}")
    if kind is PayloadKind.UNKNOWN:
        return _DirectPicture(kind, problem=f"unrecognised bytes (starting {head[:8].hex()})")
    if path.stat().st_size > MAX_PICTURE_BYTES:
        return _DirectPicture(kind, problem="too large for a picture")
    jpeg = extract_jpeg(path.read_bytes())
    if jpeg is None:
        return _DirectPicture(kind, problem="a picture frame without a JPEG in it")
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            image.load()
            width, height = image.size
    except (OSError, UnidentifiedImageError, ValueError) as err:
        return _DirectPicture(kind, problem=f"a JPEG that does not decode: {err}")
    return _DirectPicture(kind, jpeg, width, height)


# -- step 2: the motion clip ---------------------------------------------------------------


async def _try_motion_clip(
    client: DvripClient,
    marker: AlarmMarker,
    clips: Sequence[RecordFile] | None,
    download_timeout: float,
    folder: Path,
) -> _StepResult:
    if clips is None:
        try:
            videos = await client.query_files(
                marker.time - CLIP_MAX_DISTANCE,
                marker.time + CLIP_MAX_DISTANCE,
                channel=marker.channel,
                file_type=FileType.VIDEO,
            )
        except _DOWNLOAD_MISSES as err:
            return _miss(Step.MOTION_CLIP, f"clip query failed: {err}")
        clips = [video for video in videos if is_motion_clip(video)]
    clip = find_motion_clip(clips, marker.time, channel=marker.channel)
    if clip is None:
        return _miss(Step.MOTION_CLIP, "no motion clip for this alarm")
    spool = SpoolFile(folder / f"clip-{next(_download_ids)}.bin")
    await asyncio.to_thread(spool.open)
    try:
        window = clip_window(clip, marker.time)
        return await _download_and_extract(client, clip, spool, download_timeout, window)
    finally:
        await asyncio.to_thread(spool.path.unlink, missing_ok=True)


async def _download_and_extract(
    client: DvripClient,
    clip: RecordFile,
    spool: SpoolFile,
    download_timeout: float,
    window: tuple[datetime, datetime] | None,
) -> _StepResult:
    """Download the clip (or its `window`) while a worker thread decodes what has arrived."""
    extraction = asyncio.ensure_future(asyncio.to_thread(extract_sharpest_frame, spool.chunks()))
    started = time.perf_counter()
    problem: DvripError | None = None
    download_seconds = 0.0
    try:
        try:
            await client.download(clip, spool, timeout=download_timeout, window=window)
        except _DOWNLOAD_MISSES as err:
            problem = err
        download_seconds = time.perf_counter() - started
        spool.finish()
        frame = await extraction
    except (NoFrameError, av.FFmpegError) as err:
        what = _download_problem(problem) + "; " if problem else ""
        return _miss(
            Step.MOTION_CLIP,
            f"{what}no usable frame in {spool.written} bytes: {err}",
            clip,
            spool.written,
            download_seconds,
            time.perf_counter() - started - download_seconds,
        )
    except BaseException:
        spool.abort()
        with contextlib.suppress(SpoolAbortedError, NoFrameError, av.FFmpegError):
            await extraction
        raise
    reason = f"sharpest of {frame.frames_decoded} decoded {frame.codec} frames"
    if problem is not None:
        reason = f"{_download_problem(problem)}; {reason} of the {spool.written} bytes that arrived"
    return _StepResult(
        Attempt(
            Step.MOTION_CLIP,
            Outcome.OK,
            reason,
            clip.name,
            spool.written,
            download_seconds,
            frame.seconds,
        ),
        PictureMethod.MOTION_CLIP,
        frame.jpeg,
        frame.width,
        frame.height,
        frame,
    )


# -- helpers -------------------------------------------------------------------------------


def _miss(
    step: Step,
    reason: str,
    record: RecordFile | None = None,
    received: int = 0,
    download_seconds: float = 0.0,
    decode_seconds: float = 0.0,
) -> _StepResult:
    return _StepResult(
        Attempt(
            step,
            Outcome.MISS,
            reason,
            record.name if record else None,
            received,
            download_seconds,
            decode_seconds,
        )
    )


def _download_problem(err: DvripError) -> str:
    if isinstance(err, DvripTimeoutError):
        return f"download timed out ({err})"
    if isinstance(err, DvripCommandError):
        return f"download refused ({err})"
    return f"download failed ({err})"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@contextlib.asynccontextmanager
async def _working_folder(folder: Path | None) -> AsyncIterator[Path]:
    if folder is not None:
        yield folder
        return
    created = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="dvrip-pictures-"))
    try:
        yield created
    finally:
        await asyncio.to_thread(shutil.rmtree, created, True)
