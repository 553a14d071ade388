"""The simulated PTZ head: OPPTZControl (1400) moves, stops, presets, tours, and refusals.

The head's position follows a clock the tests move on by hand, so "it turns while the move
runs" is checked without waiting for time to pass.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from dvrip import DVRIPCam  # type: ignore[import-untyped]
import pytest

from simulator import CameraSimulator
from simulator.__main__ import build_parser, config_from_args
from simulator.ptz import (
    DEGREES_PER_STEP,
    PTZ_FUNCTIONS,
    START_PRESET,
    STOP_PRESET,
    PtzCommand,
)
from simulator.wire import MessageId

from .conftest import PASSWORD, Connect, StartCamera


class _Clock:
    """A clock for the head that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def ptz_camera(start_camera: StartCamera) -> CameraSimulator:
    return await start_camera(profile="ptz")


@pytest.fixture
def clock(ptz_camera: CameraSimulator) -> _Clock:
    clock = _Clock()
    ptz_camera.ptz.clock = clock
    return clock


def _ptz(command: str, preset: int, step: int = 4, channel: int = 0) -> dict[str, Any]:
    """An OPPTZControl request as the sources write it."""
    return {
        "Name": "OPPTZControl",
        "OPPTZControl": {
            "Command": command,
            "Parameter": {
                "AUX": {"Number": 0, "Status": "On"},
                "Channel": channel,
                "MenuOpts": "Enter",
                "POINT": {"bottom": 0, "left": 0, "right": 0, "top": 0},
                "Pattern": "SetBegin",
                "Preset": preset,
                "Step": step,
                "Tour": 0,
            },
        },
    }


async def test_a_move_turns_until_its_own_stop(
    ptz_camera: CameraSimulator, clock: _Clock, connect: Connect
) -> None:
    client = await connect(ptz_camera, login=True)
    reply = await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionRight", START_PRESET, 4))
    assert reply["Ret"] == 100
    assert ptz_camera.ptz.moving(0) is PtzCommand.RIGHT
    clock.now += 2
    assert ptz_camera.ptz.position(0).pan == pytest.approx(2 * 4 * DEGREES_PER_STEP)
    # Another command's stop does not stop it (the stops that did not stop).
    assert (await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionUp", STOP_PRESET)))[
        "Ret"
    ] == 100
    assert ptz_camera.ptz.moving(0) is PtzCommand.RIGHT
    assert ptz_camera.ptz.stray_stops == 1
    clock.now += 1
    await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionRight", STOP_PRESET))
    assert ptz_camera.ptz.moving(0) is None
    stopped_at = ptz_camera.ptz.position(0)
    assert stopped_at.pan == pytest.approx(3 * 4 * DEGREES_PER_STEP)
    clock.now += 10
    assert ptz_camera.ptz.position(0) == stopped_at
    assert (ptz_camera.ptz.starts, ptz_camera.ptz.stops) == (1, 1)


async def test_zoom_and_a_new_direction_while_moving(
    ptz_camera: CameraSimulator, clock: _Clock, connect: Connect
) -> None:
    client = await connect(ptz_camera, login=True)
    await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionLeftUp", START_PRESET, 8))
    clock.now += 1
    # A start of another move turns the head the new way from where it got to.
    await client.request(MessageId.PTZ_CONTROL, _ptz("ZoomTile", START_PRESET, 2))
    assert ptz_camera.ptz.moving(0) is PtzCommand.ZOOM_IN
    clock.now += 2
    position = ptz_camera.ptz.position(0)
    assert position.pan == pytest.approx(360 - 8 * DEGREES_PER_STEP)
    assert position.tilt == pytest.approx(8 * DEGREES_PER_STEP)
    assert position.zoom > 1.0
    await client.request(MessageId.PTZ_CONTROL, _ptz("ZoomTile", STOP_PRESET))
    assert ptz_camera.ptz.moving(0) is None


async def test_presets_are_kept_listed_recalled_and_cleared(
    ptz_camera: CameraSimulator, clock: _Clock, connect: Connect
) -> None:
    client = await connect(ptz_camera, login=True)
    preset_list = {"Name": "Uart.PTZPreset.[0]"}
    assert (await client.request(MessageId.CONFIG_GET, preset_list))["Uart.PTZPreset.[0]"] == []
    await client.request(MessageId.PTZ_CONTROL, _ptz("SetPreset", 3))
    await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionDown", START_PRESET, 5))
    clock.now += 2
    await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionDown", STOP_PRESET))
    moved = ptz_camera.ptz.position(0)
    assert moved.tilt < 0
    await client.request(MessageId.PTZ_CONTROL, _ptz("SetPreset", 7))
    listed = (await client.request(MessageId.CONFIG_GET, preset_list))["Uart.PTZPreset.[0]"]
    assert listed == [{"Id": 3}, {"Id": 7}]
    await client.request(MessageId.PTZ_CONTROL, _ptz("GotoPreset", 3))
    assert ptz_camera.ptz.position(0).tilt == 0
    # A preset never set: answered, the head stays.
    assert (await client.request(MessageId.PTZ_CONTROL, _ptz("GotoPreset", 9)))["Ret"] == 100
    assert ptz_camera.ptz.position(0).tilt == 0
    await client.request(MessageId.PTZ_CONTROL, _ptz("GotoPreset", 7))
    assert ptz_camera.ptz.position(0) == moved
    await client.request(MessageId.PTZ_CONTROL, _ptz("ClearPreset", 3))
    assert sorted(ptz_camera.ptz.presets(0)) == [7]
    # Presets are numbered up to 255.
    assert (await client.request(MessageId.PTZ_CONTROL, _ptz("SetPreset", 256)))["Ret"] == 103


