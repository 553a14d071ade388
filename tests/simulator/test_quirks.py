"""The simulator's quirks and the recordings it keeps, seen from the wire."""

from __future__ import annotations

from datetime import timedelta
import math
from typing import Any

import aiohttp
import pytest

from simulator import CameraSimulator, SimulatorConfig
from simulator.__main__ import build_parser, config_from_args
from simulator.media import PictureKind
from simulator.quirks import (
    JUNK_EXTRA_CHANNEL,
    NUL_PADDED_TERMINATOR,
    QUIRKS,
    Quirk,
    parse_quirks,
)

from .conftest import Connect, StartCamera
from .raw_client import (
    ABILITY,
    ALARM_SET,
    CONFIG_GET,
    FILE_QUERY,
    KEEPALIVE,
    SNAPSHOT,
    SYSTEM_INFO,
    RawClient,
    file_query_body,
)

DAY_START = "2000-01-01 00:00:00"
DAY_END = "2099-12-31 23:59:59"


def test_every_quirk_is_described_with_a_source() -> None:
    assert set(QUIRKS) == set(Quirk)
    assert all(info.behaviour and info.source for info in QUIRKS.values())
    assert parse_quirks(["guard-silent"]) == {Quirk.GUARD_SILENT}
    with pytest.raises(ValueError, match="unknown quirk 'meteor'"):
        parse_quirks(["meteor"])


def test_quirks_from_the_command_line() -> None:
    args = build_parser().parse_args(["--quirk", "guard-silent", "--quirk", "motiondetect"])
    config = config_from_args(args)
    assert config.quirks == ("guard-silent", "motiondetect")
    assert CameraSimulator(config).quirks == {Quirk.GUARD_SILENT, Quirk.MOTIONDETECT}


def test_profiles_bundle_quirks() -> None:
    icsee = CameraSimulator(config_from_args(build_parser().parse_args(["--profile", "icsee"])))
    assert icsee.quirks == {Quirk.GUARD_SILENT, Quirk.MOTIONDETECT}


async def test_quirks_through_the_control_api(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(control_port=0)
    async with aiohttp.ClientSession(f"http://127.0.0.1:{camera.control_port}") as http:
        async with http.post("/quirks", json={"quirk": "guard-silent"}) as response:
            assert response.status == 200
            body: dict[str, Any] = await response.json()
        assert body["enabled"] == ["guard-silent"]
        assert set(body["known"]) == {quirk.value for quirk in Quirk}
        client = await connect(camera, login=True)
        await client.send(ALARM_SET, {"Name": ""})
        await camera.wait_for_subscribers(1)
        async with http.post("/quirks", json={"quirk": "unused-channels"}) as response:
            assert response.status == 400
            assert "at start only" in (await response.json())["error"]
        async with http.post(
            "/quirks", json={"quirk": "guard-silent", "enabled": False}
        ) as response:
            assert (await response.json())["enabled"] == []
        async with http.post("/downloads", json={"stalled": True}) as response:
            assert await response.json() == {"stalled": True, "file_name": None}
    # guard-silent: subscribed without an answer; the next message read is the push.
    await camera.raise_alarm()
    message = await client.read_message()
    assert message.message_id == 1504


async def test_bare_session_ids(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("bare-session-id",))
    client = await connect(camera)
    reply = await client.login(camera.config.password)
    assert reply["SessionID"] == "00000010"
    assert client.session_id == 0x10
    answer = await client.request(ALARM_SET, {"Name": "", "SessionID": "00000010"})
    assert answer["SessionID"] == "00000010"


@pytest.mark.parametrize(("quirk", "ret"), [("login-204", 204), ("login-205", 205), (None, 106)])
async def test_unknown_user(
    start_camera: StartCamera, connect: Connect, quirk: str | None, ret: int
) -> None:
    camera = await start_camera(quirks=(quirk,) if quirk else ())
    client = await connect(camera)
    reply = await client.login(user="nobody")
    assert reply["Ret"] == ret


async def test_second_login_refused_with_207(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("login-207",))
    first = await connect(camera, login=True)
    second = await connect(camera)
    assert (await second.login(camera.config.password))["Ret"] == 207
    assert first.session_id != 0


async def test_search_cap_and_done_codes(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("search-cap-511", "search-ret-110"))
    begin = camera.now() - timedelta(hours=2)
    for index in range(600):
        camera.add_history(
            begin + timedelta(seconds=index), video=False, picture_kind=PictureKind.PLACEHOLDER
        )
    client = await connect(camera, login=True)
    sizes: list[tuple[int, int]] = []
    names: set[str] = set()
    cursor = DAY_START
    while len(sizes) < 20:
        reply = await client.request(FILE_QUERY, file_query_body(cursor, DAY_END, kind="jpg"))
        entries = reply["OPFileQuery"]
        sizes.append((reply["Ret"], len(entries)))
        names.update(entry["FileName"] for entry in entries)
        cursor = entries[-1]["BeginTime"]
        if len(names) == 600:
            break
    # Seven full pages (Ret 111), then the 511th result ends the search with a short page
    # (Ret 110); asking again from the last BeginTime goes on to the rest.
    assert sizes[:8] == [(111, 64)] * 7 + [(110, 63)]
    assert len(names) == 600
    assert sizes[-1][0] == 110


async def test_odd_times(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("odd-times",))
    midnight = camera.now().replace(hour=0, minute=0, second=0)
    clip, picture = camera.add_history(midnight - timedelta(seconds=2), seconds=2)
    assert clip.to_json(odd_times=True)["EndTime"] == (
        f"{midnight - timedelta(days=1):%Y-%m-%d} 24:00:00"
    )
    client = await connect(camera, login=True)
    reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END, kind="jpg"))
    assert [entry["EndTime"] for entry in reply["OPFileQuery"]] == ["0000-00-00 00:00:00"]
    assert picture is not None


