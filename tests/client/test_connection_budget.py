"""At most two connections to a device: the session, and one that stills and downloads share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from custom_components.dvrip.client import (
    Alarm,
    DvripAuthError,
    DvripBusyError,
    DvripClient,
    LoginRefusal,
    RecordFile,
)
from simulator import CameraSimulator
from tests.simulator_fixtures import PASSWORD

type StartCamera = Callable[..., Any]
type OpenClient = Callable[..., Any]


class _GatedSink:
    """Takes a download's data only once opened: the download stays running until then."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.size = 0

    async def write(self, data: bytes) -> None:
        self.started.set()
        await self.gate.wait()
        self.size += len(data)


async def _clip(client: DvripClient, camera: CameraSimulator) -> RecordFile:
    [entry] = camera.add_history(camera.now() - timedelta(hours=1), picture=False)
    await entry.media()
    [record] = await client.query_files(
        entry.begin - timedelta(seconds=1), entry.end + timedelta(seconds=1)
    )
    return record


async def test_stills_share_one_login(start_camera: StartCamera, open_client: OpenClient) -> None:
    """Stills one after another and side by side: one login beside the session, kept."""
    camera = await start_camera(alive_interval=20)
    client = await open_client(camera)
    for _ in range(3):
        assert (await client.snapshot()).startswith(b"\xff\xd8")
    stills = await asyncio.gather(*(client.snapshot(channel=0) for _ in range(3)))
    assert all(still.startswith(b"\xff\xd8") for still in stills)
    stats = camera.stats
    assert stats.snapshots == 6
    assert stats.logins == 2
    assert stats.sessions == 2
    assert stats.peak_connections == 2


async def test_the_extra_login_is_logged_out_when_idle(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(alive_interval=20)
    client = await open_client(camera, idle_logout=0.05)
    await client.snapshot()
    await camera.wait_for(lambda: camera.stats.open_connections == 1)
    assert camera.stats.sessions == 1
    assert client.connected
    # The next still logs in again.
    await client.snapshot()
    assert camera.stats.logins == 3


async def test_a_kept_login_lasts_no_longer_than_the_alive_interval(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    """It gets no keepalives: it is gone before the device would miss one."""
    camera = await start_camera(alive_interval=1)
    client = await open_client(camera, idle_logout=600)
    await client.snapshot()
    await camera.wait_for(lambda: camera.stats.open_connections == 1, timeout=3)
    assert camera.stats.sessions == 1


async def test_a_still_waits_for_a_two_socket_download(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(alive_interval=20)
    client = await open_client(camera)
    record = await _clip(client, camera)
    sink = _GatedSink()
    download = asyncio.create_task(client.download(record, sink))
    async with asyncio.timeout(5):
        await sink.started.wait()
    assert camera.stats.open_connections == 2  # the session and the data socket
    still = asyncio.create_task(client.snapshot())
    # Bounded look, not a wait for anything: the still does not come while data flows.
    await asyncio.wait({still}, timeout=0.5)
    assert not still.done()
    assert camera.stats.snapshots == 0
    sink.gate.set()
    result = await download
    assert result.sockets == 2
    assert (await still).startswith(b"\xff\xd8")
    assert camera.stats.peak_connections == 2


async def test_a_still_gives_up_on_a_download_that_takes_too_long(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    """It waits no longer than a request does, and says the device is busy."""
    camera = await start_camera(alive_interval=20)
    client = await open_client(camera, timeout=0.3)
    record = await _clip(client, camera)
    sink = _GatedSink()
    download = asyncio.create_task(client.download(record, sink))
    async with asyncio.timeout(5):
        await sink.started.wait()
    with pytest.raises(DvripBusyError):
        await client.snapshot()
    assert camera.stats.snapshots == 0
    sink.gate.set()
    await download
    assert camera.stats.peak_connections == 2


async def test_a_kept_login_steps_aside_for_a_download(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(alive_interval=20)
    client = await open_client(camera)
    await client.snapshot()
    assert camera.stats.sessions == 2
    record = await _clip(client, camera)
    sink = _GatedSink()
    download = asyncio.create_task(client.download(record, sink))
    async with asyncio.timeout(5):
        await sink.started.wait()
    assert camera.stats.sessions == 1
    assert camera.stats.open_connections == 2
    sink.gate.set()
    await download
    assert camera.stats.peak_connections == 2
    # The still after it logs in again.
    assert (await client.snapshot()).startswith(b"\xff\xd8")
    assert camera.stats.logins == 3


async def test_close_logs_the_kept_login_out(start_camera: StartCamera) -> None:
    camera = await start_camera(alive_interval=20)
    before = asyncio.all_tasks()
    async with DvripClient(camera.host, camera.port, "admin", PASSWORD) as client:
        await client.snapshot()
        assert camera.stats.sessions == 2
    await camera.wait_for(lambda: camera.stats.open_connections == 0)
    assert camera.stats.sessions == 0
    assert asyncio.all_tasks() <= before | {asyncio.current_task()}


async def test_a_device_refusing_a_second_login_keeps_the_session(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    """Ret 207 for the still's login: the still fails, the session and its alarms stay."""
    camera = await start_camera(quirks=("login-207",))
    client = await open_client(camera)
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    await client.subscribe_alarms()
    with pytest.raises(DvripAuthError) as refused:
        await client.snapshot()
    assert refused.value.refusal is LoginRefusal.SESSION_REFUSED
    await camera.raise_alarm()
    async with asyncio.timeout(3):
        await alarms.get()
    assert client.connected
    assert camera.stats.peak_connections == 2
