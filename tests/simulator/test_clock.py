"""The camera's clock: set, moved, back to its epoch at a reboot; what each time carries."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from simulator import CameraSimulator

from .conftest import Connect, StartCamera
from .raw_client import ALARM_INFO, ALARM_SET, FILE_QUERY, TIME_QUERY, RawClient, file_query_body

EPOCH = datetime(2000, 1, 1)
TIME_SETTING = 1450


def assert_reads(camera: CameraSimulator, moment: datetime) -> None:
    """The clock reads `moment`, give or take the second or two a test takes."""
    assert abs((camera.now() - moment).total_seconds()) <= 2


async def camera_time(client: RawClient) -> datetime:
    reply = await client.request(TIME_QUERY, {"Name": "OPTimeQuery"})
    return datetime.strptime(reply["OPTimeQuery"], "%Y-%m-%d %H:%M:%S")


async def test_set_clock_runs_on_and_is_answered(camera: CameraSimulator, connect: Connect) -> None:
    camera.set_clock(datetime(2031, 5, 6, 7, 8, 9))
    assert_reads(camera, datetime(2031, 5, 6, 7, 8, 9))
    client = await connect(camera, login=True)
    answered = await camera_time(client)
    assert abs((answered - datetime(2031, 5, 6, 7, 8, 9)).total_seconds()) <= 2


async def test_shift_clock_moves_by_seconds(camera: CameraSimulator) -> None:
    before = camera.now()
    camera.shift_clock(-3600)
    assert_reads(camera, before - timedelta(hours=1))
    camera.shift_clock(7200.5)
    assert_reads(camera, before + timedelta(hours=1))
    with pytest.raises(TypeError):
        camera.shift_clock("an hour")  # type: ignore[arg-type]


async def test_pushes_carry_the_clock_history_keeps_its_stamp(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    first = await camera.raise_alarm()
    await client.expect(ALARM_INFO)
    camera.set_clock(EPOCH)
    second = await camera.raise_alarm()
    push = (await client.expect(ALARM_INFO)).json()
    assert push["AlarmInfo"]["StartTime"].startswith("2000-01-01 ")
    assert second.time.year == 2000
    # The recording made before the clock moved keeps its time and name.
    assert first.clip is not None
    assert first.clip.begin == first.time
    reply = await client.request(
        FILE_QUERY, file_query_body("2000-01-01 00:00:00", "2099-12-31 23:59:59")
    )
    begins = sorted(entry["BeginTime"] for entry in reply["OPFileQuery"])
    assert begins == sorted([first.start_time, second.start_time])


async def test_reboot_brings_the_clock_back_to_its_epoch(start_camera: StartCamera) -> None:
    camera = await start_camera(clock_epoch=EPOCH)
    assert camera.now().year > 2000
    await camera.inject_fault("reboot", 0.1)
    assert_reads(camera, EPOCH)
    await camera.wait_for(lambda: camera.fault is None)
    assert_reads(camera, EPOCH)


async def test_reboot_without_epoch_keeps_the_clock(camera: CameraSimulator) -> None:
    before = camera.now()
    await camera.inject_fault("reboot", 0.1)
    assert_reads(camera, before)


async def test_op_time_setting_sets_the_clock(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(
        TIME_SETTING,
        {
            "Name": "OPTimeSetting",
            "OPTimeSetting": "2024-02-29 12:00:00",
            "SessionID": client.session_text(),
        },
    )
    assert reply["Ret"] == 100
    assert_reads(camera, datetime(2024, 2, 29, 12))
    bad = await client.request(TIME_SETTING, {"Name": "OPTimeSetting", "OPTimeSetting": "soon"})
    assert bad["Ret"] == 103
    assert_reads(camera, datetime(2024, 2, 29, 12))


async def test_the_clock_epoch_quirk_reboots_to_2000(start_camera: StartCamera) -> None:
    camera = await start_camera(quirks=("clock-epoch",))
    assert camera.now().year > 2000
    await camera.inject_fault("reboot", 0.1)
    assert_reads(camera, EPOCH)


async def test_an_alarm_after_the_clock_moved_back_records_a_file_of_its_own(
    camera: CameraSimulator,
) -> None:
    first = await camera.raise_alarm()
    again = await camera.raise_alarm(time=first.time)
    # While the recording goes on, a new alarm extends it.
    assert again.clip is first.clip
    camera.shift_clock(-20)
    # The clock came round to a second the earlier recording holds: that file was closed
    # when the clock moved, so this alarm is recorded in a file of its own.
    later = await camera.raise_alarm(time=first.time)
    assert later.clip is not None
    assert first.clip is not None
    assert later.clip is not first.clip
    assert later.clip.file_name != first.clip.file_name
    assert later.clip.begin == first.clip.begin
