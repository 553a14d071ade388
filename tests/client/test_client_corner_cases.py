"""Client behaviour on device replies the simulator never sends: late, split, garbled, refused."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from custom_components.dvrip.client import (
    Alarm,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    DvripConnectionError,
    DvripError,
    DvripProtocolError,
    DvripTimeoutError,
    DvripUnsupportedError,
    FileType,
    LoginRefusal,
    RecordEvent,
)
from custom_components.dvrip.client.media import FrameType
from simulator.media import jpeg_picture, pack_frame
from tests.client.fake_device import LOGIN_OK, FakeDevice, Request, packet, reply


async def _login_then(request: Request, writer: asyncio.StreamWriter) -> bool:
    """Answer a login or logout; True when the request was one."""
    if request.msg_id == 1000:
        writer.write(reply(1001, LOGIN_OK))
        return True
    if request.msg_id == 1002:
        writer.write(reply(1003, {"Ret": 100}))
        return True
    return False


def _client(device: FakeDevice, **kwargs: object) -> DvripClient:
    return DvripClient("127.0.0.1", device.port, "admin", "pw", timeout=2.0, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ret", "unknown_user_ret", "refusal"),
    [
        (106, 106, LoginRefusal.INVALID_CREDENTIALS),
        (203, 203, LoginRefusal.INVALID_CREDENTIALS),
        (204, 204, LoginRefusal.INVALID_CREDENTIALS),
        # 205 is a lock where the device tells an unknown user apart...
        (205, 203, LoginRefusal.LOCKED),
        (205, 204, LoginRefusal.LOCKED),
        # ...and "no such user" where it says 205 for an unknown user as well.
        (205, 205, LoginRefusal.INVALID_CREDENTIALS),
        (206, 203, LoginRefusal.BLACKLISTED),
        (207, 203, LoginRefusal.SESSION_REFUSED),
    ],
)
async def test_login_refusals_are_auth_errors(
    ret: int, unknown_user_ret: int, refusal: LoginRefusal
) -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        known = request.body.get("UserName") == "admin"
        writer.write(reply(1001, {"Ret": ret if known else unknown_user_ret, "SessionID": "0x0"}))

    async with FakeDevice(handler) as device:
        client = _client(device)
        with pytest.raises(DvripAuthError) as caught:
            await client.connect()
    assert caught.value.ret == ret
    assert caught.value.refusal is refusal
    assert caught.value.locked is (refusal is not LoginRefusal.INVALID_CREDENTIALS)
    assert not client.connected


@pytest.mark.parametrize(
    "login_reply",
    [{"Ret": 102}, {"Ret": 100, "SessionID": "0x1", "EncryptType": "RSA"}],
)
async def test_encrypted_login_firmware_is_unsupported(login_reply: dict[str, object]) -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(1001, login_reply))

    async with FakeDevice(handler) as device:
        with pytest.raises(DvripUnsupportedError):
            await _client(device).connect()


async def test_other_login_failure_is_a_command_error() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(reply(1001, {"Ret": 101}))

    async with FakeDevice(handler) as device:
        with pytest.raises(DvripCommandError) as caught:
            await _client(device).connect()
    assert caught.value.ret == 101


async def test_unreachable_device_is_a_connection_error() -> None:
    async with FakeDevice(_noop) as device:
        port = device.port
    with pytest.raises(DvripConnectionError):
        await DvripClient("127.0.0.1", port, timeout=2.0).connect()


async def _noop(request: Request, writer: asyncio.StreamWriter) -> None:
    return None


async def test_no_login_reply_times_out_without_hanging() -> None:
    async with FakeDevice(_noop) as device:
        client = DvripClient("127.0.0.1", device.port, timeout=0.2)
        with pytest.raises(DvripTimeoutError):
            await client.connect()


async def test_late_reply_never_answers_the_next_request() -> None:
    """A reply after its timeout keeps the connection and is never taken for the next
    request of the same name: a keepalive round trip settles it first.
    """
    late: list[bytes] = []

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1020 and not late:
            # The first SystemInfo is answered only after the client gave up on it, and
            # before the device answers anything asked after it (devices answer in order).
            late.append(
                reply(1021, {"Name": "SystemInfo", "Ret": 100, "SystemInfo": {"SerialNo": "STALE"}})
            )
            return
        writer.write(b"".join(late))
        late.clear()
        late.append(b"")
        if request.msg_id == 1006:
            writer.write(reply(1007, {"Name": "KeepAlive", "Ret": 100}))
        elif request.msg_id == 1020:
            writer.write(
                reply(1021, {"Name": "SystemInfo", "Ret": 100, "SystemInfo": {"SerialNo": "FRESH"}})
            )

    async with FakeDevice(handler) as device:
        client = DvripClient("127.0.0.1", device.port, timeout=0.3)
        await client.connect()
        with pytest.raises(DvripTimeoutError):
            await client.get_system_info()
        assert client.connected
        info = await client.get_system_info()
        assert info["SerialNo"] == "FRESH"
        assert [request.msg_id for request in device.requests] == [1000, 1020, 1006, 1020]
        assert device.connections == 1
        await client.close()


async def test_late_reply_of_another_name_is_dropped_and_pushes_keep_coming() -> None:
    """A ConfigGet the device does not answer in time costs nothing: the next ConfigGet of
    another name gets its own answer though the late one comes first, and alarms keep coming.
    """
    late: list[bytes] = []
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id != 1042:
            return
        name = request.body["Name"]
        if name == "Detect":
            late.append(reply(1043, {"Name": "Detect", "Ret": 100, "Detect": {"Big": True}}))
            writer.write(reply(1504, _push("VideoMotion")))
            return
        writer.write(b"".join(late))
        late.clear()
        writer.write(reply(1504, _push("HumanDetect")))
        writer.write(reply(1043, {"Name": name, "Ret": 100, name: {"MachineName": "Shed"}}))

    async with FakeDevice(handler) as device:
        client = DvripClient("127.0.0.1", device.port, timeout=0.3)
        client.add_alarm_listener(alarms.put_nowait)
        await client.connect()
        with pytest.raises(DvripTimeoutError):
            await client.get_config("Detect")
        assert client.connected
        assert await client.get_device_name() == "Shed"
        assert client.connected
        assert device.connections == 1
        assert [(await alarms.get()).event for _ in range(2)] == ["VideoMotion", "HumanDetect"]
        await client.close()


def _push(event: str) -> dict[str, object]:
    return {
        "Name": "AlarmInfo",
        "AlarmInfo": {
            "Channel": 0,
            "Event": event,
            "StartTime": "2026-12-06 10:00:00",
            "Status": "Start",
        },
        "SessionID": "0x0000001C",
    }


async def test_fragmented_reply_is_reassembled() -> None:
    body = reply(1021, {"Ret": 100, "SystemInfo": {"SerialNo": "X" * 300}})[20:]
    parts = [body[:100], body[100:250], body[250:]]

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        # Out of order, with garbage between packets.
        writer.write(packet(1021, parts[1], total=3, index=1))
        writer.write(b"\x00garbage\xff\x00")
        writer.write(packet(1021, parts[0], total=3, index=0))
        writer.write(packet(1021, parts[2], total=3, index=2))

    async with FakeDevice(handler) as device, _client(device) as client:
        info = await client.get_system_info()
    assert info["SerialNo"] == "X" * 300


async def test_forced_logout_reaches_disconnect_listeners() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1020:
            writer.write(reply(1004, {"Name": "", "Ret": 100}))

    async with FakeDevice(handler) as device:
        client = _client(device)
        lost: asyncio.Future[DvripError | None] = asyncio.get_running_loop().create_future()
        client.add_disconnect_listener(lambda reason: lost.set_result(reason))
        await client.connect()
        with pytest.raises(DvripConnectionError):
            await client.get_system_info()
        async with asyncio.timeout(2):
            reason = await lost
        assert isinstance(reason, DvripConnectionError)
        assert "forced logout" in str(reason)
        assert not client.connected
        await client.close()


async def test_invalid_json_reply_is_a_protocol_error() -> None:
    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        writer.write(packet(1021, b"{not json"))

    async with FakeDevice(handler) as device, _client(device) as client:
        with pytest.raises(DvripProtocolError):
            await client.get_system_info()


async def test_unreadable_alarm_push_is_skipped_and_the_next_delivered() -> None:
    pushes = [
        packet(1504, b"\x01\x02 not json"),
        reply(1504, {"Name": "AlarmInfo"}),
        reply(
            1504,
            {
                "AlarmInfo": {
                    "Channel": 0,
                    "Event": "HumanDetect",
                    "StartTime": "2026-11-25 10:00:00",
                    "Status": "Start",
                },
                "Name": "AlarmInfo",
            },
        ),
    ]

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1500:
            writer.write(reply(1501, {"Ret": 100}))
            writer.write(b"".join(pushes))

    async with FakeDevice(handler) as device, _client(device) as client:
        received: asyncio.Queue[object] = asyncio.Queue()

        def broken_listener(alarm: object) -> None:
            raise RuntimeError("a listener bug must not stop delivery")

        client.add_alarm_listener(broken_listener)
        client.add_alarm_listener(received.put_nowait)
        await client.subscribe_alarms()
        async with asyncio.timeout(2):
            alarm = await received.get()
    assert alarm.event == "HumanDetect"  # type: ignore[attr-defined]
    assert alarm.start_time == datetime(2026, 11, 25, 10, 0, 0)  # type: ignore[attr-defined]


async def test_file_query_tolerates_odd_replies() -> None:
    """A single entry as an object, incomplete entries, and a page that does not advance."""
    entry = {
        "BeginTime": "2026-11-25 10:00:00",
        "EndTime": "2026-11-25 10:00:30",
        "FileLength": "0x00000010",
        "FileName": "/idea0/2026-11-25/001/10.00.00-10.00.30[M][@1][0].h264",
    }
    replies = [
        {"Ret": 100, "OPFileQuery": entry},
        {"Ret": 100, "OPFileQuery": [{"FileName": "broken"}, "junk", entry] * 22},
    ]

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1440:
            writer.write(reply(1441, replies.pop(0) if replies else {"Ret": 119}))

    async with FakeDevice(handler) as device, _client(device) as client:
        single = await client.query_files(datetime(2026, 11, 25), datetime(2026, 11, 26))
        repeated = await client.query_files(datetime(2026, 11, 25), datetime(2026, 11, 26))
    assert [f.name for f in single] == [entry["FileName"]]
    assert single[0].event is RecordEvent.MOTION
    assert single[0].size_bytes == 16 * 1024
    assert single[0].file_type is FileType.VIDEO
    # 66 entries, one distinct file: the page repeats nothing new, so paging stops.
    assert [f.name for f in repeated] == [entry["FileName"]]


async def test_snapshot_refused_or_garbled() -> None:
    answers = [reply(1561, {"Ret": 102}), packet(1561, b"\x00\x01binary")]

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1560:
            writer.write(answers.pop(0))

    async with FakeDevice(handler) as device, _client(device) as client:
        with pytest.raises(DvripCommandError) as refused:
            await client.snapshot()
        assert refused.value.ret == 102
        with pytest.raises(DvripProtocolError):
            await client.snapshot()


async def test_a_closed_client_never_logs_in_again() -> None:
    """Requests after close() (a download winding down, say) fail instead of reconnecting."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1452:
            writer.write(reply(1453, {"Ret": 100, "OPTimeQuery": "2026-11-25 10:00:00"}))

    async with FakeDevice(handler) as device:
        client = _client(device)
        await client.connect()
        await client.close()
        with pytest.raises(DvripConnectionError, match="closed"):
            await client.get_time()
        assert device.connections == 1
        # connect() is the way back.
        await client.connect()
        assert await client.get_time() == datetime(2026, 11, 25, 10, 0, 0)
        await client.close()
    assert device.connections == 2


