"""The last alarm picture: the image entity, its picture_url, and what is kept on disk."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip import last_picture
from custom_components.dvrip.client import (
    Alarm,
    AlarmStatus,
    DvripAuthError,
    DvripClient,
    DvripCommandError,
    DvripConnectionError,
)
from custom_components.dvrip.client.const import MessageId
from custom_components.dvrip.const import CONF_PICTURE_MODE, AlarmKind
from custom_components.dvrip.models import AlarmEvent, AlarmSource
from custom_components.dvrip.pictures import AlarmMarker, kept as kept_pictures
from custom_components.dvrip.pictures.kept import KeptPicture, read_kept_pictures
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import (
    StateRecorder,
    async_change_options,
    async_wait_for_state,
    entity_id,
    one_socket_downloads,
    picture_shown,
    refuse_streams,
)

pytestmark = pytest.mark.usefixtures("fast_pictures")


def _image(hass: HomeAssistant, entry: MockConfigEntry, channel: int = 0) -> str:
    return entity_id(hass, "image", f"{entry.unique_id}_{channel}_last_alarm_picture")


def _alarm(hass: HomeAssistant, entry: MockConfigEntry, channel: int = 0) -> str:
    return entity_id(hass, "event", f"{entry.unique_id}_{channel}_alarm")


def _pictures_dir(media_dir: Path, entry: MockConfigEntry) -> Path:
    return media_dir / "dvrip" / entry.entry_id / "alarm_pictures"


def _file_name(moment: datetime, channel: int = 0) -> str:
    return f"{moment:%Y%m%d_%H%M%S}_ch{channel}.jpg"


async def _wait_for_picture(
    hass: HomeAssistant, image: str, moment: datetime | None = None, method: str | None = None
) -> State:
    """The image entity's state once it shows a picture (of the alarm at `moment`, by `method`)."""
    state = await async_wait_for_state(hass, image, picture_shown(moment, method))
    assert state is not None
    return state


async def _fetch(hass_client: ClientSessionGenerator, path: str) -> bytes:
    client = await hass_client()
    response = await client.get(path)
    assert response.status == HTTPStatus.OK, path
    return await response.read()


async def test_image_updates_after_an_alarm(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    hass_client: ClientSessionGenerator,
) -> None:
    """A pushed alarm gives the image entity its picture, the alarm's time and its origin."""
    assert await async_setup_component(hass, "media_source", {})
    image = _image(hass, loaded_entry)
    alarm = _alarm(hass, loaded_entry)
    assert hass.states.get(image).state == STATE_UNKNOWN

    shown = StateRecorder(hass, [image])
    # The recording's download waits until the still shows, whatever the machine's pace.
    camera.stall_downloads()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await _wait_for_picture(hass, image, record.time, method="snapshot")
    camera.stall_downloads(stalled=False)
    state = await _wait_for_picture(hass, image, record.time, method="direct")
    shown.close()
    # A picture at once, the best one soon: the live still first, then the recording's.
    assert [picture.attributes["method"] for picture in shown.states] == ["snapshot", "direct"]

    # The camera's clock is UTC here: the alarm time is the camera's time with that zone.
    assert datetime.fromisoformat(state.attributes["alarm_time"]) == record.time.replace(tzinfo=UTC)
    # The state: when the alarm's first picture was shown, the still, not the recording's.
    assert state.state == shown.states[0].state
    assert datetime.fromisoformat(state.state) >= datetime.fromisoformat(
        state.attributes["alarm_time"]
    )
    name = _file_name(record.time)
    url = f"/media/local/dvrip/{loaded_entry.entry_id}/alarm_pictures/{name}"
    assert record.picture is not None
    assert state.attributes["event_type"] == "motion"
    assert state.attributes["event"] == "VideoMotion"
    assert state.attributes["channel"] == 1
    assert state.attributes["method"] == "direct"
    assert state.attributes["source_file"] == record.picture.file_name
    assert state.attributes["picture_url"] == url
    assert state.attributes["backfilled"] is False

    # The event entity stays as it was fired: the picture is the image entity's.
    event = hass.states.get(alarm)
    assert event.attributes["event_type"] == "motion"
    assert "picture_url" not in event.attributes

    kept = (_pictures_dir(media_dir, loaded_entry) / name).read_bytes()
    assert kept.startswith(b"\xff\xd8")
    assert await _fetch(hass_client, f"/api/image_proxy/{image}") == kept
    # The URL in the attributes is served by Home Assistant's media view.
    assert await _fetch(hass_client, url) == kept