async def test_unused_channels(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("unused-channels",))
    client = await connect(camera)
    login = await client.login(camera.config.password)
    assert login["ChannelNum"] == 32
    reply = await client.request(CONFIG_GET, {"Name": "NetWork.ChnStatus"})
    statuses = [entry["Status"] for entry in reply["NetWork.ChnStatus"]]
    assert statuses == ["Connected"] + ["NoConfig"] * 31
    empty = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END, channel=5))
    assert empty["Ret"] == 121
    with pytest.raises(ValueError, match="out of range"):
        await camera.raise_alarm(channel=5)
    camera.connect_camera(1)
    await camera.raise_alarm(channel=1)
    with pytest.raises(ValueError, match="has a camera already"):
        camera.connect_camera(0)


@pytest.mark.parametrize("quirk", ["snap-packets", "snap-frame", "snap-large"])
async def test_still_shapes(start_camera: StartCamera, connect: Connect, quirk: str) -> None:
    camera = await start_camera(quirks=(quirk,))
    client = await connect(camera, login=True)
    await client.send(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
    packets = [await client.read_message()]
    while packets[-1].byte13 != 1 and quirk != "snap-large":
        packets.append(await client.read_message())
    data = b"".join(message.payload for message in packets)
    if quirk == "snap-frame":
        assert data.startswith(b"\x00\x00\x01\xfe")
    else:
        assert data.startswith(b"\xff\xd8")
    if quirk == "snap-large":
        assert len(data) > 1024 * 1024
    else:
        assert len(packets) > 1


async def test_alarms_during_a_recording_extend_it(camera: CameraSimulator) -> None:
    first = await camera.raise_alarm()
    second = await camera.raise_alarm(time=first.time + timedelta(seconds=1))
    assert first.clip is not None
    assert second.clip is first.clip
    assert second.clip.end == second.time + timedelta(seconds=camera.clip_spec.seconds)
    assert second.picture is not first.picture
    assert camera.history.find(second.clip.file_name) is second.clip
    # A recording downloaded already is closed: the next alarm starts a new one.
    await second.clip.media()
    third = await camera.raise_alarm(time=second.time + timedelta(seconds=1))
    assert third.clip is not second.clip


@pytest.mark.parametrize("kind", list(PictureKind))
async def test_file_length_is_the_stored_size(
    camera: CameraSimulator, connect: Connect, kind: PictureKind
) -> None:
    """FileLength, listed before anything is made, is what a download then delivers."""
    clip, picture = camera.add_history(camera.now() - timedelta(minutes=5), picture_kind=kind)
    client = await connect(camera, login=True)
    for entry, type_ in ((clip, "h264"), (picture, "jpg")):
        reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END, kind=type_))
        (listed,) = reply["OPFileQuery"]
        length = int(listed["FileLength"], 16)
        assert length == math.ceil(len(await entry.media()) / 1024)


