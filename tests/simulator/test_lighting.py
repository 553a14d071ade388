"""The simulated siren, white light and day/night mode: on the wire, through python-dvr and
the control API.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from dvrip import DVRIPCam  # type: ignore[import-untyped]

from simulator.__main__ import build_parser, config_from_args
from simulator.profiles import get_profile

from .conftest import PASSWORD, Connect, StartCamera
from .raw_client import ABILITY, CONFIG_GET, CONFIG_SET

REMOTE_CTRL = 4000


def _siren(msg: str) -> dict[str, Any]:
    return {
        "Name": "OPRemoteCtrl",
        "OPRemoteCtrl": {"Type": "ManuIntelAlarm", "msg": msg, "P1": "0x0", "P2": "0x0"},
    }


async def test_abilities_name_the_siren_and_the_white_light(
    start_camera: StartCamera, connect: Connect
) -> None:
    for profile, has in (("icsee", True), ("ipc", False)):
        camera = await start_camera(profile=profile)
        client = await connect(camera, login=True)
        functions = (await client.request(ABILITY, {"Name": "SystemFunction"}))["SystemFunction"]
        assert functions["AlarmFunction"]["OneKeyManulAlarm"] is has
        assert functions["AlarmFunction"]["ManuIntellAlertAlarm"] is has
        assert functions["OtherFunction"]["SupportCameraWhiteLight"] is has


async def test_the_siren_on_the_wire(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="icsee")
    client = await connect(camera, login=True)
    reply = await client.request(REMOTE_CTRL, _siren("0x00000001"))
    assert reply["Ret"] == 100
    assert camera.lighting.siren_on
    assert (await client.request(REMOTE_CTRL, _siren("0x00000007")))["Ret"] == 103
    assert (await client.request(REMOTE_CTRL, _siren("0x00000000")))["Ret"] == 100
    assert camera.lighting.siren_switches == ["on", "off"]
    # A camera without a siren refuses it.
    plain = await start_camera()
    other = await connect(plain, login=True)
    assert (await other.request(REMOTE_CTRL, _siren("0x00000001")))["Ret"] == 103
    assert plain.lighting.siren_switches == []


async def test_the_white_light_section_is_replaced_whole(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(profile="icsee")
    client = await connect(camera, login=True)
    section = (await client.request(CONFIG_GET, {"Name": "Camera.WhiteLight"}))["Camera.WhiteLight"]
    assert section["WorkMode"] == "Auto"
    assert set(section) == {"MoveTrigLight", "WorkMode", "WorkPeriod"}
    written = {**section, "WorkMode": "Intelligent"}
    reply = await client.request(
        CONFIG_SET, {"Name": "Camera.WhiteLight", "Camera.WhiteLight": written}
    )
    assert reply["Ret"] == 100
    assert camera.lighting.white_light == written
    # A mode firmware does not know is refused.
    bad = {**section, "WorkMode": "Disco"}
    reply = await client.request(
        CONFIG_SET, {"Name": "Camera.WhiteLight", "Camera.WhiteLight": bad}
    )
    assert reply["Ret"] == 103
    # A camera without the light has no such configuration.
    plain = await start_camera()
    other = await connect(plain, login=True)
    assert (await other.request(CONFIG_GET, {"Name": "Camera.WhiteLight"}))["Ret"] == 607


async def test_day_night_per_channel(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    client = await connect(camera, login=True)
    one = (await client.request(CONFIG_GET, {"Name": "Camera.Param.[1]"}))["Camera.Param.[1]"]
    assert one["DayNightColor"] == "0x00000000"
    reply = await client.request(
        CONFIG_SET,
        {"Name": "Camera.Param.[1]", "Camera.Param.[1]": {**one, "DayNightColor": "0x00000002"}},
    )
    assert reply["Ret"] == 100
    assert [camera.lighting.day_night(channel) for channel in (0, 1)] == [
        "0x00000000",
        "0x00000002",
    ]
    assert (await client.request(CONFIG_GET, {"Name": "Camera.Param.[5]"}))["Ret"] == 607


async def test_python_dvr_switches_the_light_and_the_siren(start_camera: StartCamera) -> None:
    """python-dvr's own `get_info` / `set_info` and `set_command` (OPRemoteCtrl on 4000)."""
    camera = await start_camera(profile="icsee")
    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password=PASSWORD)

    def work() -> tuple[Any, Any, Any]:
        cam.connect(timeout=2)
        assert cam.login()
        light = cam.get_info("Camera.WhiteLight")
        light["WorkMode"] = "KeepOpen"
        written = cam.set_info("Camera.WhiteLight", light)
        siren = cam.set_command(
            "OPRemoteCtrl",
            {"Type": "ManuIntelAlarm", "msg": "0x00000001", "P1": "0x0", "P2": "0x0"},
            4000,
        )
        params = cam.get_info("Camera.Param")
        return written, siren, params

    try:
        written, siren, params = await asyncio.to_thread(work)
    finally:
        await asyncio.to_thread(cam.close)
    assert written["Ret"] == 100
    assert siren["Ret"] == 100
    assert params[0]["DayNightColor"] == "0x00000000"
    assert camera.lighting.work_mode == "KeepOpen"
    assert camera.lighting.siren_on


async def test_control_api_sets_lighting(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="icsee", control_port=0)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{camera.control_port}") as http:
        async with http.post(
            "/lighting",
            json={
                "work_mode": "Close",
                "day_night": "0x00000004",
                "refused": {"siren": True},
                "keep_settings": True,
            },
        ) as response:
            assert response.status == 200
            state = await response.json()
        assert state["white_light"]["WorkMode"] == "Close"
        assert state["day_night"] == ["0x00000004"]
        assert state["refused"] == ["siren"]
        async with http.post("/lighting", json={"work_mode": "Disco"}) as response:
            assert response.status == 400
        async with http.post("/lighting", json={"refused": {"lamp": True}}) as response:
            assert response.status == 400
    client = await connect(camera, login=True)
    assert (await client.request(REMOTE_CTRL, _siren("0x00000001")))["Ret"] == 103
    # keep_settings: the write is answered with success and nothing changes.
    light = (await client.request(CONFIG_GET, {"Name": "Camera.WhiteLight"}))["Camera.WhiteLight"]
    reply = await client.request(
        CONFIG_SET,
        {"Name": "Camera.WhiteLight", "Camera.WhiteLight": {**light, "WorkMode": "KeepOpen"}},
    )
    assert reply["Ret"] == 100
    assert camera.lighting.work_mode == "Close"


def test_the_command_line_gives_a_light_and_a_siren() -> None:
    args = build_parser().parse_args(
        ["--white-light", "--alarm-functions", "MotionDetect,OneKeyManulAlarm"]
    )
    config = config_from_args(args)
    profile = get_profile(config.profile, **config.profile_overrides)
    assert profile.white_light
    assert profile.siren
    assert not get_profile("ipc").siren
