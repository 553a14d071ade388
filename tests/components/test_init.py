"""Setup, unload, reload, setup errors, several cameras, diagnostics and repair issues."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_PORT,
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import BINARY_SENSOR_KINDS, DOMAIN
from simulator import CameraSimulator

from .common import (
    async_wait_for_state,
    camera_config,
    camera_device,
    closed_port,
    entity_id,
    entry_data,
)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_setup_unload_reload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Each setup logs in and subscribes once; unload logs out."""
    assert camera.stats.subscribers == 1
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")

    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    await camera.wait_for(lambda: camera.stats.sessions == 1)
    assert camera.stats.logins == 2

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(motion).state == STATE_UNAVAILABLE
    await camera.wait_for(lambda: camera.stats.sessions == 0)


async def test_device_registry(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    device = camera_device(hass, loaded_entry)
    assert device.manufacturer == "Xiongmai"
    assert device.model == "XM530_50H20_S38"
    assert device.serial_number == loaded_entry.unique_id
    assert device.sw_version
    assert device.configuration_url is None


@pytest.mark.usefixtures("fast_timing")
async def test_setup_camera_offline(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    """An unreachable camera is retried later (ConfigEntryNotReady), with a translated reason."""
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_PORT: closed_port()}
    )
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason.startswith("Cannot connect to the camera at 127.0.0.1")


@pytest.mark.usefixtures("fast_timing")
async def test_setup_wrong_password_starts_reauth(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    camera.set_password("admin", "changed")
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.usefixtures("fast_timing")
@pytest.mark.parametrize("camera_settings", [{"max_login_failures": 1, "lockout_seconds": 600}])
async def test_setup_account_locked_retries(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A locked account is waited out, not sent to reauth."""
    camera.check_login("admin", "nope", plain=True)
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.usefixtures("fast_timing")
@pytest.mark.parametrize("camera_settings", [{"profile": "encrypted"}])
async def test_setup_unsupported_firmware(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert "encrypted login" in config_entry.reason


@pytest.mark.usefixtures("fast_timing")
@pytest.mark.parametrize("camera_settings", [{"serial": "someone-else"}])
async def test_setup_other_device_at_address(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Another camera answering at the entry's address is not taken for ours."""
    hass.config_entries.async_update_entry(config_entry, unique_id="7c9a2f31d0e84b56")
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "not the configured camera" in config_entry.reason
    await camera.wait_for(lambda: camera.stats.sessions == 0)


@pytest.mark.usefixtures("fast_timing")
async def test_two_cameras(hass: HomeAssistant, socket_enabled: None) -> None:
    """Two cameras run side by side, each with its own device, session and alarms."""
    async with (
        CameraSimulator(camera_config(serial="cam-one")) as one,
        CameraSimulator(camera_config(serial="cam-two")) as two,
    ):
        entries = []
        for simulator in (one, two):
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=simulator.config.serial,
                unique_id=simulator.config.serial,
                data=entry_data(simulator),
            )
            entry.add_to_hass(hass)
            await _setup(hass, entry)
            assert entry.state is ConfigEntryState.LOADED
            entries.append(entry)
        motion_one = entity_id(hass, "binary_sensor", "cam-one_0_motion")
        motion_two = entity_id(hass, "binary_sensor", "cam-two_0_motion")
        assert len(dr.async_get(hass).devices) == 2

        await two.raise_alarm(channel=0, event="VideoMotion", status="Start")
        await async_wait_for_state(hass, motion_two, STATE_ON)
        assert hass.states.get(motion_one).state == STATE_OFF

        await one.inject_fault("disconnect", 0.2)
        await async_wait_for_state(hass, motion_one, STATE_UNAVAILABLE)
        assert hass.states.get(motion_two).state == STATE_ON
        await async_wait_for_state(hass, motion_one, STATE_OFF)

        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("camera_settings", "issue"),
    [
        ({"motion_detection": False}, "detection_disabled"),
        ({"alarm_upload": False}, "upload_disabled"),
    ],
)
async def test_repair_issue_when_detection_is_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, issue: str
) -> None:
    """Setup reads Detect.MotionDetect and says when motion alarms cannot arrive."""
    registry = ir.async_get(hass)
    issue_id = f"{issue}_{loaded_entry.entry_id}"
    found = registry.async_get_issue(DOMAIN, issue_id)
    assert found is not None
    assert found.translation_key == issue
    assert found.translation_placeholders == {"name": loaded_entry.title, "channels": "1"}

    # Fixed on the camera: the issue goes at the next connection.
    camera.set_motion_detection(True, upload=True)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize("camera_settings", [{"profile": "nbd8008r", "motion_detection": False}])
async def test_detection_repair_names_only_channels_with_a_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A recorder announces 32 channels and has one camera: only its channel is named."""
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"detection_disabled_{loaded_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders["channels"] == "1"


async def test_repair_issue_removed_with_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    registry = ir.async_get(hass)
    issue_id = f"detection_disabled_{loaded_entry.entry_id}"
    camera.set_motion_detection(False)
    await loaded_entry.runtime_data.coordinator.async_read_settings()
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_pictures_and_exports_removed_with_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, media_dir: Path
) -> None:
    """Removing a camera removes its folder of pictures and exports, and no other."""
    own = media_dir / "dvrip" / loaded_entry.entry_id
    other = media_dir / "dvrip" / "another_camera"
    for folder in (own / "alarm_pictures", own / "last_alarms_20261125_131000", other):
        folder.mkdir(parents=True)
        (folder / "20261125_130510_ch0.jpg").write_bytes(b"\xff\xd8")
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert not own.exists()
    assert (other / "20261125_130510_ch0.jpg").exists()


async def test_sensors_of_a_vanished_channel_are_removed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Every kind has its sensor on each channel; those of a channel gone leave the registry."""
    registry = er.async_get(hass)
    stale = registry.async_get_or_create(
        "binary_sensor", DOMAIN, f"{loaded_entry.unique_id}_5_motion", config_entry=loaded_entry
    )
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(stale.entity_id) is None
    for kind in BINARY_SENSOR_KINDS:
        assert entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_{kind}")
    assert entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm")


async def test_home_assistant_stop_logs_out(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await camera.wait_for(lambda: camera.stats.sessions == 0)
    # Unloading afterwards is harmless.
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_unload_while_reconnecting(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Unload stops the reconnect loop and leaves no task or timer behind."""
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, motion, STATE_UNAVAILABLE)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
