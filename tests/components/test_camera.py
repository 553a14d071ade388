"""The Snapshot camera entity: live stills, the alarm picture fallback, and live view."""

from __future__ import annotations

import asyncio
import io
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import (
    CameraEntityFeature,
    async_get_image,
    async_get_stream_source,
)
from homeassistant.const import ATTR_SUPPORTED_FEATURES, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import live_view, stills
from custom_components.dvrip.client import DvripClient, DvripCommandError, DvripTimeoutError
from custom_components.dvrip.const import CONF_LIVE_STREAM, CONF_PICTURE_MODE
from simulator import CameraSimulator

from .common import (
    async_wait_for_state,
    closed_port,
    entity_id,
    one_socket_downloads,
    refuse_streams,
)


def _camera(hass: HomeAssistant, entry: MockConfigEntry, channel: int = 0) -> str:
    return entity_id(hass, "camera", f"{entry.unique_id}_{channel}_snapshot")


async def test_live_snapshot(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    camera_id = _camera(hass, loaded_entry)
    state = hass.states.get(camera_id)
    assert state.name.endswith("Snapshot")
    assert state.attributes["brand"] == "Xiongmai"
    assert state.attributes["model_name"] == camera.profile.model

    # The simulator makes its still once, in a worker thread: asked for first, that cannot
    # outlast the client's (shortened) request timeout on a busy machine.
    expected = await camera.snapshot(0)
    image = await async_get_image(hass, camera_id)
    assert image.content_type == "image/jpeg"
    assert image.content == expected
    assert camera.stats.snapshots == 2  # the one this test asked for, and ours


async def test_unanswered_snapshot_gives_a_still_from_the_stream(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A still that times out: the sub stream's keyframe stands in; OPSNAP is asked again
    next time.
    """
    camera_id = _camera(hass, loaded_entry)
    stills_of = loaded_entry.runtime_data.coordinator.stills
    with patch.object(DvripClient, "snapshot", side_effect=DvripTimeoutError("slow")):
        image = await async_get_image(hass, camera_id)
    assert _jpeg_size(image.content) == (160, 120)  # the sub stream's picture
    assert not stills_of.from_stream(0)
    assert not stills_of.refused_channels()
    stills_of._stills.clear()  # the next view, later
    assert (await async_get_image(hass, camera_id)).content == await camera.snapshot(0)


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_recorder_shows_a_still_from_its_stream(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """OPSNAP refused (as most recorders do): the sub stream's first keyframe is the still,
    and OPSNAP is not asked again.
    """
    camera_id = _camera(hass, loaded_entry, 1)
    image = await async_get_image(hass, camera_id)
    assert _jpeg_size(image.content) == (160, 120)
    stills_of = loaded_entry.runtime_data.coordinator.stills
    assert stills_of.from_stream(1)
    assert not stills_of.refused_channels()
    assert camera.live.started[-1].claim.channel == 1
    assert camera.live.started[-1].claim.stream.value == "Extra1"
    stills_of._stills.clear()  # the next view, later
    with patch.object(DvripClient, "snapshot") as snapshot:
        assert _jpeg_size((await async_get_image(hass, camera_id)).content) == (160, 120)
    snapshot.assert_not_called()


@pytest.mark.parametrize("camera_settings", [{"quirks": ("snap-stuck",)}])
async def test_stuck_snapshot_gives_a_still_from_the_stream_within_5_s(
    hass: HomeAssistant, entry_at_camera_pace: MockConfigEntry, camera: CameraSimulator
) -> None:
    """OPSNAP stuck (its first answer 3 s late with Ret 108, every later one Ret 108): with
    the integration's own timeouts, a still from the sub stream within 5 s, with the two
    connections the device allows; the next still goes to the stream straight away.
    """
    camera.reset_peak_connections()
    camera_id = _camera(hass, entry_at_camera_pace)
    loop = asyncio.get_running_loop()
    started = loop.time()
    image = await async_get_image(hass, camera_id)
    assert loop.time() - started < 5.0
    assert _jpeg_size(image.content) == (160, 120)
    assert camera.stats.snapshots == 1
    stills_of = entry_at_camera_pace.runtime_data.coordinator.stills
    assert stills_of.from_stream(0)
    stills_of._stills.clear()  # the next view, later
    assert _jpeg_size((await async_get_image(hass, camera_id)).content) == (160, 120)
    assert camera.stats.snapshots == 1
    assert camera.stats.peak_connections == 2


def _jpeg_size(jpeg: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(jpeg)) as picture:
        assert picture.format == "JPEG"
        return picture.size


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_recorder_shows_the_last_alarm_picture(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """OPSNAP and the live stream refused: the channel's last alarm picture instead, and
    neither is asked again.
    """
    one_socket_downloads(loaded_entry)
    refuse_streams(loaded_entry)
    camera_id = _camera(hass, loaded_entry, 1)
    assert hass.states.get(camera_id).name == "Garden Snapshot"
    # No alarm picture yet: nothing to show.
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, camera_id)
    assert loaded_entry.runtime_data.coordinator.stills.refused_channels()

    record = await camera.raise_alarm(channel=1, event="VideoMotion", status="Start")
    image_id = entity_id(hass, "image", f"{loaded_entry.unique_id}_1_last_alarm_picture")
    await async_wait_for_state(
        hass,
        image_id,
        lambda state: state.attributes.get("camera_time") == record.time.isoformat(),
    )
    pictures = loaded_entry.runtime_data.pictures
    assert pictures is not None
    kept = pictures.picture(1)
    assert kept is not None
    with patch.object(DvripClient, "snapshot") as snapshot:
        image = await async_get_image(hass, camera_id)
    snapshot.assert_not_called()
    assert image.content == kept.jpeg


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_recorder_without_pictures(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Pictures off, OPSNAP and the live stream refused: the camera entity has nothing to show."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_PICTURE_MODE: "off"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    refuse_streams(config_entry)
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, _camera(hass, config_entry))
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.fixture
def rtsp_closed(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The device's RTSP port does not answer."""
    monkeypatch.setattr(live_view, "RTSP_PORT", closed_port())


@pytest.mark.usefixtures("rtsp_closed")
async def test_live_view_over_dvrip_without_rtsp(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """By default the camera streams; a device whose RTSP port does not answer is watched
    through go2rtc's DVRIP source, with the channel and main stream it expects.
    """
    camera_id = _camera(hass, loaded_entry)
    state = hass.states.get(camera_id)
    assert state.attributes[ATTR_SUPPORTED_FEATURES] & CameraEntityFeature.STREAM
    assert await async_get_stream_source(hass, camera_id) == (
        f"dvrip://admin:{loaded_entry.data[CONF_PASSWORD]}@127.0.0.1:{camera.port}"
        "?channel=0&subtype=0"
    )


async def test_live_view_over_rtsp_where_it_answers(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A device whose RTSP port answers is watched over RTSP, here its sub stream (the
    option), on every channel.
    """
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(live_view, "RTSP_PORT", port)
    hass.config_entries.async_update_entry(config_entry, options={CONF_LIVE_STREAM: "sub"})
    try:
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        camera_id = _camera(hass, config_entry)
        assert hass.states.get(camera_id).attributes[ATTR_SUPPORTED_FEATURES] & (
            CameraEntityFeature.STREAM
        )
        assert await async_get_stream_source(hass, camera_id) == (
            f"rtsp://127.0.0.1:{port}/user=admin&password={config_entry.data[CONF_PASSWORD]}"
            "&channel=1&stream=1.sdp"
        )
        assert await hass.config_entries.async_unload(config_entry.entry_id)
    finally:
        server.close()
        await server.wait_closed()


async def test_live_view_off(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Live view switched off: stills only, no stream."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_LIVE_STREAM: "off"})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    camera_id = _camera(hass, config_entry)
    assert not hass.states.get(camera_id).attributes[ATTR_SUPPORTED_FEATURES] & (
        CameraEntityFeature.STREAM
    )
    assert await async_get_stream_source(hass, camera_id) is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)


def test_live_view_addresses_quote_the_login() -> None:
    data = {"host": "fe80::1", "port": 34567, "username": "ad min", "password": "p&ss=/@"}
    assert live_view.rtsp_url(data, 1) == (
        "rtsp://[fe80::1]:554/user=ad%20min&password=p%26ss%3D%2F%40&channel=2&stream=0.sdp"
    )
    assert live_view.dvrip_url(data, 1, live_view.LiveStream.SUB) == (
        "dvrip://ad%20min:p%26ss%3D%2F%40@[fe80::1]:34567?channel=1&subtype=1"
    )


async def test_no_snapshot_while_unavailable(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    snapshots = camera.stats.snapshots
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, connectivity, "off")
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, _camera(hass, loaded_entry))
    assert camera.stats.snapshots == snapshots


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_a_refused_still_is_per_channel_and_expires(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A refusal on one channel leaves the others' stills alone, and is asked again later."""
    coordinator = loaded_entry.runtime_data.coordinator
    asked: list[int] = []

    async def snapshot(channel: int = 0) -> bytes:
        asked.append(channel)
        if channel == 1:
            raise DvripCommandError("OPSNAP", 515)
        return b"\xff\xd8still\xff\xd9"

    monkeypatch.setattr(coordinator.client, "snapshot", snapshot)
    refuse_streams(loaded_entry)
    assert await coordinator.stills.async_snapshot(1) is None
    assert coordinator.stills.refused(1)
    assert await coordinator.stills.async_snapshot(0) == b"\xff\xd8still\xff\xd9"
    assert await coordinator.stills.async_snapshot(1) is None
    assert asked == [1, 0]

    freezer.tick(stills.STILL_REFUSAL_EXPIRY)
    assert not coordinator.stills.refused(1)
    assert await coordinator.stills.async_snapshot(1) is None  # refused again, and remembered
    assert await coordinator.stills.async_snapshot(1) is None
    assert asked == [1, 0, 1]
