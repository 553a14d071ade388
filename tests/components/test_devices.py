"""Devices and names: a camera is one device, a recorder's channels are devices of their own,
all named from the device itself rather than from its model."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator

from .common import (
    camera_config,
    camera_device,
    entity_device,
    entity_id,
    entry_data,
    entry_device,
    entry_devices,
)

RECORDER = {"profile": "nvr"}


def _serial(entry: MockConfigEntry) -> str:
    assert entry.unique_id is not None
    return entry.unique_id


@pytest.mark.parametrize("camera_settings", [RECORDER])
async def test_recorder_has_a_device_per_channel(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Each channel is a device named from its title, reached through the recorder."""
    serial = _serial(loaded_entry)
    recorder = camera_device(hass, loaded_entry)
    assert recorder.name == "Home recorder"
    assert recorder.model == camera.profile.model
    # The entry was titled with the model (the old default): it is named like the device now.
    assert loaded_entry.title == "Home recorder"

    channels = [device for device in entry_devices(hass, loaded_entry) if device != recorder]
    assert sorted(device.name for device in channels) == ["Front door", "Garden"]
    assert sorted(device.model for device in channels) == [
        f"{camera.profile.model} channel 1",
        f"{camera.profile.model} channel 2",
    ]
    assert {device.via_device_id for device in channels} == {recorder.id}
    assert {device.identifiers.pop()[1] for device in channels} == {
        f"{serial}_channel_1",
        f"{serial}_channel_2",
    }

    # Entity ids and names read from the channel: "Front door Motion".
    motion = entity_id(hass, "binary_sensor", f"{serial}_0_motion")
    assert motion == "binary_sensor.front_door_motion"
    assert hass.states.get(motion).name == "Front door Motion"
    assert entity_id(hass, "event", f"{serial}_1_alarm") == "event.garden_alarm"
    assert entity_id(hass, "camera", f"{serial}_1_snapshot") == "camera.garden_snapshot"
    assert entity_device(hass, motion).name == "Front door"
    # What is not per channel stays on the recorder.
    connectivity = entity_id(hass, "binary_sensor", f"{serial}_connectivity")
    assert entity_device(hass, connectivity).id == recorder.id
    assert connectivity == "binary_sensor.home_recorder_connection"


