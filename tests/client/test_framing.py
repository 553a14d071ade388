"""Bytes on the wire: literal vectors and properties of the packet decoder."""

from __future__ import annotations

import contextlib
import itertools

from hypothesis import given, strategies as st
import pytest

from custom_components.dvrip.client.auth import sofia_hash
from custom_components.dvrip.client.const import (
    HEADER_SIZE,
    MAX_JSON_PAYLOAD,
    MAX_MEDIA_PAYLOAD,
    MessageId,
)
from custom_components.dvrip.client.errors import DvripError, DvripProtocolError
from custom_components.dvrip.client.framing import (
    FragmentAssembler,
    Header,
    Packet,
    PacketDecoder,
    decode_json,
    encode_json,
    encode_packet,
    format_session_id,
    parse_hex_int,
    payload_cap,
)
from tests.client.properties import examples

LOGIN_PAYLOAD = (
    b'{"EncryptType":"MD5","LoginType":"DVRIP-Web","PassWord":"6QNMIQGe","UserName":"admin"}\n\0'
)


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def decode_all(chunks: list[bytes]) -> tuple[list[Packet], PacketDecoder]:
    decoder = PacketDecoder()
    return [packet for chunk in chunks for packet in decoder.feed(chunk)], decoder


def split_at(data: bytes, points: list[int]) -> list[bytes]:
    cuts = [0, *sorted({min(p, len(data)) for p in points}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


# --- literal vectors --------------------------------------------------------------------


def test_login_request_bytes() -> None:
    message = {
        "EncryptType": "MD5",
        "LoginType": "DVRIP-Web",
        "PassWord": "6QNMIQGe",
        "UserName": "admin",
    }
    payload = encode_json(message)
    assert payload == LOGIN_PAYLOAD
    assert encode_packet(MessageId.LOGIN_REQ, payload) == (
        hexbytes("ff000000 00000000 00000000 0000e803 58000000") + LOGIN_PAYLOAD
    )


def test_login_reply_header_unpacks() -> None:
    header = Header.unpack(hexbytes("ff010000 1c000000 00000000 0000e903 5f000000"))
    assert header == Header(
        session_id=0x1C, sequence=0, msg_id=1001, length=0x5F, version=1, total=0, index=0
    )


def test_media_header_round_trip() -> None:
    raw = hexbytes("ff010000 1c000000 07000000 00019205 5f000000")
    header = Header.unpack(raw)
    assert (header.msg_id, header.sequence, header.total, header.index) == (1426, 7, 0, 1)
    assert header.pack() == raw


def test_reserved_bytes_are_ignored() -> None:
    # Some devices set byte 2 on media packets.
    header = Header.unpack(hexbytes("ff010100 1c000000 07000000 00019205 00000000"))
    assert header.msg_id == 1426


@pytest.mark.parametrize(
    "raw",
    [
        hexbytes("fe010000 1c000000 00000000 0000e903 5f000000"),
        hexbytes("ff0100"),
    ],
)
def test_bad_header_is_a_protocol_error(raw: bytes) -> None:
    with pytest.raises(DvripProtocolError):
        Header.unpack(raw)


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
def test_sofia_hash(password: str, expected: str) -> None:
    assert sofia_hash(password) == expected


# --- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"Ret":100}\n\x00', {"Ret": 100}),
        (b'{"Ret":100}\n', {"Ret": 100}),
        (b'{"Ret":100}', {"Ret": 100}),
        (b'{"DeviceType ":"IPC","Ret":100}\n\x00', {"DeviceType ": "IPC", "Ret": 100}),
        (b'{"Name":"a\x01b\x1fc","Ret":100}\n\x00', {"Name": "abc", "Ret": 100}),
        (b'{"Name":"tab\there"}\n\x00', {"Name": "tab\there"}),
        (b'{"Name":"caf\xe9"}\n\x00', {"Name": "caf\u00e9"}),
        ('{"Name":"café"}\n\0'.encode(), {"Name": "caf\u00e9"}),
    ],
)
def test_decode_json_is_lenient(payload: bytes, expected: dict[str, object]) -> None:
    assert decode_json(payload) == expected


@pytest.mark.parametrize(
    "payload",
    [b"[1,2]\n\x00", b'"text"', b"100", b"", b"\n\x00", b"{not json", b"[" * 100_000],
)
def test_decode_json_rejects_non_objects(payload: bytes) -> None:
    with pytest.raises(DvripProtocolError):
        decode_json(payload)


def test_encode_json_round_trips() -> None:
    message = {"Name": "KeepAlive", "SessionID": "0x0000001C"}
    assert decode_json(encode_json(message)) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0x1c", 28),
        ("0x1C", 28),
        ("0x0000001C", 28),
        ("0X0000001c", 28),
        ("0xb", 11),
        (" 0x1c ", 28),
        (28, 28),
        ("28", 28),
        ("0x", -1),
        ("junk", -1),
        ("", -1),
        (None, -1),
        (True, -1),
        (2.5, -1),
        ([28], -1),
    ],
)
def test_parse_hex_int(value: object, expected: int) -> None:
    assert parse_hex_int(value, default=-1) == expected


