"""Whatever a camera sends: only the client's own errors come out, and nothing piles up.

Properties over the whole receive path, from bytes on the socket to the records the
integration uses: the connection's reader (framing, fragments, routing, pushes), the JSON of
pushes and file lists, and the literal 4 GiB length field. See tests/client/properties.py for
how many examples each runs.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
import json
import struct
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.dvrip.client import Alarm, FileType, RecordFile
from custom_components.dvrip.client.connection import DvripConnection
from custom_components.dvrip.client.const import MAX_JSON_PAYLOAD, MessageId
from custom_components.dvrip.client.errors import DvripError, DvripProtocolError
from custom_components.dvrip.client.framing import (
    FragmentAssembler,
    PacketDecoder,
    decode_json,
    encode_json,
    encode_packet,
    parse_session_id,
)
from tests.client.properties import examples

_HEADER = struct.Struct("<BBxxIIBBHI")

# Values firmware (or an attacker) may put in any field: cheap to draw, and nasty.
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        0,
        -1,
        28,
        2**40,
        1.5,
        "",
        " ",
        "0x1C",
        "0xZZ",
        "x" * 300,
        "2026-11-25 13:05:10",
        "2026-13-45 99:99:99",
        "../../etc/passwd",
        [],
        {},
        [1, "a"],
        {"a": {"b": None}},
    ]
)
ALARM_INFO = st.dictionaries(
    st.sampled_from(["Channel", "Event", "StartTime", "Status", "Extra"]), ODD_VALUES, max_size=5
)
PUSH = st.fixed_dictionaries(
    {},
    optional={
        "AlarmInfo": ALARM_INFO | ODD_VALUES,
        "Name": ODD_VALUES,
        "SessionID": ODD_VALUES,
    },
)
FILE_ENTRY = st.dictionaries(
    st.sampled_from(["BeginTime", "EndTime", "FileLength", "FileName", "DiskNo", "SerialNo"]),
    ODD_VALUES,
    max_size=6,
)
# Message ids that are routed somewhere: replies, pushes, forced logout, media.
MSG_IDS = st.sampled_from([1001, 1004, 1007, 1021, 1441, 1504, 1426, 1561, 1999])


def _packet(msg_id: int, payload: bytes, *, total: int = 0, index: int = 0) -> bytes:
    return encode_packet(msg_id, payload, session_id=0x1C, total=total, index=index, version=1)


@st.composite
def device_streams(draw: st.DrawFn) -> bytes:
    """Packets a device might send (JSON, pushes, fragments, media) with noise between."""
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["push", "json", "fragment", "media", "noise", "header"]))
        if kind == "push":
            parts.append(_packet(MessageId.ALARM_INFO, encode_json(draw(PUSH))))
        elif kind == "json":
            parts.append(_packet(draw(MSG_IDS), draw(st.binary(max_size=60))))
        elif kind == "fragment":
            total = draw(st.integers(0, 4))
            parts.append(
                _packet(
                    1021, draw(st.binary(max_size=40)), total=total, index=draw(st.integers(0, 5))
                )
            )
        elif kind == "media":
            parts.append(_packet(1426, draw(st.binary(max_size=80)), index=draw(st.integers(0, 1))))
        elif kind == "header":
            # A header whose length field lies: anything up to 4 GiB.
            length = draw(st.sampled_from([0xFFFFFFFF, MAX_JSON_PAYLOAD + 1, 2**31, 70000]))
            parts.append(_HEADER.pack(0xFF, 1, 0x1C, 0, 0, 0, draw(MSG_IDS), length))
        else:
            parts.append(draw(st.binary(max_size=40)))
    return b"".join(parts)


class _Writer:
    """Enough of a StreamWriter for a connection that only reads."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        return None


