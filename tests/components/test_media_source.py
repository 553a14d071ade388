"""The Media panel: DVRIP > camera > export or alarm pictures > pictures."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip.const import DOMAIN
from custom_components.dvrip.media_source import parse_identifier
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import async_wait_for_state, device_id, entity_id

ROOT = "media-source://dvrip"


@pytest.fixture(autouse=True)
async def _media_source(hass: HomeAssistant) -> None:
    """The Media panel's backend, with our source in it even before a camera is added."""
    assert await async_setup_component(hass, "media_source", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    # Registered: the panel browses our root (asked through the public API, as the panel does).
    root = await media_source.async_browse_media(hass, ROOT)
    assert root.domain == DOMAIN


async def _export(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    response = await hass.services.async_call(
        DOMAIN,
        "export_last_alarms",
        {"device_id": device_id(hass, entry), "limit": 2},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return Path(response["folder"])


@pytest.mark.usefixtures("fast_pictures")
async def test_browse_and_resolve(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    now = camera.now().replace(second=0)
    for minutes in (20, 10):
        camera.add_history(now - timedelta(minutes=minutes), picture_kind=PictureKind.JPEG)
    folder = await _export(hass, loaded_entry)
    record = await camera.raise_alarm(channel=0, event="VideoMotion")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    await async_wait_for_state(
        hass, image, lambda state: state.attributes.get("camera_time") == record.time.isoformat()
    )

    root = await media_source.async_browse_media(hass, ROOT)
    assert root.title == "DVRIP"
    assert [child.title for child in root.children] == [loaded_entry.title]
    camera_item = root.children[0]
    assert camera_item.can_expand

    cameras = await media_source.async_browse_media(hass, camera_item.media_content_id)
    assert [child.title for child in cameras.children] == [
        "Alarm pictures",
        "Recordings",
        f"Export {folder.name[12:16]}-{folder.name[16:18]}-{folder.name[18:20]} "
        f"{folder.name[21:23]}:{folder.name[23:25]}:{folder.name[25:27]}",
    ]

    export = await media_source.async_browse_media(hass, cameras.children[2].media_content_id)
    names = sorted((path.name for path in folder.glob("*.jpg")), reverse=True)
    assert [child.identifier.rsplit("/", 1)[1] for child in export.children] == names
    picture = export.children[0]
    assert picture.can_play
    assert picture.media_class == "image"
    assert picture.title.endswith("channel 1")

    resolved = await media_source.async_resolve_media(hass, picture.media_content_id, None)
    assert resolved.mime_type == "image/jpeg"
    client = await hass_client()
    response = await client.get(resolved.url)
    assert response.status == HTTPStatus.OK
    assert await response.read() == (folder / names[0]).read_bytes()

    pictures = await media_source.async_browse_media(hass, cameras.children[0].media_content_id)
    [kept] = pictures.children
    assert kept.title.startswith(f"{record.time:%Y-%m-%d %H:%M:%S}")


async def test_folders_of_removed_cameras(hass: HomeAssistant, media_dir: Path) -> None:
    """A folder without its config entry is listed by name; stray files are not listed."""
    (media_dir / "dvrip" / "01OLDCAMERA" / "alarm_pictures").mkdir(parents=True)
    (media_dir / "dvrip" / "01OLDCAMERA" / "notes").mkdir()
    (media_dir / "dvrip" / "01OLDCAMERA" / "alarm_pictures" / "notes.txt").write_text("x")
    (media_dir / "dvrip" / "not a camera").mkdir()
    root = await media_source.async_browse_media(hass, ROOT)
    assert [child.title for child in root.children] == ["01OLDCAMERA"]
    camera_item = await media_source.async_browse_media(hass, f"{ROOT}/01OLDCAMERA")
    assert [child.title for child in camera_item.children] == ["Alarm pictures"]
    folder = await media_source.async_browse_media(hass, f"{ROOT}/01OLDCAMERA/alarm_pictures")
    assert folder.children == []


async def test_nothing_yet(hass: HomeAssistant) -> None:
    root = await media_source.async_browse_media(hass, ROOT)
    assert root.children == []
    hass.config.media_dirs = {}
    root = await media_source.async_browse_media(hass, ROOT)
    assert root.children == []
    with pytest.raises(BrowseError):
        await media_source.async_browse_media(hass, f"{ROOT}/01CAMERA")


@pytest.mark.parametrize(
    "identifier",
    [
        "..",
        "../../etc",
        "01CAMERA/../../etc",
        "01CAMERA/alarm_pictures/../report.json",
        "01CAMERA/secrets/20261125_130510_ch0.jpg",
        "01CAMERA/alarm_pictures/last_ch0.json",
        "01CAMERA/alarm_pictures/20261125_130510_ch0.jpg/more",
    ],
)
async def test_identifiers_cannot_escape(hass: HomeAssistant, identifier: str) -> None:
    with pytest.raises(ValueError, match="not a DVRIP media item"):
        parse_identifier(identifier)
    with pytest.raises(BrowseError, match="not a DVRIP media item"):
        await media_source.async_browse_media(hass, f"{ROOT}/{identifier}")
    with pytest.raises(media_source.Unresolvable, match="not a DVRIP media item"):
        await media_source.async_resolve_media(hass, f"{ROOT}/{identifier}", None)


async def test_resolve_needs_a_picture(hass: HomeAssistant, media_dir: Path) -> None:
    for identifier in ("01CAMERA", "01CAMERA/alarm_pictures/20261125_130510_ch0.jpg"):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(hass, f"{ROOT}/{identifier}", None)
    with pytest.raises(BrowseError):
        await media_source.async_browse_media(
            hass, f"{ROOT}/01CAMERA/alarm_pictures/20261125_130510_ch0.jpg"
        )