@pytest.mark.parametrize("camera_settings", [{**RECORDER, "channel_titles": ("Front door", "")}])
async def test_channel_without_title(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """A channel the recorder gives no title is "Channel N"."""
    serial = _serial(loaded_entry)
    alarm = entity_id(hass, "event", f"{serial}_1_alarm")
    assert entity_device(hass, alarm).name == "Channel 2"
    assert alarm == "event.channel_2_alarm"


async def test_single_camera_is_one_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    serial = _serial(loaded_entry)
    [device] = entry_devices(hass, loaded_entry)
    assert device.name == "Porch camera"
    assert device.via_device_id is None
    assert loaded_entry.title == "Porch camera"
    for domain, key in (
        ("binary_sensor", "0_motion"),
        ("binary_sensor", "connectivity"),
        ("event", "0_alarm"),
        ("camera", "0_snapshot"),
    ):
        assert entity_device(hass, entity_id(hass, domain, f"{serial}_{key}")).id == device.id
    assert entity_id(hass, "binary_sensor", f"{serial}_0_motion") == (
        "binary_sensor.porch_camera_motion"
    )


@pytest.mark.parametrize("camera_settings", [{"device_name": "LocalHost"}])
async def test_title_chosen_by_the_user_is_kept(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Only the old default title (the model) is replaced; a factory name is no name."""
    hass.config_entries.async_update_entry(config_entry, title="Shed")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.title == "Shed"
    # The factory's "LocalHost" names nothing: the device is named by its address.
    assert camera_device(hass, config_entry).name == f"127.0.0.1:{camera.port}"
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.parametrize("camera_settings", [RECORDER])
async def test_entry_from_before_keeps_its_entity_ids(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Entities registered on the recorder's one device move to the channels' devices, ids kept."""
    serial = _serial(config_entry)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    old_device = devices.async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, serial)},
        name=camera.profile.model,
        model=camera.profile.model,
    )
    old_ids: dict[tuple[str, str], str] = {}
    # The entity ids such an entry had: the model's name, then "Channel N ...".
    for domain, key, object_id in (
        ("binary_sensor", "0_motion", "nbd80x16s_kl_channel_1_motion"),
        ("binary_sensor", "1_motion", "nbd80x16s_kl_channel_2_motion"),
        ("event", "1_alarm", "nbd80x16s_kl_channel_2_alarm"),
        ("binary_sensor", "connectivity", "nbd80x16s_kl_connection"),
    ):
        registered = entities.async_get_or_create(
            domain,
            DOMAIN,
            f"{serial}_{key}",
            suggested_object_id=object_id,
            config_entry=config_entry,
            device_id=old_device.id,
        )
        old_ids[(domain, key)] = registered.entity_id
    assert old_ids[("binary_sensor", "1_motion")] == "binary_sensor.nbd80x16s_kl_channel_2_motion"

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.title == "Home recorder"
    for (domain, key), old_id in old_ids.items():
        assert entity_id(hass, domain, f"{serial}_{key}") == old_id
        assert hass.states.get(old_id) is not None
    assert entity_device(hass, old_ids[("binary_sensor", "0_motion")]).name == "Front door"
    garden = entity_device(hass, old_ids[("event", "1_alarm")])
    assert garden.name == "Garden"
    assert garden.via_device_id == old_device.id
    assert entity_device(hass, old_ids[("binary_sensor", "connectivity")]).id == old_device.id
    # The recorder's device is the one it had, renamed.
    assert camera_device(hass, config_entry).name == "Home recorder"
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.fixture
def identical_settings() -> dict[str, Any]:
    # Fresh from the factory: the same model, and no name of their own.
    return {"device_name": ""}


async def test_two_identical_cameras_do_not_collide(
    hass: HomeAssistant, socket_enabled: None, fast_timing: None, identical_settings: dict[str, Any]
) -> None:
    """Named by their addresses, two cameras of a model get entity ids of their own."""
    async with (
        CameraSimulator(camera_config(serial="SERIAL0000000001", **identical_settings)) as first,
        CameraSimulator(camera_config(serial="SERIAL0000000002", **identical_settings)) as second,
    ):
        entries = []
        for camera in (first, second):
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=camera.profile.model,
                unique_id=camera.config.serial,
                data=entry_data(camera),
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            entries.append(entry)
        motions = [entity_id(hass, "binary_sensor", f"{_serial(e)}_0_motion") for e in entries]
        assert motions == [
            f"binary_sensor.127_0_0_1_{first.port}_motion",
            f"binary_sensor.127_0_0_1_{second.port}_motion",
        ]
        assert [entry.title for entry in entries] == [
            f"127.0.0.1:{first.port}",
            f"127.0.0.1:{second.port}",
        ]
        for entry in entries:
            assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("camera_settings", [RECORDER])
async def test_only_a_channel_without_camera_can_be_removed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A channel's device left from a camera since unplugged can be deleted from its page;
    the recorder and the channels in use cannot (they would only come back).
    """
    serial = _serial(loaded_entry)
    devices = dr.async_get(hass)
    unplugged = devices.async_get_or_create(
        config_entry_id=loaded_entry.entry_id,
        identifiers={(DOMAIN, f"{serial}_channel_5")},
        name="Shed",
    )
    in_use = entry_device(hass, loaded_entry, f"{serial}_channel_1")
    assert in_use is not None
    recorder = camera_device(hass, loaded_entry)
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device: dr.DeviceEntry) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": loaded_entry.entry_id,
                "device_id": device.id,
            }
        )
        return bool((await client.receive_json())["success"])

    assert not await remove(recorder)
    assert not await remove(in_use)
    assert await remove(unplugged)
    assert devices.async_get(unplugged.id) is None
    assert devices.async_get(in_use.id) is not None
