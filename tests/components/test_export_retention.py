"""Exports are kept for `export_retention_days`: removed at setup, daily and after an export.

Only the integration's own export folders go; the user's files next to them stay.
"""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.dvrip.const import CONF_EXPORT_RETENTION_DAYS, CONF_PICTURE_MODE
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import export_last_alarms


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    # Time is moved on by a day here: no keepalive or idle timeout may come due meanwhile.
    return {"alive_interval": 1_000_000, "idle_timeout": 10_000_000.0}


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off", CONF_EXPORT_RETENTION_DAYS: 7}


@pytest.fixture
def exports(config_entry: MockConfigEntry, media_dir: Path) -> Path:
    folder = media_dir / "dvrip" / config_entry.entry_id
    folder.mkdir(parents=True)
    return folder


def _export(folder: Path, days_ago: float) -> Path:
    """An export folder as the export action writes it, made `days_ago` days ago."""
    created = dt_util.now() - timedelta(days=days_ago)
    export = folder / f"last_alarms_{created:%Y%m%d_%H%M%S}"
    export.mkdir()
    (export / f"{created:%Y%m%d_%H%M%S}_ch0.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (export / "report.json").write_text(
        json.dumps({"created": created.isoformat(timespec="seconds"), "alarms": []})
    )
    return export


@pytest.fixture
def entry(exports: Path, entry_at_camera_pace: MockConfigEntry) -> MockConfigEntry:
    """Set up once the old exports are on disk (fixtures run in the order asked for)."""
    return entry_at_camera_pace


async def test_old_exports_removed_at_setup_and_daily(
    hass: HomeAssistant, config_entry: MockConfigEntry, exports: Path
) -> None:
    old = _export(exports, days_ago=10)
    fresh = _export(exports, days_ago=1)
    (exports / "my_notes.txt").write_text("mine")
    holiday = exports / "holiday"
    holiday.mkdir()
    (holiday / "20260101_000000_ch0.jpg").write_bytes(b"\xff\xd8")

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not old.exists()
    assert (fresh / "report.json").exists()
    assert (exports / "my_notes.txt").read_text() == "mine"
    assert (holiday / "20260101_000000_ch0.jpg").exists()

    # An export past its time that appears while Home Assistant runs goes at the daily check.
    late = _export(exports, days_ago=7.5)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert late.exists()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not late.exists()
    assert (fresh / "report.json").exists()
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_an_export_removes_the_old_ones(
    hass: HomeAssistant, entry: MockConfigEntry, exports: Path, camera: CameraSimulator
) -> None:
    old = _export(exports, days_ago=8)
    camera.add_history(camera.now() - timedelta(minutes=1), picture_kind=PictureKind.JPEG)
    response = await export_last_alarms(hass, entry, limit=1)
    new = Path(response["folder"])
    assert (new / "report.json").exists()
    assert not old.exists()