async def _read_all(stream: bytes, chunk: int) -> tuple[DvripConnection, list[dict[str, Any]]]:
    reader = asyncio.StreamReader(limit=2**16)
    for start in range(0, len(stream), chunk):
        reader.feed_data(stream[start : start + chunk])
    reader.feed_eof()
    connection = DvripConnection(reader, _Writer())  # type: ignore[arg-type]
    pushes: list[dict[str, Any]] = []
    connection.on_alarm = lambda message, _session: pushes.append(message)
    waiter = connection.expect(MessageId.SYSINFO_RSP)
    await connection.wait_closed()
    await connection.aclose()
    # A reply waiter gets a packet or the client's own error, never hangs.
    assert waiter.done()
    if not waiter.cancelled() and waiter.exception() is not None:
        assert isinstance(waiter.exception(), DvripError)
    return connection, pushes


@examples(0.3)
@given(device_streams(), st.integers(1, 200))
def test_connection_reader_survives_any_stream(stream: bytes, chunk: int) -> None:
    """The reader ends on the stream's end (or a forced logout) with a client error at most."""
    connection, pushes = asyncio.run(_read_all(stream, chunk))
    task = connection._reader_task
    assert task.done()
    assert task.cancelled() or task.exception() is None
    reason = connection.close_reason
    assert reason is None or isinstance(reason, DvripError)
    assert all(isinstance(push, dict) for push in pushes)
    # Nothing is held beyond a header's worth once the stream has ended.
    assert connection._decoder.buffered <= len(stream)


@examples(0.6)
@given(device_streams(), st.lists(st.integers(1, 300), max_size=6))
def test_push_path_raises_only_client_errors(stream: bytes, cuts: list[int]) -> None:
    """Decoder, fragment assembly, JSON and AlarmInfo: the steps a push goes through."""
    decoder = PacketDecoder()
    assembler = FragmentAssembler()
    position = 0
    for size in [*cuts, len(stream)]:
        chunk, position = stream[position : position + size], position + size
        for packet in decoder.feed(chunk):
            assert packet.header.length == len(packet.payload)
            try:
                payload = assembler.add(packet)
                if payload is None or packet.is_media:
                    continue
                message = decode_json(payload)
            except DvripProtocolError:
                continue
            alarm = Alarm.from_message(message)
            if alarm is not None:
                assert isinstance(alarm.channel, int)
                assert isinstance(alarm.event, str)
                assert isinstance(alarm.status, str)
                assert alarm.start_time is None or isinstance(alarm.start_time, datetime)
            assert isinstance(parse_session_id(message.get("SessionID")), int)
        # Never more than the unread tail.
        assert decoder.buffered <= len(stream)


@examples(0.5)
@given(PUSH)
def test_any_push_json_gives_an_alarm_or_none(push: dict[str, Any]) -> None:
    message = decode_json(json.dumps(push).encode() + b"\n\x00")
    alarm = Alarm.from_message(message)
    assert (alarm is None) == (not isinstance(push.get("AlarmInfo"), dict))


@examples(0.5)
@given(FILE_ENTRY, st.sampled_from(list(FileType)), st.integers(0, 3))
def test_any_file_entry_is_a_record_or_a_value_error(
    entry: dict[str, Any], file_type: FileType, channel: int
) -> None:
    """The file query skips entries that raise ValueError; nothing else may come out."""
    try:
        record = RecordFile.from_entry(entry, file_type, channel)
    except ValueError:
        return
    assert record.name == entry["FileName"]
    assert record.size_bytes >= 0 or isinstance(entry.get("FileLength"), int)
    assert record.to_entry()["FileName"] == record.name


@pytest.mark.parametrize("msg_id", [MessageId.ALARM_INFO, MessageId.DOWNLOAD_DATA])
def test_four_gigabyte_length_is_noise(msg_id: int) -> None:
    """A header claiming 4 GiB (JSON or media) is skipped: nothing waits for its payload."""
    decoder = PacketDecoder()
    lie = _HEADER.pack(0xFF, 1, 0x1C, 0, 0, 0, msg_id, 0xFFFFFFFF)
    push = _packet(MessageId.ALARM_INFO, encode_json({"AlarmInfo": {"Channel": 0}}))
    packets = list(decoder.feed(lie + b"\x00" * 100 + push))
    assert [packet.msg_id for packet in packets] == [MessageId.ALARM_INFO]
    assert decoder.buffered == 0
    assert decoder.skipped_bytes == 120
