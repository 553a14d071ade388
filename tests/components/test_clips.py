"""Alarm clips: made beside the picture, in the Media panel, on the image entity, by size."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import io
import os
from pathlib import Path
from typing import Any

import av
from freezegun import freeze_time
from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip import clips
from custom_components.dvrip.const import CONF_CLIP_BUDGET_MB, DOMAIN
from simulator import CameraSimulator

from ..pictures.test_remux import decoded_planes, source_frames
from .common import async_wait_for_state, entity_id

pytestmark = pytest.mark.usefixtures("fast_pictures")


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_CLIP_BUDGET_MB: 1}


@pytest.fixture(autouse=True)
async def _media_source(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "media_source", {})
    assert await async_setup_component(hass, DOMAIN, {})


def _clip_shown(camera_time: str) -> Any:
    def check(state: Any) -> bool:
        return (
            state is not None
            and state.attributes.get("camera_time") == camera_time
            and "clip_signed_url" in state.attributes
        )

    return check


async def test_alarm_clip_made_shown_and_served_by_signed_url(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    state = await async_wait_for_state(hass, image, _clip_shown(record.time.isoformat()))
    assert state is not None

    folder = media_dir / "dvrip" / loaded_entry.entry_id / "alarm_pictures"
    name = f"{record.time:%Y%m%d_%H%M%S}_ch0"
    clip_file = folder / f"{name}.mp4"
    assert (
        state.attributes["clip_url"]
        == f"/media/local/dvrip/{loaded_entry.entry_id}/alarm_pictures/{name}.mp4"
    )
    # The alarm's recording, copied: its frames are the simulator's.
    (recording,) = [entry for entry in camera.history.entries if entry.file_name.endswith("h264")]
    source = await recording.motion_clip()
    with av.open(clip_file) as container:
        frames = list(container.decode(container.streams.video[0]))
    assert decoded_planes(frames) == decoded_planes(source_frames(source.data, "h264"))

    # In the Media panel, under the alarm: its picture, then its clip.
    pictures = await media_source.async_browse_media(
        hass, f"media-source://dvrip/{loaded_entry.entry_id}/alarm_pictures"
    )
    assert [child.title for child in pictures.children] == [
        f"{record.time:%Y-%m-%d %H:%M:%S} channel 1",
        f"{record.time:%Y-%m-%d %H:%M:%S} channel 1 clip",
    ]
    resolved = await media_source.async_resolve_media(
        hass, pictures.children[1].media_content_id, None
    )
    assert resolved.mime_type == "video/mp4"

    # The signed URL needs no login, until it expires.
    client = await hass_client_no_auth()
    signed = state.attributes["clip_signed_url"]
    response = await client.get(signed)
    assert response.status == HTTPStatus.OK
    assert await response.read() == clip_file.read_bytes()
    assert (await client.get(state.attributes["clip_url"])).status == HTTPStatus.UNAUTHORIZED
    with freeze_time(
        dt_util.utcnow() + clips.SIGNED_URL_LIFETIME + timedelta(seconds=1), tick=True
    ):
        assert (await client.get(signed)).status == HTTPStatus.UNAUTHORIZED


async def test_clips_kept_within_the_budget_oldest_first(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
) -> None:
    folder = media_dir / "dvrip" / loaded_entry.entry_id / "alarm_pictures"
    folder.mkdir(parents=True, exist_ok=True)
    # Two earlier clips of 400 KiB; the older was written first (its name says later: the
    # camera's clock jumped back since).
    older, newer = folder / "20261201_100000_ch0.mp4", folder / "20261130_100000_ch0.mp4"
    for age, path in ((200, older), (100, newer)):
        path.write_bytes(b"\0" * 400 * 1024)
        os.utime(path, (path.stat().st_atime - age, path.stat().st_mtime - age))

    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    await async_wait_for_state(hass, image, _clip_shown(record.time.isoformat()))

    kept = sorted(path.name for path in folder.glob("*.mp4"))
    new_clip = f"{record.time:%Y%m%d_%H%M%S}_ch0.mp4"
    # 1 MB: the new clip and one old one fit; the one written first went.
    assert kept == sorted([newer.name, new_clip])
    assert sum(path.stat().st_size for path in folder.glob("*.mp4")) <= 1024 * 1024
    with av.open(io.BytesIO((folder / new_clip).read_bytes())) as container:
        assert container.streams.video[0].codec_context.name == "h264"


@pytest.mark.parametrize("entry_options", [{CONF_CLIP_BUDGET_MB: 1, "picture_mode": "snapshot"}])
async def test_a_clip_whose_search_goes_unanswered_is_tried_again(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clips, "RETRY_DELAYS", (0.1,))
    searches: list[object] = []
    find = clips.find_alarm_recording

    async def counted(*args: Any) -> Any:
        searches.append(args)
        return await find(*args)

    monkeypatch.setattr(clips, "find_alarm_recording", counted)
    # The camera answers the first file search after the client gave up on it.
    camera.delay_replies(5.0, message_id=1440, count=1)
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    state = await async_wait_for_state(hass, image, _clip_shown(record.time.isoformat()))
    assert state is not None
    assert state.attributes["method"] == "snapshot"
    assert len(searches) == 2