async def test_pushes_for_another_session_are_dropped() -> None:
    """A push naming another login session (header or JSON) is not ours; 0 or none is."""
    info = {"Channel": 0, "Event": "VideoMotion", "StartTime": "2026-11-25 10:00:00"}

    def push(session_json: object, header_session: int, event: str) -> bytes:
        body: dict[str, object] = {"AlarmInfo": {**info, "Event": event}, "Name": "AlarmInfo"}
        if session_json is not None:
            body["SessionID"] = session_json
        return reply(1504, body, session=header_session)

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id == 1500:
            writer.write(reply(1501, {"Ret": 100}))
            writer.write(push("0x0000011C", 0x1C, "ForeignJson"))
            writer.write(push("0x1c", 0x11C, "ForeignHeader"))
            writer.write(push(None, 0, "NoSession"))
            writer.write(push("0000001C", 0x1C, "Ours"))

    async with FakeDevice(handler) as device, _client(device) as client:
        received: asyncio.Queue[object] = asyncio.Queue()
        client.add_alarm_listener(received.put_nowait)
        await client.subscribe_alarms()
        async with asyncio.timeout(2):
            events = [(await received.get()).event for _ in range(2)]  # type: ignore[attr-defined]
    assert events == ["NoSession", "Ours"]
    assert client.foreign_pushes == 2


