"""The camera's recordings in the Media panel: days, a day's recordings, and playing one."""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
import io
from pathlib import Path

import av
from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import BrowseMediaSource
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.recordings import URL
from simulator import CameraSimulator

from ..pictures.test_remux import decoded_planes, source_frames
from .common import async_wait_for_state, entity_id, picture_shown

ROOT = "media-source://dvrip"


@pytest.fixture(autouse=True)
async def _media_source(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "media_source", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()


async def _browse(hass: HomeAssistant, item: BrowseMediaSource | str) -> BrowseMediaSource:
    content_id = item if isinstance(item, str) else item.media_content_id
    return await media_source.async_browse_media(hass, content_id)


async def _recordings(hass: HomeAssistant, entry: MockConfigEntry) -> BrowseMediaSource:
    camera = await _browse(hass, f"{ROOT}/{entry.entry_id}")
    (folder,) = [child for child in camera.children if child.title == "Recordings"]
    return await _browse(hass, folder)


def _clip(camera: CameraSimulator, begin: datetime, *, event: str = "M", seconds: int = 2) -> None:
    camera.add_history(begin, event=event, picture=False, seconds=seconds)


@pytest.mark.parametrize(
    "camera_settings",
    [{}, {"quirks": ("search-ret-110",)}, {"quirks": ("filelist-key",)}],
    ids=["plain", "search-ret-110", "filelist-key"],
)
async def test_days_and_recordings_newest_first(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    today = camera.now().replace(hour=12, minute=0, second=0)
    yesterday = today - timedelta(days=1)
    _clip(camera, today.replace(hour=9), event="R", seconds=60)
    _clip(camera, today.replace(hour=10))
    _clip(camera, today.replace(hour=11), event="A")
    # More than the 64 entries a reply holds: the day's list is paged.
    for minute in range(70):
        _clip(camera, yesterday.replace(hour=8) + timedelta(minutes=minute))
    # Recorded before the camera's clock was set after a power cut.
    epoch = datetime(2000, 1, 1, 0, 3, 7)
    _clip(camera, epoch)

    days = await _recordings(hass, loaded_entry)
    assert [day.title for day in days.children] == [
        f"{today:%Y-%m-%d}",
        f"{yesterday:%Y-%m-%d}",
        "2000-01-01",
    ]
    today_list = await _browse(hass, days.children[0])
    assert [item.title for item in today_list.children] == [
        "11:00:00 0:02 Alarm input",
        "10:00:00 0:02 Motion",
        "09:00:00 1:00",
    ]
    assert all(
        item.can_play and item.media_content_type == "video/mp4" for item in today_list.children
    )
    yesterday_list = await _browse(hass, days.children[1])
    assert len(yesterday_list.children) == 70
    assert yesterday_list.children[0].title == "09:09:00 0:02 Motion"
    assert yesterday_list.children[-1].title == "08:00:00 0:02 Motion"


async def test_recording_titled_with_the_alarms_it_holds(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    record = await camera.raise_alarm(channel=0, event="HumanDetect")
    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])
    assert [item.title for item in day.children] == [f"{record.time:%H:%M:%S} 0:02 Motion, person"]


@pytest.mark.parametrize("camera_settings", [{"quirks": ("odd-times",)}])
async def test_a_recording_ending_at_midnight_as_24_00_00(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    day = camera.now().replace(hour=23, minute=59, second=0) - timedelta(days=1)
    _clip(camera, day, seconds=60)
    days = await _recordings(hass, loaded_entry)
    assert [item.title for item in days.children] == [f"{day:%Y-%m-%d}"]
    listed = await _browse(hass, days.children[0])
    assert [item.title for item in listed.children] == ["23:59:00 1:00 Motion"]


async def _play(hass: HomeAssistant, hass_client: ClientSessionGenerator, content_id: str) -> bytes:
    resolved = await media_source.async_resolve_media(hass, content_id, None)
    assert resolved.mime_type == "video/mp4"
    client = await hass_client()
    response = await client.get(resolved.url)
    assert response.status == HTTPStatus.OK, await response.text()
    assert response.headers["Content-Type"] == "video/mp4"
    return await response.read()


@pytest.mark.parametrize(
    ("camera_settings", "codec"),
    [({}, "h264"), ({"profile": "h265"}, "hevc")],
    ids=["h264", "h265"],
)
async def test_play_a_recording_as_mp4(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
    codec: str,
) -> None:
    begin = camera.now().replace(microsecond=0) - timedelta(minutes=5)
    camera.add_history(begin, picture=False, seconds=3)
    (entry,) = camera.history.entries
    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])

    data = await _play(hass, hass_client, day.children[0].media_content_id)

    clip = await entry.motion_clip()
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == codec
        frames = list(container.decode(stream))
    assert len(frames) == clip.frame_count == 30
    # The codec copied: the pixels are the simulator's own.
    assert decoded_planes(frames) == decoded_planes(source_frames(clip.data, clip.codec))
    assert camera.stats.downloads == 1
    # Within the connection budget: the alarm session, and the download's data socket.
    assert camera.stats.peak_connections <= 2


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_a_recorder_lists_each_channel(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    now = camera.now().replace(microsecond=0)
    _clip(camera, now - timedelta(minutes=9))
    camera.add_history(now - timedelta(minutes=5), channel=1, picture=False)
    recorder = await _browse(hass, f"{ROOT}/{loaded_entry.entry_id}")
    folders = [child for child in recorder.children if child.title.startswith("Recordings")]
    assert [folder.title for folder in folders] == ["Recordings Front door", "Recordings Garden"]
    for folder, begin in zip(
        folders, (now - timedelta(minutes=9), now - timedelta(minutes=5)), strict=False
    ):
        days = await _browse(hass, folder)
        day = await _browse(hass, days.children[0])
        assert [item.title for item in day.children] == [f"{begin:%H:%M:%S} 0:02 Motion"]


async def test_long_recording_played_by_parts(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    begin = camera.now().replace(microsecond=0) - timedelta(hours=1)
    camera.add_history(begin, picture=False, seconds=11 * 60)
    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])
    (recording,) = day.children
    assert recording.can_expand
    assert not recording.can_play
    parts = await _browse(hass, recording)
    end = begin + timedelta(minutes=11)
    assert [part.title for part in parts.children] == [
        f"{begin:%H:%M:%S}-{begin + timedelta(minutes=5):%H:%M:%S}",
        f"{begin + timedelta(minutes=5):%H:%M:%S}-{begin + timedelta(minutes=10):%H:%M:%S}",
        f"{begin + timedelta(minutes=10):%H:%M:%S}-{end:%H:%M:%S}",
    ]

    data = await _play(hass, hass_client, parts.children[2].media_content_id)

    # Only the last minute was asked of the camera, and that is what plays.
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.duration is not None
        seconds = float(stream.duration * stream.time_base)
    assert 60 <= seconds <= 62


