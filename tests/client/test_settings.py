"""The client's detection settings, storage and reboot, against the simulated camera."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.dvrip.client import (
    Detection,
    DvripCommandError,
    StorageState,
    StorageStatus,
    detection_enabled,
    parse_overwrite,
    parse_storage_info,
    read_detection,
    read_storage,
    reboot,
    section_name,
    write_detection,
)
from simulator.quirks import Quirk
from tests.simulator_fixtures import StartCamera

type OpenClient = Callable[..., Any]


def test_section_names() -> None:
    assert section_name(Detection.MOTION, 0) == "Detect.MotionDetect.[0]"
    assert section_name(Detection.HUMAN, 3) == "Detect.HumanDetection.[3]"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"Enable": True}, True),
        ({"Enable": False}, False),
        ({"Enable": "false"}, False),
        ({"Enable": 0}, False),
        ({"Level": 3}, None),
        ([{"Enable": True}], None),
        (None, None),
    ],
)
def test_detection_enabled(section: object, expected: bool | None) -> None:
    assert detection_enabled(section) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # A card, sizes in MiB as hex (python-dvr solarcam.py get_storage()).
        (
            [
                {
                    "PartNumber": 1,
                    "Partition": [
                        {"TotalSpace": "0x0000EE6B", "RemainSpace": "0x00001D4C", "Status": 0}
                    ],
                }
            ],
            StorageStatus(0xEE6B, 0x1D4C, failing=False),
        ),
        # Two disks of a recorder, the second failing; empty slots beyond PartNumber.
        (
            [
                {
                    "PartNumber": 1,
                    "Partition": [
                        {"TotalSpace": "0x100", "RemainSpace": "0x80"},
                        {"TotalSpace": "0x999"},
                    ],
                },
                {
                    "PartNumber": 1,
                    "Partition": [{"TotalSpace": 512, "RemainSpace": 0, "Status": 1}],
                },
            ],
            StorageStatus(768, 128, failing=True),
        ),
        # No card: an empty slot, or nothing at all.
        (
            [{"PartNumber": 0, "Partition": [{"TotalSpace": "0x0", "RemainSpace": "0x0"}]}],
            StorageStatus(0, 0, failing=False),
        ),
        ([], StorageStatus(0, 0, failing=False)),
        ("junk", StorageStatus(0, 0, failing=False)),
    ],
)
def test_parse_storage_info(value: object, expected: StorageStatus) -> None:
    assert parse_storage_info(value) == expected


@pytest.mark.parametrize(
    ("status", "state", "stops"),
    [
        (StorageStatus(1000, 500, failing=False), StorageState.OK, False),
        (StorageStatus(0, 0, failing=False), StorageState.MISSING, False),
        (StorageStatus(1000, 5, failing=False, overwrite=False), StorageState.FULL, True),
        (StorageStatus(1000, 5, failing=False, overwrite=True), StorageState.FULL, False),
        (StorageStatus(1000, 5, failing=False, overwrite=None), StorageState.FULL, False),
        (StorageStatus(1000, 0, failing=True), StorageState.FAILING, False),
    ],
)
def test_storage_state(status: StorageStatus, state: StorageState, stops: bool) -> None:
    assert status.state is state
    assert status.stops_recording is stops


@pytest.mark.parametrize(
    ("general", "expected"),
    [
        ({"OverWrite": "OverWrite"}, True),
        ({"General": {"OverWrite": "StopRecord"}}, False),
        ({"MachineName": "x"}, None),
        (None, None),
    ],
)
def test_parse_overwrite(general: object, expected: bool | None) -> None:
    assert parse_overwrite(general) is expected


@pytest.mark.parametrize("quirks", [(), (Quirk.CONFIG_SILENT_LARGE.value,)])
async def test_switch_one_channels_detection(
    start_camera: StartCamera, open_client: OpenClient, quirks: tuple[str, ...]
) -> None:
    camera = await start_camera(profile="nvr", quirks=quirks)
    client = await open_client(camera)
    await write_detection(client, Detection.MOTION, 1, enabled=False)
    assert not camera.motion_detection(1).enabled
    assert camera.motion_detection(0).enabled
    section = await read_detection(client, Detection.MOTION, 1)
    assert detection_enabled(section) is False
    # The rest of the section is written back as it was read.
    assert section["EventHandler"]["MessageEnable"] is True


async def test_human_detection(start_camera: StartCamera, open_client: OpenClient) -> None:
    camera = await start_camera(profile="icsee")
    client = await open_client(camera)
    assert detection_enabled(await read_detection(client, Detection.HUMAN, 0)) is True
    await write_detection(client, Detection.HUMAN, 0, enabled=False)
    assert camera.detection.human_detection(0) is False


async def test_a_camera_without_human_detection(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="ipc")
    client = await open_client(camera)
    assert await read_detection(client, Detection.HUMAN, 0) is None
    with pytest.raises(DvripCommandError) as caught:
        await write_detection(client, Detection.HUMAN, 0, enabled=True)
    assert caught.value.ret == 607


async def test_a_refused_write(start_camera: StartCamera, open_client: OpenClient) -> None:
    camera = await start_camera()
    camera.detection.set_writes("refuse")
    client = await open_client(camera)
    with pytest.raises(DvripCommandError) as caught:
        await write_detection(client, Detection.MOTION, 0, enabled=False)
    assert caught.value.ret == 107
    assert camera.motion_detection(0).enabled


@pytest.mark.parametrize(
    ("card", "overwrite", "state", "stops"),
    [
        ("ok", True, StorageState.OK, False),
        ("missing", True, StorageState.MISSING, False),
        ("full", False, StorageState.FULL, True),
        ("full", True, StorageState.FULL, False),
        ("failing", True, StorageState.FAILING, False),
    ],
)
async def test_read_storage(
    start_camera: StartCamera,
    open_client: OpenClient,
    card: str,
    overwrite: bool,
    state: StorageState,
    stops: bool,
) -> None:
    camera = await start_camera()
    camera.storage.set(card, overwrite)
    client = await open_client(camera)
    status = await read_storage(client)
    assert status.state is state
    assert status.stops_recording is stops


async def test_reboot(start_camera: StartCamera, open_client: OpenClient) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    await reboot(client)
    await camera.wait_for(lambda: camera.stats.reboots == 1)