async def _next_answer_is_the_keepalive(client: RawClient) -> None:
    """Nothing was answered before a keepalive sent now: its answer comes first."""
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    assert (await client.read_message()).message_id == KEEPALIVE + 1


async def test_config_silent(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("config-silent",))
    client = await connect(camera, login=True)
    for name in ("General.General", "NetWork.ChnStatus", "Detect.MotionDetect", "Bogus"):
        await client.send(CONFIG_GET, {"Name": name})
        await _next_answer_is_the_keepalive(client)
    info = await client.request(SYSTEM_INFO, {"Name": "SystemInfo"})
    assert info["SystemInfo"]["SerialNo"] == camera.config.serial


async def test_config_silent_large(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("config-silent-large",))
    client = await connect(camera, login=True)
    for name in ("Detect", "Detect.MotionDetect"):
        await client.send(CONFIG_GET, {"Name": name})
        await _next_answer_is_the_keepalive(client)
    one = await client.request(CONFIG_GET, {"Name": "Detect.MotionDetect.[0]"})
    assert one["Detect.MotionDetect.[0]"]["Enable"] is True


async def test_abilities_partial(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("abilities-partial",))
    client = await connect(camera, login=True)
    reply = await client.request(ABILITY, {"Name": "SystemFunction"})
    assert reply["Ret"] == 100
    assert "AlarmFunction" not in reply["SystemFunction"]
    assert reply["SystemFunction"]["EncodeFunction"]


async def test_snap_stuck_until_a_reboot(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("snap-stuck",), snap_stuck_delay=0.2)
    for _ in range(2):
        client = await connect(camera, login=True)
        reply = await client.request(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
        assert reply["Ret"] == 108
    await camera.inject_fault("reboot")
    camera.set_quirk("snap-stuck", enabled=False)
    client = await connect(camera, login=True)
    await client.send(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
    assert (await client.read_message()).payload.startswith(b"\xff\xd8")


async def test_login_refused_with_a_session(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("login-refused-session",))
    client = await connect(camera)
    reply = await client.login("wrong")
    assert reply["Ret"] == 106
    assert int(reply["SessionID"], 16) != 0
    assert reply["AliveInterval"] == 0
    assert reply["ExtraChannel"] == JUNK_EXTRA_CHANNEL
    # Silence from then on, and the socket stays open.
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    with pytest.raises(TimeoutError):
        await client.read_message(timeout=0.3)
    assert camera.stats.open_connections == 1


async def test_filelist_key(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("filelist-key",))
    record = await camera.raise_alarm()
    client = await connect(camera, login=True)
    reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END))
    assert reply["Name"] == "FileList"
    assert "OPFileQuery" not in reply
    assert record.clip is not None
    assert [entry["FileName"] for entry in reply["FileList"]] == [record.clip.file_name]


async def test_json_nul_padding(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("json-nul-padding",))
    client = await connect(camera, login=True)
    await client.send(KEEPALIVE, {"Name": "KeepAlive"})
    message = await client.read_message()
    assert message.payload.endswith(NUL_PADDED_TERMINATOR)
    assert message.payload.rstrip(b"\x00").endswith(b"}\n")


async def test_jpeg_no_jfif(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("jpeg-no-jfif",))
    client = await connect(camera, login=True)
    await client.send(SNAPSHOT, {"Name": "OPSNAP", "OPSNAP": {"Channel": 0}})
    assert (await client.read_message()).payload.startswith(b"\xff\xd8\xff\xdb")


async def test_connection_limit(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(quirks=("connection-limit",), max_connections=2)
    first = await connect(camera, login=True)
    await connect(camera, login=True)
    turned_away = await connect(camera)
    await turned_away.expect_closed()
    assert camera.stats.connections_refused == 1
    assert camera.stats.peak_connections == 2
    # The connections it kept still answer.
    reply = await first.request(KEEPALIVE, {"Name": "KeepAlive"})
    assert reply["Ret"] == 100


def test_connection_limit_defaults_to_tcp_max_conn() -> None:
    camera = CameraSimulator(SimulatorConfig(quirks=("connection-limit",)))
    assert camera.max_connections == 10
