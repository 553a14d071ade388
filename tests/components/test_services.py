"""The `dvrip.export_last_alarms` action: its folder, its report.json and its response."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import services
from custom_components.dvrip.client import DvripConnectionError
from custom_components.dvrip.const import DOMAIN
from custom_components.dvrip.naming import channel_device_id
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import (
    AlarmEventLog,
    async_wait_for_state,
    device_id,
    entity_id,
    entry_device,
    export_last_alarms,
    one_socket_downloads,
    picture_shown,
)


def _recorded_alarms(camera: CameraSimulator, minutes_ago: tuple[int, ...]) -> list[datetime]:
    """Alarms in the camera's history, each with a motion clip and a JPEG entry."""
    now = camera.now().replace(second=0)
    times = [now - timedelta(minutes=minutes) for minutes in minutes_ago]
    for moment in times:
        camera.add_history(moment, channel=0, picture_kind=PictureKind.JPEG)
    return times


async def test_export_folder_report_and_response_agree(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, media_dir: Path
) -> None:
    times = _recorded_alarms(camera, (30, 20, 10))
    response = await export_last_alarms(hass, loaded_entry, limit=2)

    folder = Path(response["folder"])
    assert folder.parent == media_dir / "dvrip" / loaded_entry.entry_id
    assert folder.name.startswith("last_alarms_")
    report = json.loads((folder / "report.json").read_text())
    assert {key: value for key, value in response.items() if key != "folder"} == report

    # The two newest alarms, newest first, named after their times.
    names = [f"{moment:%Y%m%d_%H%M%S}_ch0.jpg" for moment in reversed(times[1:])]
    assert [alarm["file"] for alarm in report["alarms"]] == names
    assert sorted(path.name for path in folder.iterdir()) == sorted([*names, "report.json"])
    for alarm in report["alarms"]:
        assert alarm["method"] == "direct"
        assert alarm["source_file"].endswith(".jpg")
        assert (folder / alarm["file"]).read_bytes().startswith(b"\xff\xd8")
    assert report["query"]["jpg_entries"] == 3
    assert report["query"]["motion_clips"] == 3
    assert report["query"]["alarms_after_merge"] == 3
    assert report["methods"]["direct"] == 2
    # Default window: yesterday 00:00 to now, on the camera's clock.
    parameters = report["parameters"]
    begin = datetime.fromisoformat(parameters["begin"])
    end = datetime.fromisoformat(parameters["end"])
    assert begin == datetime.combine(end.date() - timedelta(days=1), datetime.min.time())
    assert abs(end - camera.now()) < timedelta(seconds=5)
    assert parameters["limit"] == 2
    assert parameters["prefer"] == "jpg"
    assert parameters["channel"] == 0
    # No half-built folder is left behind.
    assert [path.name for path in folder.parent.iterdir() if path.name.startswith(".")] == []


