"""Every path of the resolver, against the simulated camera over TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
import io
from pathlib import Path
import tempfile
from typing import Any, ClassVar

from PIL import Image
import pytest

from custom_components.dvrip.client import (
    Alarm,
    DvripClient,
    DvripCommandError,
    DvripConnectionError,
    FileType,
    RecordEvent,
    RecordFile,
)
from custom_components.dvrip.client.media import FrameType
from custom_components.dvrip.pictures import (
    AlarmMarker,
    MarkerSource,
    Outcome,
    PictureMethod,
    PreferredSource,
    Step,
    last_alarm_pictures,
    resolve_alarm_picture,
    resolver as resolver_module,
)
from simulator import CameraSimulator, HistoryEntry
from simulator.media import PictureKind, jpeg_picture, motion_clip, pack_frame

from .conftest import PASSWORD, USER, alarm_time


def add_alarm(
    camera: CameraSimulator,
    kind: PictureKind | None,
    *,
    minutes_ago: int = 10,
    video: bool = True,
    channel: int = 0,
) -> tuple[HistoryEntry | None, HistoryEntry | None]:
    """A recorded alarm: (motion clip, jpg entry); None for what is not recorded."""
    entries = camera.add_history(
        alarm_time(camera, minutes_ago),
        channel=channel,
        video=video,
        picture=kind is not None,
        picture_kind=kind,
    )
    clip = next((entry for entry in entries if entry.file_name.endswith(".h264")), None)
    picture = next((entry for entry in entries if entry.file_name.endswith(".jpg")), None)
    return clip, picture


def marker_for(entry: HistoryEntry) -> AlarmMarker:
    return AlarmMarker(entry.begin, entry.channel, "VideoMotion")


def decodes(jpeg: bytes | None) -> tuple[int, int]:
    assert jpeg is not None
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        image.load()
        return image.size


def assert_sharpest(index: int | None, expected: int) -> None:
    """The simulator knows the sharpest frame; the chosen one is it, or next to it."""
    assert index is not None
    assert abs(index - expected) <= 1, (index, expected)


async def test_direct_jpeg(camera: CameraSimulator, client: DvripClient) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG)
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.DIRECT
    assert result.jpeg == jpeg_picture(seed=picture.seed)
    assert result.source_name == picture.file_name
    assert result.bytes_downloaded == len(result.jpeg)
    assert (result.width, result.height) == (320, 240)
    assert result.frame_index is None
    assert [attempt.outcome for attempt in result.attempts] == [Outcome.OK]
    assert camera.stats.downloads == 1  # the clip was never touched


async def test_jpeg_in_picture_frame(camera: CameraSimulator, client: DvripClient) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG_IN_FRAME)
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.DIRECT
    assert result.jpeg == jpeg_picture(seed=picture.seed)
    assert result.bytes_downloaded == len(await picture.media()) > len(result.jpeg)
    assert result.attempts[0].reason == "a JPEG in a picture frame"


@pytest.mark.parametrize(
    ("simulator_settings", "codec"),
    [({}, "h264"), ({"profile": "h265"}, "hevc")],
    indirect=["simulator_settings"],
)
async def test_video_stream_in_jpg_entry(
    camera: CameraSimulator, client: DvripClient, codec: str
) -> None:
    _, picture = add_alarm(camera, PictureKind.STREAM)
    assert picture is not None
    stream = motion_clip(
        codec=camera.clip_spec.codec, frames=5, start=picture.begin, seed=picture.seed
    )
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.DIRECT_STREAM
    assert_sharpest(result.frame_index, stream.sharpest_index)
    assert decodes(result.jpeg) == (320, 240)
    assert result.sharpness is not None
    assert result.sharpness > 0
    assert codec in result.attempts[0].reason
    assert camera.stats.downloads == 1


async def test_placeholder_in_strict_mode_is_skipped(
    camera: CameraSimulator, client: DvripClient
) -> None:
    _, picture = add_alarm(camera, PictureKind.PLACEHOLDER)
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture), strict=True)
    assert result.method is PictureMethod.SKIPPED
    assert result.jpeg is None
    assert not result.ok
    assert result.reason == "direct: empty placeholder (no bytes)"
    assert [attempt.step for attempt in result.attempts] == [Step.DIRECT]
    assert camera.stats.downloads == 1
    entry = result.as_dict()
    assert entry["method"] == "skipped"
    assert entry["attempts"][0]["reason"] == "empty placeholder (no bytes)"


async def test_placeholder_falls_back_to_the_motion_clip(
    camera: CameraSimulator, client: DvripClient
) -> None:
    clip, picture = add_alarm(camera, PictureKind.PLACEHOLDER)
    assert clip is not None
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture))
    recorded = await clip.motion_clip()
    assert result.method is PictureMethod.MOTION_CLIP
    assert result.source_name == clip.file_name
    assert_sharpest(result.frame_index, recorded.sharpest_index)
    assert result.frame_time is not None
    assert result.frame_time - clip.begin == timedelta(seconds=result.frame_index / recorded.fps)
    assert result.bytes_downloaded == len(await clip.media())
    assert decodes(result.jpeg) == (320, 240)
    assert [(a.step, a.outcome) for a in result.attempts] == [
        (Step.DIRECT, Outcome.MISS),
        (Step.MOTION_CLIP, Outcome.OK),
    ]
    assert result.decode_seconds > 0
    assert result.download_seconds > 0


async def test_download_timeout_falls_back_to_the_motion_clip(
    camera: CameraSimulator, client: DvripClient
) -> None:
    clip, picture = add_alarm(camera, PictureKind.JPEG)
    assert clip is not None
    assert picture is not None
    await clip.media()  # encode now, so that the short timeout measures the transfer only
    # A camera stuck on its SD card: the picture's download never produces a byte.
    camera.stall_downloads(picture.file_name)
    try:
        result = await resolve_alarm_picture(client, marker_for(picture), download_timeout=0.5)
    finally:
        camera.stall_downloads(picture.file_name, stalled=False)
    assert result.method is PictureMethod.MOTION_CLIP
    assert "timed out" in result.attempts[0].reason
    assert result.attempts[0].source_name == picture.file_name
    assert_sharpest(result.frame_index, (await clip.motion_clip()).sharpest_index)


async def test_no_motion_clip_found(camera: CameraSimulator, client: DvripClient) -> None:
    _, picture = add_alarm(camera, PictureKind.PLACEHOLDER, video=False)
    add_alarm(camera, None, minutes_ago=30)  # a clip of another alarm, too far away
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.FAILED
    assert result.reason == (
        "direct: empty placeholder (no bytes); motion_clip: no motion clip for this alarm"
    )


async def test_no_jpg_entry_and_garbled_clip(camera: CameraSimulator, client: DvripClient) -> None:
    clip, _ = add_alarm(camera, None)
    assert clip is not None
    # A clip that is nothing but noise: not a frame decodes.
    clip._media = bytes(range(256)) * 64
    result = await resolve_alarm_picture(client, marker_for(clip))
    assert result.method is PictureMethod.FAILED
    assert result.attempts[0].reason == "no jpg entry for this alarm"
    assert "no usable frame in 16384 bytes" in result.attempts[1].reason
    assert result.bytes_downloaded == 16384


@pytest.mark.parametrize("simulator_settings", [{"profile": "h265"}], indirect=True)
async def test_h265_motion_clip(camera: CameraSimulator, client: DvripClient) -> None:
    clip, picture = add_alarm(camera, PictureKind.PLACEHOLDER)
    assert clip is not None
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.MOTION_CLIP
    assert "hevc" in result.attempts[-1].reason
    assert_sharpest(result.frame_index, (await clip.motion_clip()).sharpest_index)
    assert decodes(result.jpeg) == (320, 240)


@pytest.mark.parametrize(
    "simulator_settings",
    [
        {"profile_overrides": {"clip_service_blocks": True}},
        {"profile": "legacy"},
    ],
    indirect=True,
)
async def test_motion_clip_from_other_firmware(
    camera: CameraSimulator, client: DvripClient
) -> None:
    """4K-recorder service blocks in the clip; old firmware that filters only by `*`."""
    clip, _ = add_alarm(camera, None)
    assert clip is not None
    result = await resolve_alarm_picture(client, marker_for(clip), prefer=PreferredSource.CLIP)
    assert result.method is PictureMethod.MOTION_CLIP
    assert_sharpest(result.frame_index, (await clip.motion_clip()).sharpest_index)


@pytest.mark.parametrize("simulator_settings", [{"bandwidth": 100_000}], indirect=True)
async def test_clip_cut_short_by_the_timeout_uses_what_arrived(
    camera: CameraSimulator, client: DvripClient
) -> None:
    clip, _ = add_alarm(camera, None)
    assert clip is not None
    recorded = await clip.motion_clip()
    assert len(recorded.data) > 150_000  # over 1.5 s at this bandwidth
    result = await resolve_alarm_picture(
        client, marker_for(clip), prefer=PreferredSource.CLIP, strict=True, download_timeout=0.6
    )
    assert result.method is PictureMethod.MOTION_CLIP
    attempt = result.attempts[0]
    assert attempt.reason.startswith("download timed out")
    assert "that arrived" in attempt.reason
    assert 0 < result.bytes_downloaded < len(recorded.data)
    assert result.frame_index is not None
    assert result.frame_index < recorded.frame_count
    decodes(result.jpeg)


async def test_prefer_clip_goes_to_the_clip_first(
    camera: CameraSimulator, client: DvripClient
) -> None:
    clip, picture = add_alarm(camera, PictureKind.JPEG)
    assert clip is not None
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture), prefer=PreferredSource.CLIP)
    assert result.method is PictureMethod.MOTION_CLIP
    assert [attempt.step for attempt in result.attempts] == [Step.MOTION_CLIP]
    assert camera.stats.downloads == 1


async def test_prefer_clip_falls_back_to_the_jpg_entry(
    camera: CameraSimulator, client: DvripClient
) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG, video=False)
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture), prefer=PreferredSource.CLIP)
    assert result.method is PictureMethod.DIRECT
    assert [attempt.outcome for attempt in result.attempts] == [Outcome.MISS, Outcome.OK]


@pytest.mark.parametrize(
    "simulator_settings",
    [{"profile_overrides": {"picture_kinds": (PictureKind.JPEG_IN_FRAME,)}}],
    indirect=True,
)
async def test_pushed_alarm_finds_its_entries(camera: CameraSimulator, client: DvripClient) -> None:
    await client.subscribe_alarms()
    pushed: asyncio.Queue[Alarm] = asyncio.Queue()
    client.add_alarm_listener(pushed.put_nowait)
    await camera.raise_alarm(channel=0, event="HumanDetect", status="Start")
    alarm = await asyncio.wait_for(pushed.get(), 5)
    result = await resolve_alarm_picture(client, alarm)
    assert result.method is PictureMethod.DIRECT
    assert result.marker.sources == (MarkerSource.PUSH,)
    assert result.marker.event == "HumanDetect"
    assert result.source_name is not None
    assert result.source_name.endswith(".jpg")


async def test_downloads_are_removed_even_when_cancelled(
    camera: CameraSimulator, client: DvripClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip, picture = add_alarm(camera, PictureKind.PLACEHOLDER)
    assert clip is not None
    assert picture is not None
    created: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(**kwargs: Any) -> str:
        created.append(Path(real_mkdtemp(**kwargs)))
        return str(created[-1])

    monkeypatch.setattr(resolver_module.tempfile, "mkdtemp", recording_mkdtemp)
    # Holding the clip's media lock stalls its download alone (the placeholder's goes through).
    await clip._lock.acquire()
    try:
        resolving = asyncio.create_task(resolve_alarm_picture(client, marker_for(picture)))
        await camera.wait_for(lambda: camera.stats.downloads == 2)
        assert created
        assert any(created[0].iterdir())  # the clip's spool file
        resolving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await resolving
    finally:
        clip._lock.release()
    assert not created[0].exists()
    # The client is still usable afterwards.
    assert (await resolve_alarm_picture(client, marker_for(picture))).ok


async def test_given_workdir_is_kept_and_emptied(
    camera: CameraSimulator, client: DvripClient, tmp_path: Path
) -> None:
    clip, picture = add_alarm(camera, PictureKind.PLACEHOLDER)
    assert picture is not None
    result = await resolve_alarm_picture(client, marker_for(picture), workdir=tmp_path)
    assert result.ok
    assert tmp_path.exists()
    assert not any(tmp_path.iterdir())


async def test_last_alarms_newest_first_merged_and_paged(
    camera: CameraSimulator, client: DvripClient
) -> None:
    # 70 recorded alarms, more than one 64-entry page of each type.
    kinds = [PictureKind.JPEG, PictureKind.PLACEHOLDER, PictureKind.STREAM, PictureKind.JPEG]
    for number in range(70):
        add_alarm(camera, kinds[number % len(kinds)], minutes_ago=5 + 3 * number)
    newest = alarm_time(camera, 5)
    # A push of the newest alarm, a second late: the same alarm.
    pushed = Alarm(0, "VideoMotion", "Start", newest + timedelta(seconds=1))
    stop = Alarm(0, "VideoMotion", "Stop", newest + timedelta(seconds=20))
    progress: list[tuple[int, int, PictureMethod]] = []
    report = await last_alarm_pictures(
        client,
        limit=4,
        pushed_alarms=[pushed, stop],
        progress=lambda position, total, picture: progress.append(
            (position, total, picture.method)
        ),
    )
    assert report.counts.picture_entries == 70
    assert report.counts.motion_clips == 70
    assert report.counts.alarms == 70
    times = [picture.marker.time for picture in report.pictures]
    # The push is the alarm itself: its time leads.
    assert times == [pushed.start_time] + [newest - timedelta(minutes=3 * n) for n in (1, 2, 3)]
    first = report.pictures[0].marker
    assert first.sources == (MarkerSource.PUSH, MarkerSource.PICTURE, MarkerSource.CLIP)
    assert first.event == "VideoMotion"
    assert [picture.method for picture in report.pictures] == [
        PictureMethod.DIRECT,
        PictureMethod.MOTION_CLIP,
        PictureMethod.DIRECT_STREAM,
        PictureMethod.DIRECT,
    ]
    assert progress == [(n + 1, 4, picture.method) for n, picture in enumerate(report.pictures)]
    assert report.camera_time is not None
    assert report.parameters.end == report.camera_time
    assert report.parameters.begin == report.camera_time - timedelta(hours=24)
    document = report.as_dict()
    assert document["query"]["jpg_entries"] == 70
    assert document["methods"]["motion_clip"] == 1
    assert document["alarms"][1]["time"] == (newest - timedelta(minutes=3)).isoformat()
    assert document["bytes_downloaded"] == sum(p.bytes_downloaded for p in report.pictures)


@pytest.mark.parametrize("simulator_settings", [{"profile": "legacy"}], indirect=True)
async def test_last_alarms_on_an_empty_camera(client: DvripClient) -> None:
    report = await last_alarm_pictures(client, limit=5, strict=True)
    assert report.pictures == ()
    assert report.counts.alarms == 0
    assert report.parameters.strict


def serve(entry: HistoryEntry, data: bytes) -> None:
    """Make the simulator serve these bytes for an entry.

    The simulator has no public switch for arbitrary file contents; its entries cache
    their media in `_media`, so setting that is what a damaged file on the card looks like.
    """
    entry._media = data


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{ "Name" : "OPPlayBack", "Ret" : 103 }\n', "a JSON reply instead of a picture: {"),
        (bytes(range(7, 256)) * 4, "unrecognised bytes (starting 0708090a0b0c0d0e)"),
        (b"\xff\xd8\xff\xe0" + bytes(500), "a JPEG that does not decode"),
        (
            pack_frame(FrameType.PICTURE, b"GIF89a", width=320, height=240, fps=1),
            "a picture frame without a JPEG in it",
        ),
        (
            pack_frame(
                FrameType.I_FRAME,
                b"\x00\x00\x00\x01\x65" + bytes(60),
                codec="h264",
                width=320,
                height=240,
                fps=10,
            ),
            "a video stream, but no frame decoded (1 video frames",
        ),
    ],
)
async def test_unusable_jpg_entries_fall_back_to_the_clip(
    camera: CameraSimulator, client: DvripClient, content: bytes, reason: str
) -> None:
    clip, picture = add_alarm(camera, PictureKind.JPEG)
    assert clip is not None
    assert picture is not None
    serve(picture, content)
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.MOTION_CLIP
    miss = result.attempts[0]
    assert miss.outcome is Outcome.MISS
    assert miss.reason.startswith(reason), miss.reason
    assert miss.bytes_downloaded == len(content)


async def test_oversized_jpg_entry_is_not_a_picture(
    camera: CameraSimulator, client: DvripClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG, video=False)
    assert picture is not None
    monkeypatch.setattr(resolver_module, "MAX_PICTURE_BYTES", 1000)
    result = await resolve_alarm_picture(client, marker_for(picture))
    assert result.method is PictureMethod.FAILED
    assert result.attempts[0].reason == "too large for a picture"


class RefusingClient(DvripClient):
    """The simulator answers every query; some firmware refuses some (Ret 102)."""

    refuse: ClassVar[set[str]] = set()

    async def query_files(self, *args: Any, **kwargs: Any) -> list[RecordFile]:
        if str(kwargs.get("file_type")) in self.refuse:
            raise DvripCommandError("OPFileQuery", 102)
        return await super().query_files(*args, **kwargs)

    async def get_time(self) -> datetime:
        if "time" in self.refuse:
            raise DvripCommandError("OPTimeQuery", 102)
        return await super().get_time()

    async def download(self, record: RecordFile, *args: Any, **kwargs: Any) -> Any:
        if "download" in self.refuse:
            raise DvripConnectionError("the connection closed before the download ended")
        return await super().download(record, *args, **kwargs)


@pytest.fixture
async def refusing_client(camera: CameraSimulator) -> AsyncIterator[type[RefusingClient]]:
    RefusingClient.refuse = set()
    async with RefusingClient(camera.host, camera.port, USER, PASSWORD, timeout=5.0) as dvrip:
        yield dvrip  # type: ignore[misc]


async def test_refused_queries_are_misses(
    camera: CameraSimulator, refusing_client: RefusingClient
) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG)
    assert picture is not None
    refusing_client.refuse = {"jpg", "h264"}
    result = await resolve_alarm_picture(refusing_client, marker_for(picture))
    assert result.method is PictureMethod.FAILED
    assert [attempt.reason for attempt in result.attempts] == [
        "jpg query failed: OPFileQuery refused by the camera (Ret 102)",
        "clip query failed: OPFileQuery refused by the camera (Ret 102)",
    ]


async def test_refused_queries_and_clock_in_an_export(
    camera: CameraSimulator, refusing_client: RefusingClient
) -> None:
    add_alarm(camera, PictureKind.JPEG, minutes_ago=2)
    refusing_client.refuse = {"jpg", "time"}
    report = await last_alarm_pictures(refusing_client, limit=3)
    assert report.camera_time is None
    assert report.counts.errors == (
        "camera time: OPTimeQuery refused by the camera (Ret 102)",
        "jpg query: OPFileQuery refused by the camera (Ret 102)",
    )
    # The host clock stands in; the clip still gives the alarm its picture.
    assert [picture.method for picture in report.pictures] == [PictureMethod.MOTION_CLIP]
    refusing_client.refuse = {"h264"}
    report = await last_alarm_pictures(refusing_client, limit=3)
    assert report.counts.errors == ("h264 query: OPFileQuery refused by the camera (Ret 102)",)
    assert [picture.method for picture in report.pictures] == [PictureMethod.DIRECT]


async def test_broken_download_is_a_miss(
    camera: CameraSimulator, refusing_client: RefusingClient
) -> None:
    _, picture = add_alarm(camera, PictureKind.JPEG)
    assert picture is not None
    refusing_client.refuse = {"download"}
    result = await resolve_alarm_picture(refusing_client, marker_for(picture), strict=True)
    assert result.method is PictureMethod.SKIPPED
    assert result.reason == (
        "direct: download failed (the connection closed before the download ended)"
    )


async def test_unknown_file_is_refused_and_never_a_path(
    camera: CameraSimulator, client: DvripClient, tmp_path: Path
) -> None:
    when = alarm_time(camera)
    hostile = RecordFile("../../etc/passwd", when, when, 1, FileType.PICTURE, RecordEvent.UNKNOWN)
    marker = AlarmMarker(when, 0, "VideoMotion", hostile, (MarkerSource.PICTURE,))
    result = await resolve_alarm_picture(client, marker, strict=True, workdir=tmp_path)
    assert result.method is PictureMethod.SKIPPED
    assert result.attempts[0].reason.startswith("download refused (")
    assert result.attempts[0].source_name == "../../etc/passwd"
    assert not any(tmp_path.iterdir())
    assert not (tmp_path.parent.parent / "etc").exists()


@pytest.mark.parametrize("simulator_settings", [{"profile_overrides": {"clip_fps": 2}}])
async def test_motion_clip_downloads_the_window_around_the_alarm(
    camera: CameraSimulator, client: DvripClient
) -> None:
    """An alarm in the middle of a minute-long recording: only the seconds around it come."""
    begin = alarm_time(camera, 10)
    clip, _picture = camera.add_history(begin, seconds=60, picture_kind=PictureKind.PLACEHOLDER)
    whole = len(await clip.media())
    alarm = begin + timedelta(seconds=30)
    result = await resolve_alarm_picture(client, AlarmMarker(alarm, 0, "VideoMotion"))
    assert result.method is PictureMethod.MOTION_CLIP
    assert result.source_name == clip.file_name
    assert 0 < result.bytes_downloaded < whole / 4
    assert result.frame_time is not None
    assert alarm - timedelta(seconds=2) <= result.frame_time <= alarm + timedelta(seconds=9)


@pytest.mark.parametrize(
    "simulator_settings",
    [
        {
            "continuous_recording": True,
            "profile_overrides": {"picture_kinds": (PictureKind.PLACEHOLDER,)},
            "playback_speed": 20.0,
            "burst_seconds": 2.0,
            "first_packet_delay": 0.2,
        }
    ],
)
async def test_alarm_inside_an_hour_long_recording(
    camera: CameraSimulator, client: DvripClient
) -> None:
    """A continuous-recording camera at recorder pace: the picture costs its window only."""
    record = await camera.raise_alarm()
    assert record.clip is not None
    assert record.clip.end - record.clip.begin == timedelta(hours=1)
    assert record.clip.begin <= record.time <= record.clip.end
    result = await resolve_alarm_picture(client, AlarmMarker(record.time, 0, "VideoMotion"))
    assert result.method is PictureMethod.MOTION_CLIP
    assert result.source_name == record.clip.file_name
    assert 0 < result.bytes_downloaded < 0.05 * record.clip.file_length_kib * 1024
    assert result.frame_time is not None
    assert abs(result.frame_time - record.time) <= timedelta(seconds=9)
