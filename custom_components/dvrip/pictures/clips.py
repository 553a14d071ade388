"""An alarm's clip: the window of its recording around it, kept as MP4 beside its picture.

The window is the alarm picture's (`clip_window`: a few seconds before the alarm to a few
after), so the device sends seconds of video, not the whole recording. The MP4 is the
device's video copied (`remux`), written to a temporary name and renamed when whole: a
reader never sees half a clip. Clips are kept within a size budget, the oldest written
removed first (by when they were written: the camera's clock, which names them, jumps).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
import logging
from pathlib import Path
import re
from typing import Final

from ..client import DvripClient, FileType, RecordFile
from .history import CLIP_MAX_DISTANCE, clip_window, find_motion_clip, is_motion_clip
from .remux import FragmentedMp4Remuxer, RemuxStats
from .spool import SpoolFile

_LOGGER = logging.getLogger(__name__)

CLIP_FILE_NAME: Final = re.compile(r"(\d{8}_\d{6})_ch(\d+)\.mp4")
_PARTIAL_SUFFIX: Final = ".part"


def clip_file_name(camera_time: datetime, channel: int) -> str:
    """`YYYYmmdd_HHMMSS_ch<N>.mp4`: the alarm picture's name, as a clip."""
    return f"{camera_time:%Y%m%d_%H%M%S}_ch{channel}.mp4"


def is_clip_name(name: str) -> bool:
    return CLIP_FILE_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class AlarmClip:
    """A clip written: its file, the recording it was cut from, and what the remux did."""

    path: Path
    source: RecordFile
    window: tuple[datetime, datetime]
    stats: RemuxStats


async def find_alarm_recording(
    client: DvripClient, channel: int, camera_time: datetime
) -> RecordFile | None:
    """The recording that holds the alarm at `camera_time`, if the device lists one yet."""
    videos = await client.query_files(
        camera_time - CLIP_MAX_DISTANCE,
        camera_time + CLIP_MAX_DISTANCE,
        channel=channel,
        file_type=FileType.VIDEO,
    )
    clips = [video for video in videos if is_motion_clip(video)] or videos
    return find_motion_clip(clips, camera_time, channel=channel)


async def write_alarm_clip(
    client: DvripClient,
    recording: RecordFile,
    camera_time: datetime,
    target: Path,
    *,
    timeout: float,
) -> AlarmClip:
    """Download the alarm's window of `recording` and write it to `target` as MP4.

    Raises the client's errors, or `RemuxError` when nothing playable came; `target` is
    then left as it was.
    """
    window = clip_window(recording, camera_time) or (recording.begin, recording.end)
    partial = target.with_name(target.name + _PARTIAL_SUFFIX)
    spool = SpoolFile(target.with_name(target.name + ".download"))
    await asyncio.to_thread(spool.open)
    remux = asyncio.ensure_future(asyncio.to_thread(_remux_to_file, spool, partial))
    try:
        try:
            await client.download(recording, spool, timeout=timeout, window=window)
        except BaseException:
            spool.abort()
            raise
        finally:
            spool.finish()
        stats = await remux
        await asyncio.to_thread(partial.replace, target)
    finally:
        await asyncio.gather(remux, return_exceptions=True)
        await asyncio.to_thread(_remove, partial, spool.path)
    return AlarmClip(target, recording, window, stats)


def _remux_to_file(spool: SpoolFile, path: Path) -> RemuxStats:
    with path.open("wb") as file:
        remuxer = FragmentedMp4Remuxer(file)
        try:
            for chunk in spool.chunks():
                remuxer.feed(chunk)
            return remuxer.finish()
        except BaseException:
            remuxer.close()
            raise


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def keep_clips_within(folder: Path, budget_bytes: int) -> list[str]:
    """Remove the oldest-written clips until the rest fit `budget_bytes` (blocking I/O)."""
    try:
        clips = [
            (entry.stat().st_mtime_ns, entry.stat().st_size, entry)
            for entry in folder.iterdir()
            if is_clip_name(entry.name) and entry.is_file()
        ]
    except FileNotFoundError:
        return []
    clips.sort(key=lambda clip: (clip[0], clip[2].name))
    total = sum(size for _, size, _ in clips)
    removed: list[str] = []
    for _, size, path in clips:
        if total <= budget_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size
        removed.append(path.name)
    return removed
