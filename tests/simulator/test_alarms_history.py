"""Alarm pushes and the history they leave (OPFileQuery)."""

from __future__ import annotations

from datetime import datetime, timedelta
import math

from simulator import CameraSimulator, RecordType
from simulator.media import PictureKind

from .conftest import Connect, StartCamera
from .raw_client import ALARM_INFO, ALARM_SET, FILE_QUERY, TIME_QUERY, RawClient, file_query_body

DAY_START = "2000-01-01 00:00:00"
DAY_END = "2099-12-31 23:59:59"


async def subscribe(client: RawClient) -> None:
    reply = await client.request(ALARM_SET, {"Name": "", "SessionID": client.session_text()})
    assert reply["Ret"] == 100


async def test_alarm_push(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await subscribe(client)
    await camera.wait_for_subscribers(1)
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    message = await client.expect(ALARM_INFO)
    assert message.session_id == client.session_id
    assert message.json() == {
        "AlarmInfo": {
            "Channel": 0,
            "Event": "VideoMotion",
            "StartTime": record.start_time,
            "Status": "Start",
        },
        "Name": "AlarmInfo",
        "SessionID": client.session_text(),
    }
    assert record.pushed_to == 1
    assert camera.stats.pushes_sent == 1
    assert record.clip is not None
    assert record.picture is not None
    assert record.clip.to_json()["BeginTime"] == record.start_time
    assert "[M]" in record.clip.file_name
    assert record.clip.file_name.endswith(".h264")
    assert record.picture.record_type is RecordType.PICTURE
    assert record.picture.file_name.endswith(".jpg")
    sharpest = await record.sharpest_index()
    assert sharpest is not None
    assert 0 <= sharpest < camera.profile.clip_frames
    stop = await camera.raise_alarm(status="Stop")
    assert stop.clip is None
    assert (await client.expect(ALARM_INFO)).json()["AlarmInfo"]["Status"] == "Stop"


async def test_no_push_without_alarm_set(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    record = await camera.raise_alarm()
    assert record.pushed_to == 0
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []


async def test_push_interleaved_with_query(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await subscribe(client)
    record = await camera.raise_alarm()
    reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END))
    assert [m.message_id for m in client.skipped] == [ALARM_INFO]
    assert reply["Ret"] == 100
    assert record.clip is not None
    assert [e["FileName"] for e in reply["OPFileQuery"]] == [record.clip.file_name]


async def test_pushes_go_to_every_subscriber(camera: CameraSimulator, connect: Connect) -> None:
    clients = [await connect(camera, login=True) for _ in range(3)]
    for client in clients[:2]:
        await subscribe(client)
    await camera.wait_for_subscribers(2)
    record = await camera.raise_alarm(event="HumanDetect")
    assert record.pushed_to == 2
    for client in clients[:2]:
        assert (await client.expect(ALARM_INFO)).json()["AlarmInfo"]["Event"] == "HumanDetect"


async def test_nopush_profile_records_history(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nopush")
    client = await connect(camera, login=True)
    await subscribe(client)
    record = await camera.raise_alarm()
    assert record.pushed_to == 0
    assert record.clip is not None
    assert (await client.request(TIME_QUERY, {"Name": "OPTimeQuery"}))["Ret"] == 100
    assert client.skipped == []


async def test_detection_switches(camera: CameraSimulator, connect: Connect) -> None:
    client = await connect(camera, login=True)
    await subscribe(client)
    camera.set_motion_detection(True, upload=False)
    record = await camera.raise_alarm()
    assert record.pushed_to == 0
    assert record.clip is not None
    camera.set_motion_detection(False)
    record = await camera.raise_alarm()
    assert not record.detected
    assert record.clip is None
    # Other events are not motion detection: still pushed.
    assert (await camera.raise_alarm(event="LocalAlarm")).pushed_to == 1
    assert "[A]" in camera.history.entries[-1].file_name
    assert (await client.expect(ALARM_INFO)).json()["AlarmInfo"]["Event"] == "LocalAlarm"


async def test_picture_kinds_cycle_or_fixed(start_camera: StartCamera) -> None:
    camera = await start_camera()
    kinds = []
    for _ in range(5):
        record = await camera.raise_alarm()
        assert record.picture is not None
        kinds.append(record.picture.picture_kind)
    assert kinds == [
        PictureKind.JPEG,
        PictureKind.JPEG_IN_FRAME,
        PictureKind.PLACEHOLDER,
        PictureKind.STREAM,
        PictureKind.JPEG,
    ]
    fixed = await start_camera(profile_overrides={"picture_kinds": (PictureKind.PLACEHOLDER,)})
    for _ in range(2):
        record = await fixed.raise_alarm()
        assert record.picture is not None
        assert record.picture.picture_kind is PictureKind.PLACEHOLDER


async def test_paging_caps_at_64(camera: CameraSimulator, connect: Connect) -> None:
    start = datetime(2026, 11, 24, 8, 0, 0)
    for minute in range(150):
        camera.add_history(start + timedelta(minutes=minute), picture=False)
    client = await connect(camera, login=True)
    names: list[str] = []
    begin = "2026-11-24 00:00:00"
    pages = 0
    while True:
        reply = await client.request(FILE_QUERY, file_query_body(begin, "2026-11-24 23:59:59"))
        assert reply["Ret"] == 100
        entries = reply["OPFileQuery"]
        pages += 1
        assert len(entries) <= 64
        assert [e["BeginTime"] for e in entries] == sorted(e["BeginTime"] for e in entries)
        new = [e["FileName"] for e in entries if e["FileName"] not in names]
        names.extend(new)
        if len(entries) < 64 or not new:
            break
        begin = entries[-1]["BeginTime"]
    assert pages == 3
    assert len(names) == 150
    assert camera.stats.queries == 3


async def test_query_filters(start_camera: StartCamera, connect: Connect) -> None:
    camera = await start_camera(profile="nvr")
    moment = datetime(2026, 11, 25, 13, 5, 10)
    camera.add_history(moment, channel=0)
    camera.add_history(moment + timedelta(minutes=1), channel=1)
    camera.add_history(moment + timedelta(minutes=2), channel=0, event="A", picture=False)
    client = await connect(camera, login=True)

    async def names(**kw: object) -> list[str]:
        reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END, **kw))  # type: ignore[arg-type]
        if reply["Ret"] != 100:
            assert reply["Ret"] == 119
            return []
        return [entry["FileName"] for entry in reply["OPFileQuery"]]

    video = await names()
    assert len(video) == 2
    assert video[0].startswith("/idea0/2026-11-25/001/13.05.10-13.05.12[M][@")
    assert video[0].endswith("][0].h264")
    assert len(await names(channel=1)) == 1
    assert len(await names(kind="jpg")) == 1
    assert (await names(kind="jpg"))[0].endswith(".jpg")
    assert len(await names(event="M")) == 1
    assert len(await names(event="A")) == 1
    assert await names(event="R") == []
    # Overlap: a window inside the first clip finds it.
    reply = await client.request(
        FILE_QUERY, file_query_body("2026-11-25 13:05:11", "2026-11-25 13:05:11")
    )
    assert len(reply["OPFileQuery"]) == 1
    bad = await client.request(FILE_QUERY, {"Name": "OPFileQuery", "OPFileQuery": {"Type": "x"}})
    assert bad["Ret"] == 103