def test_session_id_format_round_trips() -> None:
    assert format_session_id(0x1C) == "0x0000001C"
    assert parse_hex_int(format_session_id(0xDEADBEEF)) == 0xDEADBEEF


# --- packet decoder ---------------------------------------------------------------------

PACKETS = [
    encode_packet(MessageId.LOGIN_RSP, b'{"Ret":100}\n\x00', session_id=0x1C, version=1),
    encode_packet(MessageId.ALARM_INFO, b'{"Name":"AlarmInfo"}\n\x00', session_id=0x1C),
    encode_packet(MessageId.DOWNLOAD_DATA, b"{media that looks like JSON", index=1),
    encode_packet(MessageId.KEEPALIVE_RSP, b""),
]
STREAM = b"".join(PACKETS)


def summary(packets: list[Packet]) -> list[tuple[int, bytes]]:
    return [(packet.msg_id, packet.payload) for packet in packets]


EXPECTED = [(Header.unpack(p).msg_id, p[HEADER_SIZE:]) for p in PACKETS]


def test_every_split_point_decodes_the_same() -> None:
    for point in range(len(STREAM) + 1):
        packets, decoder = decode_all([STREAM[:point], STREAM[point:]])
        assert summary(packets) == EXPECTED
        assert decoder.buffered == 0


def test_byte_by_byte() -> None:
    packets, _ = decode_all([bytes([b]) for b in STREAM])
    assert summary(packets) == EXPECTED


def test_several_packets_in_one_chunk() -> None:
    packets, decoder = decode_all([STREAM])
    assert summary(packets) == EXPECTED
    assert packets[2].is_media
    assert not packets[0].is_media
    assert decoder.skipped_bytes == 0


def test_garbage_between_packets_is_skipped() -> None:
    garbage = [b"\x00\x01junk", b"\xff\xff\xfe", b"\xff" + b"\x00" * 25, b"noise" * 7]
    stream = b"".join(g + p for g, p in zip(garbage, PACKETS, strict=True))
    packets, decoder = decode_all([stream])
    assert summary(packets) == EXPECTED
    assert decoder.skipped_bytes == sum(len(g) for g in garbage)


@pytest.mark.parametrize("length", [0xFFFFFFFF, MAX_MEDIA_PAYLOAD + 1])
def test_huge_length_never_allocates(length: int) -> None:
    bogus = hexbytes("ff010000 00000000 00000000 00009205") + length.to_bytes(4, "little")
    packets, decoder = decode_all([bogus, b"\x00" * 100])
    assert packets == []
    assert decoder.buffered < HEADER_SIZE
    packets = list(decoder.feed(STREAM))
    assert summary(packets) == EXPECTED


def test_json_length_above_its_cap_is_not_a_header() -> None:
    bogus = encode_packet(MessageId.LOGIN_RSP, b"")[:16] + (MAX_JSON_PAYLOAD + 1).to_bytes(
        4, "little"
    )
    packets, _ = decode_all([bogus + STREAM])
    assert summary(packets) == EXPECTED


def test_incomplete_packet_waits() -> None:
    decoder = PacketDecoder()
    assert list(decoder.feed(PACKETS[0][:-1])) == []
    assert decoder.buffered == len(PACKETS[0]) - 1
    assert len(list(decoder.feed(PACKETS[0][-1:]))) == 1


# --- fragments ----------------------------------------------------------------------------


def fragments(msg_id: int, parts: list[bytes]) -> list[Packet]:
    return [
        Packet(Header(1, 0, msg_id, len(part), total=len(parts), index=i), part)
        for i, part in enumerate(parts)
    ]


def test_unfragmented_passes_through() -> None:
    packet = Packet(Header(1, 0, 1043, 3), b"abc")
    assert FragmentAssembler().add(packet) == b"abc"


def test_fragments_in_order() -> None:
    assembler = FragmentAssembler()
    results = [assembler.add(p) for p in fragments(1043, [b"ab", b"cd", b"ef"])]
    assert results == [None, None, b"abcdef"]


def test_fragments_out_of_order() -> None:
    assembler = FragmentAssembler()
    packets = fragments(1043, [b"ab", b"cd", b"ef"])
    results = [assembler.add(packets[i]) for i in (2, 0, 1)]
    assert results == [None, None, b"abcdef"]


def test_fragments_of_different_messages_interleave() -> None:
    assembler = FragmentAssembler()
    first = fragments(1043, [b"a", b"b"])
    second = fragments(1021, [b"c", b"d"])
    results = [assembler.add(p) for p in (first[0], second[0], first[1], second[1])]
    assert results == [None, None, b"ab", b"cd"]


