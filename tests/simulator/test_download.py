"""Downloads over OPPlayBack: one socket, two sockets, end markers, stop, pacing."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from simulator import CameraSimulator, EndMarker, HistoryEntry
from simulator.media import PictureKind

from .conftest import PASSWORD, Connect, StartCamera
from .raw_client import (
    ALARM_INFO,
    ALARM_SET,
    CLAIM,
    DOWNLOAD_DATA,
    LOGIN,
    PLAYBACK,
    TIME_QUERY,
    RawClient,
    playback_body as body,
)

MOMENT = datetime(2026, 11, 25, 13, 5, 10)


def seed_clip(camera: CameraSimulator, **kw: Any) -> HistoryEntry:
    (clip,) = camera.add_history(MOMENT, picture=False, **kw)
    return clip


async def test_two_socket_download(camera: CameraSimulator, connect: Connect) -> None:
    clip = seed_clip(camera)
    entry = clip.to_json()
    control = await connect(camera, login=True)
    data = await connect(camera)
    await data.send(CLAIM, body("Claim", entry, control.session_id), session_id=control.session_id)
    claimed = await data.expect(CLAIM + 1)
    assert claimed.json()["Ret"] == 100
    assert claimed.session_id == control.session_id
    started = await control.request(PLAYBACK, body("DownloadStart", entry))
    assert started["Ret"] == 100
    payload, packets = await data.read_download()
    assert payload == await clip.media()
    assert all(p.message_id == DOWNLOAD_DATA for p in packets)
    assert all(p.byte12 == 0 for p in packets)  # channel
    assert all(p.session_id == control.session_id for p in packets)
    assert packets[-1].payload == b""  # zero-length end marker
    assert all(p.byte13 == 0 for p in packets)
    assert all(len(p.payload) <= camera.profile.chunk_size for p in packets)
    await camera.wait_for(lambda: camera.stats.downloads_completed == 1)
    assert camera.stats.downloads == 1


async def test_alarms_flow_during_two_socket_download(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(bandwidth=400_000, profile_overrides={"chunk_size": 8192})
    clip = seed_clip(camera)
    entry = clip.to_json()
    control = await connect(camera, login=True)
    await control.request(ALARM_SET, {"Name": ""})
    data = await connect(camera)
    await data.send(CLAIM, body("Claim", entry, control.session_id), session_id=control.session_id)
    await data.expect(CLAIM + 1)
    await control.request(PLAYBACK, body("DownloadStart", entry))
    first = await data.read_message()
    assert first.message_id == DOWNLOAD_DATA
    record = await camera.raise_alarm()
    assert record.pushed_to == 1
    assert (await control.expect(ALARM_INFO)).json()["AlarmInfo"]["StartTime"] == (
        record.start_time
    )
    payload, _ = await data.read_download()
    assert first.payload + payload == await clip.media()


async def test_one_socket_download_with_interleaved_push(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(bandwidth=400_000, profile_overrides={"chunk_size": 8192})
    clip = seed_clip(camera)
    entry = clip.to_json()
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    assert (await client.request(CLAIM, body("Claim", entry)))["Ret"] == 100
    assert (await client.request(PLAYBACK, body("DownloadStart", entry)))["Ret"] == 100
    first = await client.read_message()
    assert first.message_id == DOWNLOAD_DATA
    await camera.raise_alarm()
    payload, packets = await client.read_download()
    assert first.payload + payload == await clip.media()
    assert packets[-1].payload == b""
    assert [m.message_id for m in client.skipped] == [ALARM_INFO]


@pytest.mark.parametrize(
    ("marker", "flag_last", "zero_length"),
    [
        (EndMarker.ZERO_LENGTH, False, True),
        (EndMarker.END_FLAG, True, False),
        (EndMarker.BOTH, True, True),
    ],
)
async def test_end_markers(
    start_camera: StartCamera,
    connect: Connect,
    marker: EndMarker,
    flag_last: bool,
    zero_length: bool,
) -> None:
    camera = await start_camera(profile_overrides={"end_marker": marker})
    clip = seed_clip(camera)
    entry = clip.to_json()
    client = await connect(camera, login=True)
    await client.request(CLAIM, body("Claim", entry))
    await client.request(PLAYBACK, body("DownloadStart", entry))
    payload, packets = await client.read_download()
    if zero_length and flag_last:
        # The flagged last data packet ends read_download; the empty one follows it.
        extra = await client.read_message()
        assert extra.message_id == DOWNLOAD_DATA
        assert extra.payload == b""
        packets.append(extra)
    media = await clip.media()
    assert payload == media
    data_packets = [p for p in packets if p.payload]
    assert data_packets[-1].byte13 == (1 if flag_last else 0)
    assert all(p.byte13 == 0 for p in data_packets[:-1])
    assert (packets[-1].payload == b"") is zero_length
    # Nothing else follows the end marker.
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []


async def test_nvr_profile_one_socket_no_json(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    (clip,) = camera.add_history(MOMENT, channel=1, picture=False)
    entry = clip.to_json()
    client = await connect(camera, login=True)
    await client.send(CLAIM, body("Claim", entry))
    await client.send(PLAYBACK, body("DownloadStart", entry))
    first = await client.read_message()
    assert first.message_id == DOWNLOAD_DATA  # no 1425 / 1421 before the data
    payload, packets = await client.read_download()
    assert first.payload + payload == await clip.media()
    assert packets[-1].byte13 == 1
    assert packets[-1].payload
    assert {p.byte12 for p in packets} == {1}  # channel 1


async def test_nvr_refuses_second_socket_claim(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    entry = seed_clip(camera).to_json()
    control = await connect(camera, login=True)
    data = await connect(camera)
    await data.send(CLAIM, body("Claim", entry, control.session_id), session_id=control.session_id)
    # No answer to the claim: the first reply on that socket is to its later login.
    assert (await data.login(PASSWORD))["Ret"] == 100
    assert data.skipped == []


async def test_placeholder_downloads_as_zero_bytes(
    camera: CameraSimulator, connect: Connect
) -> None:
    (picture,) = camera.add_history(MOMENT, video=False, picture_kind=PictureKind.PLACEHOLDER)
    entry = picture.to_json()
    assert entry["FileLength"] == "0x00000000"
    client = await connect(camera, login=True)
    await client.request(CLAIM, body("Claim", entry))
    await client.request(PLAYBACK, body("DownloadStart", entry))
    payload, packets = await client.read_download()
    assert payload == b""
    assert len(packets) == 1


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [
        (PictureKind.JPEG, b"\xff\xd8"),
        (PictureKind.JPEG_IN_FRAME, b"\x00\x00\x01\xfe"),
        (PictureKind.STREAM, b"\x00\x00\x01\xfc"),
    ],
)
async def test_picture_entries_download(
    camera: CameraSimulator, connect: Connect, kind: PictureKind, prefix: bytes
) -> None:
    (picture,) = camera.add_history(MOMENT, video=False, picture_kind=kind)
    entry = picture.to_json()
    client = await connect(camera, login=True)
    await client.request(CLAIM, body("Claim", entry))
    await client.request(PLAYBACK, body("DownloadStart", entry))
    payload, _ = await client.read_download()
    assert payload.startswith(prefix)


async def test_download_stop(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(bandwidth=100_000, profile_overrides={"chunk_size": 4096})
    clip = seed_clip(camera)
    entry = clip.to_json()
    client = await connect(camera, login=True)
    await client.request(CLAIM, body("Claim", entry))
    await client.request(PLAYBACK, body("DownloadStart", entry))
    first = await client.read_message()
    assert first.message_id == DOWNLOAD_DATA
    stop = await client.request(PLAYBACK, body("DownloadStop", entry))
    assert stop["Ret"] == 100
    in_flight = [m for m in client.skipped if m.message_id == DOWNLOAD_DATA]
    received = len(first.payload) + sum(len(m.payload) for m in in_flight)
    assert received < len(await clip.media())
    assert all(m.payload and m.byte13 == 0 for m in in_flight)  # no end marker
    await camera.wait_for(lambda: camera.stats.downloads_stopped == 1)
    client.skipped.clear()
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []


async def test_bandwidth_limit_paces_data(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(bandwidth=500_000, profile_overrides={"chunk_size": 16384})
    clip = seed_clip(camera)
    media = await clip.media()
    entry = clip.to_json()
    client = await connect(camera, login=True)
    await client.request(CLAIM, body("Claim", entry))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.request(PLAYBACK, body("DownloadStart", entry))
    payload, _ = await client.read_download()
    assert payload == media
    assert loop.time() - started >= 0.9 * (len(media) - 16384) / 500_000


async def test_claim_errors(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(claim_grace=0.05)
    entry = seed_clip(camera).to_json()
    client = await connect(camera, login=True)
    unknown = dict(entry, FileName="/idea0/2026-11-25/001/nope.h264")
    assert (await client.request(CLAIM, body("Claim", unknown)))["Ret"] == 103
    assert (await client.request(CLAIM, body("DownloadStart", entry)))["Ret"] == 103
    # DownloadStart without a claim.
    assert (await client.request(PLAYBACK, body("DownloadStart", entry)))["Ret"] == 103
    assert (await client.request(PLAYBACK, body("Start", entry)))["Ret"] == 102
    # A second socket naming a session that does not exist.
    data = await connect(camera)
    await data.send(CLAIM, body("Claim", entry, 0x7777), session_id=0x7777)
    assert (await data.expect(CLAIM + 1)).json()["Ret"] == 105


async def test_data_socket_closes_with_its_session(
    camera: CameraSimulator, connect: Connect
) -> None:
    entry = seed_clip(camera).to_json()
    control = await connect(camera, login=True)
    data = await connect(camera)
    await data.send(CLAIM, body("Claim", entry, control.session_id), session_id=control.session_id)
    await data.expect(CLAIM + 1)
    await control.close()
    await data.expect_closed()


async def test_data_socket_can_login_later(camera: CameraSimulator) -> None:
    # A socket that never logged in still answers a login (the claim exception aside).
    client = await RawClient.connect(camera.port)
    try:
        await client.send(LOGIN, {"UserName": "admin", "PassWord": 5})
        assert (await client.expect(LOGIN + 1)).json()["Ret"] == 106
    finally:
        await client.close()


async def test_start_may_overtake_the_claim(camera: CameraSimulator, connect: Connect) -> None:
    clip = seed_clip(camera)
    entry = clip.to_json()
    control = await connect(camera, login=True)
    data = await connect(camera)
    await control.send(PLAYBACK, body("DownloadStart", entry))
    (session,) = camera.sessions
    await camera.wait_for(lambda: session.pending_start is not None)
    await data.send(CLAIM, body("Claim", entry, control.session_id), session_id=control.session_id)
    assert (await control.expect(PLAYBACK + 1)).json()["Ret"] == 100
    payload, _ = await data.read_download()
    assert payload == await clip.media()


async def test_quiet_profile_ignores_unclaimed_start(
    start_camera: StartCamera, connect: Connect
) -> None:
    camera = await start_camera(profile="nvr", claim_grace=0.05)
    entry = seed_clip(camera).to_json()
    client = await connect(camera, login=True)
    await client.send(PLAYBACK, body("DownloadStart", entry))
    (session,) = camera.sessions
    await camera.wait_for(lambda: camera.stats.requests == 2 and session.pending_start is None)
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []
    # DownloadStop is answered on every profile.
    assert (await client.request(PLAYBACK, body("DownloadStop", entry)))["Ret"] == 100
