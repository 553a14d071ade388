"""Login, sessions, keepalive and the simple queries of the simulated camera."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import struct
from zoneinfo import ZoneInfo

import pytest

from simulator import CameraSimulator, SimulatorConfig, get_profile
from simulator.camera import FIRST_SESSION_ID
from simulator.wire import (
    FramingError,
    Header,
    decode_json,
    encode_packet,
    parse_hex,
    read_packet,
    sofia_hash,
)

from .conftest import PASSWORD, Connect, StartCamera
from .raw_client import (
    CONFIG_GET,
    CONFIG_SET,
    KEEPALIVE,
    LOGIN,
    LOGOUT,
    SNAPSHOT,
    SYSTEM_INFO,
    TIME_QUERY,
    RawClient,
)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", "tlJwpbo6"),
        ("admin", "6QNMIQGe"),
        ("123456", "nTBCS19C"),
        ("tluafed", "OxhlwSG8"),
        ("ma56ter", "W6xpk6c9"),
    ],
)
def test_sofia_hash_vectors(password: str, expected: str) -> None:
    assert sofia_hash(password) == expected


def test_header_layout() -> None:
    header = Header(message_id=1504, length=0, session_id=0x1C, sequence=7, byte12=2, byte13=1)
    raw = encode_packet(header, b"{}")
    assert raw[:20] == bytes.fromhex("ff0100001c00000007000000" + "0201" + "e005" + "02000000")
    assert Header.unpack(raw[:20]).length == 2


async def test_read_packet_rejects_bad_magic_and_huge_length() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"\x00" * 20)
    with pytest.raises(FramingError):
        await read_packet(reader)
    reader = asyncio.StreamReader()
    reader.feed_data(struct.pack("<BBxxIIBBHI", 0xFF, 0, 0, 0, 0, 0, 1000, 1 << 30))
    with pytest.raises(FramingError):
        await read_packet(reader)
    reader = asyncio.StreamReader()
    reader.feed_eof()
    assert await read_packet(reader) is None


def test_lenient_json_and_hex() -> None:
    assert decode_json(b'{"Name":"a\x01b"}\n\x00') == {"Name": "ab"}
    assert decode_json('{"Name":"caf\xe9"}'.encode("latin-1")) == {"Name": "café"}
    with pytest.raises(TypeError):
        decode_json(b"[1]")
    assert parse_hex("0x1c") == 0x1C
    assert parse_hex("0x0000001C") == 0x1C
    assert parse_hex("zz") is None
    assert parse_hex(True) is None


def test_profiles_are_selectable_and_overridable() -> None:
    assert get_profile("nvr").channels == 2
    assert get_profile("ipc", channels=4).channels == 4
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("nope")
    with pytest.raises(ValueError, match="unknown profile fields"):
        get_profile("ipc", colour="red")


async def test_login_reply(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera)
    await client.send(
        LOGIN,
        {
            "EncryptType": "MD5",
            "LoginType": "DVRIP-Web",
            "PassWord": sofia_hash(PASSWORD),
            "UserName": "admin",
        },
    )
    message = await client.expect(LOGIN + 1)
    reply = message.json()
    assert message.payload.endswith(b"\n\0")
    assert message.version == 1
    # The camera's own counter, not the client's.
    assert message.sequence != 0
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    assert (await client.expect(KEEPALIVE + 1)).sequence == message.sequence + 1
    assert reply["Ret"] == 100
    assert reply["SessionID"] == f"0x{FIRST_SESSION_ID:08X}"
    assert message.session_id == FIRST_SESSION_ID
    assert reply["AliveInterval"] == 20
    assert reply["ChannelNum"] == 1
    assert reply["ExtraChannel"] == 0
    assert reply["DeviceType "] == "IPC"
    assert reply["DataUseAES"] is False
    assert camera.stats.logins == 1
    assert camera.stats.sessions == 1


async def test_second_login_same_socket_same_session(
    camera: CameraSimulator, connect: Connect
) -> None:
    first = await connect(camera)
    one = await first.login(PASSWORD)
    again = await first.login(PASSWORD)
    assert one["SessionID"] == again["SessionID"]
    other = await connect(camera)
    assert (await other.login(PASSWORD))["SessionID"] != one["SessionID"]
    assert camera.stats.sessions == 2


async def test_wrong_password_then_closed(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera)
    reply = await client.login("wrong")
    assert reply["Ret"] == 106
    await client.expect_closed()
    assert camera.stats.login_failures == 1


async def test_lockout_after_repeated_failures(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(max_login_failures=3)
    for _ in range(3):
        client = await connect(camera)
        assert (await client.login("wrong"))["Ret"] == 106
    client = await connect(camera)
    assert (await client.login(PASSWORD))["Ret"] == 205
    await client.expect_closed()
    # Another user is not locked.
    camera.set_password("viewer", "pw")
    client = await connect(camera)
    assert (await client.login("pw", user="viewer"))["Ret"] == 100


async def test_lock_expires(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(max_login_failures=1, lockout_seconds=0)
    client = await connect(camera)
    assert (await client.login("wrong"))["Ret"] == 106
    client = await connect(camera)
    assert (await client.login(PASSWORD))["Ret"] == 100


async def test_set_password(camera: CameraSimulator, connect: Connect) -> None:
    camera.set_password("admin", "new")
    client = await connect(camera)
    assert (await client.login(PASSWORD))["Ret"] == 106
    client = await connect(camera)
    assert (await client.login("new"))["Ret"] == 100


async def test_encrypted_firmware_signal(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="encrypted")
    client = await connect(camera)
    reply = await client.login(PASSWORD)
    assert reply["Ret"] == 102
    assert reply["EncryptType"] == "RSA"
    assert reply["DataUseAES"] is True
    await client.expect_closed()
    assert camera.stats.sessions == 0


async def test_no_reply_before_login(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera)
    await client.send(SYSTEM_INFO, {"Name": "SystemInfo"})
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    assert (await client.login(PASSWORD))["Ret"] == 100
    assert client.skipped == []  # the first thing the camera said was the login reply


async def test_socket_without_login_is_closed(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(login_timeout=0.2)
    client = await connect(camera)
    await client.expect_closed(timeout=3)


async def test_keepalive_and_idle_drop(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(alive_interval=1, idle_timeout=0.3)
    client = await connect(camera, login=True)
    reply = await client.request(
        KEEPALIVE, {"Name": "KeepAlive", "SessionID": client.session_text()}
    )
    assert reply == {"Name": "KeepAlive", "Ret": 100, "SessionID": client.session_text()}
    assert camera.stats.keepalives == 1
    await client.expect_closed(timeout=3)
    await camera.wait_for(lambda: camera.stats.sessions == 0)


async def test_idle_timeout_defaults_to_three_alive_intervals(start_camera: StartCamera) -> None:
    camera = await start_camera(alive_interval=2)
    assert camera.idle_timeout == 6


async def test_logout_closes(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(LOGOUT, {"Name": "", "SessionID": client.session_text()})
    assert reply["Ret"] == 100
    await client.expect_closed()
    await camera.wait_for(lambda: camera.stats.sessions == 0)


async def test_peak_connections_counts_the_most_open_at_once(
    camera: CameraSimulator, connect: Connect
) -> None:
    first = await connect(camera, login=True)
    second = await connect(camera)
    await camera.wait_for(lambda: camera.stats.open_connections == 2)
    await second.close()
    await camera.wait_for(lambda: camera.stats.open_connections == 1)
    assert camera.stats.peak_connections == 2
    camera.reset_peak_connections()
    assert camera.stats.peak_connections == 1
    await first.close()


async def test_system_info(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(SYSTEM_INFO, {"Name": "SystemInfo"})
    info = reply["SystemInfo"]
    assert reply["Ret"] == 100
    assert info["SerialNo"] == camera.config.serial
    assert info["HardWare"] == camera.profile.model
    assert info["VideoInChannel"] == 1
    assert int(info["DeviceRunTime"], 16) >= 0
    for key in ("SoftWareVersion", "HardWareVersion", "BuildTime", "AlarmInChannel"):
        assert key in info
    storage = await client.request(SYSTEM_INFO, {"Name": "StorageInfo"})
    assert storage["Ret"] == 100
    assert storage["StorageInfo"][0]["Partition"]
    work = await client.request(SYSTEM_INFO, {"Name": "WorkState"})
    assert work["WorkState"]["AlarmState"]["VideoMotion"] == "0x00000000"
    await camera.raise_alarm()
    work = await client.request(SYSTEM_INFO, {"Name": "WorkState"})
    assert work["WorkState"]["AlarmState"]["VideoMotion"] == "0x00000001"
    # Any other name on 1020, a configuration such as NetWork.ChnStatus too, is never
    # answered; the connection goes on: the next answer is the keepalive's.
    for name in ("Bogus", "NetWork.ChnStatus"):
        await client.send(SYSTEM_INFO, {"Name": name})
        await client.send(KEEPALIVE, {"Name": "KeepAlive"})
        assert (await client.read_message()).message_id == KEEPALIVE + 1
    statuses = await client.request(CONFIG_GET, {"Name": "NetWork.ChnStatus"})
    assert [entry["Status"] for entry in statuses["NetWork.ChnStatus"]] == ["Connected"]


async def test_motion_detect_config(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(CONFIG_GET, {"Name": "Detect.MotionDetect"})
    (config,) = reply["Detect.MotionDetect"]
    assert config["Enable"] is True
    assert config["Level"] == 3
    assert config["EventHandler"]["MessageEnable"] is True
    assert config["EventHandler"]["RecordEnable"] is True
    camera.set_motion_detection(False, upload=False)
    reply = await client.request(CONFIG_GET, {"Name": "Detect.MotionDetect.[0]"})
    assert reply["Detect.MotionDetect.[0]"]["Enable"] is False
    assert reply["Detect.MotionDetect.[0]"]["EventHandler"]["MessageEnable"] is False
    config["Enable"] = True
    reply = await client.request(
        CONFIG_SET, {"Name": "Detect.MotionDetect", "Detect.MotionDetect": [config]}
    )
    assert reply["Ret"] == 100
    assert camera.motion_detection(0).enabled is True
    assert camera.motion_detection(0).upload is True
    assert (await client.request(CONFIG_GET, {"Name": "Camera.ParamEx"}))["Ret"] == 607
    assert (await client.request(CONFIG_GET, {"Name": "Detect.MotionDetect.[5]"}))["Ret"] == 607
    assert (await client.request(CONFIG_SET, {"Name": "Other", "Other": {}}))["Ret"] == 607


async def test_time_query_uses_camera_clock(start_camera: StartCamera, connect: Connect) -> None:
    offset = timedelta(hours=-3, minutes=7)
    camera = await start_camera(timezone="Asia/Tokyo", clock_offset=offset)
    client = await connect(camera, login=True)
    reply = await client.request(TIME_QUERY, {"Name": "OPTimeQuery"})
    camera_time = datetime.strptime(reply["OPTimeQuery"], "%Y-%m-%d %H:%M:%S")
    expected = (datetime.now(ZoneInfo("Asia/Tokyo")) + offset).replace(tzinfo=None)
    assert abs((camera_time - expected).total_seconds()) < 3
    assert abs((camera.now() - expected).total_seconds()) < 3


async def test_unknown_message_and_bad_json(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    # OPNetKeyboard: a message this camera does not know.
    assert (await client.request(1550, {"Name": "OPNetKeyboard"}))["Ret"] == 102
    await client.send(SYSTEM_INFO, b"not json")
    assert (await client.expect(SYSTEM_INFO + 1)).json()["Ret"] == 103


async def test_snapshot(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await client.send(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
    message = await client.expect(SNAPSHOT + 1)
    assert message.payload[:2] == b"\xff\xd8"
    assert message.session_id == client.session_id
    bad = await client.request(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 3}})
    assert bad["Ret"] == 103
    assert camera.stats.snapshots == 1


async def test_snapshot_refused(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    client = await connect(camera, login=True)
    reply = await client.request(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
    assert reply["Ret"] == 102


async def test_fragmented_replies(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    client = await connect(camera, login=True)
    await client.send(SYSTEM_INFO, {"Name": "SystemInfo"})
    message = await client.expect(SYSTEM_INFO + 1)
    assert message.fragments > 1
    assert message.json()["SystemInfo"]["VideoInChannel"] == 2
    # Small replies still go out in one packet.
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    assert (await client.expect(KEEPALIVE + 1)).fragments == 1


async def test_legacy_terminator_and_version(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="legacy")
    client = await connect(camera)
    await client.send(
        LOGIN, {"EncryptType": "MD5", "PassWord": sofia_hash(PASSWORD), "UserName": "admin"}
    )
    message = await client.expect(LOGIN + 1)
    assert message.payload.endswith(b"}\n")
    assert message.version == 0
    assert message.json()["Ret"] == 100


async def test_client_garbage_closes_only_that_connection(
    camera: CameraSimulator, connect: Connect
) -> None:
    good = await connect(camera, login=True)
    bad = await connect(camera)
    bad.writer.write(b"GET / HTTP/1.0\r\n\r\n" + b"\x00" * 20)
    await bad.expect_closed()
    huge = await connect(camera)
    huge.writer.write(struct.pack("<BBxxIIBBHI", 0xFF, 0, 0, 0, 0, 0, 1000, 50 * 1024 * 1024))
    await huge.expect_closed()
    reply = await good.request(KEEPALIVE, {"Name": "KeepAlive"})
    assert reply["Ret"] == 100


async def test_stop_ends_everything(start_camera: StartCamera) -> None:
    camera = await start_camera(alarm_every=30, control_port=0)
    client = await RawClient.connect(camera.port)
    assert (await client.login(PASSWORD))["Ret"] == 100
    await camera.stop()
    await client.expect_closed()
    await client.close()
    assert not camera.running
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("dvrip-sim")] == []
    with pytest.raises(ConnectionRefusedError):
        await RawClient.connect(camera.port)


async def test_context_manager_and_validation() -> None:
    async with CameraSimulator(SimulatorConfig(channels=2)) as camera:
        assert camera.port > 0
        assert camera.control_port is None
        assert camera.channels == 2
        with pytest.raises(ValueError, match="out of range"):
            await camera.raise_alarm(channel=2)
        with pytest.raises(TypeError):
            await camera.raise_alarm(channel="0")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="event"):
            await camera.raise_alarm(event="")
    assert not camera.running
    with pytest.raises(RuntimeError):
        await camera.inject_fault("silence", 1)
    with pytest.raises(ValueError, match="time zone"):
        CameraSimulator(SimulatorConfig(timezone="Nowhere/Atlantis"))
