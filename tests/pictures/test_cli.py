"""The export command line, in-process and as `python -m`, against the simulated camera."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import io
import json
from pathlib import Path
import socket
import sys

import pytest

from custom_components.dvrip.pictures.cli import main
from simulator import CameraSimulator
from simulator.media import PictureKind

from .conftest import PASSWORD, USER, SimulatorThread, alarm_time

REPOSITORY = Path(__file__).resolve().parents[2]


def export_args(port: int, out: Path, *extra: str, password: str = PASSWORD) -> list[str]:
    return [
        "export",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--user",
        USER,
        "--password",
        password,
        "--out",
        str(out),
        *extra,
    ]


def record_alarms(camera: CameraSimulator) -> None:
    for minutes_ago, kind in enumerate(
        (PictureKind.JPEG, PictureKind.PLACEHOLDER, PictureKind.STREAM), start=1
    ):
        camera.add_history(alarm_time(camera, minutes_ago * 10), picture_kind=kind)


def test_export_in_process(camera_thread: SimulatorThread, tmp_path: Path) -> None:
    camera = camera_thread.camera

    async def setup() -> None:
        record_alarms(camera)

    camera_thread.run(setup)
    begin = alarm_time(camera, 60).strftime("%Y-%m-%d %H:%M:%S")
    out = io.StringIO()
    status = main(export_args(camera.port, tmp_path, "--limit", "2", "--begin", begin), out=out)
    assert status == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("[1/2] ")
    assert ": direct -> " in lines[0]
    assert lines[1].startswith("[2/2] ")
    assert ": motion_clip -> " in lines[1]
    assert "frame " in lines[1]
    [folder] = tmp_path.iterdir()
    assert lines[2] == f"2 of 2 pictures and report.json in {folder}"
    assert folder.name.startswith("last_alarms_")
    document = json.loads((folder / "report.json").read_text())
    assert [alarm["method"] for alarm in document["alarms"]] == ["direct", "motion_clip"]
    assert document["parameters"]["begin"] == alarm_time(camera, 60).isoformat()
    assert document["query"]["jpg_entries"] == 3
    for alarm in document["alarms"]:
        assert (folder / alarm["file"]).read_bytes()[:2] == b"\xff\xd8"


def test_export_strict_with_nothing_usable(camera_thread: SimulatorThread, tmp_path: Path) -> None:
    camera = camera_thread.camera

    async def setup() -> None:
        camera.add_history(alarm_time(camera), video=False, picture_kind=PictureKind.PLACEHOLDER)

    camera_thread.run(setup)
    out = io.StringIO()
    assert main(export_args(camera.port, tmp_path, "--strict", "--prefer", "jpg"), out=out) == 0
    first, last = out.getvalue().splitlines()
    assert first.endswith(": skipped (direct: empty placeholder (no bytes))")
    assert last.startswith("0 of 1 pictures")


def test_export_of_an_empty_window(camera_thread: SimulatorThread, tmp_path: Path) -> None:
    camera = camera_thread.camera
    end = camera.now() - timedelta(days=3)
    out = io.StringIO()
    args = export_args(camera.port, tmp_path, "--end", end.strftime("%Y-%m-%d %H:%M"))
    assert main(args, out=out) == 0
    assert out.getvalue().startswith("no alarms on channel 0 between ")
    [folder] = tmp_path.iterdir()
    assert json.loads((folder / "report.json").read_text())["alarms"] == []


def test_wrong_password_is_one_line_and_fails(
    camera_thread: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(export_args(camera_thread.camera.port, tmp_path, password="wrong"))
    assert status == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"error: 127.0.0.1:{camera_thread.camera.port} refused the login")
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_unreachable_camera(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(export_args(port, tmp_path, "--timeout", "2")) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"error: cannot connect to 127.0.0.1:{port}: ")


def test_unwritable_output(
    camera_thread: SimulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(export_args(camera_thread.camera.port, blocker, "--limit", "1")) == 1
    assert capsys.readouterr().err.startswith("error: cannot write the export: ")


@pytest.mark.parametrize(
    "bad",
    [["--begin", "yesterday"], ["--download-timeout-sec", "0"], ["--prefer", "mp4"]],
)
def test_command_line_errors(
    tmp_path: Path, bad: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(export_args(1, tmp_path, *bad))
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


async def test_export_as_a_module(camera: CameraSimulator, tmp_path: Path) -> None:
    record_alarms(camera)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.dvrip.pictures",
        *export_args(camera.port, tmp_path, "--limit", "3", "--download-timeout-sec", "20"),
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    lines = stdout.decode().splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines[:3]] == [
        "direct",
        "motion_clip",
        "direct_stream",
    ]
    assert lines[3].startswith("3 of 3 pictures and report.json in ")
    assert stderr == b""
    [folder] = tmp_path.iterdir()
    assert len(list(folder.glob("*.jpg"))) == 3