async def test_nothing_found_codes(start_camera: StartCamera, connect: Connect) -> None:
    ipc = await start_camera()
    client = await connect(ipc, login=True)
    assert (await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END)))["Ret"] == 119
    legacy = await start_camera(profile="legacy")
    legacy.add_history(datetime(2026, 1, 1, 12, 0, 0))
    client = await connect(legacy, login=True)
    assert (await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END)))["Ret"] == 100
    # Legacy firmware only understands Event "*".
    reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END, event="M"))
    assert reply["Ret"] == 109


async def test_file_length_matches_media(camera: CameraSimulator, connect: Connect) -> None:
    record = await camera.raise_alarm()
    assert record.clip is not None
    estimate = int(record.clip.to_json()["FileLength"], 16)
    assert estimate > 0
    data = await record.clip.media()
    client = await connect(camera, login=True)
    reply = await client.request(FILE_QUERY, file_query_body(DAY_START, DAY_END))
    (entry,) = reply["OPFileQuery"]
    assert int(entry["FileLength"], 16) == math.ceil(len(data) / 1024)


async def test_seeded_history(start_camera: StartCamera) -> None:
    camera = await start_camera(profile="nvr", history_days=2)
    entries = camera.history.entries
    assert entries
    assert {entry.channel for entry in entries} == {0, 1}
    span = entries[-1].begin - entries[0].begin
    assert timedelta(days=1, hours=20) < span <= timedelta(days=2)
    assert len({entry.file_name for entry in entries}) == len(entries)


async def test_h265_profile_clip(start_camera: StartCamera) -> None:
    camera = await start_camera(profile="h265")
    record = await camera.raise_alarm()
    assert record.clip is not None
    clip = await record.clip.motion_clip()
    assert clip.codec == "h265"
    assert record.clip.file_name.endswith(".h264")


async def test_alarm_loop(start_camera: StartCamera) -> None:
    camera = await start_camera(alarm_every=0.05, alarm_duration=0.01)
    await camera.wait_for(lambda: len(camera.alarms) >= 2)
    assert [a.status for a in camera.alarms[:2]] == ["Start", "Stop"]
    assert camera.alarms[0].clip is not None
