"""Live video (OPMonitor): python-dvr and a reader written from go2rtc's rules watch it."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from typing import Any

from dvrip import DVRIPCam  # type: ignore[import-untyped]
import pytest

from simulator import CameraSimulator
from tests.simulator_fixtures import StartCamera

from .conftest import PASSWORD, Connect

MONITOR = 1410
MONITOR_DATA = 1412
MONITOR_CLAIM = 1413
VIDEO_SECONDS = 2.0


def _monitor_body(
    session: str, action: str, stream: str = "Main", channel: Any = 0
) -> dict[str, Any]:
    return {
        "Name": "OPMonitor",
        "SessionID": session,
        "OPMonitor": {
            "Action": action,
            "Parameter": {
                "Channel": channel,
                "CombinMode": "NONE",
                "StreamType": stream,
                "TransMode": "TCP",
            },
        },
    }


@pytest.mark.parametrize(
    ("profile", "stream", "codec", "size"),
    [
        ("ipc", "Main", "h264", (320, 240)),
        ("ipc", "Extra1", "h264", (160, 120)),
        ("h265", "Main", "h265", (320, 240)),
    ],
)
async def test_python_dvr_watches_the_live_stream(
    start_camera: StartCamera, profile: str, stream: str, codec: str, size: tuple[int, int]
) -> None:
    """python-dvr's start_monitor() gets I- and P-frames of the camera's codec and G.711
    A-law audio, a frame rate's worth of video each second.
    """
    camera = await start_camera(profile=profile)
    fps = camera.profile.clip_fps
    wanted = int(VIDEO_SECONDS * fps) + 1
    frames: list[tuple[float, dict[str, Any], int]] = []
    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password=PASSWORD)

    def on_frame(frame: bytes | None, meta: dict[str, Any], user: Any) -> None:
        frames.append((time.monotonic(), dict(meta), len(frame or b"")))
        if sum(1 for _, m, _ in frames if "frame" in m) >= wanted:
            cam.stop_monitor()

    def watch() -> Any:
        cam.connect(timeout=5)
        assert cam.login()
        return cam.start_monitor(on_frame, stream=stream)

    try:
        assert await asyncio.to_thread(watch) is None
    finally:
        cam.socket.shutdown(socket.SHUT_RDWR)
        cam.close()

    video = [(at, meta) for at, meta, _ in frames if "frame" in meta]
    keyframes = [meta for _, meta in video if meta["frame"] == "I"]
    assert keyframes, "no I-frame"
    assert all(meta["type"] == codec for meta in keyframes)
    assert {(meta["width"], meta["height"]) for meta in keyframes} == {size}
    assert {meta["fps"] for meta in keyframes} == {fps}
    assert any(meta["frame"] == "P" for _, meta in video)
    audio = [length for _, meta, length in frames if meta.get("type") == "g711a"]
    assert audio
    assert set(audio) == {320}
    # Real time: the frames of two seconds take two seconds (not sent as fast as possible).
    elapsed = video[-1][0] - video[0][0]
    assert VIDEO_SECONDS * 0.9 <= elapsed <= VIDEO_SECONDS * 1.5
    # About 25 audio frames a second came with them.
    assert len(audio) >= VIDEO_SECONDS * 25 * 0.8
    assert camera.live.started[-1].claim.stream.value == stream


async def test_go2rtc_reader_joins_frames_and_stop_ends_them(
    camera: CameraSimulator, connect: Connect
) -> None:
    """Read as go2rtc's `Handle()` does: every packet after Start is media; a frame begins a
    packet and is joined by its declared length. The first frames may be P-frames (the
    stream starts mid-second); Stop ends the frames and the connection stays usable.
    """
    client = await connect(camera, login=True)
    claim = await client.request(MONITOR_CLAIM, _monitor_body(client.session_text(), "Claim"))
    assert claim["Ret"] == 100
    await client.send(MONITOR, _monitor_body(client.session_text(), "Start"))
    kinds: list[int] = []
    buffer = b""
    size = 0
    while kinds.count(0xFC) < 2:
        packet = await client.read_packet()
        assert packet.message_id == MONITOR_DATA
        assert packet.byte12 == 0
        buffer = buffer + packet.payload if size else packet.payload
        kind = struct.unpack(">I", buffer[:4])[0]
        assert kind >> 8 == 1, f"a packet that begins no frame: {buffer[:8]!r}"
        if kind in (0x1FC, 0x1FE):
            size = struct.unpack("<I", buffer[12:16])[0] + 16
        elif kind == 0x1FD:
            size = struct.unpack("<I", buffer[4:8])[0] + 8
        else:
            size = struct.unpack("<H", buffer[6:8])[0] + 8
        if len(buffer) < size:
            continue
        assert len(buffer) == size
        kinds.append(kind & 0xFF)
        size = 0
    assert kinds[0] != 0xFC, "a live stream starts mid-second, before an I-frame"
    assert 0xFA in kinds
    assert 0xFD in kinds
    await client.send(MONITOR, _monitor_body(client.session_text(), "Stop"))
    await camera.wait_for(lambda: not camera.live.running)
    # A frame on its way may still come; then the next answer is the keepalive's.
    reply = await client.request(1006, {"Name": "KeepAlive", "SessionID": client.session_text()})
    assert reply["Ret"] == 100


@pytest.mark.parametrize(("stream", "channel"), [("Extra2", 0), ("Main", 1), ("Main", "0")])
async def test_claims_the_camera_lacks_are_refused(
    camera: CameraSimulator, connect: Connect, stream: str, channel: Any
) -> None:
    client = await connect(camera, login=True)
    body = _monitor_body(client.session_text(), "Claim", stream, channel)
    assert (await client.request(MONITOR_CLAIM, body))["Ret"] == 103
    assert not camera.live.started


async def test_start_without_claim_is_refused(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    reply = await client.request(MONITOR, _monitor_body(client.session_text(), "Start"))
    assert reply["Ret"] == 103
    assert not camera.live.started


async def test_closing_the_connection_ends_the_stream(
    camera: CameraSimulator, connect: Connect
) -> None:
    client = await connect(camera, login=True)
    assert (await client.request(MONITOR_CLAIM, _monitor_body(client.session_text(), "Claim")))[
        "Ret"
    ] == 100
    await client.send(MONITOR, _monitor_body(client.session_text(), "Start"))
    await camera.wait_for(lambda: bool(camera.live.running))
    await client.close()
    await camera.wait_for(lambda: not camera.live.running)
