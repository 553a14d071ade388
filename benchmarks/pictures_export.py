"""Export of the last 5 alarms from a camera limited to 4 MB/s, against the link's own limit.

The simulated camera (in this process, on 127.0.0.1) paces every download at 4 MB/s. Its
history holds 5 alarms, each with a 10 s motion clip (640x360, 25 fps) and a jpg entry; the
clips' bytes are generated before the clock starts, so only the transfer and the work on the
client's side are timed. The clock runs from connecting to the export folder being written:
login, camera time, both history listings, every download, every extraction, report.json.

The floor is the time the bytes that had to move take at 4 MB/s (bytes downloaded / 4 MB/s).
Two histories:

- every jpg entry an empty placeholder, so every alarm falls back to its motion clip (the
  link-heavy case: the clip is decoded while it downloads);
- the default camera, whose jpg entries are in turn a JPEG, a JPEG in a 0xFE frame, a
  placeholder (clip), a short H.264 stream and a JPEG.

Target: wall time / floor <= 1.2.

With ``--realtime`` the camera sends recordings at 1x real time, as recorders do, instead of
at 4 MB/s; the floor is then the seconds of recording the downloads asked for (the windows
around the alarms, not the whole clips).

    .venv/bin/python benchmarks/pictures_export.py [--realtime] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path
import tempfile
import time

from pictures_support import show_results

from custom_components.dvrip.client import DvripClient
from custom_components.dvrip.pictures import ExportReport, last_alarm_pictures, write_export
from simulator import CameraSimulator, SimulatorConfig
from simulator.media import PictureKind

BANDWIDTH = 4_000_000  # bytes per second
ALARMS = 5
TARGET = 1.2
CLIP = {"clip_width": 640, "clip_height": 360, "clip_fps": 25, "clip_frames": 250}


async def export_once(
    picture_kinds: tuple[PictureKind, ...], *, realtime: bool = False
) -> tuple[float, ExportReport, float]:
    """(wall time, report, floor): the floor is what the link or the recorder's pace allows."""
    config = SimulatorConfig(
        port=0,
        password="bench",
        bandwidth=None if realtime else BANDWIDTH,
        playback_speed=1.0 if realtime else None,
        profile_overrides={**CLIP, "picture_kinds": picture_kinds},
    )
    async with CameraSimulator(config) as camera:
        newest = camera.now().replace(second=0) - timedelta(minutes=1)
        for number in range(ALARMS):
            for entry in camera.add_history(newest - timedelta(minutes=10 * number)):
                await entry.media()  # encode now: the camera's card holds the files already
        with tempfile.TemporaryDirectory() as target:
            started = time.perf_counter()
            async with DvripClient(camera.host, camera.port, "admin", "bench") as client:
                report = await last_alarm_pictures(client, limit=ALARMS)
            await asyncio.to_thread(write_export, report, Path(target))
            wall = time.perf_counter() - started
        if realtime:
            floor = camera.stats.recording_seconds_sent
        else:
            floor = report.bytes_downloaded / BANDWIDTH
    return wall, report, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks-pictures.md")
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="a recorder sending at 1x real time instead of a 4 MB/s link",
    )
    args = parser.parse_args()
    floor_name = "recorder's sending time (s)" if args.realtime else "floor at 4 MB/s (s)"

    cases = [
        ("every jpg entry a placeholder: 5 clips", (PictureKind.PLACEHOLDER,)),
        (
            "default camera: JPEG, 0xFE JPEG, placeholder, stream, JPEG",
            (
                PictureKind.JPEG,
                PictureKind.JPEG_IN_FRAME,
                PictureKind.PLACEHOLDER,
                PictureKind.STREAM,
            ),
        ),
    ]
    rows = [
        f"| history | methods | bytes moved (MB) | {floor_name} | wall time (s) "
        "| wall / floor | decoding (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    ratios: list[float] = []
    for name, kinds in cases:
        wall, report, floor = asyncio.run(export_once(kinds, realtime=args.realtime))
        moved = report.bytes_downloaded
        ratio = wall / floor
        ratios.append(ratio)
        methods = ", ".join(
            f"{count} {method}" for method, count in report.methods().items() if count
        )
        decoding = sum(picture.decode_seconds for picture in report.pictures)
        rows.append(
            f"| {name} | {methods} | {moved / 1e6:.2f} | {floor:.3f} | {wall:.3f} "
            f"| **{ratio:.2f}** | {decoding:.3f} |"
        )
    table = "\n".join(rows)
    worst = max(ratios)
    summary = (
        f"{ALARMS} alarms, clips of 10 s at 640x360, 25 fps, H.264; one download at a time. "
        "Decoding time is spent while the clip downloads, so it mostly hides behind the link.\n\n"
        f"Target wall time / floor <= {TARGET}: {'met' if worst <= TARGET else 'NOT met'} "
        f"(worst {worst:.2f})."
    )
    if args.realtime:
        summary += (
            " The recorder sends each recording at 1x real time: its sending time is the "
            "seconds of recording the downloads asked for (the window around each alarm)."
        )
        title = "Export of 5 alarms from a recorder at 1x real time"
        show_results("export-realtime", title, table, summary, write=args.write)
        return
    show_results("export", "Export of 5 alarms at 4 MB/s", table, summary, write=args.write)


if __name__ == "__main__":
    main()