@pytest.mark.parametrize(
    "shape",
    ["one packet, channel in byte 12", "raw over packets", "picture frame over packets"],
)
async def test_still_shapes_give_the_whole_jpeg(shape: str) -> None:
    jpeg = jpeg_picture()

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id != 1560:
            return
        if shape.startswith("one packet"):
            writer.write(packet(1561, jpeg, total=2))  # channel 2, not two fragments
            return
        data = jpeg if shape.startswith("raw") else pack_frame(FrameType.PICTURE, jpeg)
        pieces = [data[i : i + 1000] for i in range(0, len(data), 1000)]
        for index, piece in enumerate(pieces):
            writer.write(packet(1561, piece, total=2, index=int(index == len(pieces) - 1)))

    async with FakeDevice(handler) as device, _client(device) as client:
        assert await client.snapshot(2) == jpeg
        assert client.connected


@pytest.mark.parametrize("ending", ["end flag", "connection closed", "silence"])
async def test_a_still_cut_short_is_an_error_not_half_a_picture(ending: str) -> None:
    """However the still stops early, no half JPEG comes back and the alarm session stays."""
    jpeg = jpeg_picture()

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if await _login_then(request, writer):
            return
        if request.msg_id != 1560:
            return
        writer.write(packet(1561, jpeg[:1000]))
        if ending == "end flag":
            writer.write(packet(1561, jpeg[1000:2000], index=1))
        elif ending == "connection closed":
            writer.close()

    async with FakeDevice(handler) as device, _client(device) as client:
        errors = {
            "end flag": DvripProtocolError,
            "connection closed": DvripConnectionError,
            "silence": DvripTimeoutError,
        }
        with pytest.raises(errors[ending]):
            await client.snapshot()
        assert client.connected
        assert device.connections == 2  # the still had a login of its own


async def test_session_id_without_0x_is_hex() -> None:
    """The vendor's examples write "00000010": session 0x10, not 10."""

    async def handler(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.msg_id == 1000:
            writer.write(reply(1001, {**LOGIN_OK, "SessionID": "00000010"}, session=0x10))

    async with FakeDevice(handler) as device, _client(device) as client:
        assert client.session_id == 0x10
