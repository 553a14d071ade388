"""An independent client, python-dvr (module ``dvrip``), against the simulator.

python-dvr is blocking, so it runs in worker threads. Its quirks the simulator has to meet as a
real camera does: it reads a reply header with one recv(20) and then strips exactly two bytes
("\\n\\0") before parsing JSON; it takes the session id from every reply header; and its alarm
thread only accepts 1504 packets whose header carries its session id.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from dvrip import DVRIPCam  # type: ignore[import-untyped]
import pytest

from simulator import CameraSimulator
from tests.simulator_fixtures import StartCamera

from .conftest import PASSWORD

# The profiles and quirks python-dvr itself can work with. It cannot with:
# - "nvr" and "nbd8008r": it reads a reply as one packet, and these recorders split long
#   replies into fragments (its JSON parse fails);
# - "legacy": it strips exactly two bytes ("\n\0") off each reply, and this firmware ends
#   JSON with "\n" alone;
# - "icsee" and the quirks guard-silent and guard-empty: alarmStart() waits for AlarmSet's
#   answer and parses it as JSON, so no answer, or an empty one, ends it with an error;
# - "nopush" (nothing to receive) and "encrypted" (a login it does not speak either).
PROFILES_AND_QUIRKS = [
    ("ipc", ()),
    ("h265", ()),
    ("ipc", ("bare-session-id",)),
    ("ipc", ("guard-refused",)),
    ("ipc", ("motiondetect",)),
    ("ipc", ("search-ret-110", "odd-times", "snap-packets")),
]


@pytest.mark.parametrize(("profile", "quirks"), PROFILES_AND_QUIRKS)
async def test_python_dvr_login_info_and_alarm(
    start_camera: StartCamera, profile: str, quirks: tuple[str, ...]
) -> None:
    camera = await start_camera(profile=profile, quirks=quirks)
    loop = asyncio.get_running_loop()
    received: asyncio.Future[dict[str, Any]] = loop.create_future()

    def on_alarm(alarm: dict[str, Any], sequence: int) -> None:
        def deliver() -> None:
            if not received.done():
                received.set_result(alarm)

        loop.call_soon_threadsafe(deliver)

    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password=PASSWORD)

    def login_and_subscribe() -> tuple[bool, Any]:
        cam.connect(timeout=2)
        logged_in = cam.login()
        info = cam.get_system_info()
        cam.setAlarm(on_alarm)
        # alarmStart() starts its reader thread before sending AlarmSet, and that thread takes
        # the connection lock to block in recv(): holding the (reentrant) lock across the call
        # makes AlarmSet go out first, as it would when the race goes the other way.
        with cam.busy:
            cam.alarmStart()
        return logged_in, info

    def close() -> None:
        # Wake the alarm thread out of recv() so it sees the closed socket and ends.
        cam.socket.shutdown(socket.SHUT_RDWR)
        cam.close()
        cam.alarm.join(10)
        if cam.alive is not None:
            cam.alive.join(10)

    try:
        logged_in, info = await asyncio.to_thread(login_and_subscribe)
        assert logged_in
        assert info["SerialNo"] == camera.config.serial
        await camera.wait_for_subscribers(1, timeout=10)
        record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        assert record.pushed_to == 1
        async with asyncio.timeout(10):
            alarm = await received
        assert alarm == {
            "Channel": 0,
            "Event": record.event,
            "StartTime": record.start_time,
            "Status": "Start",
        }
    finally:
        if cam.socket is not None:
            await asyncio.to_thread(close)
    assert cam.alarm is not None
    assert not cam.alarm.is_alive()
    assert not any(t.name.startswith("DVRAlarm") for t in threading.enumerate())


async def test_python_dvr_wrong_password(camera: CameraSimulator) -> None:
    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password="wrong")

    def attempt() -> bool:
        try:
            cam.connect(timeout=2)
            return bool(cam.login())
        finally:
            cam.close()

    assert await asyncio.to_thread(attempt) is False
    assert camera.stats.login_failures == 1


@pytest.mark.parametrize(
    ("profile", "titles", "name", "human"),
    [("ipc", ["Porch"], "Porch camera", False), ("icsee", ["Back yard"], "Back yard", True)],
)
async def test_python_dvr_reads_abilities_titles_and_name(
    start_camera: StartCamera, profile: str, titles: list[str], name: str, human: bool
) -> None:
    camera = await start_camera(profile=profile)
    cam = DVRIPCam("127.0.0.1", port=camera.port, user="admin", password=PASSWORD)

    def read() -> tuple[Any, Any, Any]:
        try:
            cam.connect(timeout=2)
            assert cam.login()
            return (
                cam.get_system_capabilities(),
                cam.get_info("ChannelTitle"),
                cam.get_general_info(),
            )
        finally:
            cam.close()
            # close() cancels the keepalive timer; its thread still has to end.
            if cam.alive is not None:
                cam.alive.join(10)

    abilities, channel_titles, general = await asyncio.to_thread(read)
    assert abilities["AlarmFunction"]["MotionDetect"] is True
    assert abilities["AlarmFunction"]["HumanDection"] is human
    assert channel_titles == titles
    assert general["General"]["MachineName"] == name
