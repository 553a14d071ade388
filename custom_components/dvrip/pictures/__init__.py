"""Alarm pictures: the best picture of each alarm, from the camera's jpg entry or motion clip.

Knows nothing of Home Assistant. Async functions talk to the camera through `DvripClient`;
decoding and file writing are synchronous functions that the async ones run in worker
threads (callers on an event loop run `write_export` in an executor).

    picture = await resolve_alarm_picture(client, alarm)          # one alarm
    report = await last_alarm_pictures(client, limit=5)           # the newest alarms
    folder = write_export(report, Path("exports"))                # JPEGs + report.json
"""

from .export import (
    PICTURE_FILE_NAME,
    REPORT_NAME,
    alarm_file_name,
    export_file_names,
    is_picture_name,
    picture_file_name,
    remove_old_exports,
    write_export,
)
from .frames import ExtractedFrame, NoFrameError, extract_sharpest_frame, sharpness
from .history import (
    ALARM_MERGE_WINDOW,
    CLIP_MAX_DISTANCE,
    AlarmHistory,
    find_motion_clip,
    find_picture_entry,
    list_alarm_history,
    merge_alarm_markers,
)
from .kept import KeptPicture, read_kept_pictures, write_kept_picture
from .models import (
    AlarmMarker,
    AlarmPicture,
    Attempt,
    ExportParameters,
    ExportReport,
    HistoryCounts,
    MarkerSource,
    Outcome,
    PictureMethod,
    PreferredSource,
    Step,
)
from .resolver import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    ProgressCallback,
    last_alarm_pictures,
    resolve_alarm_picture,
)

__all__ = [
    "ALARM_MERGE_WINDOW",
    "CLIP_MAX_DISTANCE",
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "PICTURE_FILE_NAME",
    "REPORT_NAME",
    "AlarmHistory",
    "AlarmMarker",
    "AlarmPicture",
    "Attempt",
    "ExportParameters",
    "ExportReport",
    "ExtractedFrame",
    "HistoryCounts",
    "KeptPicture",
    "MarkerSource",
    "NoFrameError",
    "Outcome",
    "PictureMethod",
    "PreferredSource",
    "ProgressCallback",
    "Step",
    "alarm_file_name",
    "export_file_names",
    "extract_sharpest_frame",
    "find_motion_clip",
    "find_picture_entry",
    "is_picture_name",
    "last_alarm_pictures",
    "list_alarm_history",
    "merge_alarm_markers",
    "picture_file_name",
    "read_kept_pictures",
    "remove_old_exports",
    "resolve_alarm_picture",
    "sharpness",
    "write_export",
    "write_kept_picture",
]
