"""The client against the simulated camera over real TCP, under every device profile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from custom_components.dvrip.client import (
    Alarm,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripTimeoutError,
    DvripUnsupportedError,
    FileType,
    RecordEvent,
    RecordFile,
)
from simulator import CameraSimulator, EndMarker
from simulator.media import PictureKind
from tests.simulator_fixtures import PASSWORD

PROFILES = ["ipc", "nvr", "h265", "nopush", "legacy"]

type StartCamera = Callable[..., Any]


class _MemorySink:
    def __init__(self) -> None:
        self.data = bytearray()
        self.started = asyncio.Event()

    async def write(self, data: bytes) -> None:
        self.data += data
        self.started.set()


async def _record_of(client: DvripClient, camera: CameraSimulator, entry: Any) -> RecordFile:
    file_type = FileType.VIDEO if entry.record_type.value == "h264" else FileType.PICTURE
    files = await client.query_files(
        entry.begin - timedelta(seconds=1),
        entry.end + timedelta(seconds=1),
        channel=entry.channel,
        file_type=file_type,
    )
    return next(record for record in files if record.name == entry.file_name)


@pytest.mark.parametrize("profile", PROFILES)
async def test_login_and_device_info(
    start_camera: StartCamera, open_client: StartCamera, profile: str
) -> None:
    camera = await start_camera(profile=profile, serial="SIM0001")
    client = await open_client(camera)
    info = await client.get_device_info()
    assert info.serial == "SIM0001"
    assert info.model
    assert info.firmware
    assert info.channels == camera.channels
    assert client.connected
    assert client.alive_interval == 20


async def test_wrong_password_then_lockout(start_camera: StartCamera) -> None:
    camera = await start_camera(max_login_failures=2, lockout_seconds=60)
    wrong = DvripClient(camera.host, camera.port, "admin", "nope", timeout=3.0)
    with pytest.raises(DvripAuthError) as first:
        await wrong.connect()
    assert not first.value.locked
    with pytest.raises(DvripAuthError):
        await wrong.connect()
    right = DvripClient(camera.host, camera.port, "admin", PASSWORD, timeout=3.0)
    with pytest.raises(DvripAuthError) as locked:
        await right.connect()
    assert locked.value.locked
    assert locked.value.ret == 205


async def test_encrypted_login_firmware_is_reported(start_camera: StartCamera) -> None:
    camera = await start_camera(profile="encrypted")
    with pytest.raises(DvripUnsupportedError):
        await DvripClient(camera.host, camera.port, "admin", PASSWORD, timeout=3.0).connect()


async def test_camera_clock_with_offset_and_zone(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera(timezone="Asia/Shanghai", clock_offset=timedelta(minutes=-7))
    client = await open_client(camera)
    camera_time = await client.get_time()
    assert abs(camera_time - camera.now()) < timedelta(seconds=5)


async def test_set_the_camera_clock(start_camera: StartCamera, open_client: StartCamera) -> None:
    camera = await start_camera(clock_offset=timedelta(days=-9000))
    client = await open_client(camera)
    await client.set_time(datetime(2026, 3, 29, 2, 30, 0))
    assert abs(camera.now() - datetime(2026, 3, 29, 2, 30, 0)) < timedelta(seconds=2)
    assert abs(await client.get_time() - datetime(2026, 3, 29, 2, 30, 0)) < timedelta(seconds=2)


async def test_motion_detection_config(start_camera: StartCamera, open_client: StartCamera) -> None:
    camera = await start_camera(profile="nvr")
    camera.set_motion_detection(False, channel=1)
    client = await open_client(camera)
    config = await client.get_config("Detect.MotionDetect")
    assert [channel["Enable"] for channel in config] == [True, False]
    with pytest.raises(DvripCommandError):
        await client.get_config("No.Such.Config")


@pytest.mark.parametrize("profile", ["ipc", "nvr", "legacy"])
async def test_pushed_alarm_arrives_typed(
    start_camera: StartCamera, open_client: StartCamera, profile: str
) -> None:
    camera = await start_camera(profile=profile)
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    channel = camera.channels - 1
    record = await camera.raise_alarm(channel=channel, event="HumanDetect", status="Start")
    async with asyncio.timeout(3):
        alarm = await alarms.get()
    assert alarm == Alarm(channel, "HumanDetect", "Start", record.time)
    assert alarm.is_start
    await camera.raise_alarm(channel=channel, event="HumanDetect", status="Stop")
    async with asyncio.timeout(3):
        stop = await alarms.get()
    assert not stop.is_start


async def test_pushes_interleave_with_replies(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera()
    camera.seed_history(1, interval=timedelta(minutes=30))
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    # The window ends before the storm, whose alarms add history of their own.
    now = camera.now() - timedelta(minutes=1)

    async def alarm_storm() -> None:
        for _ in range(20):
            await camera.raise_alarm(event="VideoMotion", status="Start")

    queries = [client.query_files(now - timedelta(days=2), now) for _ in range(5)]
    results = await asyncio.gather(alarm_storm(), *queries)
    async with asyncio.timeout(3):
        for _ in range(20):
            await alarms.get()
    assert results[1]
    assert all(files == results[1] for files in results[1:])


@pytest.mark.parametrize("profile", ["ipc", "legacy"])
async def test_file_query_pages_past_64_entries(
    start_camera: StartCamera, open_client: StartCamera, profile: str
) -> None:
    camera = await start_camera(profile=profile)
    base = camera.now().replace(microsecond=0) - timedelta(days=1)
    for minute in range(150):
        camera.add_history(base + timedelta(minutes=minute), picture=minute % 2 == 0)
    client = await open_client(camera)
    clips = await client.query_files(base, base + timedelta(hours=3))
    pictures = await client.query_files(base, base + timedelta(hours=3), file_type=FileType.PICTURE)
    assert len(clips) == 150
    assert len({clip.name for clip in clips}) == 150
    assert clips == sorted(clips, key=lambda clip: clip.begin)
    assert all(clip.event is RecordEvent.MOTION for clip in clips)
    assert len(pictures) == 75
    nothing = await client.query_files(base - timedelta(days=3), base - timedelta(days=2))
    assert nothing == []


@pytest.mark.parametrize(
    ("profile", "overrides", "sockets"),
    [
        ("ipc", {}, 2),
        ("ipc", {"end_marker": EndMarker.END_FLAG, "json_before_data": False}, 2),
        ("nvr", {}, 1),
        ("legacy", {}, 2),
        ("h265", {"two_socket_download": False, "end_marker": EndMarker.BOTH}, 1),
    ],
)
async def test_download_matches_the_recorded_file(
    start_camera: StartCamera,
    open_client: StartCamera,
    tmp_path: Path,
    profile: str,
    overrides: dict[str, Any],
    sockets: int,
) -> None:
    camera = await start_camera(profile=profile, profile_overrides=overrides)
    [clip] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    client = await open_client(camera)
    record = await _record_of(client, camera, clip)
    target = tmp_path / "clip.bin"
    result = await client.download(record, target)
    expected = await clip.media()
    assert target.read_bytes() == expected
    assert result.bytes_received == len(expected)
    assert result.sockets == sockets
    # The choice is remembered: a second download goes the same way, without a detour.
    sink = _MemorySink()
    again = await client.download(record, sink)
    assert bytes(sink.data) == expected
    assert again.sockets == sockets


async def test_placeholder_downloads_as_nothing(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera()
    entries = camera.add_history(
        camera.now() - timedelta(hours=1), video=False, picture_kind=PictureKind.PLACEHOLDER
    )
    client = await open_client(camera)
    record = await _record_of(client, camera, entries[0])
    sink = _MemorySink()
    result = await client.download(record, sink)
    assert result.bytes_received == 0
    assert sink.data == b""


async def test_unknown_file_is_refused(start_camera: StartCamera, open_client: StartCamera) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    now = camera.now()
    ghost = RecordFile("/idea0/../../etc/passwd", now, now, 1, FileType.VIDEO, RecordEvent.MOTION)
    with pytest.raises(DvripCommandError):
        await client.download(ghost, _MemorySink(), timeout=10)


async def test_slow_download_times_out_and_stops_the_transfer(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera(bandwidth=20_000)
    [clip] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    await clip.media()
    client = await open_client(camera)
    record = await _record_of(client, camera, clip)
    with pytest.raises(DvripTimeoutError):
        await client.download(record, _MemorySink(), timeout=0.5)
    await camera.wait_for(lambda: camera.stats.downloads_stopped >= 1)
    # The control connection is still good: the timeout was the download's, not a reply's.
    assert client.connected
    assert (await client.get_device_info()).serial


async def test_cancelled_download_stops_the_transfer(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera(bandwidth=20_000)
    [clip] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    client = await open_client(camera)
    record = await _record_of(client, camera, clip)
    sink = _MemorySink()
    download = asyncio.create_task(client.download(record, sink))
    async with asyncio.timeout(5):
        await sink.started.wait()
    download.cancel()
    with pytest.raises(asyncio.CancelledError):
        await download
    await camera.wait_for(lambda: camera.stats.downloads_stopped >= 1)


async def test_downloads_take_turns(start_camera: StartCamera, open_client: StartCamera) -> None:
    camera = await start_camera()
    entries = [
        camera.add_history(camera.now() - timedelta(hours=hour), picture=False)[0]
        for hour in (1, 2, 3)
    ]
    client = await open_client(camera)
    records = [await _record_of(client, camera, entry) for entry in entries]
    active = 0
    most = 0

    class CountingSink(_MemorySink):
        async def write(self, data: bytes) -> None:
            nonlocal active, most
            active += 1
            most = max(most, active)
            # Yield while "inside" the write, so an overlapping download would show.
            await asyncio.sleep(0)
            await super().write(data)
            active -= 1

    await asyncio.gather(*(client.download(record, CountingSink()) for record in records))
    assert most == 1
    assert camera.stats.downloads_completed == 3


async def test_alarms_keep_flowing_during_a_two_socket_download(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera(bandwidth=200_000)
    [clip] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    await clip.media()
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    record = await _record_of(client, camera, clip)
    sink = _MemorySink()
    download = asyncio.create_task(client.download(record, sink))
    async with asyncio.timeout(5):
        await sink.started.wait()
    await camera.raise_alarm()
    async with asyncio.timeout(3):
        await alarms.get()
    assert not download.done()
    await download


@pytest.mark.parametrize(("profile", "works"), [("ipc", True), ("nvr", False)])
async def test_snapshot(
    start_camera: StartCamera, open_client: StartCamera, profile: str, works: bool
) -> None:
    camera = await start_camera(profile=profile)
    client = await open_client(camera)
    if works:
        assert (await client.snapshot()).startswith(b"\xff\xd8")
    else:
        with pytest.raises(DvripCommandError):
            await client.snapshot()


async def _disconnected(client: DvripClient) -> asyncio.Future[DvripError | None]:
    lost: asyncio.Future[DvripError | None] = asyncio.get_running_loop().create_future()

    def on_lost(reason: DvripError | None) -> None:
        if not lost.done():
            lost.set_result(reason)

    client.add_disconnect_listener(on_lost)
    return lost


async def test_silence_is_detected_by_the_keepalive(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    """A half-open link (camera gone silent) is noticed within about two keepalive periods."""
    camera = await start_camera()
    client = await open_client(camera, keepalive_interval=0.2, timeout=0.3)
    lost = await _disconnected(client)
    await camera.inject_fault("silence", 30)
    async with asyncio.timeout(2):
        reason = await lost
    assert isinstance(reason, DvripTimeoutError)
    await camera.clear_fault()
    # The next request logs in again, and the alarm subscription is renewed with it.
    assert (await client.get_device_info()).serial
    assert client.connected


@pytest.mark.parametrize("fault", ["disconnect", "reboot"])
async def test_reconnect_after_drop_renews_the_subscription(
    start_camera: StartCamera, open_client: StartCamera, fault: str
) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    lost = await _disconnected(client)
    await camera.inject_fault(fault, 30)
    async with asyncio.timeout(3):
        assert isinstance(await lost, DvripConnectionError)
    with pytest.raises(DvripConnectionError):
        await client.connect()
    await camera.clear_fault()
    await client.connect()
    await camera.wait_for_subscribers(1)
    await camera.raise_alarm()
    async with asyncio.timeout(3):
        await alarms.get()


async def test_garbage_from_the_camera_costs_nothing(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    await camera.inject_fault("garbage")
    await camera.raise_alarm()
    async with asyncio.timeout(3):
        await alarms.get()
    assert client.connected
    assert (await client.get_time()) is not None


async def test_close_logs_out_and_leaves_nothing_running(start_camera: StartCamera) -> None:
    camera = await start_camera()
    before = asyncio.all_tasks()
    async with DvripClient(camera.host, camera.port, "admin", PASSWORD) as client:
        await client.subscribe_alarms()
        await camera.wait_for_sessions(1)
    await camera.wait_for(lambda: camera.stats.sessions == 0)
    assert not client.connected
    assert asyncio.all_tasks() <= before | {asyncio.current_task()}
    await client.close()  # closing twice is harmless


async def test_camera_times_are_naive_camera_local(
    start_camera: StartCamera, open_client: StartCamera
) -> None:
    camera = await start_camera(timezone="America/New_York")
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    record = await camera.raise_alarm()
    async with asyncio.timeout(3):
        alarm = await alarms.get()
    assert alarm.start_time == record.time
    assert isinstance(alarm.start_time, datetime)
    assert alarm.start_time.tzinfo is None


@pytest.mark.parametrize("profile", ["ipc", "nvr"])
async def test_one_socket_downloads_when_told(
    start_camera: StartCamera, open_client: StartCamera, profile: str
) -> None:
    """A known one-socket device is not probed for a second socket first."""
    camera = await start_camera(profile=profile)
    [clip] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    client = await open_client(camera, two_socket_downloads=False)
    record = await _record_of(client, camera, clip)
    connections = camera.stats.connections
    result = await client.download(record, _MemorySink())
    assert result.sockets == 1
    assert result.bytes_received == len(await clip.media())
    # No second connection was opened for the download.
    assert camera.stats.connections == connections
    assert client.two_socket_downloads is False