async def test_only_listed_recordings_play_and_only_for_a_user(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    _clip(camera, camera.now() - timedelta(minutes=3))
    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])
    resolved = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)

    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(resolved.url)).status == HTTPStatus.UNAUTHORIZED

    client = await hass_client()
    # A file name the camera did not list (base64url of "/etc/passwd").
    unlisted = URL.format(
        entry_id=loaded_entry.entry_id,
        channel=0,
        day=days.children[0].title,
        token="L2V0Yy9wYXNzd2Q",
    )
    assert (await client.get(unlisted)).status == HTTPStatus.NOT_FOUND
    with pytest.raises(BrowseError):
        await _browse(hass, f"{ROOT}/{loaded_entry.entry_id}/recordings_0/2026-13-01")
    assert camera.stats.downloads == 0


async def _thumbnail(hass_client: ClientSessionGenerator, item: BrowseMediaSource) -> bytes:
    assert item.thumbnail is not None
    client = await hass_client()
    response = await client.get(item.thumbnail)
    assert response.status == HTTPStatus.OK, await response.text()
    return await response.read()


@pytest.mark.usefixtures("fast_pictures")
# The recording's picture alone: the kept picture is not replaced after it is shown.
@pytest.mark.parametrize("entry_options", [{CONF_PICTURE_MODE: "recording"}])
async def test_thumbnail_is_the_alarm_picture(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
    media_dir: Path,
) -> None:
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    await async_wait_for_state(hass, image, picture_shown(record.time))
    day = await _browse(hass, (await _recordings(hass, loaded_entry)).children[0])

    thumbnail = await _thumbnail(hass_client, day.children[0])

    kept = media_dir / "dvrip" / loaded_entry.entry_id / "alarm_pictures"
    assert thumbnail == (kept / f"{record.time:%Y%m%d_%H%M%S}_ch0.jpg").read_bytes()


