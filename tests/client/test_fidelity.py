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
    FileType,
    LoginRefusal,
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


@pytest.mark.parametrize("quirk", list(Quirk), ids=str)
async def test_login_alarm_history_picture_still(start_camera: StartCamera, quirk: Quirk) -> None:
    # A search slower than a request may take, and quicker than a search may.
    camera = await start_camera(quirks=(quirk.value,), search_delay=1.5)
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
        statuses = await client.get_channel_statuses()
        assert statuses is not None
        assert [status.channel for status in statuses if status.has_camera] == [0]

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
        else:
            still = await client.snapshot(0)
            assert jpeg_length(still) == len(still)
        assert client.connected
