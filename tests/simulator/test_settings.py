"""The simulated camera's detection settings, its SD card and its reboot (OPMachine)."""

from __future__ import annotations

import asyncio
from typing import Any

from dvrip import DVRIPCam  # type: ignore[import-untyped]
import pytest

from simulator import CameraSimulator
from simulator.machine import REBOOT_SECONDS

from .conftest import PASSWORD, Connect, StartCamera
from .raw_client import CONFIG_GET, CONFIG_SET, SYSTEM_INFO

OP_MACHINE = 1450


async def test_one_channels_detection_is_read_and_written(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(profile="icsee")
    client = await connect(camera, login=True)
    reply = await client.request(CONFIG_GET, {"Name": "Detect.HumanDetection.[0]"})
    section = reply["Detect.HumanDetection.[0]"]
    assert section["Enable"] is True
    name = "Detect.MotionDetect.[0]"
    motion = (await client.request(CONFIG_GET, {"Name": name}))[name]
    reply = await client.request(CONFIG_SET, {"Name": name, name: {**motion, "Enable": False}})
    assert reply["Ret"] == 100
    assert not camera.motion_detection(0).enabled
    human = "Detect.HumanDetection.[0]"
    reply = await client.request(CONFIG_SET, {"Name": human, human: {**section, "Enable": False}})
    assert reply["Ret"] == 100
    assert camera.detection.human_detection(0) is False


async def test_human_detection_is_unknown_without_its_ability(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(CONFIG_GET, {"Name": "Detect.HumanDetection.[0]"})
    assert reply["Ret"] == 607


@pytest.mark.parametrize(
    ("writes", "ret", "enabled"), [("refuse", 107, True), ("ignore", 100, True)]
)
async def test_detection_write_faults(
    camera: CameraSimulator, connect: Connect, writes: str, ret: int, enabled: bool
) -> None:
    camera.detection.set_writes(writes)
    client = await connect(camera, login=True)
    name = "Detect.MotionDetect.[0]"
    reply = await client.request(CONFIG_SET, {"Name": name, name: {"Enable": False}})
    assert reply["Ret"] == ret
    assert camera.motion_detection(0).enabled is enabled


@pytest.mark.parametrize(
    ("state", "overwrite", "total", "free", "status", "setting"),
    [
        ("ok", True, "0x0000EE6B", "0x00001D4C", 0, "OverWrite"),
        ("missing", True, "0x00000000", "0x00000000", 0, "OverWrite"),
        ("full", False, "0x0000EE6B", "0x00000000", 0, "StopRecord"),
        ("failing", True, "0x0000EE6B", "0x00001D4C", 1, "OverWrite"),
    ],
)
async def test_storage_info_plays_the_cards_state(
    camera: CameraSimulator,
    connect: Connect,
    state: str,
    overwrite: bool,
    total: str,
    free: str,
    status: int,
    setting: str,
) -> None:
    camera.storage.set(state, overwrite)
    client = await connect(camera, login=True)
    reply = await client.request(SYSTEM_INFO, {"Name": "StorageInfo"})
    [disk] = reply["StorageInfo"]
    [partition] = disk["Partition"]
    assert (partition["TotalSpace"], partition["RemainSpace"]) == (total, free)
    assert partition["Status"] == status
    general = await client.request(CONFIG_GET, {"Name": "General.General"})
    assert general["General.General"]["OverWrite"] == setting


async def test_op_machine_reboots_after_its_answer(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(
        OP_MACHINE, {"Name": "OPMachine", "OPMachine": {"Action": "Reboot"}}
    )
    assert reply["Ret"] == 100
    await camera.wait_for(lambda: camera.stats.reboots == 1)
    await client.expect_closed()
    await camera.wait_for(lambda: camera.fault is None, timeout=REBOOT_SECONDS + 5)
    again = await connect(camera, login=True)
    assert again.session_id


async def test_python_dvr_reboots_the_camera_and_reads_its_settings(
    start_camera: StartCamera,
) -> None:
    camera = await start_camera(profile="ipc")
    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password=PASSWORD)

    def use() -> tuple[Any, Any]:
        try:
            cam.connect(timeout=2)
            assert cam.login()
            motion = cam.get_info("Detect.MotionDetect.[0]")
            cam.set_info("Detect.MotionDetect.[0]", {**motion, "Enable": False})
            storage = cam.send(SYSTEM_INFO, {"Name": "StorageInfo"})
            cam.reboot()
            return motion, storage
        finally:
            cam.close()
            if cam.alive is not None:
                cam.alive.join(10)

    motion, storage = await asyncio.to_thread(use)
    assert motion["Enable"] is True
    assert not camera.motion_detection(0).enabled
    assert storage["StorageInfo"][0]["Partition"][0]["TotalSpace"] == "0x0000EE6B"
    await camera.wait_for(lambda: camera.stats.reboots == 1)