async def test_thumbnail_is_a_frame_of_the_recording_made_once(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    _clip(camera, camera.now() - timedelta(minutes=3))
    day = await _browse(hass, (await _recordings(hass, loaded_entry)).children[0])

    first = await _thumbnail(hass_client, day.children[0])
    with Image.open(io.BytesIO(first)) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (320, 240)  # as the camera records, under the size cap
    assert camera.stats.downloads == 1
    # Kept: the second look costs the camera nothing.
    assert await _thumbnail(hass_client, day.children[0]) == first
    assert camera.stats.downloads == 1


async def test_a_download_cut_midway_plays_what_arrived(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    camera.add_history(camera.now() - timedelta(minutes=5), picture=False, seconds=3)
    (entry,) = camera.history.entries
    day = await _browse(hass, (await _recordings(hass, loaded_entry)).children[0])
    await camera.inject_fault("cut_download")

    data = await _play(hass, hass_client, day.children[0].media_content_id)

    clip = await entry.motion_clip()
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(container.streams.video[0]))
    # Half the bytes came: their frames play, each the simulator's own.
    assert 0 < len(frames) < clip.frame_count
    source = decoded_planes(source_frames(clip.data, "h264"))
    assert decoded_planes(frames) == source[: len(frames)]


async def test_a_camera_that_does_not_answer_the_search_gives_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    _clip(camera, camera.now() - timedelta(minutes=3))
    camera_folder = await _browse(hass, f"{ROOT}/{loaded_entry.entry_id}")
    (folder,) = [child for child in camera_folder.children if child.title == "Recordings"]
    await camera.inject_fault("silence", 30)
    with pytest.raises(BrowseError) as raised:
        await _browse(hass, folder)
    assert raised.value.translation_key == "recordings_unavailable"
    assert "cannot be listed now" in str(raised.value)


async def test_a_window_outside_the_recording_and_an_unloaded_camera(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    _clip(camera, camera.now() - timedelta(minutes=3))
    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])
    resolved = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)
    client = await hass_client()
    assert (await client.get(f"{resolved.url}?start=999")).status == HTTPStatus.BAD_REQUEST

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert (await client.get(resolved.url)).status == HTTPStatus.NOT_FOUND
    with pytest.raises(BrowseError) as raised:
        await _browse(hass, days.children[0])
    assert raised.value.translation_key == "recordings_camera_not_loaded"
    assert camera.stats.downloads == 0


async def test_a_player_asking_for_ranges_gets_the_whole_length(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    _clip(camera, camera.now() - timedelta(minutes=3))
    day = await _browse(hass, (await _recordings(hass, loaded_entry)).children[0])
    resolved = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)
    client = await hass_client()

    # As Safari opens a video: two bytes first, then the rest by ranges.
    probe = await client.get(resolved.url, headers={"Range": "bytes=0-1"})
    assert probe.status == HTTPStatus.PARTIAL_CONTENT
    total = int(probe.headers["Content-Range"].rsplit("/", 1)[1])
    assert await probe.read() == b"\0\0"
    rest = await client.get(resolved.url, headers={"Range": f"bytes=2-{total - 1}"})
    assert rest.status == HTTPStatus.PARTIAL_CONTENT
    mp4 = b"\0\0" + await rest.read()
    assert len(mp4) == total
    with av.open(io.BytesIO(mp4)) as container:
        assert len(list(container.decode(container.streams.video[0]))) == 20
    # Made once: the second range came from the file kept.
    assert camera.stats.downloads == 1
    # A player that streams from the start gets the stream, with no length.
    streamed = await client.get(resolved.url, headers={"Range": "bytes=0-"})
    assert streamed.status == HTTPStatus.OK
    assert "Content-Length" not in streamed.headers
    assert await streamed.read() == mp4


@pytest.mark.parametrize("camera_settings", [{"quirks": ("unused-channels",)}])
async def test_a_recorder_lists_only_channels_with_a_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    recorder = await _browse(hass, f"{ROOT}/{loaded_entry.entry_id}")
    assert [child.title for child in recorder.children if "Recordings" in child.title] == [
        "Recordings Porch"
    ]


async def test_alarm_kinds_in_titles_survive_a_reload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    record = await camera.raise_alarm(channel=0, event="HumanDetect")
    days = await _recordings(hass, loaded_entry)
    await _browse(hass, days.children[0])  # the kind is noted by now
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()

    days = await _recordings(hass, loaded_entry)
    day = await _browse(hass, days.children[0])
    assert [item.title for item in day.children] == [f"{record.time:%H:%M:%S} 0:02 Motion, person"]