async def test_waiters(ptz_camera: CameraSimulator, connect: Connect) -> None:
    """Tests wait for the head to turn, and to stop, without sleeping."""
    client = await connect(ptz_camera, login=True)
    waiting = asyncio.create_task(ptz_camera.ptz.wait_moving(0, "DirectionDown"))
    stopped = asyncio.create_task(ptz_camera.ptz.wait_stopped(0))
    await client.send(MessageId.PTZ_CONTROL, _ptz("DirectionUp", START_PRESET))
    await client.send(MessageId.PTZ_CONTROL, _ptz("DirectionDown", START_PRESET))
    await waiting
    assert not stopped.done()
    await client.send(MessageId.PTZ_CONTROL, _ptz("DirectionDown", STOP_PRESET))
    await stopped
    assert ptz_camera.ptz.moving(0) is None
    with pytest.raises(TimeoutError):
        await ptz_camera.ptz.wait_moving(0, timeout=0.05)


async def test_tours(ptz_camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(ptz_camera, login=True)
    await client.request(MessageId.PTZ_CONTROL, _ptz("StartTour", 0))
    assert ptz_camera.ptz.touring(0)
    await client.request(MessageId.PTZ_CONTROL, _ptz("StopTour", 0))
    assert not ptz_camera.ptz.touring(0)


async def test_a_camera_without_a_head_answers_and_stays(
    camera: CameraSimulator, connect: Connect
) -> None:
    """Every command is answered Ret 100 and nothing moves; there is no preset list."""
    assert not camera.profile.ptz
    assert "SupportPTZDirectionControl" not in camera.system_function()["OtherFunction"]  # type: ignore[index]
    client = await connect(camera, login=True)
    reply = await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionLeft", START_PRESET))
    assert reply["Ret"] == 100
    assert camera.ptz.moving(0) is None
    assert len(camera.ptz.requests) == 1
    reply = await client.request(MessageId.CONFIG_GET, {"Name": "Uart.PTZPreset.[0]"})
    assert reply["Ret"] == 607


async def test_refused_and_malformed_commands(
    ptz_camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(ptz_camera, login=True)
    ptz_camera.ptz.refuse_with = 107
    reply = await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionLeft", START_PRESET))
    assert reply["Ret"] == 107
    assert ptz_camera.ptz.moving(0) is None
    ptz_camera.ptz.refuse_with = None
    for body in (
        {"Name": "OPPTZControl", "OPPTZControl": "left"},
        _ptz("DirectionSideways", START_PRESET),
        _ptz("DirectionLeft", START_PRESET, channel=5),
    ):
        assert (await client.request(MessageId.PTZ_CONTROL, body))["Ret"] == 103
    assert ptz_camera.ptz.moving(0) is None


async def test_python_dvr_moves_and_stops_the_head(ptz_camera: CameraSimulator) -> None:
    """python-dvr's `ptz()`: a start with Preset 65535, the stop with its default Preset -1."""
    cam = DVRIPCam("127.0.0.1", port=ptz_camera.port, user="admin", password=PASSWORD)

    def start() -> Any:
        cam.connect(timeout=2)
        assert cam.login()
        return cam.ptz("DirectionLeft", step=6, preset=START_PRESET)

    def stop_and_close() -> Any:
        try:
            return cam.ptz("DirectionLeft")
        finally:
            cam.close()
            if cam.alive is not None:
                cam.alive.join(10)

    assert await asyncio.to_thread(start)
    assert ptz_camera.ptz.moving(0) is PtzCommand.LEFT
    assert await asyncio.to_thread(stop_and_close)
    assert ptz_camera.ptz.moving(0) is None
    assert ptz_camera.ptz.stops == 1


async def test_control_api_reads_the_head_and_refuses(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(profile="ptz", control_port=0)
    client = await connect(camera, login=True)
    await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionUp", START_PRESET, 3))
    async with aiohttp.ClientSession(f"http://127.0.0.1:{camera.control_port}") as http:
        async with http.get("/ptz") as response:
            state = await response.json()
        assert state["starts"] == 1
        assert state["channels"][0]["moving"] == "DirectionUp"
        assert state["channels"][0]["step"] == 3
        async with http.post("/ptz", json={"refuse": 107}) as response:
            assert (await response.json())["refuse_with"] == 107
        async with http.post("/ptz", json={"refuse": "yes"}) as response:
            assert response.status == 400
    reply = await client.request(MessageId.PTZ_CONTROL, _ptz("DirectionUp", STOP_PRESET))
    assert reply["Ret"] == 107


async def test_the_demo_recorder_from_the_command_line(start_camera: StartCamera) -> None:
    """`--ptz` gives every channel a head and reports it; `--other-functions` adds abilities
    (the demo's recorder: PTZ cameras with a white light).
    """
    args = build_parser().parse_args(
        ["--profile", "nvr", "--ptz", "--other-functions", "SupportCameraWhiteLight, ,"]
    )
    camera = await start_camera(
        profile="nvr", profile_overrides=config_from_args(args).profile_overrides
    )
    other = camera.system_function()["OtherFunction"]  # type: ignore[index]
    assert other == {
        "SupportNVR": True,
        "SupportCameraWhiteLight": True,
        **dict.fromkeys(PTZ_FUNCTIONS, True),
    }
    assert camera.ptz.has_head
    assert len(camera.ptz.heads) == camera.channels == 2
    # The ptz profile keeps reporting its head when more abilities are named.
    args = build_parser().parse_args(["--profile", "ptz", "--other-functions", "SupportBT"])
    assert config_from_args(args).profile_overrides["other_functions"] == {
        *PTZ_FUNCTIONS,
        "SupportBT",
    }
