"""Command line: run a simulated DVRIP camera until SIGINT or SIGTERM.

    python -m simulator --port 34567 --password secret --alarm-every 60 --control-port 8765
    python -m simulator --profile nvr --quirk guard-silent --quirk motiondetect

It prints one line with the real bound ports (so ``--port 0 --control-port 0`` works):

    dvrip-simulator listening dvrip=127.0.0.1:34567 control=http://127.0.0.1:8765 profile=ipc
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta
import logging
import signal
import sys
from typing import Any

from simulator.camera import CameraSimulator
from simulator.config import DEFAULT_ALARM_CENTRE_PORT, DEFAULT_SERIAL, SimulatorConfig
from simulator.profiles import PROFILES
from simulator.ptz import PTZ_FUNCTIONS
from simulator.quirks import Quirk
from simulator.wire import parse_time


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Run a simulated Xiongmai DVRIP camera."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=34567, help="DVRIP port (0: any free port)")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ipc")
    parser.add_argument("--channels", type=int, default=None, help="override the profile's")
    parser.add_argument(
        "--quirk",
        action="append",
        default=[],
        choices=[quirk.value for quirk in Quirk],
        metavar="NAME",
        help="a firmware behaviour on top of the profile's (repeatable; see docs/simulator.md)",
    )
    parser.add_argument(
        "--search-delay",
        type=float,
        default=12.0,
        metavar="SECONDS",
        help="how long a search takes with the slow-search quirk",
    )
    parser.add_argument(
        "--snap-stuck-delay",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="how long the first still takes with the snap-stuck quirk",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        metavar="N",
        help="connections open at once with the connection-limit quirk (10 by default)",
    )
    parser.add_argument(
        "--alarm-every", type=float, default=None, metavar="SECONDS", help="raise motion alarms"
    )
    parser.add_argument(
        "--alarm-duration", type=float, default=5.0, metavar="SECONDS", help="Start to Stop"
    )
    parser.add_argument(
        "--control-port",
        type=int,
        default=None,
        help="HTTP control API port on 127.0.0.1 (0: any free port; default: off)",
    )
    parser.add_argument("--history-days", type=int, default=0, metavar="N")
    parser.add_argument("--bandwidth", type=int, default=None, metavar="BYTES_PER_S")
    parser.add_argument(
        "--playback-speed",
        type=float,
        default=None,
        metavar="X",
        help="send recordings at X times real time, as recorders do (1: real time)",
    )
    parser.add_argument(
        "--burst-seconds",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with --playback-speed: send this much recording at a time, silent in between",
    )
    parser.add_argument("--first-packet-delay", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument(
        "--continuous-recording", action="store_true", help="record in hour-long files"
    )
    parser.add_argument("--alive-interval", type=int, default=20, metavar="SECONDS")
    parser.add_argument("--timezone", default="UTC", help="zone of the camera's clock")
    parser.add_argument(
        "--clock-offset", type=float, default=0.0, metavar="SECONDS", help="camera clock error"
    )
    parser.add_argument(
        "--clock-epoch",
        type=_clock_epoch,
        default=None,
        metavar="'YYYY-MM-DD HH:MM:SS'",
        help="a reboot fault sets the clock back to this (a camera without a clock battery; "
        "the clock-epoch quirk alone uses 2000-01-01 00:00:00)",
    )
    parser.add_argument("--serial", default=DEFAULT_SERIAL)
    parser.add_argument(
        "--device-name", default=None, metavar="NAME", help="MachineName (default: the profile's)"
    )
    parser.add_argument(
        "--alarm-functions",
        default=None,
        metavar="NAMES",
        help="the alarm abilities SystemFunction reports, comma-separated, e.g. "
        "MotionDetect,HumanDection (default: the profile's)",
    )
    parser.add_argument(
        "--ptz",
        action="store_true",
        help="give every channel a PTZ head and report it in SystemFunction.OtherFunction",
    )
    parser.add_argument(
        "--other-functions",
        default=None,
        metavar="NAMES",
        help="more SystemFunction.OtherFunction abilities reported true, comma-separated, "
        "e.g. SupportCameraWhiteLight",
    )
    parser.add_argument(
        "--white-light",
        action="store_true",
        help="a white light (Camera.WhiteLight; OtherFunction.SupportCameraWhiteLight); "
        "OneKeyManulAlarm in --alarm-functions gives a siren",
    )
    parser.add_argument(
        "--discovery-port",
        type=int,
        default=None,
        metavar="PORT",
        help="answer the device search on this UDP port (34569 real, 0 any free; default: off)",
    )
    parser.add_argument(
        "--discovery-host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen for the device search on (0.0.0.0 for broadcasts)",
    )
    parser.add_argument(
        "--reply-delay", type=float, default=0.0, metavar="SECONDS", help="before every answer"
    )
    parser.add_argument(
        "--alarm-centre",
        default=None,
        metavar="HOST:PORT",
        help="also send each alarm as a 1508 message to this alarm centre",
    )
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    return parser


def _clock_epoch(text: str) -> datetime:
    moment = parse_time(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"not a time as YYYY-MM-DD HH:MM:SS: {text!r}")
    return moment


def _alarm_centre(value: str | None) -> tuple[str | None, int]:
    if not value:
        return None, DEFAULT_ALARM_CENTRE_PORT
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--alarm-centre wants HOST:PORT, not {value!r}")
    return host, int(port)


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    centre_host, centre_port = _alarm_centre(args.alarm_centre)
    overrides: dict[str, Any] = {}
    if args.alarm_functions is not None:
        names = [name.strip() for name in args.alarm_functions.split(",")]
        overrides["alarm_functions"] = frozenset(name for name in names if name)
    # Added to the profile's own (the ptz profile reports its head already).
    base_functions = PROFILES[args.profile].other_functions
    other_functions: set[str] = set(base_functions)
    if args.ptz:
        overrides["ptz"] = True
        other_functions |= PTZ_FUNCTIONS
    if args.other_functions is not None:
        other_functions |= {name.strip() for name in args.other_functions.split(",")} - {""}
    if other_functions != set(base_functions):
        overrides["other_functions"] = frozenset(other_functions)
    if args.white_light:
        overrides["white_light"] = True
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        user=args.user,
        password=args.password,
        profile=args.profile,
        channels=args.channels,
        quirks=tuple(args.quirk),
        search_delay=args.search_delay,
        snap_stuck_delay=args.snap_stuck_delay,
        max_connections=args.max_connections,
        serial=args.serial,
        alive_interval=args.alive_interval,
        timezone=args.timezone,
        clock_offset=timedelta(seconds=args.clock_offset),
        clock_epoch=args.clock_epoch,
        bandwidth=args.bandwidth,
        playback_speed=args.playback_speed,
        burst_seconds=args.burst_seconds,
        first_packet_delay=args.first_packet_delay,
        continuous_recording=args.continuous_recording,
        control_port=args.control_port,
        alarm_every=args.alarm_every,
        alarm_duration=args.alarm_duration,
        history_days=args.history_days,
        reply_delay=args.reply_delay,
        alarm_centre_host=centre_host,
        alarm_centre_port=centre_port,
        device_name=args.device_name,
        discovery_port=args.discovery_port,
        discovery_host=args.discovery_host,
        profile_overrides=overrides,
    )


async def run(config: SimulatorConfig, stop: asyncio.Event | None = None) -> None:
    """Serve until SIGINT or SIGTERM (or until ``stop`` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        async with CameraSimulator(config) as camera:
            control = (
                f"http://127.0.0.1:{camera.control_port}"
                if camera.control_port is not None
                else "off"
            )
            discovery = (
                f" discovery=udp://{config.discovery_host}:{camera.discovery_port}"
                if camera.discovery_port is not None
                else ""
            )
            print(
                f"dvrip-simulator listening dvrip={camera.host}:{camera.port} "
                f"control={control} profile={camera.profile.name}{discovery}",
                flush=True,
            )
            await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = config_from_args(args)
        asyncio.run(run(config))
    except (ValueError, OSError) as err:
        print(f"dvrip-simulator: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
