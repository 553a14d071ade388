"""The best picture of an alarm inside an hour-long recording, from a recorder at real time.

The simulated camera (in this process, on 127.0.0.1) records continuously in hour-long files,
as continuous-recording cameras do, and sends recordings as a recorder does: at 1x real time,
in bursts of 4 s of recording with silence in between, the first packet 2 s after the start.
Its jpg entries are empty placeholders, so the picture comes from the recording. An alarm
falls in the middle of the hour (the simulator makes the file only for the part that a
download asks for, so the hour need not be encoded).

The clock runs from the recording being listed to the best picture decoded: the motion-clip
step of the resolver, with the client's window around the alarm. Bytes downloaded are set
against the whole file's FileLength.

Targets: under 15 s to the best picture, and under 5 % of the file downloaded.

    .venv/bin/python benchmarks/pictures_realtime.py [--write]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
import statistics
import time

from pictures_support import show_results

from custom_components.dvrip.client import DvripClient, FileType
from custom_components.dvrip.pictures import AlarmMarker, resolve_alarm_picture
from custom_components.dvrip.pictures.history import clip_window
from simulator import CameraSimulator, SimulatorConfig
from simulator.media import PictureKind

RUNS = 3
TARGET_SECONDS = 15.0
TARGET_SHARE = 0.05


async def one_picture(seed: int) -> tuple[float, int, int, str]:
    """(seconds to the best picture, bytes downloaded, file bytes, method) for one alarm."""
    config = SimulatorConfig(
        password="pw",
        seed=seed,
        continuous_recording=True,
        playback_speed=1.0,
        burst_seconds=4.0,
        first_packet_delay=2.0,
        profile_overrides={
            "picture_kinds": (PictureKind.PLACEHOLDER,),
            "clip_width": 640,
            "clip_height": 360,
            "clip_fps": 15,
        },
    )
    async with CameraSimulator(config) as camera:
        hour = camera.now().replace(minute=0, second=0) - timedelta(hours=2)
        record = await camera.raise_alarm(time=hour + timedelta(minutes=30))
        assert record.clip is not None
        async with DvripClient(camera.host, camera.port, "admin", "pw") as client:
            clips = await client.query_files(
                record.time - timedelta(minutes=5), record.time + timedelta(minutes=5)
            )
            pictures = await client.query_files(
                record.time - timedelta(minutes=5),
                record.time + timedelta(minutes=5),
                file_type=FileType.PICTURE,
            )
            # The simulator makes that part of the hour now, not while the clock runs.
            window = clip_window(clips[0], record.time)
            assert window is not None
            await record.clip.window_media(*window)
            started = time.perf_counter()
            picture = await resolve_alarm_picture(
                client,
                AlarmMarker(record.time, 0, "VideoMotion"),
                pictures=pictures,
                clips=clips,
                download_timeout=60,
            )
            seconds = time.perf_counter() - started
    return seconds, picture.bytes_downloaded, clips[0].size_bytes, str(picture.method)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks-pictures.md")
    args = parser.parse_args()
    rows = [
        "| run | method | to the best picture (s) | downloaded (MB) | file (MB) | share |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    times: list[float] = []
    shares: list[float] = []
    for run in range(RUNS):
        seconds, moved, whole, method = asyncio.run(one_picture(run + 1))
        share = moved / whole
        times.append(seconds)
        shares.append(share)
        rows.append(
            f"| {run + 1} | {method} | {seconds:.2f} | {moved / 1e6:.2f} | {whole / 1e6:.1f} "
            f"| {share:.2%} |"
        )
    met = max(times) < TARGET_SECONDS and max(shares) < TARGET_SHARE
    summary = (
        "An alarm in the middle of an hour-long 640x360, 15 fps H.264 recording; the recorder "
        "sends at 1x real time in 4 s bursts, its first packet after 2 s. The window asked for "
        "is 2 s before to 8 s after the alarm, from the keyframe before.\n\n"
        f"Targets under {TARGET_SECONDS:.0f} s and under {TARGET_SHARE:.0%} of the file: "
        f"{'met' if met else 'NOT met'} (median {statistics.median(times):.2f} s, worst "
        f"{max(times):.2f} s; worst share {max(shares):.2%})."
    )
    show_results(
        "realtime",
        "Best picture from an hour-long recording at 1x real time",
        "\n".join(rows),
        summary,
        write=args.write,
    )


if __name__ == "__main__":
    main()
