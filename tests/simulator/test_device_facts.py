"""The simulator's device facts: the search answer on UDP, name, titles, SystemFunction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import importlib
import json
import struct
from typing import Any
import warnings

import aiohttp
import pytest

from simulator import CameraSimulator, FaultKind
from simulator.__main__ import build_parser, config_from_args
from simulator.profiles import KNOWN_ALARM_FUNCTIONS

from .conftest import Connect, StartCamera

HEADER = struct.Struct("<BBxxIIBBHI")
SEARCH = HEADER.pack(0xFF, 0, 0, 0, 0, 0, 1530, 0)

with warnings.catch_warnings():
    # python-dvr's device manager asks for the locale the deprecated way when imported.
    warnings.simplefilter("ignore", DeprecationWarning)
    # Its own decoder of HostIP.
    GetIP = importlib.import_module("DeviceManager").GetIP


class _Searcher(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.replies.put_nowait(data)


@pytest.fixture
async def searcher() -> AsyncIterator[tuple[asyncio.DatagramTransport, _Searcher]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Searcher, local_addr=("127.0.0.1", 0)
    )
    yield transport, protocol
    transport.close()


async def _answer(protocol: _Searcher) -> tuple[int, dict[str, Any]]:
    async with asyncio.timeout(5):
        data = await protocol.replies.get()
    fields = HEADER.unpack_from(data)
    assert fields[0] == 0xFF
    # Parsed as python-dvr's SearchXM does: the declared length, NULs dropped.
    body = json.loads(data[20 : 20 + fields[7]].replace(b"\x00", b""))
    return fields[6], body


async def test_search_is_answered(
    start_camera: StartCamera, searcher: tuple[asyncio.DatagramTransport, _Searcher]
) -> None:
    camera = await start_camera(profile="nvr", discovery_port=0)
    transport, protocol = searcher
    assert camera.discovery_port is not None
    transport.sendto(SEARCH, ("127.0.0.1", camera.discovery_port))
    message_id, body = await _answer(protocol)
    assert message_id == 1531
    assert body["Ret"] == 100
    common = body["NetWork.NetCommon"]
    assert GetIP(common["HostIP"]) == "127.0.0.1"
    assert common["TCPPort"] == camera.port
    assert common["MAC"] == camera.config.mac
    assert common["SN"] == camera.config.serial
    assert common["ChannelNum"] == 2


async def test_only_searches_are_answered_and_only_when_up(
    start_camera: StartCamera, searcher: tuple[asyncio.DatagramTransport, _Searcher]
) -> None:
    camera = await start_camera(discovery_port=0, discovery_reply_host="10.0.0.5")
    transport, protocol = searcher
    assert camera.discovery_port is not None
    target = ("127.0.0.1", camera.discovery_port)
    # Nothing answers junk, a login, a switched-off search or a camera that is down ...
    transport.sendto(b"junk", target)
    transport.sendto(HEADER.pack(0xFF, 0, 0, 0, 0, 0, 1000, 0), target)
    camera.set_discovery(enabled=False)
    transport.sendto(SEARCH, target)
    await camera.wait_for(lambda: camera.stats.searches == 3)
    camera.set_discovery(enabled=True)
    await camera.inject_fault(FaultKind.DISCONNECT, 30)
    transport.sendto(SEARCH, target)
    await camera.wait_for(lambda: camera.stats.searches == 4)
    await camera.clear_fault()
    # ... so the first answer is the one to the search after, naming the new address.
    camera.set_discovery(host="192.168.7.7", tcp_port=40000)
    transport.sendto(SEARCH, target)
    _, body = await _answer(protocol)
    assert GetIP(body["NetWork.NetCommon"]["HostIP"]) == "192.168.7.7"
    assert body["NetWork.NetCommon"]["TCPPort"] == 40000
    assert protocol.replies.empty()


async def test_discovery_is_off_by_default(camera: CameraSimulator) -> None:
    assert camera.discovery_port is None
    assert camera.discovery_state()["port"] is None


def test_bad_discovery_settings(camera: CameraSimulator) -> None:
    with pytest.raises(ValueError, match="IPv4"):
        camera.set_discovery(host="nowhere")
    with pytest.raises(ValueError, match="between"):
        camera.set_discovery(tcp_port=0)
    with pytest.raises(ValueError, match="integer"):
        camera.set_discovery(tcp_port=True)
    with pytest.raises(ValueError, match="list of strings"):
        camera.set_channel_titles(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="string"):
        camera.set_device_name(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["ipc", "nvr", "icsee"])
async def test_system_function_reports_every_known_name(
    start_camera: StartCamera, connect: Connect, profile: str
) -> None:
    camera = await start_camera(profile=profile)
    client = await connect(camera, login=True)
    reply = await client.request(1360, {"Name": "SystemFunction"})
    assert reply["Ret"] == 100
    alarm = reply["SystemFunction"]["AlarmFunction"]
    assert set(alarm) == set(KNOWN_ALARM_FUNCTIONS)
    assert {name for name, value in alarm.items() if value} == camera.profile.alarm_functions
    # Another ability set, or none, is not known.
    refused = await client.request(1360, {"Name": "NoSuchAbility"})
    assert refused["Ret"] == 607


async def test_refusing_firmware(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(
        profile_overrides={"alarm_functions": None, "channel_titles": None, "device_name": ""}
    )
    client = await connect(camera, login=True)
    assert (await client.request(1360, {"Name": "SystemFunction"}))["Ret"] == 607
    assert (await client.request(1048, {"Name": "ChannelTitle"}))["Ret"] == 102
    assert (await client.request(1042, {"Name": "ChannelTitle"}))["Ret"] == 607
    general = await client.request(1042, {"Name": "General.General"})
    assert general["General.General"]["MachineName"] == ""


@pytest.fixture
async def api(start_camera: StartCamera) -> AsyncIterator[tuple[CameraSimulator, Any]]:
    camera = await start_camera(control_port=0, discovery_port=0, profile="nvr")
    base = f"http://127.0.0.1:{camera.control_port}"
    async with aiohttp.ClientSession(base) as http:
        yield camera, http


async def test_control_discovery(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    async with http.get("/discovery") as response:
        state = await response.json()
    assert state == {
        "enabled": True,
        "port": camera.discovery_port,
        "host": "127.0.0.1",
        "tcp_port": camera.port,
        "mac": camera.config.mac,
        "serial": camera.config.serial,
    }
    change = {"enabled": False, "host": "192.168.1.10", "tcp_port": 34567}
    async with http.post("/discovery", json=change) as response:
        state = await response.json()
    assert (state["enabled"], state["host"], state["tcp_port"]) == (False, "192.168.1.10", 34567)
    async with http.post("/discovery", json={"tcp_port": None, "enabled": True}) as response:
        state = await response.json()
    assert (state["enabled"], state["tcp_port"]) == (True, camera.port)
    for bad in ({"host": 5}, {"tcp_port": "x"}, {"enabled": "yes"}, {"host": "nowhere"}):
        async with http.post("/discovery", json=bad) as response:
            assert response.status == 400


async def test_control_titles_and_name(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    async with http.post("/channel_titles", json={"titles": ["Gate"]}) as response:
        assert await response.json() == {"titles": ["Gate", ""]}
    async with http.post("/channel_titles", json={"titles": None}) as response:
        assert await response.json() == {"titles": None}
    assert camera.channel_titles() is None
    async with http.post("/device_name", json={"name": "Shed"}) as response:
        assert await response.json() == {"name": "Shed"}
    assert camera.general_config()["MachineName"] == "Shed"
    for path, bad in (
        ("/channel_titles", {}),
        ("/channel_titles", {"titles": "Gate"}),
        ("/device_name", {}),
        ("/device_name", {"name": 3}),
    ):
        async with http.post(path, json=bad) as response:
            assert response.status == 400


def test_cli_flags() -> None:
    args = build_parser().parse_args(
        ["--discovery-port", "0", "--discovery-host", "0.0.0.0", "--device-name", "Shed"]
    )
    config = config_from_args(args)
    assert (config.discovery_port, config.discovery_host) == (0, "0.0.0.0")
    assert config.device_name == "Shed"
    assert config_from_args(build_parser().parse_args([])).discovery_port is None
