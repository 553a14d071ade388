"""Diagnostics: useful content, and no password, hash or serial number in it."""

from __future__ import annotations

import json

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import JSONEncoder
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from simulator import CameraSimulator

from .common import CAMERA_PASSWORD, async_wait_for_state, entity_id


async def test_diagnostics(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, "on")

    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    text = json.dumps(diagnostics, cls=JSONEncoder)
    assert CAMERA_PASSWORD not in json.loads(text)["entry"]["data"].values()
    assert camera.config.serial not in text
    assert diagnostics["entry"]["data"]["password"] == REDACTED
    assert diagnostics["entry"]["unique_id"] == REDACTED
    assert diagnostics["device"]["serial"] == REDACTED
    assert diagnostics["device"]["model"] == camera.profile.model

    coordinator = diagnostics["coordinator"]
    assert coordinator["available"] is True
    assert coordinator["channels"] == 1
    statistics = coordinator["statistics"]
    assert statistics["connects"] == 1
    assert statistics["reconnects"] == 0
    assert statistics["alarms"] == 1
    assert statistics["last_alarm"]["event"] == "VideoMotion"
    assert statistics["last_error"] is None
    assert coordinator["alarms"]["channel 1 motion"]["is_on"] is True
    assert coordinator["motion_detect_config"][0]["Enable"] is True
    assert coordinator["clock_offset_seconds"] == 0
    assert coordinator["snapshot_refused"] is False

    assert diagnostics["storage"]["state"] == "ok"
    assert diagnostics["detection_settings"]["Detect.MotionDetect"]["channel 1"]["Enable"] is True
    pictures = diagnostics["pictures"]
    assert pictures["mode"] == "auto"
    assert pictures["kept_on_disk"] is True
    # The picture is looked for ten seconds after the alarm.
    assert pictures["channels"]["channel 1"] == {
        "picture": None,
        "last_failure": None,
        "searching": True,
    }


@pytest.mark.parametrize("camera_settings", [{"user": "garden-keeper"}])
async def test_diagnostics_redact_the_user_name(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The login's user name is half of it: it appears nowhere in diagnostics."""
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert "garden-keeper" not in json.dumps(diagnostics, cls=JSONEncoder)
    assert diagnostics["entry"]["data"]["username"] == REDACTED


async def test_diagnostics_redact_a_serial_title(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(loaded_entry, title=loaded_entry.unique_id)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["entry"]["title"] == REDACTED
