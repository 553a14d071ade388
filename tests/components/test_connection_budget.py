"""At most two connections to a camera: the alarm session, and one that stills and downloads share.

Recorders allow about ten connections and lock the vendor's app out once they are used up.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from homeassistant.components.camera import DOMAIN as CAMERA_DOMAIN, async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import stills
from custom_components.dvrip.const import CONF_PICTURE_MODE
from custom_components.dvrip.stills import STILL_INTERVAL
from simulator import CameraSimulator

from .common import (
    AlarmEventLog,
    async_wait_for_state,
    entity_id,
    export_last_alarms,
    picture_shown,
)

# The kept login lasts at most an AliveInterval; the tests' two seconds would end it between
# stills on a busy machine.
PATIENT_CAMERA = {"alive_interval": 20}


def _camera(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return entity_id(hass, "camera", f"{entry.unique_id}_0_snapshot")


@pytest.mark.parametrize("camera_settings", [PATIENT_CAMERA])
async def test_an_open_camera_dialog_costs_one_login(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stills again and again from several views: one extra login, logged out when idle.

    The views are asked as the dialog's stream asks (`async_camera_image`), without waiting
    out its frame interval.
    """
    camera_id = _camera(hass, loaded_entry)
    client = loaded_entry.runtime_data.coordinator.client
    logins = camera.stats.logins
    camera.reset_peak_connections()

    frame = (await async_get_image(hass, camera_id)).content
    assert frame.startswith(b"\xff\xd8")
    snapshots = camera.stats.snapshots
    # A picture card and a tile asking within the frame interval get the dialog's still.
    images = await asyncio.gather(*(async_get_image(hass, camera_id) for _ in range(2)))
    assert [image.content for image in images] == [frame, frame]
    assert camera.stats.snapshots == snapshots

    # Every frame interval, the three ask together: one still each time, on the same login.
    monkeypatch.setattr(stills, "STILL_MAX_AGE", timedelta(0))
    for _ in range(10):
        images = await asyncio.gather(*(async_get_image(hass, camera_id) for _ in range(3)))
        assert len({image.content for image in images}) == 1
    stats = camera.stats
    assert stats.snapshots == snapshots + 10
    assert stats.logins == logins + 1
    assert stats.peak_connections == 2

    # Once nobody asks, the extra login is logged out.
    client.idle_logout = 0.05
    await async_get_image(hass, camera_id)
    await camera.wait_for(lambda: camera.stats.open_connections == 1)
    assert camera.stats.sessions == 1
    assert camera.stats.logins == logins + 1
    assert client.connected


async def test_the_camera_dialog_asks_at_the_still_interval(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Home Assistant's camera dialog streams stills at the entity's frame interval."""
    entity = hass.data[CAMERA_DOMAIN].get_entity(_camera(hass, loaded_entry))
    assert entity.frame_interval == STILL_INTERVAL.total_seconds()
    assert stills.STILL_MAX_AGE < STILL_INTERVAL


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("camera_settings", [{**PATIENT_CAMERA, "bandwidth": 20_000}])
async def test_two_connections_at_most_while_everything_runs(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An alarm picture downloading, the camera view asking for stills, an export: two at most."""
    camera_id = _camera(hass, loaded_entry)
    # Each ask is a new still (not the alarm's, given again).
    monkeypatch.setattr(stills, "STILL_MAX_AGE", timedelta(0))
    # The still waits for the slow download: give it a real camera's patience.
    loaded_entry.runtime_data.coordinator.client.timeout = 10.0
    camera.reset_peak_connections()
    image_id = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")

    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await camera.wait_for(lambda: camera.stats.downloads >= 1)
    views = [asyncio.create_task(async_get_image(hass, camera_id)) for _ in range(2)]
    export = await export_last_alarms(hass, loaded_entry, limit=1)
    assert [alarm["method"] for alarm in export["alarms"]] == ["direct"]
    for view in views:
        assert (await view).content.startswith(b"\xff\xd8")
    assert camera.stats.snapshots >= 2  # the alarm's, and the view's
    await async_wait_for_state(hass, image_id, picture_shown(record.time, "direct"))
    assert camera.stats.peak_connections <= 2


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("camera_settings", [{**PATIENT_CAMERA, "bandwidth": 5_000}])
@pytest.mark.parametrize("entry_options", [{CONF_PICTURE_MODE: "recording"}])
async def test_the_camera_view_keeps_its_last_still_while_a_download_runs(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A download holds the second connection longer than a still waits: the view goes on."""
    camera_id = _camera(hass, loaded_entry)
    monkeypatch.setattr(stills, "STILL_MAX_AGE", timedelta(0))
    shown = (await async_get_image(hass, camera_id)).content
    # The alarm's picture downloads at 5 kB/s, for seconds; a still waits a second.
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await camera.wait_for(lambda: camera.stats.downloads >= 1)
    snapshots = camera.stats.snapshots
    for _ in range(2):
        assert (await async_get_image(hass, camera_id)).content == shown
    assert camera.stats.snapshots == snapshots
    assert camera.stats.downloads_completed == 0


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("camera_settings", [{"quirks": ("login-207",)}])
async def test_a_camera_with_one_login_gets_alarms_without_stills(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Ret 207 for a second login: alarms and their recorded pictures, no live stills."""
    camera_id = _camera(hass, loaded_entry)
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    image_id = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, camera_id)  # refused, and no alarm picture yet
    assert loaded_entry.runtime_data.coordinator.stills.refused_channels() == [1]

    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await log.wait_for_count(1)
    log.close()
    await async_wait_for_state(hass, image_id, picture_shown(record.time, "direct"))
    connections = camera.stats.connections
    # The camera view shows the alarm picture without asking for a still.
    image = await async_get_image(hass, camera_id)
    picture = loaded_entry.runtime_data.pictures
    assert picture is not None
    kept = picture.picture(0)
    assert kept is not None
    assert image.content == kept.jpeg
    assert camera.stats.connections == connections
    assert camera.stats.peak_connections <= 2


@pytest.mark.usefixtures("fast_pictures")
async def test_an_alarm_still_is_taken_after_the_alarm(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A still a view asked for a moment before the alarm is not the alarm's picture."""
    await async_get_image(hass, _camera(hass, loaded_entry))
    snapshots = camera.stats.snapshots
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await camera.wait_for(lambda: camera.stats.snapshots == snapshots + 1)


@pytest.mark.parametrize("camera_settings", [{**PATIENT_CAMERA, "profile": "nvr"}])
async def test_stills_from_the_stream_keep_to_two_connections(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A recorder refuses OPSNAP: each still is a keyframe of a stream on a login of its
    own, and the one before is gone before the next logs in.
    """
    monkeypatch.setattr(stills, "STILL_MAX_AGE", timedelta(0))
    camera.reset_peak_connections()
    channels = [
        entity_id(hass, "camera", f"{loaded_entry.unique_id}_{channel}_snapshot")
        for channel in (0, 1)
    ]
    for _ in range(4):
        images = await asyncio.gather(*(async_get_image(hass, camera_id) for camera_id in channels))
        assert all(image.content.startswith(b"\xff\xd8") for image in images)
    assert camera.stats.peak_connections == 2
