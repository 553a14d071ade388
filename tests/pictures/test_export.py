"""Writing an export folder: names from alarm times, report.json, all or nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path

import pytest

from custom_components.dvrip.client import FileType, RecordEvent, RecordFile
from custom_components.dvrip.pictures import (
    AlarmMarker,
    AlarmPicture,
    Attempt,
    ExportParameters,
    ExportReport,
    HistoryCounts,
    MarkerSource,
    Outcome,
    PictureMethod,
    Step,
    export as export_module,
    export_file_names,
    remove_old_exports,
    write_export,
)

CREATED = datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC)
ALARM = datetime(2026, 11, 25, 13, 5, 10)
HOSTILE = "../../etc/passwd"


def hostile_entry() -> RecordFile:
    return RecordFile(HOSTILE, ALARM, ALARM, 1, FileType.PICTURE, RecordEvent.UNKNOWN)


def picture(
    time: datetime = ALARM, channel: int = 0, *, jpeg: bytes | None = b"\xff\xd8jpeg"
) -> AlarmPicture:
    marker = AlarmMarker(time, channel, "VideoMotion", hostile_entry(), (MarkerSource.PICTURE,))
    if jpeg is None:
        attempt = Attempt(Step.DIRECT, Outcome.MISS, "empty placeholder (no bytes)", HOSTILE)
        return AlarmPicture(marker, PictureMethod.SKIPPED, attempts=(attempt,))
    attempt = Attempt(Step.DIRECT, Outcome.OK, "a JPEG", HOSTILE, len(jpeg), 0.1, 0.01)
    return AlarmPicture(
        marker,
        PictureMethod.DIRECT,
        jpeg,
        HOSTILE,
        len(jpeg),
        width=320,
        height=240,
        download_seconds=0.1,
        decode_seconds=0.01,
        attempts=(attempt,),
    )


def report(*pictures: AlarmPicture) -> ExportReport:
    return ExportReport(
        parameters=ExportParameters(limit=5, begin=ALARM.replace(hour=0), end=ALARM),
        counts=HistoryCounts(picture_entries=3, motion_clips=2, alarms=len(pictures)),
        pictures=pictures,
        created=CREATED,
        camera_time=ALARM,
        host="127.0.0.1:34567",
        elapsed_seconds=1.5,
    )


def test_export_layout_and_report(tmp_path: Path) -> None:
    later = ALARM.replace(minute=6)
    folder = write_export(
        report(picture(later), picture(ALARM, 1), picture(ALARM, 0, jpeg=None)), tmp_path
    )
    assert folder == tmp_path / "last_alarms_20261125_140000"
    assert sorted(path.name for path in folder.iterdir()) == [
        "20261125_130510_ch1.jpg",
        "20261125_130610_ch0.jpg",
        "report.json",
    ]
    assert (folder / "20261125_130610_ch0.jpg").read_bytes() == b"\xff\xd8jpeg"
    # Nothing but the export appears next to it, and no camera name became a path.
    assert [path.name for path in tmp_path.iterdir()] == [folder.name]
    assert not (tmp_path / "etc").exists()
    document = json.loads((folder / "report.json").read_text())
    assert document["query"] == {
        "jpg_entries": 3,
        "motion_clips": 2,
        "pushed_alarms": 0,
        "alarms_after_merge": 3,
        "errors": [],
    }
    assert document["parameters"]["begin"] == "2026-11-25T00:05:10"
    assert document["camera_time"] == "2026-11-25T13:05:10"
    assert document["methods"]["direct"] == 2
    assert document["methods"]["skipped"] == 1
    first, _, skipped = document["alarms"]
    assert first["time"] == "2026-11-25T13:06:10"
    assert first["file"] == "20261125_130610_ch0.jpg"
    assert first["source_file"] == HOSTILE
    assert first["method"] == "direct"
    assert first["attempts"][0]["reason"] == "a JPEG"
    assert skipped["file"] is None
    assert skipped["reason"] == "direct: empty placeholder (no bytes)"


def test_alarms_of_the_same_second_get_distinct_names() -> None:
    names = export_file_names([picture(), picture(jpeg=None), picture(), picture()])
    assert names == [
        "20261125_130510_ch0.jpg",
        None,
        "20261125_130510_ch0_2.jpg",
        "20261125_130510_ch0_3.jpg",
    ]


def test_an_existing_export_is_never_overwritten(tmp_path: Path) -> None:
    first = write_export(report(picture()), tmp_path)
    second = write_export(report(picture()), tmp_path)
    assert second == tmp_path / "last_alarms_20261125_140000_2"
    assert first.exists()
    assert second.exists()


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_dumps(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(export_module.json, "dumps", broken_dumps)
    with pytest.raises(OSError, match="disk full"):
        write_export(report(picture()), tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == []


def test_old_exports_are_removed_and_nothing_else(tmp_path: Path) -> None:
    """Exports made before the limit go; a fresh one, the user's files and look-alikes stay."""
    old = write_export(report(picture()), tmp_path)
    fresh = write_export(replace(report(picture()), created=CREATED + timedelta(days=40)), tmp_path)
    # An old export the user added a file to: only what the export wrote goes.
    kept = write_export(report(picture(ALARM, 1)), tmp_path)
    (kept / "notes.txt").write_text("mine")
    # A folder named like an export without our report, and one whose report has no zone.
    lookalike = tmp_path / "last_alarms_20200101_000000"
    lookalike.mkdir()
    (lookalike / "20200101_000000_ch0.jpg").write_bytes(b"\xff\xd8")
    naive = tmp_path / "last_alarms_20200101_000001"
    naive.mkdir()
    (naive / "report.json").write_text(json.dumps({"created": "2020-01-01T00:00:01"}))
    (tmp_path / "holiday.jpg").write_bytes(b"\xff\xd8")

    limit = CREATED + timedelta(days=10)
    assert remove_old_exports(tmp_path, limit) == [old]
    assert not old.exists()
    assert sorted(path.name for path in kept.iterdir()) == ["notes.txt"]
    assert (fresh / "report.json").exists()
    assert (lookalike / "20200101_000000_ch0.jpg").exists()
    assert (naive / "report.json").exists()
    assert (tmp_path / "holiday.jpg").exists()
    # Nothing is left to remove; a folder that does not exist has nothing either.
    assert remove_old_exports(tmp_path, limit) == []
    assert remove_old_exports(tmp_path / "missing", limit) == []


def test_a_linked_export_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    target = write_export(report(picture()), elsewhere)
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / target.name).symlink_to(target, target_is_directory=True)
    assert remove_old_exports(exports, CREATED + timedelta(days=1)) == []
    assert (target / "report.json").exists()
