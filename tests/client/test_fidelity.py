"""The fidelity matrix: every firmware quirk alone, against the client.

Each camera shows one quirk; the client must log in, take the alarm push, list the alarm's
recordings, resolve its picture from the jpg entry, and bring a whole live still (or a
clear refusal where the firmware allows one login only).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from custom_components.dvrip.client import (
    Alarm,
    AlarmSubscription,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    FileType,
    LoginRefusal,
    RetCode,
)
from custom_components.dvrip.client.still import jpeg_length
from custom_components.dvrip.pictures import PictureMethod, resolve_alarm_picture
from custom_components.dvrip.pictures.models import AlarmMarker
from simulator.quirks import Quirk
from tests.simulator_fixtures import PASSWORD, StartCamera

SUBSCRIPTION = {
    Quirk.GUARD_SILENT: AlarmSubscription.UNANSWERED,
    Quirk.GUARD_EMPTY: AlarmSubscription.EMPTY_REPLY,
    Quirk.GUARD_REFUSED: AlarmSubscription.REFUSED,
}
PUSHED_NAME = {Quirk.MOTIONDETECT: "MotionDetect"}
# Quirks under which a configuration goes unanswered: the client goes on without it.
UNANSWERED_CONFIG = {
    Quirk.CONFIG_SILENT: {"NetWork.ChnStatus", "General.General", "Detect.MotionDetect"},
    Quirk.CONFIG_SILENT_LARGE: {"Detect.MotionDetect"},
}
# Shorter than a request may take (1 s here): a stuck still is refused, not timed out.
SNAP_STUCK_DELAY = 0.3


@pytest.mark.parametrize("quirk", list(Quirk), ids=str)
async def test_login_alarm_history_picture_still(start_camera: StartCamera, quirk: Quirk) -> None:
    # A search slower than a request may take, and quicker than a search may.
    # connection-limit: two connections are all the client needs.
    camera = await start_camera(
        quirks=(quirk.value,),
        search_delay=1.5,
        snap_stuck_delay=SNAP_STUCK_DELAY,
        max_connections=2,
    )
    client = DvripClient(
        camera.host,
        camera.port,
        "admin",
        PASSWORD,
        timeout=1.0,
        guard_timeout=0.3,
        search_timeout=3.0,
        two_socket_downloads=camera.profile.two_socket_download,
    )
    alarms: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(alarms.put_nowait)
    async with client:
        subscription = await client.subscribe_alarms()
        assert subscription.status is SUBSCRIPTION.get(quirk, AlarmSubscription.CONFIRMED)
        unanswered = UNANSWERED_CONFIG.get(quirk, set())
        statuses = await client.get_channel_statuses()
        if "NetWork.ChnStatus" in unanswered:
            assert statuses is None
        else:
            assert statuses is not None
            assert [status.channel for status in statuses if status.has_camera] == [0]
        name = await client.get_device_name()
        assert name == (None if "General.General" in unanswered else "Porch camera")
        detection = await client.get_optional_config("Detect.MotionDetect")
        assert (detection is None) is ("Detect.MotionDetect" in unanswered)
        abilities = await client.get_abilities()
        # Without AlarmFunction the other sections are kept; the alarms are not known.
        assert abilities is not None
        assert abilities.knows_alarms is not (quirk is Quirk.ABILITIES_PARTIAL)
        # Whatever went unanswered, the session is the same one.
        assert client.connected
        assert camera.stats.connections == 1

        record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        alarm = await asyncio.wait_for(alarms.get(), 5)
        assert (alarm.channel, alarm.event) == (0, PUSHED_NAME.get(quirk, "VideoMotion"))
        assert alarm.start_time == record.time

        window = (record.time - timedelta(minutes=1), record.time + timedelta(minutes=1))
        pictures = await client.query_files(*window, file_type=FileType.PICTURE)
        clips = await client.query_files(*window)
        assert record.picture is not None
        assert record.clip is not None
        assert [entry.name for entry in pictures] == [record.picture.file_name]
        assert [entry.name for entry in clips] == [record.clip.file_name]
        assert clips[0].size_kib == record.clip.file_length_kib

        picture = await resolve_alarm_picture(
            client, AlarmMarker(record.time, 0, alarm.event), pictures=pictures, clips=clips
        )
        assert picture.method is PictureMethod.DIRECT

        if quirk is Quirk.LOGIN_207:
            with pytest.raises(DvripAuthError) as refused:
                await client.snapshot(0)
            assert refused.value.refusal is LoginRefusal.SESSION_REFUSED
        elif quirk is Quirk.SNAP_STUCK:
            # A stuck still is a refusal (Ret 108), the first and every later one.
            for _ in range(2):
                with pytest.raises(DvripCommandError) as stuck:
                    await client.snapshot(0)
                assert stuck.value.ret == RetCode.DEVICE_TIMEOUT
        else:
            still = await client.snapshot(0)
            assert jpeg_length(still) == len(still)
            if quirk is Quirk.JPEG_NO_JFIF:
                assert still.startswith(b"\xff\xd8\xff\xdb")
        assert client.connected
        assert camera.stats.connections_refused == 0
        assert camera.stats.peak_connections <= 2


async def test_refused_login_with_a_session_is_refused_at_once(start_camera: StartCamera) -> None:
    """login-refused-session: a refusal that carries a session id and is followed by silence
    is a wrong password, told at once, never a session.
    """
    camera = await start_camera(quirks=(Quirk.LOGIN_REFUSED_SESSION.value,))
    client = DvripClient(camera.host, camera.port, "admin", "wrong", timeout=5.0)
    async with asyncio.timeout(2.0):
        with pytest.raises(DvripAuthError) as refused:
            await client.connect()
    assert refused.value.refusal is LoginRefusal.INVALID_CREDENTIALS
    assert not client.connected
    # The client hung up: the camera keeps no socket of it open.
    await camera.wait_for(lambda: camera.stats.open_connections == 0)
