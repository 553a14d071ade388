"""`python -m simulator` as a real subprocess: ports, an alarm over HTTP, clean SIGTERM exit."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
import re
import signal
import sys

import aiohttp
import pytest

from simulator import SimulatorConfig
from simulator.__main__ import build_parser, config_from_args, main, run

from .raw_client import ALARM_INFO, ALARM_SET, RawClient

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"dvrip=127\.0\.0\.1:(\d+) control=http://127\.0\.0\.1:(\d+) profile=(\w+)")


def test_reply_delay_and_alarm_centre_arguments() -> None:
    args = build_parser().parse_args(
        ["--reply-delay", "1.5", "--alarm-centre", "192.168.1.2:15002"]
    )
    config = config_from_args(args)
    assert config.reply_delay == 1.5
    assert (config.alarm_centre_host, config.alarm_centre_port) == ("192.168.1.2", 15002)
    with pytest.raises(ValueError, match="HOST:PORT"):
        config_from_args(build_parser().parse_args(["--alarm-centre", "nowhere"]))


def test_arguments_become_config() -> None:
    args = build_parser().parse_args(
        ["--port", "0", "--channels", "3", "--alarm-every", "5", "--clock-offset", "-90"]
    )
    config = config_from_args(args)
    assert config.port == 0
    assert config.channels == 3
    assert config.alarm_every == 5
    assert config.clock_offset.total_seconds() == -90
    assert config.control_port is None
    assert config.clock_epoch is None


def test_clock_epoch_argument() -> None:
    args = build_parser().parse_args(["--clock-epoch", "2000-01-01 00:00:00"])
    assert config_from_args(args).clock_epoch == datetime(2000, 1, 1)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--clock-epoch", "boot"])


async def test_cli_runs_until_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--port",
        "0",
        "--control-port",
        "0",
        "--password",
        "pw",
        "--profile",
        "nvr",
        "--history-days",
        "1",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    client: RawClient | None = None
    try:
        assert process.stdout is not None
        async with asyncio.timeout(15):
            line = (await process.stdout.readline()).decode()
        match = LINE.search(line)
        assert match, line
        port, control_port = int(match[1]), int(match[2])
        assert match[3] == "nvr"

        client = await RawClient.connect(port)
        assert (await client.login("pw"))["Ret"] == 100
        await client.request(ALARM_SET, {"Name": ""})
        async with (
            aiohttp.ClientSession(f"http://127.0.0.1:{control_port}") as http,
            http.post("/alarms", json={"channel": 1}) as response,
        ):
            assert response.status == 200
            result = await response.json()
        assert result["pushed_to"] == 1
        push = (await client.expect(ALARM_INFO)).json()
        assert push["AlarmInfo"]["Channel"] == 1

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            code = await process.wait()
        assert code == 0
        await client.expect_closed()
    finally:
        if client is not None:
            await client.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stderr is not None
    errors = (await process.stderr.read()).decode()
    assert "Traceback" not in errors


async def test_run_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    stop = asyncio.Event()
    stop.set()  # start, print the listening line, then stop at once
    await run(SimulatorConfig(port=0, control_port=0), stop)
    match = LINE.search(capsys.readouterr().out)
    assert match
    assert int(match[1]) > 0
    assert int(match[2]) > 0


def test_main_reports_bad_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--timezone", "Nowhere/Atlantis"]) == 2
    assert "Atlantis" in capsys.readouterr().err
