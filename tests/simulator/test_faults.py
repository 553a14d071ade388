"""Faults: disconnect, silence (half-open link), garbage and reboot."""

from __future__ import annotations

import asyncio
import struct

import pytest

from simulator import CameraSimulator, FaultKind
from simulator.camera import FIRST_SESSION_ID

from .conftest import Connect
from .raw_client import ALARM_INFO, ALARM_SET, KEEPALIVE, TIME_QUERY, RawClient


async def test_disconnect_resets_and_refuses(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    await camera.inject_fault("disconnect", 60)
    assert camera.fault is FaultKind.DISCONNECT
    await client.expect_closed()
    with pytest.raises(ConnectionRefusedError):
        await RawClient.connect(camera.port)
    record = await camera.raise_alarm()
    assert record.pushed_to == 0
    assert record.clip is not None  # still recorded
    await camera.clear_fault()
    again = await connect(camera, login=True)
    assert again.session_id != 0
    assert camera.stats.sessions == 1


async def test_silence_is_a_half_open_link(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    await camera.inject_fault(FaultKind.SILENCE, 60)
    requests = camera.stats.requests
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    late = await connect(camera)  # new connections are accepted but get nothing either
    await late.send(KEEPALIVE, {"Name": "KeepAlive"})
    await camera.wait_for(lambda: camera.stats.requests == requests + 2)
    record = await camera.raise_alarm()
    assert record.pushed_to == 0
    assert record.clip is not None
    await camera.clear_fault()
    # The socket stayed open; the keepalive and the push were lost.
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []
    assert camera.stats.sessions == 1
    assert (await camera.raise_alarm()).pushed_to == 1
    assert (await client.expect(ALARM_INFO)).json()["Name"] == "AlarmInfo"


async def test_silence_ends_by_itself(camera: CameraSimulator, connect: Connect) -> None:
    await camera.inject_fault("silence", 0.1)
    await camera.wait_for(lambda: camera.fault is None)
    client = await connect(camera, login=True)
    assert client.session_id


async def test_garbage_then_carry_on(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await camera.inject_fault("garbage")
    assert camera.fault is None
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    # The reply follows the junk: find its header in the byte stream.
    marker = struct.pack("<BBxxI", 0xFF, 1, client.session_id)
    received = b""
    async with asyncio.timeout(5):
        while True:
            received += await client.reader.read(4096)
            at = received.find(marker)
            if at > 0 and len(received) >= at + 20:
                (message_id,) = struct.unpack_from("<H", received, at + 14)
                if message_id == KEEPALIVE + 1:
                    break
    assert received[0] != 0xFF
    assert camera.stats.sessions == 1


async def test_reboot_forgets_sessions(camera: CameraSimulator, connect: Connect) -> None:
    first = await connect(camera, login=True)
    second = await connect(camera, login=True)
    assert second.session_id == FIRST_SESSION_ID + 1
    await camera.inject_fault("reboot", 0.2)
    await first.expect_closed()
    assert camera.stats.sessions == 0
    with pytest.raises(ConnectionRefusedError):
        await RawClient.connect(camera.port)
    await camera.wait_for(lambda: camera.fault is None)
    client = await connect(camera, login=True)
    assert client.session_id == FIRST_SESSION_ID  # counting starts again after a reboot


async def test_fault_validation(camera: CameraSimulator) -> None:
    with pytest.raises(ValueError, match="meteor"):
        await camera.inject_fault("meteor", 1)
    with pytest.raises(ValueError, match="non-negative"):
        await camera.inject_fault("silence", -1)


async def test_new_fault_replaces_running_one(camera: CameraSimulator, connect: Connect) -> None:
    await camera.inject_fault("disconnect", 60)
    await camera.inject_fault("silence", 0)
    await camera.wait_for(lambda: camera.fault is None)
    client = await connect(camera, login=True)
    assert client.session_id
