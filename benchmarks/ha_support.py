"""What the benchmarks that run Home Assistant share: the integration set up against a camera."""

from __future__ import annotations

from homeassistant import loader
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator


async def async_set_up_camera(
    hass: HomeAssistant, camera: CameraSimulator, password: str
) -> MockConfigEntry:
    """A config entry for the simulated camera, set up in `hass`."""
    # The repository's `custom_components` is ours, not the test harness's.
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=camera.profile.model,
        unique_id=camera.config.serial,
        data={
            "host": camera.host,
            "port": camera.port,
            "username": "admin",
            "password": password,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