async def test_export_with_every_option(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Clips first, strictly, in a window given with a zone (converted to the camera's clock)."""
    times = _recorded_alarms(camera, (50, 40, 10))
    begin = times[0] - timedelta(minutes=1)
    end = times[1] + timedelta(minutes=1)
    response = await export_last_alarms(
        hass,
        loaded_entry,
        limit=10,
        begin=begin.replace(tzinfo=UTC).isoformat(),
        end=end.isoformat(sep=" "),
        prefer="h264",
        strict=True,
        download_timeout=30,
        channel=1,
    )
    parameters = response["parameters"]
    assert parameters["prefer"] == "h264"
    assert parameters["strict"] is True
    assert parameters["download_timeout_sec"] == 30
    assert datetime.fromisoformat(parameters["end"]) == end
    # The camera keeps UTC: the aware begin is the same time on its clock.
    offset = loaded_entry.runtime_data.coordinator.clock.offset
    assert datetime.fromisoformat(parameters["begin"]) == begin + offset
    assert [alarm["time"] for alarm in response["alarms"]] == [
        times[1].isoformat(),
        times[0].isoformat(),
    ]
    assert {alarm["method"] for alarm in response["alarms"]} == {"motion_clip"}


async def test_export_without_response(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, media_dir: Path
) -> None:
    _recorded_alarms(camera, (10,))
    response = await hass.services.async_call(
        DOMAIN,
        "export_last_alarms",
        {"device_id": device_id(hass, loaded_entry)},
        blocking=True,
    )
    assert response is None
    exports = list((media_dir / "dvrip" / loaded_entry.entry_id).glob("last_alarms_*"))
    assert len(exports) == 1
    assert (exports[0] / "report.json").is_file()


async def test_disallowed_path_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, media_dir: Path
) -> None:
    """A media folder Home Assistant does not allow is never written, nor the camera asked."""
    hass.config.allowlist_external_dirs = set()
    queries = camera.stats.queries
    with pytest.raises(HomeAssistantError) as raised:
        await export_last_alarms(hass, loaded_entry)
    assert raised.value.translation_key == "path_not_allowed"
    assert "does not allow writing" in str(raised.value)
    assert camera.stats.queries == queries
    assert not (media_dir / "dvrip").exists()


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("camera_settings", [{"bandwidth": 400_000}])
async def test_export_while_alarms_keep_arriving(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Alarms arrive and fire events while the export downloads; both finish."""
    _recorded_alarms(camera, (30, 20))
    alarm = entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    # Each fired event once (a picture's URL added to the event later is no new event).
    events = AlarmEventLog(hass, alarm)
    export = asyncio.ensure_future(
        export_last_alarms(hass, loaded_entry, prefer="h264", strict=True)
    )
    try:
        await camera.wait_for(lambda: camera.stats.downloads >= 1)
        raised = []
        for count in range(1, 4):
            raised.append(await camera.raise_alarm(channel=0, event="VideoMotion"))
            await events.wait_for_count(count)
        # The events came while the export was still downloading.
        assert not export.done()
        response = await export
    finally:
        events.close()
        if not export.done():
            export.cancel()
    assert [state.attributes["camera_time"] for state in events.states] == [
        record.time.isoformat() for record in raised
    ]
    assert len(response["alarms"]) == 2
    assert {alarm["method"] for alarm in response["alarms"]} == {"motion_clip"}
    # The pictures of the new alarms took their turn after the export's downloads.

    await async_wait_for_state(hass, image, picture_shown(raised[-1].time))


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_export_second_channel_of_a_recorder(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A recorder's channel 2 (from 1), with an alarm that was only pushed."""
    one_socket_downloads(loaded_entry)
    record = await camera.raise_alarm(channel=1, event="VideoMotion")
    alarm = entity_id(hass, "event", f"{loaded_entry.unique_id}_1_alarm")
    await async_wait_for_state(hass, alarm, lambda state: state.state != STATE_UNKNOWN)
    response = await export_last_alarms(hass, loaded_entry, channel=2, limit=1)
    assert response["parameters"]["channel"] == 1
    assert response["query"]["pushed_alarms"] == 1
    [entry] = response["alarms"]
    assert entry["channel"] == 1
    assert entry["time"] == record.time.isoformat()
    assert "push" in entry["sources"]
    assert entry["file"] == f"{record.time:%Y%m%d_%H%M%S}_ch1.jpg"


@pytest.mark.parametrize("camera_settings", [{"profile": "nvr"}])
async def test_export_takes_the_channel_of_the_device_picked(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A recorder's channel device exports its channel; another channel with it is refused."""
    one_socket_downloads(loaded_entry)
    assert loaded_entry.unique_id is not None
    record = await camera.raise_alarm(channel=1, event="VideoMotion")
    alarm = entity_id(hass, "event", f"{loaded_entry.unique_id}_1_alarm")
    await async_wait_for_state(hass, alarm, lambda state: state.state != STATE_UNKNOWN)
    channel_2 = entry_device(hass, loaded_entry, channel_device_id(loaded_entry.unique_id, 1))
    assert channel_2 is not None

    async def export(**data: Any) -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN,
            "export_last_alarms",
            {"device_id": channel_2.id, "limit": 1, **data},
            blocking=True,
            return_response=True,
        )
        assert isinstance(response, dict)
        return response

    response = await export()
    assert response["parameters"]["channel"] == 1
    [entry] = response["alarms"]
    assert entry["time"] == record.time.isoformat()
    assert (await export(channel=2))["parameters"]["channel"] == 1
    with pytest.raises(ServiceValidationError) as raised:
        await export(channel=1)
    assert raised.value.translation_key == "channel_of_device"


async def test_export_errors(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Wrong input and failures are translated errors."""

    async def fails(**data: Any) -> str:
        with pytest.raises(HomeAssistantError) as raised:
            await export_last_alarms(hass, loaded_entry, **data)
        assert raised.value.translation_key is not None
        assert str(raised.value)  # translated
        return raised.value.translation_key

    assert await fails(channel=2) == "invalid_channel"
    assert await fails(begin="2026-01-02 00:00:00", end="2026-01-01 00:00:00") == "invalid_window"
    with patch.object(
        services, "last_alarm_pictures", side_effect=DvripConnectionError("link down")
    ):
        assert await fails() == "export_failed"
    with patch.object(services, "write_export", side_effect=OSError("disk full")):
        assert await fails() == "write_failed"
    media_dirs = hass.config.media_dirs
    hass.config.media_dirs = {}
    assert await fails() == "no_media_folder"
    hass.config.media_dirs = media_dirs

    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    assert await fails() == "camera_unavailable"


async def test_export_wrong_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    for target in ("no-such-device", device.id):
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(
                DOMAIN,
                "export_last_alarms",
                {"device_id": target},
                blocking=True,
                return_response=True,
            )
        assert raised.value.translation_key == "device_not_found"

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await export_last_alarms(hass, loaded_entry)
    assert raised.value.translation_key == "camera_not_loaded"


@pytest.mark.parametrize("data", [{"limit": 0}, {"limit": 101}, {"prefer": "png"}])
async def test_export_schema(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, data: dict[str, Any]
) -> None:
    with pytest.raises(Exception, match="limit|prefer"):
        await export_last_alarms(hass, loaded_entry, **data)
