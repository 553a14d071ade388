"""Device facts over real sockets: the UDP device search, abilities, channel titles, name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import importlib
import json
import logging
import socket
import struct
import time
from typing import Any
import warnings

from hypothesis import given, strategies as st
import pytest

from custom_components.dvrip.client import (
    DISCOVERY_PORT,
    Abilities,
    DiscoveredDevice,
    DvripClient,
    discover,
    discovery,
    parse_discovery_reply,
)
from custom_components.dvrip.client.abilities import (
    parse_abilities,
    parse_channel_titles,
    parse_device_name,
)
from simulator.__main__ import build_parser, config_from_args
from tests.simulator_fixtures import PASSWORD, StartCamera

from .properties import examples

SENDER = "192.168.1.50"

with warnings.catch_warnings():
    # python-dvr's device manager asks for the locale the deprecated way when imported.
    warnings.simplefilter("ignore", DeprecationWarning)
    # Its own encoder of HostIP.
    SetIP = importlib.import_module("DeviceManager").SetIP


def _reply(common: object, *, msg_id: int = 1531, extra: bytes = b"\n\x00") -> bytes:
    body = json.dumps({"NetWork.NetCommon": common, "Ret": 100}).encode() + extra
    return struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, msg_id, len(body)) + body


COMMON = {
    "HostIP": "0x0A01A8C0",
    "TCPPort": 34567,
    "MAC": "00:12:41:5C:3E:9A",
    "SN": "abc123",
    "HostName": "LocalHost",
}


# -- the reply, as bytes ----------------------------------------------------------------------


def test_reply_fields() -> None:
    device = parse_discovery_reply(_reply(COMMON), SENDER)
    assert device == DiscoveredDevice(
        host="192.168.1.10",
        port=34567,
        mac="00:12:41:5c:3e:9a",
        serial="abc123",
        model=None,
        name="LocalHost",
    )
    assert device.identity == "abc123"


@pytest.mark.parametrize("address", ["192.168.1.10", "10.0.0.254", "172.16.5.1", "1.2.3.4"])
def test_host_ip_as_python_dvr_writes_it(address: str) -> None:
    # python-dvr's own encoder of HostIP (DeviceManager.SetIP).
    device = parse_discovery_reply(_reply({**COMMON, "HostIP": SetIP(address)}), SENDER)
    assert device is not None
    assert device.host == address


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"HostIP": "192.168.1.77"}, {"host": "192.168.1.77"}),
        ({"HostIP": 0x0A01A8C0}, {"host": "192.168.1.10"}),
        ({"HostIP": None}, {"host": SENDER}),
        ({"TCPPort": None}, {"port": 34567}),
        ({"TCPPort": "34599"}, {"port": 34599}),
        ({"MAC": "00-12-41-5C-3E-9A"}, {"mac": "00:12:41:5c:3e:9a"}),
        ({"MAC": "0012415c3e9a"}, {"mac": "00:12:41:5c:3e:9a"}),
        ({"MAC": "00:00:00:00:00:00"}, {"mac": None}),
        ({"MAC": "not a mac"}, {"mac": None}),
        ({"MAC": 12}, {"mac": None}),
        ({"SN": "  "}, {"serial": None}),
        ({"SN": "abc\x00"}, {"serial": "abc"}),
        ({"HostName": ""}, {"name": None}),
        ({"DeviceModel": " XM530 "}, {"model": "XM530"}),
    ],
)
def test_reply_field_variants(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    common = {key: value for key, value in {**COMMON, **changes}.items() if value is not None}
    device = parse_discovery_reply(_reply(common), SENDER)
    assert device is not None
    for field, value in expected.items():
        assert getattr(device, field) == value


def test_identity_falls_back_to_mac_then_none() -> None:
    no_serial = parse_discovery_reply(_reply({**COMMON, "SN": ""}), SENDER)
    assert no_serial is not None
    assert no_serial.identity == "00:12:41:5c:3e:9a"
    nothing = parse_discovery_reply(_reply({"HostIP": "0x0A01A8C0"}), SENDER)
    assert nothing is not None
    assert nothing.identity is None


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\xff" * 10,
        b"\x00" * 40,
        struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, 1530, 0),  # a search, not a reply
        struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, 1531, 0),  # a reply without body
        _reply(COMMON, msg_id=1001),
        _reply(COMMON)[:30],
        _reply(["a list"]),
        _reply({**COMMON, "HostIP": "0xZZ"}),
        _reply({**COMMON, "HostIP": "0x1FFFFFFFF"}),
        _reply({**COMMON, "HostIP": "300.1.1.1"}),
        _reply({**COMMON, "HostIP": True}),
        _reply({**COMMON, "TCPPort": 0}),
        _reply({**COMMON, "TCPPort": 70000}),
        _reply({**COMMON, "TCPPort": True}),
        _reply({**COMMON, "TCPPort": "port"}),
        struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, 1531, 4) + b"[1]\x00",
        struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, 1531, 5) + b"{oops",
        struct.pack("<BBxxIIBBHI", 0xFF, 1, 0, 0, 0, 0, 1531, 2) + b"{}",
    ],
)
def test_malformed_replies_are_none(payload: bytes) -> None:
    assert parse_discovery_reply(payload, SENDER) is None


@examples(0.3)
@given(st.binary(max_size=300))
def test_any_bytes_never_raise(payload: bytes) -> None:
    device = parse_discovery_reply(payload, SENDER)
    assert device is None or isinstance(device, DiscoveredDevice)


@examples(0.2)
@given(
    st.dictionaries(
        st.sampled_from(["HostIP", "TCPPort", "MAC", "SN", "HostName", "DeviceModel"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats()),
    )
)
def test_any_fields_never_raise(common: dict[str, Any]) -> None:
    device = parse_discovery_reply(_reply(common), SENDER)
    if device is not None:
        assert 0 < device.port < 65536
        assert device.mac is None or len(device.mac) == 17


# -- the search over UDP, against the simulator -----------------------------------------------


async def test_discover_finds_the_simulator(start_camera: StartCamera) -> None:
    camera = await start_camera(discovery_port=0)
    assert camera.discovery_port is not None
    found = await discover(timeout=3.0, targets=[("127.0.0.1", camera.discovery_port)], expected=1)
    assert found == [
        DiscoveredDevice(
            host="127.0.0.1",
            port=camera.port,
            mac="00:12:41:5c:3e:9a",
            serial=camera.config.serial,
            model=None,
            name="LocalHost",
        )
    ]
    assert found[0].identity == camera.config.serial
    # What it found is a camera the client logs in to.
    async with DvripClient(found[0].host, found[0].port, "admin", PASSWORD, timeout=3.0) as client:
        assert (await client.get_device_info()).serial == camera.config.serial


async def test_expected_stops_early_and_duplicates_count_once(start_camera: StartCamera) -> None:
    first = await start_camera(discovery_port=0, serial="serial-one")
    second = await start_camera(discovery_port=0, serial="serial-two", mac="00:12:41:00:00:02")
    assert first.discovery_port is not None
    assert second.discovery_port is not None
    targets = [
        ("127.0.0.1", first.discovery_port),
        ("127.0.0.1", first.discovery_port),
        ("localhost", second.discovery_port),
    ]
    started = time.monotonic()
    found = await discover(timeout=60.0, targets=targets, expected=2)
    assert time.monotonic() - started < 30
    assert sorted(device.serial or "" for device in found) == ["serial-one", "serial-two"]
    assert {device.port for device in found} == {first.port, second.port}
    # Asked twice, the first camera answered twice: one device all the same.
    await first.wait_for(lambda: first.stats.searches == 2)


async def test_what_the_answer_names_follows_the_camera(start_camera: StartCamera) -> None:
    camera = await start_camera(discovery_port=0)
    assert camera.discovery_port is not None
    target = [("127.0.0.1", camera.discovery_port)]
    camera.set_discovery(host="192.168.1.10", tcp_port=34567)
    [device] = await discover(timeout=3.0, targets=target, expected=1)
    assert (device.host, device.port) == ("192.168.1.10", 34567)
    camera.set_discovery(enabled=False, reset_tcp_port=True)
    assert await discover(timeout=0.3, targets=target) == []
    assert camera.stats.searches == 2


async def test_junk_answers_are_ignored() -> None:
    """A responder that answers with garbage before its real answer."""
    valid = _reply(COMMON)
    junk = [b"\x00garbage", _reply(COMMON, msg_id=1001), _reply({"HostIP": "0xZZ"}), b"{" * 70000]

    class Responder(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.DatagramTransport)
            self.transport = transport

        def datagram_received(self, data: bytes, addr: Any) -> None:
            for datagram in [*junk, valid]:
                self.transport.sendto(datagram[:65000], addr)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Responder, local_addr=("127.0.0.1", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        found = await discover(timeout=5.0, targets=[("127.0.0.1", port)], expected=1)
    finally:
        transport.close()
    assert [device.serial for device in found] == ["abc123"]


async def test_unsendable_target_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.dvrip.client.discovery")
    assert await discover(timeout=0.2, targets=[("127.0.0.1", 0)]) == []
    assert "Device search" in caplog.text
    assert await discover(timeout=5.0, targets=[]) == []


async def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="timeout"):
        await discover(timeout=-1)
    with pytest.raises(ValueError, match="expected"):
        await discover(expected=0)
    with pytest.raises(ValueError, match="port"):
        await discover(targets=[("127.0.0.1", 70000)])


async def test_no_socket_no_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(port: int) -> socket.socket:
        raise OSError("network is unreachable")

    monkeypatch.setattr(discovery, "_open_socket", no_network)
    assert await discover(timeout=5.0) == []


async def test_asking_on_the_real_port_listens_there_or_elsewhere(
    start_camera: StartCamera,
) -> None:
    """Asking on 34569 listens on 34569, or on another port while 34569 is taken."""
    assert DISCOVERY_PORT == 34569
    camera = await start_camera(discovery_port=0)
    assert camera.discovery_port is not None
    targets = [("127.0.0.1", DISCOVERY_PORT), ("127.0.0.1", camera.discovery_port)]
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with contextlib.suppress(OSError):  # held by something else already: taken all the same
            blocker.bind(("127.0.0.1", DISCOVERY_PORT))
        [device] = await discover(timeout=5.0, targets=targets, expected=1)
    finally:
        blocker.close()
    assert device.port == camera.port
    [device] = await discover(timeout=5.0, targets=targets, expected=1)
    assert device.port == camera.port


# -- abilities, channel titles, name ----------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "supported", "unsupported"),
    [
        ("ipc", {"MotionDetect", "BlindDetect", "StorageFailure"}, {"HumanDection", "LossDetect"}),
        ("nvr", {"MotionDetect", "LossDetect", "IPCAlarm", "NetAlarm"}, {"HumanDection"}),
        ("icsee", {"MotionDetect", "humandection", "HUMANDECTION"}, {"LossDetect", "PIRAlarm"}),
    ],
)
async def test_abilities_per_profile(
    start_camera: StartCamera,
    open_client: Callable[..., Any],
    profile: str,
    supported: set[str],
    unsupported: set[str],
) -> None:
    camera = await start_camera(profile=profile)
    abilities = await (await open_client(camera)).get_abilities()
    assert abilities is not None
    assert abilities.alarm_functions == camera.profile.alarm_functions
    assert all(abilities.supports(name) for name in supported)
    assert not any(abilities.supports(name) for name in unsupported)


async def test_refused_system_function_is_none(
    start_camera: StartCamera, open_client: Callable[..., Any]
) -> None:
    camera = await start_camera(profile_overrides={"alarm_functions": None})
    client = await open_client(camera)
    assert await client.get_abilities() is None
    assert client.connected


@pytest.mark.parametrize(
    ("profile", "titles", "name"),
    [
        ("ipc", ["Porch"], "Porch camera"),
        ("nvr", ["Front door", "Garden"], "Home recorder"),
        ("icsee", ["Back yard"], "Back yard"),
    ],
)
async def test_titles_and_name(
    start_camera: StartCamera,
    open_client: Callable[..., Any],
    profile: str,
    titles: list[str],
    name: str,
) -> None:
    client = await open_client(await start_camera(profile=profile))
    assert await client.get_channel_titles() == titles
    assert await client.get_device_name() == name


async def test_titles_and_name_stripped_changed_and_refused(
    start_camera: StartCamera, open_client: Callable[..., Any]
) -> None:
    camera = await start_camera(profile="nvr", device_name="  Shed  ")
    client = await open_client(camera)
    assert await client.get_device_name() == "Shed"
    camera.set_channel_titles(["  Gate ", "\tYard\n"])
    assert await client.get_channel_titles() == ["Gate", "Yard"]
    camera.set_device_name("   ")
    assert await client.get_device_name() is None
    camera.set_channel_titles(None)
    assert await client.get_channel_titles() == []
    assert client.connected


async def test_unused_channels_have_empty_titles(
    start_camera: StartCamera, open_client: Callable[..., Any]
) -> None:
    camera = await start_camera(profile="nbd8008r")
    titles = await (await open_client(camera)).get_channel_titles()
    assert titles[0] == "Driveway"
    assert len(titles) == camera.channels == 32
    assert set(titles[1:]) == {""}


def test_parsing_abilities() -> None:
    assert parse_abilities(None) is None
    assert parse_abilities([]) is None
    # Without AlarmFunction nothing is known of alarms (not "detects nothing").
    assert not parse_abilities({}).knows_alarms
    encode_only = parse_abilities({"EncodeFunction": {"DoubleStream": True}})
    assert not encode_only.knows_alarms
    assert encode_only.supports("doublestream", "EncodeFunction")
    assert not parse_abilities({"AlarmFunction": "yes"}).knows_alarms
    assert parse_abilities({"AlarmFunction": {}}) == Abilities({"AlarmFunction": frozenset()})
    abilities = parse_abilities(
        {
            "AlarmFunction": {
                "MotionDetect": True,
                "BlindDetect": "true",
                "LossDetect": 1,
                "HumanDection": False,
                "NetAlarm": 0,
                "PIRAlarm": "false",
                "IPCAlarm": None,
            }
        }
    )
    assert abilities.alarm_functions == {"MotionDetect", "BlindDetect", "LossDetect"}
    assert abilities.supports("motiondetect")
    assert not abilities.supports("HumanDection")


def test_parsing_titles_and_name() -> None:
    assert parse_channel_titles(" One ") == ["One"]
    assert parse_channel_titles(None) == []
    assert parse_channel_titles(["A", 3, None, " B"]) == ["A", "", "", "B"]
    assert parse_device_name({"General": {"MachineName": " Hall "}}) == "Hall"
    assert parse_device_name({"MachineName": "Hall"}) == "Hall"
    assert parse_device_name({"MachineName": 5}) is None
    assert parse_device_name({"MachineName": ""}) is None
    assert parse_device_name("Hall") is None


async def test_abilities_from_the_command_line(
    start_camera: StartCamera, open_client: Callable[..., Any]
) -> None:
    """`--alarm-functions` replaces the profile's abilities (the demo's recorder detects people)."""
    args = build_parser().parse_args(
        ["--profile", "nvr", "--alarm-functions", "MotionDetect, HumanDection,,LossDetect"]
    )
    overrides = config_from_args(args).profile_overrides
    camera = await start_camera(profile="nvr", profile_overrides=overrides)
    abilities = await (await open_client(camera)).get_abilities()
    assert abilities is not None
    assert abilities.alarm_functions == {"MotionDetect", "HumanDection", "LossDetect"}
    assert not abilities.supports("BlindDetect")
