"""Cameras found by the search broadcast: offered, added with a login, or moved when known.

The search goes to the simulator's discovery port on the loopback instead of the broadcast
address; the simulator answers as a camera does, naming its DVRIP port.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import discovery
from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator
from simulator.wire import MessageId

from .common import CAMERA_PASSWORD, camera_config, closed_port, entry_data

LOGIN = {CONF_USERNAME: "admin", CONF_PASSWORD: CAMERA_PASSWORD}


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    """A camera that answers the search, on a free loopback port."""
    return {"discovery_port": 0}


@pytest.fixture
def search_camera(monkeypatch: pytest.MonkeyPatch, camera: CameraSimulator) -> None:
    """The search asks the simulated camera, and waits a second for answers."""
    assert camera.discovery_port
    monkeypatch.setattr(discovery, "DISCOVERY_TARGETS", (("127.0.0.1", camera.discovery_port),))
    monkeypatch.setattr(discovery, "SCAN_TIMEOUT", 1.0)


async def _search_done(hass: HomeAssistant) -> None:
    """The search at start-up has answered, and the flows it started have their first step."""
    await hass.async_block_till_done(wait_background_tasks=True)


async def _unload_all(hass: HomeAssistant) -> None:
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_timing")
async def test_search_goes_where_the_environment_says(
    hass: HomeAssistant, camera: CameraSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DVRIP_DISCOVERY_TARGETS replaces the broadcast: the camera listed there is offered."""
    monkeypatch.setattr(discovery, "SCAN_TIMEOUT", 1.0)
    monkeypatch.setenv(discovery.TARGETS_VARIABLE, f"127.0.0.1:{camera.discovery_port}")
    assert await async_setup_component(hass, DOMAIN, {})
    await _search_done(hass)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "integration_discovery"
    assert flow["context"]["unique_id"] == camera.config.serial
    assert camera.stats.searches == 1


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_found_camera_is_offered_and_added(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """The search at start-up offers the camera; its login adds it, titled with its name."""
    assert await async_setup_component(hass, DOMAIN, {})
    await _search_done(hass)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "integration_discovery"
    assert flow["context"]["unique_id"] == camera.config.serial
    assert flow["step_id"] == "discovery_confirm"
    assert flow["context"]["title_placeholders"]["host"] == "127.0.0.1"

    wrong = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {**LOGIN, CONF_PASSWORD: "wrong"}
    )
    assert wrong["type"] is FlowResultType.FORM
    assert wrong["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], LOGIN)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Porch camera"
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: camera.port, **LOGIN}
    entry = result["result"]
    assert entry.unique_id == camera.config.serial
    assert entry.state is ConfigEntryState.LOADED
    await _unload_all(hass)


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_known_camera_at_a_new_address_is_moved(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """A configured camera that answers at another address: its entry moves and loads there."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Porch camera",
        unique_id=camera.config.serial,
        data={**entry_data(camera), CONF_PORT: closed_port()},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await _search_done(hass)
    await hass.async_block_till_done()
    assert entry.data[CONF_PORT] == camera.port
    assert entry.state is ConfigEntryState.LOADED
    # Nothing is offered: the camera is known.
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    await _unload_all(hass)


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_user_picks_a_found_camera(hass: HomeAssistant, camera: CameraSimulator) -> None:
    """Adding a camera by hand first lists those found; a pick asks only for the login."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["pick", "manual"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pick"}
    )
    assert result["step_id"] == "pick"
    selector = result["data_schema"].schema["device"]
    # The search reply names the host "LocalHost", as firmware does: that is no name.
    assert selector.config["options"] == [
        {"value": camera.config.serial, "label": f"127.0.0.1:{camera.port}"}
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": camera.config.serial}
    )
    assert result["step_id"] == "discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], LOGIN)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Porch camera"
    assert result["data"][CONF_PORT] == camera.port
    await _unload_all(hass)


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_user_can_still_enter_an_address(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "manual"}
    )
    assert result["step_id"] == "manual"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: camera.port, **LOGIN}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Porch camera"
    await _unload_all(hass)


@pytest.mark.usefixtures("search_camera")
async def test_configured_cameras_are_not_listed(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """When every camera found is set up already, the address form comes at once."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=camera.config.serial, data=entry_data(camera)
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"


@pytest.mark.parametrize("camera_settings", [{"discovery_port": 0, "serial": ""}])
@pytest.mark.usefixtures("search_camera")
async def test_camera_known_by_its_mac(hass: HomeAssistant, camera: CameraSimulator) -> None:
    """A camera without a serial number is offered under its MAC address."""
    assert await async_setup_component(hass, DOMAIN, {})
    await _search_done(hass)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["unique_id"] == camera.config.mac.lower()


async def _entry_at(hass: HomeAssistant, camera: CameraSimulator, **data: Any) -> MockConfigEntry:
    """The camera's entry, with these data changed, after its first setup."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Porch camera",
        unique_id=camera.config.serial,
        data={**entry_data(camera), **data},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_a_search_reply_from_another_device_moves_nothing(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """The search names the camera's serial at an address where another device logs in."""
    async with CameraSimulator(camera_config(serial="someone-else")) as other:
        camera.set_discovery(tcp_port=other.port)
        entry = await _entry_at(hass, camera, **{CONF_PORT: closed_port()})
        port = entry.data[CONF_PORT]
        await _search_done(hass)
        assert camera.stats.searches == 1
        await other.wait_for(lambda: other.stats.logins == 1)
        assert entry.data[CONF_PORT] == port
        assert entry.state is ConfigEntryState.SETUP_RETRY
        await other.wait_for(lambda: other.stats.sessions == 0)


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_a_connected_camera_is_not_moved(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """The same camera answering the search from another address leaves a connected entry."""
    async with CameraSimulator(camera_config(serial=camera.config.serial)) as connected:
        entry = await _entry_at(hass, connected)
        assert entry.state is ConfigEntryState.LOADED
        await _search_done(hass)
        assert camera.stats.searches == 1
        assert entry.data[CONF_PORT] == connected.port
        assert entry.state is ConfigEntryState.LOADED
        await _unload_all(hass)


@pytest.mark.usefixtures("search_camera", "fast_timing")
async def test_a_host_name_is_kept(hass: HomeAssistant, camera: CameraSimulator) -> None:
    """An entry whose host is a name the user typed keeps it when the search finds it."""
    entry = await _entry_at(hass, camera, **{CONF_HOST: "localhost", CONF_PORT: closed_port()})
    port = entry.data[CONF_PORT]
    await _search_done(hass)
    assert camera.stats.searches == 1
    assert entry.data[CONF_HOST] == "localhost"
    assert entry.data[CONF_PORT] == port


@pytest.mark.usefixtures("search_camera", "fast_timing")
@pytest.mark.parametrize("camera_settings", [{"discovery_port": 0, "quirks": ("config-silent",)}])
async def test_found_camera_that_tells_no_identity_keeps_the_search_one(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """A camera found by the search that, logged in to, answers neither SystemInfo nor any
    configuration (no serial number, no MAC address) is added under the identity its search
    answer gave, named by its address.
    """
    assert await async_setup_component(hass, DOMAIN, {})
    await _search_done(hass)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    # Longer than the flow waits for it (a second under fast_timing).
    camera.delay_replies(1.5, message_id=MessageId.SYSTEM_INFO, count=1)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], LOGIN)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"127.0.0.1:{camera.port}"
    assert result["result"].unique_id == camera.config.serial
    await _unload_all(hass)
