"""`python -m custom_components.dvrip.pictures export`: the last alarms' pictures, to a folder.

Works without Home Assistant: it logs in to the camera, lists the window's history, resolves
the newest alarms one by one (a progress line each) and writes
`<out>/last_alarms_YYYYmmdd_HHMMSS/` with the JPEGs and report.json.

Exit status: 0 when the export was written (even if some alarms have no picture), 1 when the
camera cannot be reached or refuses the login, or the export cannot be written; 2 for a
command line error.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import datetime
import logging
import os
from pathlib import Path
import sys
from typing import TextIO

from ..client import DEFAULT_PORT, DvripAuthError, DvripClient, DvripError, format_camera_time
from .export import export_file_names, write_export
from .models import AlarmPicture, PreferredSource
from .resolver import DEFAULT_DOWNLOAD_TIMEOUT, last_alarm_pictures

PASSWORD_ENV = "DVRIP_PASSWORD"  # noqa: S105 - the name of a variable, not a password
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def camera_time(value: str) -> datetime:
    """A time on the camera's clock: `YYYY-mm-dd HH:MM:SS` (seconds or the time optional)."""
    for time_format in _TIME_FORMATS:
        try:
            return datetime.strptime(value.strip(), time_format)  # noqa: DTZ007 - camera clock
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a time like 'YYYY-mm-dd HH:MM:SS': {value!r}")


def positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.dvrip.pictures",
        description="Pictures of a DVRIP (XMEye) camera's alarms, without Home Assistant.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export",
        help="save the pictures of the last alarms and a report.json to a new folder",
        description=(
            "Save the pictures of the newest alarms between --begin and --end (camera clock; "
            "default: the last 24 hours) to <out>/last_alarms_YYYYmmdd_HHMMSS/."
        ),
    )
    export.add_argument("--host", required=True, help="camera address")
    export.add_argument("--port", type=int, default=DEFAULT_PORT, help="DVRIP port (34567)")
    export.add_argument("--user", default="admin", help="user name (admin)")
    export.add_argument(
        "--password",
        default=os.environ.get(PASSWORD_ENV, ""),
        help=f"password (default: ${PASSWORD_ENV}, else empty)",
    )
    export.add_argument("--limit", type=int, default=5, help="how many alarms (5)")
    export.add_argument("--begin", type=camera_time, help='window start, "YYYY-mm-dd HH:MM:SS"')
    export.add_argument("--end", type=camera_time, help="window end (default: camera time now)")
    export.add_argument("--channel", type=int, default=0, help="channel (0)")
    export.add_argument(
        "--prefer",
        choices=[str(source) for source in PreferredSource],
        default=str(PreferredSource.JPG),
        help="try the jpg entry first (jpg, default) or the motion clip first (h264)",
    )
    export.add_argument(
        "--strict",
        action="store_true",
        help="use only the preferred source; skip an alarm when it has no picture",
    )
    export.add_argument(
        "--download-timeout-sec",
        type=positive_float,
        default=DEFAULT_DOWNLOAD_TIMEOUT,
        help="give up a download after this many seconds (60)",
    )
    export.add_argument(
        "--max-downloads",
        type=int,
        default=1,
        help="downloads at a time (1: these devices crash under parallel downloads)",
    )
    export.add_argument(
        "--timeout", type=positive_float, default=10.0, help="reply timeout in seconds (10)"
    )
    export.add_argument("--out", type=Path, default=Path(), help="where to create the folder (.)")
    export.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(run_export(args, out=out or sys.stdout, err=sys.stderr))


async def run_export(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """The `export` command, on a running event loop."""
    client = DvripClient(
        args.host,
        args.port,
        args.user,
        args.password,
        timeout=args.timeout,
        max_downloads=max(1, args.max_downloads),
    )
    address = f"{args.host}:{args.port}"
    done: list[AlarmPicture] = []

    def progress(position: int, total: int, picture: AlarmPicture) -> None:
        done.append(picture)
        print(progress_line(position, total, picture, export_file_names(done)[-1]), file=out)

    try:
        async with client:
            report = await last_alarm_pictures(
                client,
                limit=args.limit,
                begin=args.begin,
                end=args.end,
                channel=args.channel,
                prefer=PreferredSource(args.prefer),
                strict=args.strict,
                download_timeout=args.download_timeout_sec,
                progress=progress,
            )
    except DvripAuthError as error:
        print(f"error: {address} refused the login: {error}", file=err)
        return 1
    except DvripError as error:
        message = str(error)
        # Connection errors name the address already; the others do not.
        print(f"error: {message if address in message else f'{address}: {message}'}", file=err)
        return 1
    if not report.pictures:
        begin = format_camera_time(report.parameters.begin)
        end = format_camera_time(report.parameters.end)
        print(f"no alarms on channel {args.channel} between {begin} and {end}", file=out)
    try:
        folder = await asyncio.to_thread(write_export, report, args.out)
    except OSError as error:
        print(f"error: cannot write the export: {error}", file=err)
        return 1
    saved = sum(1 for picture in report.pictures if picture.ok)
    print(f"{saved} of {len(report.pictures)} pictures and report.json in {folder}", file=out)
    return 0


def progress_line(position: int, total: int, picture: AlarmPicture, file_name: str | None) -> str:
    """`[2/5] 2026-11-25 13:05:10 ch0 motion: motion_clip -> 20261125_130510_ch0.jpg (...)`."""
    marker = picture.marker
    head = (
        f"[{position}/{total}] {format_camera_time(marker.time)} ch{marker.channel} "
        f"{marker.event or 'alarm'}: {picture.method}"
    )
    if not picture.ok:
        return f"{head} ({picture.reason})"
    details = f"{picture.bytes_downloaded / 1024:.1f} KiB in {picture.download_seconds:.2f} s"
    if picture.frame_index is not None:
        details += f", frame {picture.frame_index}"
    return f"{head} -> {file_name} ({details})"
