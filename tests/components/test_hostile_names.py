"""File names the camera supplies never become paths on disk: `../../x` or `/abs/x` are text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import tempfile
from typing import Any

from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.models import CheckTrigger
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import async_wait_for_state, camera_device, entity_id

MARK = "hostile-name"


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "recording"}


def _hostile_names(root: Path, number: int) -> list[tuple[str, str]]:
    """(clip, picture) names: climbing out of any folder, absolute, and Windows-style.

    Each carries the `[M]` tag of a motion recording, so that it counts as an alarm's.
    """
    return [
        (f"../../{MARK}-{number}-clip[M].h264", f"../../../{MARK}-{number}[M].jpg"),
        (f"{root}/{MARK}-{number}-abs[M].h264", f"{root}/{MARK}-{number}-abs[M].jpg"),
        (f"..\\..\\{MARK}-{number}-win[M].h264", f"/idea0/../../{MARK}-{number}-idea[M].jpg"),
    ][number]


def _found_anywhere(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if MARK in path.name]


@pytest.mark.usefixtures("fast_pictures", "fast_history")
@pytest.mark.parametrize("number", [0, 1, 2])
async def test_camera_file_names_never_become_paths(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    number: int,
) -> None:
    """The last alarm picture and an export of alarms whose recordings have hostile names."""
    spool = tmp_path / "spool" / "deep" / "er"
    spool.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    # Absolute names point into the test's folder: were one used, it would show up there.
    names = _hostile_names(tmp_path / "abs", number)
    moment = camera.now().replace(microsecond=0) - timedelta(minutes=1)
    camera.add_history(moment, picture_kind=PictureKind.JPEG, file_names=names)

    # The alarm comes from the history (a backfill) and gets its picture from the entry.
    coordinator = loaded_entry.runtime_data.coordinator
    [found] = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.alarm.raw["FileName"] == names[1]
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")

    def shown(state: State | None) -> bool:
        return state is not None and state.attributes.get("camera_time") == moment.isoformat()

    state = await async_wait_for_state(hass, image, shown)
    assert state is not None
    assert state.attributes["source_file"] == names[1]
    assert state.attributes["picture_url"].endswith(f"/{moment:%Y%m%d_%H%M%S}_ch0.jpg")

    device = camera_device(hass, loaded_entry)
    response = await hass.services.async_call(
        DOMAIN,
        "export_last_alarms",
        {"device_id": device.id, "limit": 5},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    hostile = next(alarm for alarm in response["alarms"] if alarm["time"] == moment.isoformat())
    # The camera's name is reported as text; the file is named after the alarm.
    assert hostile["source_file"] == names[1]
    assert hostile["file"] == f"{moment:%Y%m%d_%H%M%S}_ch0.jpg"
    folder = Path(response["folder"])
    assert (folder / hostile["file"]).read_bytes().startswith(b"\xff\xd8")

    await hass.async_block_till_done(wait_background_tasks=True)
    assert _found_anywhere(tmp_path) == []
    written = {path.relative_to(media_dir).parts[:3] for path in media_dir.rglob("*.jpg")}
    assert {parts[:2] for parts in written} == {("dvrip", loaded_entry.entry_id)}
    assert list(spool.iterdir()) == []