def test_fragments_over_cap() -> None:
    assembler = FragmentAssembler(cap=10)
    packets = fragments(1043, [b"x" * 6, b"y" * 6])
    assert assembler.add(packets[0]) is None
    with pytest.raises(DvripProtocolError):
        assembler.add(packets[1])
    # Nothing stale is left behind: the next message assembles cleanly.
    results = [assembler.add(p) for p in fragments(1043, [b"a", b"b"])]
    assert results == [None, b"ab"]


def test_fragment_index_outside_total() -> None:
    packet = Packet(Header(1, 0, 1043, 1, total=2, index=2), b"x")
    with pytest.raises(DvripProtocolError):
        FragmentAssembler().add(packet)


def test_lost_fragment_does_not_poison_the_next_message() -> None:
    assembler = FragmentAssembler()
    old = fragments(1043, [b"old0", b"old1"])
    new = fragments(1043, [b"new0", b"new1"])
    assert assembler.add(old[0]) is None  # old[1] never arrives
    assert assembler.add(new[0]) is None
    assert assembler.add(new[1]) == b"new0new1"


# --- properties ---------------------------------------------------------------------------

MSG_IDS = st.sampled_from([int(m) for m in MessageId])
# Header fields the decoder looks at, with values devices put there (not only ours).
packets_strategy = st.lists(
    st.builds(
        lambda msg_id, payload, version, fragment: encode_packet(
            msg_id, payload, version=version, total=fragment, index=fragment >> 4
        ),
        MSG_IDS,
        st.binary(max_size=120),
        st.integers(0, 1),
        st.integers(0, 255),
    ),
    max_size=5,
)


def assert_holds_one_partial_packet(stream: bytes, decoder: PacketDecoder) -> None:
    """What the decoder keeps is the unread tail: noise shorter than a header, or the start of
    one plausible packet still missing bytes."""
    assert decoder.buffered <= len(stream)
    tail = stream[len(stream) - decoder.buffered :]
    if len(tail) >= HEADER_SIZE:
        header = Header.unpack(tail)
        assert header.length <= payload_cap(header.msg_id)
        assert len(tail) < HEADER_SIZE + header.length


def feed_checked(chunks: list[bytes]) -> list[Packet]:
    decoder = PacketDecoder()
    packets: list[Packet] = []
    seen = b""
    for chunk in chunks:
        with contextlib.suppress(DvripError):
            packets.extend(decoder.feed(chunk))
        seen += chunk
        assert decoder.buffered <= HEADER_SIZE + MAX_MEDIA_PAYLOAD + len(chunk)
        assert_holds_one_partial_packet(seen, decoder)
    return packets


@st.composite
def mutated(draw: st.DrawFn, stream: bytes) -> bytes:
    data = bytearray(stream)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=24))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 24))]
    return bytes(data)


@examples(0.8)
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes_never_break_the_decoder(chunks: list[bytes]) -> None:
    feed_checked(chunks)


@examples(0.6)
@given(st.data(), packets_strategy, st.lists(st.integers(0, 1200), max_size=5))
def test_mutated_streams_never_break_the_decoder(
    data: st.DataObject, packets: list[bytes], points: list[int]
) -> None:
    stream = data.draw(mutated(b"".join(packets)))
    feed_checked(split_at(stream, points))


@examples(0.6)
@given(
    packets_strategy,
    st.lists(st.binary(max_size=30).map(lambda g: g.replace(b"\xff", b"")), max_size=6),
    st.lists(st.integers(0, 1200), max_size=6),
)
def test_valid_packets_survive_any_split_and_noise(
    packets: list[bytes], noise: list[bytes], points: list[int]
) -> None:
    # Noise without 0xFF cannot look like a header, so every packet must come through.
    stream = b"".join(n + p for n, p in itertools.zip_longest(noise, packets, fillvalue=b""))
    decoded = feed_checked(split_at(stream, points))
    assert [p.header.pack() + p.payload for p in decoded] == packets


@examples(1.8)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_decode_json_only_raises_protocol_errors(payload: bytes) -> None:
    with contextlib.suppress(DvripProtocolError):
        assert isinstance(decode_json(payload), dict)


# Orders of at most eight fragments: a small space that needs few examples.
@examples(0.25)
@given(st.data(), st.lists(st.binary(max_size=40), min_size=2, max_size=8))
def test_fragments_assemble_in_any_order(data: st.DataObject, parts: list[bytes]) -> None:
    packets = fragments(1043, parts)
    order = data.draw(st.permutations(range(len(parts))))
    assembler = FragmentAssembler()
    results = [assembler.add(packets[i]) for i in order]
    assert results[:-1] == [None] * (len(parts) - 1)
    assert results[-1] == b"".join(parts)
