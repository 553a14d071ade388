"""The HTTP control API, driven with an aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator import CameraSimulator, FaultKind

from .conftest import PASSWORD, Connect, StartCamera
from .raw_client import ALARM_INFO, ALARM_SET


@pytest.fixture
async def api(start_camera: StartCamera) -> AsyncIterator[tuple[CameraSimulator, Any]]:
    camera = await start_camera(control_port=0)
    assert camera.control_port
    base = f"http://127.0.0.1:{camera.control_port}"
    async with aiohttp.ClientSession(base) as http:
        yield camera, http


async def test_post_alarm_pushes(api: tuple[CameraSimulator, Any], connect: Connect) -> None:
    camera, http = api
    client = await connect(camera, login=True)
    await client.request(ALARM_SET, {"Name": ""})
    async with http.post(
        "/alarms", json={"channel": 0, "event": "VideoMotion", "status": "Start"}
    ) as response:
        assert response.status == 200
        result = await response.json()
    assert result["pushed_to"] == 1
    assert result["clip"]["BeginTime"] == result["start_time"]
    assert result["picture"]["Type"] == "jpg"
    push = (await client.expect(ALARM_INFO)).json()
    assert push["AlarmInfo"]["StartTime"] == result["start_time"]
    async with http.post("/alarms", json={"sharpest_index": True}) as response:
        result = await response.json()
    assert isinstance(result["sharpest_index"], int)
    assert result["clip"]["MediaReady"] is True


async def test_post_fault(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    async with http.post("/faults", json={"kind": "silence", "seconds": 30}) as response:
        assert response.status == 200
        assert await response.json() == {"kind": "silence", "seconds": 30.0}
    assert camera.fault is FaultKind.SILENCE
    # The control API keeps working while the camera is silent.
    async with http.get("/stats") as response:
        assert (await response.json())["fault"] == "silence"
    await camera.clear_fault()


async def test_post_password(api: tuple[CameraSimulator, Any], connect: Connect) -> None:
    camera, http = api
    async with http.post("/password", json={"user": "admin", "password": "new"}) as response:
        assert response.status == 200
    client = await connect(camera)
    assert (await client.login(PASSWORD))["Ret"] == 106
    client = await connect(camera)
    assert (await client.login("new"))["Ret"] == 100


async def test_post_detection(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    async with http.post("/detection", json={"channel": 0, "enabled": False}) as response:
        assert response.status == 200
        assert await response.json() == [{"enabled": False, "upload": True, "human": True}]
    assert not camera.motion_detection(0).enabled


async def test_post_reply_delay_and_alarm_centre(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    body = {"seconds": 0.5, "message_id": 1440, "count": 2}
    async with http.post("/reply_delay", json=body) as response:
        assert response.status == 200
        assert await response.json() == body
    assert camera.reply_delay(1440) == 0.5
    async with http.post("/alarm_centre", json={"host": "127.0.0.1", "port": 9}) as response:
        assert await response.json() == {"host": "127.0.0.1", "port": 9}
    assert camera.alarm_centre == ("127.0.0.1", 9)
    async with http.post("/alarm_centre", json={"host": None}) as response:
        assert await response.json() == {"host": None}
    assert camera.alarm_centre is None
    async with http.post("/faults", json={"kind": "cut_download"}) as response:
        assert response.status == 200
    assert camera.take_download_cut()


async def test_get_stats_and_history(api: tuple[CameraSimulator, Any], connect: Connect) -> None:
    camera, http = api
    await connect(camera, login=True)
    await camera.raise_alarm()
    async with http.get("/stats") as response:
        stats = await response.json()
    assert stats["logins"] == 1
    assert stats["sessions"] == 1
    assert stats["connections"] == 1
    assert stats["fault"] is None
    async with http.get("/history", params={"type": "jpg", "channel": "0"}) as response:
        history = await response.json()
    assert len(history) == 1
    assert history[0]["FileName"].endswith(".jpg")


async def test_clock(api: tuple[CameraSimulator, Any]) -> None:
    camera, http = api
    async with http.post("/clock", json={"set": "2000-01-01 00:00:00"}) as response:
        assert response.status == 200
        result = await response.json()
    assert result["now"].startswith("2000-01-01 00:00:0")
    assert camera.now().year == 2000
    async with http.post("/clock", json={"shift": 3600}) as response:
        assert (await response.json())["now"].startswith("2000-01-01 01:00:0")
    async with http.get("/clock") as response:
        result = await response.json()
    assert result["now"].startswith("2000-01-01 01:00:0")
    assert result["offset"] == camera.clock_offset.total_seconds()


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/alarms", "not json"),
        ("/alarms", [1, 2]),
        ("/alarms", {"channel": "zero"}),
        ("/alarms", {"channel": 7}),
        ("/alarms", {"channel": True}),
        ("/alarms", {"status": ""}),
        ("/faults", {"kind": "meteor", "seconds": 1}),
        ("/faults", {"kind": "silence", "seconds": -1}),
        ("/faults", {"kind": "silence", "seconds": "long"}),
        ("/password", {"user": "admin"}),
        ("/password", {"user": "", "password": "x"}),
        ("/detection", {"channel": 0}),
        ("/detection", {"channel": 0, "enabled": "no"}),
        ("/detection", {"channel": 9, "enabled": False}),
        ("/reply_delay", {"seconds": -1}),
        ("/reply_delay", {"seconds": 1, "message_id": "x"}),
        ("/reply_delay", {"seconds": 1, "count": True}),
        ("/alarm_centre", {"host": 5}),
        ("/clock", {}),
        ("/clock", {"set": "yesterday"}),
        ("/clock", {"set": "2000-01-01 00:00:00", "shift": 1}),
        ("/clock", {"shift": "an hour"}),
        ("/alarm_centre", {"host": "127.0.0.1", "port": 70000}),
    ],
)
async def test_bad_requests_get_400(
    api: tuple[CameraSimulator, Any], path: str, payload: Any
) -> None:
    camera, http = api
    if isinstance(payload, str):
        request = http.post(path, data=payload)
    else:
        request = http.post(path, json=payload)
    async with request as response:
        assert response.status == 400
        assert "error" in await response.json()
    assert camera.running
    assert camera.fault is None


async def test_bad_history_query(api: tuple[CameraSimulator, Any]) -> None:
    _, http = api
    async with http.get("/history", params={"channel": "x"}) as response:
        assert response.status == 400
