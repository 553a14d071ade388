"""Faults: disconnect, silence, reboot, and the ones that happen once (garbage, logout...)."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

import pytest

from simulator import CameraSimulator, FaultKind
from simulator.camera import FIRST_SESSION_ID, HUGE_LENGTH
from tests.simulator_fixtures import PASSWORD

from .conftest import Connect
from .raw_client import (
    ALARM_INFO,
    ALARM_SET,
    CLAIM,
    DOWNLOAD_DATA,
    FILE_QUERY,
    KEEPALIVE,
    PLAYBACK,
    TIME_QUERY,
    RawClient,
    file_query_body,
    playback_body,
)

FORCED_LOGOUT = 1004
ALARM_CENTER = 1508


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_disconnect_resets_and_refuses(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    await camera.inject_fault("disconnect", 60)
    assert camera.fault is FaultKind.DISCONNECT
    await client.expect_closed()
    # A new connection is reset before the camera reads a byte of it.
    refused = await RawClient.connect(camera.port)
    await refused.expect_closed()
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
    # A new connection is reset before the camera reads a byte of it.
    refused = await RawClient.connect(camera.port)
    await refused.expect_closed()
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


# -- faults that happen once -------------------------------------------------------------


async def test_huge_length_announces_four_gigabytes(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    await camera.inject_fault("huge_length")
    assert camera.fault is None
    header = await client.reader.readexactly(20)
    _magic, _version, session, _seq, _b12, _b13, message_id, length = struct.unpack(
        "<BBxxIIBBHI", header
    )
    assert (message_id, session, length) == (ALARM_INFO, client.session_id, HUGE_LENGTH)
    # A little junk follows, not 4 GiB; the connection carries on.
    assert len(await client.reader.readexactly(64)) == 64
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100


async def test_invalid_json_corrupts_the_next_json_packet(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    await camera.inject_fault("invalid_json")
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    garbled = await client.expect(KEEPALIVE + 1)
    with pytest.raises(ValueError):  # noqa: PT011 - json.JSONDecodeError or UnicodeDecodeError
        garbled.json()
    assert (await client.request(KEEPALIVE, {"Name": "KeepAlive"}))["Ret"] == 100
    # corrupt_json picks a message id: other messages pass untouched.
    await client.request(ALARM_SET, {"Name": ""})
    assert camera.corrupt_json(ALARM_INFO) == 1
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    await camera.raise_alarm()
    with pytest.raises(ValueError):  # noqa: PT011
        (await client.expect(ALARM_INFO)).json()


async def test_wrong_session_marks_the_next_push(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    await camera.inject_fault("wrong_session")
    await camera.raise_alarm()
    foreign = await client.expect(ALARM_INFO)
    assert foreign.session_id == client.session_id + 0x100
    assert foreign.json()["SessionID"] == f"0x{client.session_id + 0x100:08X}"
    await camera.raise_alarm()
    assert (await client.expect(ALARM_INFO)).session_id == client.session_id


async def test_logout_sends_1004_and_closes(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    idle = await connect(camera)  # not logged in: left alone
    await camera.inject_fault("logout")
    assert (await client.expect(FORCED_LOGOUT)).session_id == client.session_id
    await client.expect_closed()
    assert camera.stats.sessions == 0
    await idle.send(KEEPALIVE, {"Name": "KeepAlive"})
    assert camera.stats.open_connections == 1


async def test_cut_download_resets_the_data_socket_halfway(
    camera: CameraSimulator, connect: Connect
) -> None:
    control = await connect(camera, login=True)
    record = await camera.raise_alarm()
    assert record.clip is not None
    entry = record.clip.to_json()
    size = len(await record.clip.media())
    await camera.inject_fault("cut_download")
    await control.send(CLAIM, playback_body("Claim", entry))
    await control.expect(CLAIM + 1)
    await control.send(PLAYBACK, playback_body("DownloadStart", entry))
    received: list[bytes] = []

    async def read_until_reset() -> None:
        while True:
            message = await control.read_message()
            if message.message_id == DOWNLOAD_DATA:
                received.append(message.payload)

    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        await read_until_reset()
    assert 0 < len(b"".join(received)) <= size // 2
    assert camera.stats.downloads_completed == 0
    # Only the next transfer is cut.
    assert camera.take_download_cut() is False


async def test_reply_delays(camera: CameraSimulator, connect: Connect) -> None:
    """Delays by message id and count; the HA tests see them hold answers back."""
    client = await connect(camera, login=True)
    camera.delay_replies(0.2, message_id=TIME_QUERY, count=1)
    # Another message id is not held back, nor does it use the delay up.
    assert (await client.request(KEEPALIVE, {"Name": "KeepAlive"}))["Ret"] == 100
    assert camera.reply_delay(TIME_QUERY) == 0.2  # used up by this lookup
    assert camera.reply_delay(TIME_QUERY) == 0.0
    camera.delay_replies(0.05)
    assert camera.reply_delay(KEEPALIVE) == 0.05
    camera.delay_replies(0)
    assert camera.reply_delay(KEEPALIVE) == 0.0
    with pytest.raises(ValueError, match="non-negative"):
        camera.delay_replies(-1)
    with pytest.raises(TypeError, match="count"):
        camera.delay_replies(1, count="x")  # type: ignore[arg-type]


async def test_alarm_centre_messages(start_camera: Any) -> None:
    """Each alarm is sent to the alarm centre as one 1508 message on a new connection."""
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def centre(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.put_nowait(await reader.read())
        writer.close()

    server = await asyncio.start_server(centre, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        camera = await start_camera(
            profile="nopush", alarm_centre_host="127.0.0.1", alarm_centre_port=port
        )
        record = await camera.raise_alarm(event="HumanDetect")
        async with asyncio.timeout(5):
            data = await received.get()
        _magic, _version, _session, _seq, _b12, _b13, message_id, length = struct.unpack(
            "<BBxxIIBBHI", data[:20]
        )
        assert message_id == ALARM_CENTER
        payload = data[20 : 20 + length]
        assert payload.endswith(b"}\n")
        body = json.loads(payload)
        assert body == {
            "Address": "0x0100007F",
            "Channel": 0,
            "Descrip": "",
            "Event": "HumanDetect",
            "SerialID": camera.config.serial,
            "StartTime": record.start_time,
            "Status": "Start",
            "Type": "Alarm",
        }
        assert camera.stats.alarm_centre_sent == 1
        camera.set_alarm_centre(None)
        await camera.raise_alarm()
        assert camera.stats.alarm_centre_sent == 1
    finally:
        server.close()
        await server.wait_closed()


async def test_alarm_centre_unreachable(start_camera: Any) -> None:
    camera = await start_camera(alarm_centre_host="127.0.0.1", alarm_centre_port=closed_port())
    record = await camera.raise_alarm()
    assert record.clip is not None
    assert camera.stats.alarm_centre_sent == 0
    with pytest.raises(ValueError, match="port"):
        camera.set_alarm_centre("127.0.0.1", 0)
    with pytest.raises(ValueError, match="host"):
        camera.set_alarm_centre("", 15002)


async def test_a_connection_counts_while_its_socket_is_open(start_camera: Any) -> None:
    """A busy recorder works on a slow search on two connections. One whose client shuts its
    socket meanwhile still counts (the device reads the end only once it is done); a cut
    resets both, and they are gone at once, the device still busy.
    """
    camera = await start_camera(quirks=("slow-search",), search_delay=30.0)
    shut = await RawClient.connect(camera.port)
    await shut.login(PASSWORD)
    reset = await RawClient.connect(camera.port)
    await reset.login(PASSWORD)
    for client in (shut, reset):
        asked = camera.stats.requests
        await client.send(FILE_QUERY, file_query_body("2000-01-01 00:00:00", "2099-12-31 23:59:59"))
        await camera.wait_for(lambda asked=asked: camera.stats.requests > asked)
    await shut.close()
    assert camera.stats.open_connections == 2
    await camera.inject_fault("disconnect", 0.1)
    assert camera.stats.open_connections == 0
    assert camera.stats.peak_connections == 2
