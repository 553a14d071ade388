"""Writing an export: a folder of alarm JPEGs and a report.json, all or nothing.

    <target>/last_alarms_YYYYmmdd_HHMMSS/
        20261125_130510_ch0.jpg
        ...
        report.json

File names come from the alarm's time and channel, never from the camera's file names (a
camera could name a file `../../etc/passwd`). The folder is built under a temporary name
next to its final place and renamed when complete, so a reader never sees half an export.
`remove_old_exports` removes exports past their time, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
import contextlib
from datetime import datetime
import json
import os
from pathlib import Path
import re
import shutil
import tempfile
from typing import Any, Final

from .models import AlarmPicture, ExportReport

REPORT_NAME: Final = "report.json"
FOLDER_PREFIX: Final = "last_alarms_"
# What `alarm_file_name` writes (and its export's `_2`, `_3` for alarms of one second).
PICTURE_FILE_NAME: Final = re.compile(r"(\d{8}_\d{6})_ch(\d+)(?:_\d+)?\.jpg")
# What `write_export` names its folders (`_2`, `_3` for exports of one second).
EXPORT_FOLDER_NAME: Final = re.compile(rf"{FOLDER_PREFIX}\d{{8}}_\d{{6}}(?:_\d+)?")


def alarm_file_name(camera_time: datetime, channel: int) -> str:
    """`YYYYmmdd_HHMMSS_ch<N>.jpg` from an alarm's camera time and channel (counted from 0)."""
    return f"{camera_time:%Y%m%d_%H%M%S}_ch{channel}.jpg"


def is_picture_name(name: str) -> bool:
    """A picture file name as `alarm_file_name` writes them."""
    return PICTURE_FILE_NAME.fullmatch(name) is not None


def picture_file_name(picture: AlarmPicture) -> str:
    """The file name of an alarm picture: `alarm_file_name` of its marker."""
    return alarm_file_name(picture.marker.time, int(picture.marker.channel))


def export_file_names(pictures: Sequence[AlarmPicture]) -> list[str | None]:
    """The file name of each picture in an export (None without a picture).

    Two alarms of one second and channel get `_2`, `_3`...; a name depends only on the
    pictures before it, so it can be shown while an export is still running.
    """
    names: list[str | None] = []
    taken: set[str] = set()
    for picture in pictures:
        if not picture.ok:
            names.append(None)
            continue
        base = picture_file_name(picture)
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base.removesuffix('.jpg')}_{number}.jpg"
        taken.add(name)
        names.append(name)
    return names


def export_folder_name(report: ExportReport) -> str:
    return f"{FOLDER_PREFIX}{report.created:%Y%m%d_%H%M%S}"


def report_document(report: ExportReport) -> dict[str, Any]:
    """report.json: the report with each alarm's file name."""
    document = report.as_dict()
    for entry, name in zip(document["alarms"], export_file_names(report.pictures), strict=True):
        entry["file"] = name
    return document


def write_export(report: ExportReport, target_dir: Path) -> Path:
    """Write the export folder under `target_dir` and return its path (blocking I/O).

    An existing export of the same second is never overwritten: the new one gets `_2`...
    """
    target_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{export_folder_name(report)}.", dir=target_dir))
    try:
        for picture, name in zip(report.pictures, export_file_names(report.pictures), strict=True):
            if name is not None and picture.jpeg is not None:
                (building / name).write_bytes(picture.jpeg)
        (building / REPORT_NAME).write_text(
            json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        # mkdtemp makes the folder private; an export is meant to be looked at.
        building.chmod(0o755)
        final = _free_name(target_dir / export_folder_name(report))
        os.rename(building, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return final


def _free_name(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}_{number}")
    return candidate


def remove_old_exports(folder: Path, older_than: datetime) -> list[Path]:
    """Remove the exports in `folder` created before `older_than`; return them (blocking I/O).

    An export is a folder named as `write_export` names them with a report.json whose
    `created` time (written with its zone) says when it was made. Only the pictures and the
    report in it are removed: a folder the user put other files in keeps them, and itself.
    Anything else in `folder`, and any link, is left alone.
    """
    removed: list[Path] = []
    try:
        candidates = sorted(folder.iterdir())
    except FileNotFoundError:
        return removed
    for export in candidates:
        if not EXPORT_FOLDER_NAME.fullmatch(export.name) or export.is_symlink():
            continue
        created = _export_created(export)
        if created is None or created >= older_than:
            continue
        for file in export.iterdir():
            if (file.name == REPORT_NAME or is_picture_name(file.name)) and (
                file.is_file() and not file.is_symlink()
            ):
                file.unlink()
        with contextlib.suppress(OSError):
            # Not empty: the user's own files stay, and the folder with them.
            export.rmdir()
            removed.append(export)
    return removed


def _export_created(export: Path) -> datetime | None:
    """When an export was made, from its report.json; None when it has no readable one."""
    report = export / REPORT_NAME
    if report.is_symlink() or not report.is_file():
        return None
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
        created = datetime.fromisoformat(document["created"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # A time without a zone is not one `write_export` wrote.
    return created if created.tzinfo is not None else None