async def test_picture_survives_a_restart(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """After a restart the image entity shows the kept picture, with the same state."""
    image = _image(hass, loaded_entry)
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    # The recording's picture, which replaces the live still and is the one kept for good.
    before = await _wait_for_picture(hass, image, record.time, method="direct")
    jpeg = await _fetch(hass_client, f"/api/image_proxy/{image}")
    pictures = loaded_entry.runtime_data.pictures

    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()

    assert loaded_entry.runtime_data.pictures is not pictures
    after = hass.states.get(image)
    assert after.state == before.state
    # Only the access token (renewed for every new entity object) differs.
    tokens = {"access_token", "entity_picture"}
    assert {key: value for key, value in after.attributes.items() if key not in tokens} == {
        key: value for key, value in before.attributes.items() if key not in tokens
    }
    assert await _fetch(hass_client, f"/api/image_proxy/{image}") == jpeg


@pytest.mark.parametrize("camera_settings", [{"timezone": "Asia/Tokyo"}])
async def test_alarm_time_in_another_zone(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera keeps Tokyo time: the picture's time is converted with the learned offset."""
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.clock.offset is not None
    assert abs(coordinator.clock.offset - timedelta(hours=9)) <= timedelta(seconds=2)
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(hass, _image(hass, loaded_entry), record.time)
    expected = (record.time - coordinator.clock.offset).replace(tzinfo=UTC)
    assert datetime.fromisoformat(state.attributes["alarm_time"]) == expected
    assert state.attributes["camera_time"] == record.time.isoformat()


@pytest.mark.parametrize(
    "camera_settings", [{"profile_overrides": {"picture_kinds": (PictureKind.PLACEHOLDER,)}}]
)
async def test_picture_from_the_motion_clip(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """An empty jpg entry: the sharpest frame of the motion clip instead."""
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(
        hass, _image(hass, loaded_entry), record.time, method="motion_clip"
    )
    assert record.clip is not None
    assert state.attributes["method"] == "motion_clip"
    assert state.attributes["source_file"] == record.clip.file_name


async def test_picture_found_on_a_later_try(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Nothing recorded yet at the first look: a retry finds the picture once it is."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "recording"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    image = _image(hass, config_entry)
    queries = camera.stats.queries

    # The simulated camera records nothing for this event name: the first look misses.
    record = await camera.raise_alarm(channel=0, event="HumanDetection", status="Start")
    await camera.wait_for(lambda: camera.stats.queries >= queries + 2)
    camera.add_history(record.time, channel=0, picture_kind=PictureKind.JPEG)

    state = await _wait_for_picture(hass, image, record.time, method="direct")
    assert state.attributes["event_type"] == "person"
    assert state.attributes["method"] == "direct"
    assert camera.stats.queries > queries + 2
    assert camera.stats.snapshots == 0
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_picture_given_up(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing ever recorded: auto mode falls back to the still taken at the alarm."""
    monkeypatch.setattr(last_picture, "RETRY_DELAYS", (0.0,))
    record = await camera.raise_alarm(channel=0, event="HumanDetection", status="Start")
    state = await _wait_for_picture(
        hass, _image(hass, loaded_entry), record.time, method="snapshot"
    )
    assert state.attributes["method"] == "snapshot"
    assert state.attributes["source_file"] is None


async def test_picture_given_up_without_a_still(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Recording mode and nothing recorded: no picture, and diagnostics say why."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "recording"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    pictures = config_entry.runtime_data.pictures
    assert pictures is not None
    queries = camera.stats.queries
    await camera.raise_alarm(channel=0, event="HumanDetection", status="Start")
    # One first look and twenty retries, two queries each.
    await camera.wait_for(lambda: camera.stats.queries >= queries + 42)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(_image(hass, config_entry)).state == STATE_UNKNOWN
    channel = pictures.as_dict()["channels"]["channel 1"]
    assert channel["picture"] is None
    assert "no jpg entry" in channel["last_failure"]
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_snapshot_mode(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Snapshot mode: the live still taken when the alarm arrives, without waiting."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "snapshot"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(
        hass, _image(hass, config_entry), record.time, method="snapshot"
    )
    assert state.attributes["method"] == "snapshot"
    assert camera.stats.snapshots == 1
    assert camera.stats.downloads == 0
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
@pytest.mark.parametrize(
    ("streams", "method"), [(True, "snapshot"), (False, "direct_stream")], ids=["live", "refused"]
)
async def test_snapshot_mode_on_a_recorder(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    streams: bool,
    method: str,
) -> None:
    """A recorder refuses OPSNAP: the live still comes from its sub stream; where it refuses
    that too, its recording gives the picture; on the right channel either way.
    """
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "snapshot"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    one_socket_downloads(config_entry)
    if not streams:
        refuse_streams(config_entry)
    record = await camera.raise_alarm(channel=1, event="VideoMotion", status="Start")
    state = await _wait_for_picture(hass, _image(hass, config_entry, 1), record.time, method=method)
    assert state.attributes["method"] == method
    assert state.attributes["channel"] == 2
    assert state.name == "Garden Last alarm picture"
    stills_of = config_entry.runtime_data.coordinator.stills
    assert stills_of.from_stream(1)
    assert bool(stills_of.refused_channels()) is not streams
    assert hass.states.get(_image(hass, config_entry, 0)).state == STATE_UNKNOWN
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_newest_alarm_wins(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second alarm while the first settles: only the newer one's picture is looked for."""
    monkeypatch.setattr(last_picture, "SETTLE_SECONDS", 0.3)
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "recording"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    now = camera.now()
    await camera.raise_alarm(channel=0, time=now - timedelta(seconds=20))
    second = await camera.raise_alarm(channel=0, time=now - timedelta(seconds=10))
    await _wait_for_picture(hass, _image(hass, config_entry), second.time)
    assert camera.stats.downloads == 1
    kept = sorted(path.name for path in _pictures_dir(media_dir, config_entry).iterdir())
    assert kept == [_file_name(second.time), "last_ch0.json"]
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_only_the_newest_pictures_are_kept(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(last_picture, "KEPT_PICTURES", 2)
    image = _image(hass, loaded_entry)
    now = camera.now()
    times = [now - timedelta(seconds=seconds) for seconds in (30, 20, 10)]
    for moment in times:
        record = await camera.raise_alarm(channel=0, time=moment)
        await _wait_for_picture(hass, image, record.time)
    folder = _pictures_dir(media_dir, loaded_entry)
    assert sorted(path.name for path in folder.glob("*.jpg")) == [
        _file_name(moment) for moment in times[1:]
    ]
    document = json.loads((folder / "last_ch0.json").read_text())
    assert document["file"] == _file_name(times[-1])


async def test_the_newest_written_pictures_are_kept_across_a_clock_reset(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Back at 2000, the camera's alarms are named earlier than the last one before: the
    pictures kept are still the newest written (a notification's picture stays there).
    """
    monkeypatch.setattr(last_picture, "KEPT_PICTURES", 2)
    image = _image(hass, loaded_entry)
    before = await camera.raise_alarm(channel=0)
    await _wait_for_picture(hass, image, before.time)
    camera.set_clock(datetime(2000, 1, 1))
    times = []
    for seconds in (0, 10):
        record = await camera.raise_alarm(channel=0, time=camera.now() + timedelta(seconds=seconds))
        await _wait_for_picture(hass, image, record.time)
        times.append(record.time)
    folder = _pictures_dir(media_dir, loaded_entry)
    assert sorted(path.name for path in folder.glob("*.jpg")) == [
        _file_name(moment) for moment in times
    ]


async def test_the_picture_of_the_alarm_pushed_last_is_shown(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The alarm pushed last is the last alarm, though the camera stamped it earlier (its
    clock went back a minute between the two); the earlier alarm's picture never replaces it.
    """
    image = _image(hass, loaded_entry)
    now = camera.now()
    first = await camera.raise_alarm(channel=0, time=now)
    await _wait_for_picture(hass, image, first.time)
    last = await camera.raise_alarm(channel=0, time=now - timedelta(minutes=1))
    await _wait_for_picture(hass, image, last.time)
    pictures = loaded_entry.runtime_data.pictures
    assert pictures is not None
    picture = pictures.picture(0)
    assert picture is not None
    assert picture.camera_time == last.time
    assert last.time < first.time


async def test_no_picture_for_alarms_without_one(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A storage or tamper alarm has nothing to show: nothing is looked for."""
    alarm = _alarm(hass, loaded_entry)
    await camera.raise_alarm(channel=0, event="StorageLowSpace", status="None")
    await async_wait_for_state(hass, alarm, lambda state: state.state != STATE_UNKNOWN)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.stats.snapshots == 0
    assert camera.stats.queries == 0


async def test_picture_mode_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Pictures off: the image entities go, alarms fetch nothing, the event has no URL."""
    image = _image(hass, loaded_entry)
    await async_change_options(hass, loaded_entry, **{CONF_PICTURE_MODE: "off"})
    assert loaded_entry.runtime_data.pictures is None
    assert er.async_get(hass).async_get(image) is None
    alarm = _alarm(hass, loaded_entry)
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, alarm, lambda state: state.state != STATE_UNKNOWN)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.stats.downloads == 0
    assert "picture_url" not in hass.states.get(alarm).attributes


async def test_no_media_folder(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Without a media folder the picture is shown, but kept in memory only."""
    hass.config.media_dirs = {}
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(hass, _image(hass, config_entry), record.time)
    assert state.attributes["picture_url"] is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_unwritable_media_folder(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator, media_dir: Path
) -> None:
    """A media folder that cannot be written: the picture is shown all the same."""
    (media_dir / "dvrip").write_text("a file where a folder should be")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(hass, _image(hass, config_entry), record.time, method="direct")
    assert state.attributes["picture_url"] is None
    assert state.attributes["method"] == "direct"
    assert await hass.config_entries.async_unload(config_entry.entry_id)


def _write(folder: Path, name: str, content: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content if isinstance(content, str) else json.dumps(content))


def test_damaged_kept_pictures_are_ignored(tmp_path: Path) -> None:
    """A document that is not ours, or names a path, is skipped; the others are read."""
    good = {
        "version": 1,
        "file": "20261125_130510_ch0.jpg",
        "time": "2026-11-25T13:05:10+00:00",
        "camera_time": "2026-11-25T13:05:10",
        "kind": "motion",
        "event": "VideoMotion",
        "method": "direct",
        "source_file": None,
    }
    (tmp_path / "20261125_130510_ch0.jpg").write_bytes(b"\xff\xd8jpeg")
    _write(tmp_path, "last_ch0.json", good)
    _write(tmp_path, "last_ch1.json", {**good, "file": "../../secrets.yaml"})
    _write(tmp_path, "last_ch2.json", "not json")
    _write(tmp_path, "last_ch3.json", {**good, "time": "2026-11-25T13:05:10"})
    _write(tmp_path, "last_ch4.json", {**good, "shown": "2026-11-25T13:05:12"})
    kept = read_kept_pictures(tmp_path, range(5))
    assert list(kept) == [0]
    assert kept[0].jpeg == b"\xff\xd8jpeg"
    assert kept[0].kind == AlarmKind.MOTION
    # Written before `backfilled` and `shown` were kept: a live alarm, shown at its time.
    assert kept[0].backfilled is False
    assert kept[0].shown is None


def test_kept_picture_round_trip(tmp_path: Path) -> None:
    """What the image entity shows comes back after a restart: the alarm and its state."""
    shown = datetime(2026, 11, 25, 13, 5, 12, 345678, tzinfo=UTC)
    picture = KeptPicture(
        channel=1,
        jpeg=b"\xff\xd8jpeg",
        time=datetime(2026, 11, 25, 13, 5, 10, tzinfo=UTC),
        camera_time=datetime(2026, 11, 25, 13, 5, 10),
        kind="person",
        event="HumanDetect",
        method="motion_clip",
        source_file="/idea0/2026-11-25/001/13.05.10-13.05.40[M][@69f17][0].h264",
        backfilled=True,
        shown=shown,
        file_name="20261125_130510_ch1.jpg",
    )
    kept_pictures.write_kept_picture(tmp_path, picture, 10)
    [(channel, again)] = read_kept_pictures(tmp_path, [1]).items()
    assert channel == 1
    assert again == picture
    assert again.attributes()["backfilled"] is True
    assert again.attributes()["alarm_time"] == "2026-11-25T13:05:10+00:00"


async def test_search_errors(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A lost link is retried; a refused login ends the search (asking again cannot help)."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "recording"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    motion = entity_id(hass, "binary_sensor", f"{config_entry.unique_id}_0_motion")
    failures = [DvripConnectionError("link down"), DvripAuthError(106)]
    with patch.object(last_picture, "resolve_alarm_picture", side_effect=failures) as resolve:
        await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        await async_wait_for_state(hass, motion, "on")
        await hass.async_block_till_done(wait_background_tasks=True)
    assert resolve.await_count == 2
    pictures = config_entry.runtime_data.pictures
    assert pictures is not None
    assert "Ret 106" in pictures.as_dict()["channels"]["channel 1"]["last_failure"]
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_search_while_unavailable(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The camera is away when the picture is due: nothing is asked of it."""
    monkeypatch.setattr(last_picture, "RETRY_DELAYS", ())
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "recording"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    motion = entity_id(hass, "binary_sensor", f"{config_entry.unique_id}_0_motion")
    queries = camera.stats.queries
    with patch.object(config_entry.runtime_data.coordinator.session, "available", False):
        await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        await async_wait_for_state(hass, motion, "unavailable")
        await hass.async_block_till_done(wait_background_tasks=True)
    pictures = config_entry.runtime_data.pictures
    assert pictures is not None
    assert pictures.as_dict()["channels"]["channel 1"]["last_failure"] == (
        "the camera is unavailable"
    )
    assert camera.stats.queries == queries
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.usefixtures("socket_enabled")
async def test_camera_without_a_clock(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Firmware that does not tell its time: the picture's time is when the push arrived."""
    with patch.object(DvripClient, "get_time", side_effect=DvripCommandError("OPTimeQuery", 607)):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    coordinator = config_entry.runtime_data.coordinator
    assert coordinator.clock.offset is None
    assert coordinator.clock.to_utc(camera.now()) is None
    # Taken to keep Home Assistant's local time.
    local_now = dt_util.now().replace(tzinfo=None)
    assert abs(coordinator.clock.now() - local_now) < timedelta(seconds=2)
    before = dt_util.utcnow()
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    state = await _wait_for_picture(hass, _image(hass, config_entry), record.time)
    assert before <= datetime.fromisoformat(state.state) <= dt_util.utcnow()
    assert await hass.config_entries.async_unload(config_entry.entry_id)


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    picture = KeptPicture(
        channel=0,
        jpeg=b"\xff\xd8",
        time=datetime.now(UTC),
        camera_time=datetime(2026, 11, 25, 13, 5, 10),
        kind=AlarmKind.MOTION,
        event="VideoMotion",
        method="direct",
        file_name="20261125_130510_ch0.jpg",
    )
    # A folder where the picture should go: it cannot be replaced by a file.
    (tmp_path / "20261125_130510_ch0.jpg").mkdir()
    with pytest.raises(OSError):  # noqa: PT011 - which one depends on the platform
        kept_pictures.write_kept_picture(tmp_path, picture, 10)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["20261125_130510_ch0.jpg"]


async def test_newest_picture_wins_a_race_to_the_disk(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, media_dir: Path
) -> None:
    """Two pictures written at once: the newer alarm's is kept, in memory and on disk."""
    pictures = loaded_entry.runtime_data.pictures
    assert pictures is not None
    now = dt_util.utcnow().replace(microsecond=0)
    requests = []
    for age in (20, 10):
        moment = now - timedelta(seconds=age)
        camera_time = moment.replace(tzinfo=None)
        alarm = Alarm(0, "VideoMotion", AlarmStatus.START, camera_time, {})
        event = AlarmEvent(AlarmKind.MOTION, alarm, moment, AlarmSource.PUSH, moment)
        marker = AlarmMarker.from_alarm(alarm)
        requests.append(last_picture._Request(event, marker, hass.loop.time()))
    older, newer = requests
    jobs: list[tuple[asyncio.Future[Any], Any, tuple[Any, ...]]] = []

    def executor_job(target: Any, *args: Any) -> asyncio.Future[Any]:
        future = hass.loop.create_future()
        jobs.append((future, target, args))
        return future

    with patch.object(hass, "async_add_executor_job", executor_job):
        keeping = [
            hass.async_create_task(pictures._async_keep(older, b"older", "snapshot", None)),
            hass.async_create_task(pictures._async_keep(newer, b"newer", "snapshot", None)),
        ]
        while not all(task.done() for task in keeping):
            for _ in range(10):
                await asyncio.sleep(0)
            # The disk finishes the newest write first.
            waiting = sorted(jobs, key=lambda job: job[2][1].camera_time, reverse=True)
            jobs.clear()
            for future, target, args in waiting:
                future.set_result(target(*args))
                for _ in range(10):
                    await asyncio.sleep(0)
    kept = pictures.picture(0)
    assert kept is not None
    assert kept.jpeg == b"newer"
    folder = _pictures_dir(media_dir, loaded_entry)
    document = json.loads((folder / "last_ch0.json").read_text())
    assert document["file"] == _file_name(newer.marker.time)


async def test_one_still_at_a_time_per_channel(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Alarms during a slow still wait for it; only the newest of them gets a still of its own."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "snapshot"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    camera.delay_replies(2.0, message_id=MessageId.SNAP_REQ, count=1)
    now = camera.now()
    records = [
        await camera.raise_alarm(channel=0, time=now - timedelta(seconds=age)) for age in (3, 2, 1)
    ]
    await _wait_for_picture(hass, _image(hass, config_entry), records[-1].time)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.stats.snapshots == 2
    assert config_entry.runtime_data.pictures.picture(0).camera_time == records[-1].time
    assert await hass.config_entries.async_unload(config_entry.entry_id)
