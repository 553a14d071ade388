"""Alarm-centre messages (1508): parsing, and the bounded listener."""

from __future__ import annotations

import asyncio
from datetime import datetime
import json
import struct

from hypothesis import given, strategies as st
import pytest

from custom_components.dvrip.client import (
    AlarmCentreMessage,
    AlarmCentreServer,
    DvripProtocolError,
    alarm_centre as alarm_centre_module,
    parse_alarm_centre_message,
)
from tests.client.properties import examples

_HEADER = struct.Struct("<BBxxIIBBHI")

MESSAGE = {
    "Address": "0x0A01A8C0",
    "Channel": 0,
    "Descrip": "",
    "Event": "HumanDetect",
    "SerialID": "7c9a2f31d0e84b56",
    "StartTime": "2026-11-25 13:05:10",
    "Status": "Start",
    "Type": "Alarm",
}


def _packet(body: dict[str, object] | bytes, msg_id: int = 1508) -> bytes:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode() + b"\n"
    return _HEADER.pack(0xFF, 1, 0, 0, 0, 0, msg_id, len(payload)) + payload


def test_parse_a_message() -> None:
    message = parse_alarm_centre_message(json.dumps(MESSAGE).encode() + b"\n")
    assert message.serial == "7c9a2f31d0e84b56"
    assert message.address == "192.168.1.10"
    assert message.kind == "Alarm"
    assert message.alarm.event == "HumanDetect"
    assert message.alarm.status == "Start"
    assert message.alarm.channel == 0
    assert message.alarm.start_time == datetime(2026, 11, 25, 13, 5, 10)


def test_a_wrapped_message_and_odd_fields() -> None:
    body = {**MESSAGE, "Address": "junk", "Channel": "0x1", "StartTime": "never", "Status": None}
    message = parse_alarm_centre_message(json.dumps({"AlarmCenter": body}).encode())
    assert message.address is None
    assert message.alarm.channel == 1
    assert message.alarm.start_time is None
    assert message.alarm.status == "None"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"[]",
        b'{"Name": "KeepAlive"}',
        json.dumps({**MESSAGE, "SerialID": 7}).encode(),
        json.dumps({**MESSAGE, "Channel": 4096}).encode(),
    ],
)
def test_not_a_message(payload: bytes) -> None:
    with pytest.raises(DvripProtocolError):
        parse_alarm_centre_message(payload)


# Each field: its real value, or one that firmware (or an attacker) might send instead.
ODD_VALUES = st.sampled_from(
    [None, True, -1, 5000, 2**40, 1.5, "", "0x", "0xFFFFFFFFFF", "x" * 300, [], {}, {"a": 1}]
)
MESSAGE_LIKE = st.fixed_dictionaries(
    {}, optional={key: st.just(value) | ODD_VALUES for key, value in MESSAGE.items()}
)


@examples(0.5)
@given(
    st.one_of(
        MESSAGE_LIKE.map(lambda body: json.dumps(body).encode() + b"\n"),
        MESSAGE_LIKE.map(lambda body: json.dumps({"AlarmCenter": body}).encode()),
        st.binary(max_size=300),
    )
)
def test_parsing_raises_only_protocol_errors(payload: bytes) -> None:
    try:
        message = parse_alarm_centre_message(payload)
    except DvripProtocolError:
        return
    assert message.serial == message.serial.strip()
    assert 0 <= message.alarm.channel < 1024


@pytest.fixture
async def server(socket_enabled: None) -> asyncio.Queue[tuple[AlarmCentreMessage, str]]:
    received: asyncio.Queue[tuple[AlarmCentreMessage, str]] = asyncio.Queue()
    listener = AlarmCentreServer(lambda message, peer: received.put_nowait((message, peer)))
    await listener.start("127.0.0.1", 0)
    received.listener = listener  # type: ignore[attr-defined]
    yield received
    await listener.close()


async def _send(port: int, data: bytes, *, wait_close: bool = True) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if wait_close:
        writer.write_eof()
        await reader.read()
    writer.close()
    await writer.wait_closed()


async def test_server_hands_over_messages(
    server: asyncio.Queue[tuple[AlarmCentreMessage, str]],
) -> None:
    listener: AlarmCentreServer = server.listener  # type: ignore[attr-defined]
    assert listener.port is not None
    # Noise, another message id and a bad message around the good one.
    data = b"\x00noise" + _packet({"x": 1}, msg_id=1504) + _packet(b"{") + _packet(MESSAGE)
    await _send(listener.port, data)
    async with asyncio.timeout(5):
        message, peer = await server.get()
    assert message.serial == MESSAGE["SerialID"]
    assert peer == "127.0.0.1"
    assert listener.received == 1
    assert server.empty()


async def test_server_bounds_each_connection(
    server: asyncio.Queue[tuple[AlarmCentreMessage, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Too many bytes end a connection; so does silence; too many connections are refused."""
    listener: AlarmCentreServer = server.listener  # type: ignore[attr-defined]
    assert listener.port is not None
    flood = b"\x00" * (alarm_centre_module.MAX_CONNECTION_BYTES + 4096) + _packet(MESSAGE)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    writer.write(flood)
    async with asyncio.timeout(5):
        assert await reader.read() == b""  # closed by the listener
    writer.close()
    assert listener.received == 0

    monkeypatch.setattr(alarm_centre_module, "READ_TIMEOUT", 0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    async with asyncio.timeout(5):
        assert await reader.read() == b""  # nothing sent: closed after the timeout
    writer.close()

    monkeypatch.setattr(alarm_centre_module, "MAX_CONNECTIONS", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    async with asyncio.timeout(5):
        assert await reader.read() == b""
    writer.close()
    assert listener.rejected == 1


async def test_a_failing_handler_does_not_stop_the_listener(socket_enabled: None) -> None:
    def broken(message: AlarmCentreMessage, peer: str) -> None:
        raise RuntimeError("a handler bug")

    listener = AlarmCentreServer(broken)
    port = await listener.start("127.0.0.1", 0)
    try:
        await _send(port, _packet(MESSAGE) + _packet(MESSAGE))
        assert listener.received == 2
    finally:
        await listener.close()
    assert listener.port is None
