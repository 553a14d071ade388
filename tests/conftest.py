"""Fixtures shared by the test suite: Home Assistant with our integration, and a simulated camera.

The test harness ships a `custom_components` package of its own; importing ours here, when
pytest loads this file, makes `custom_components.dvrip` resolve to this repository.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import discovery as dvrip_discovery, session as dvrip_session
import custom_components.dvrip.const  # noqa: F401  (see the module docstring)
from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator

from .components.common import camera_config, entry_data

# Starting simulated cameras is shared by the client and simulator tests.
pytest_plugins = ["tests.simulator_fixtures"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that runs it."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


# How Home Assistant words a report that this integration uses an API it has deprecated or
# will remove ("... accesses `X`, which is deprecated ... This will stop working in ...").
DEPRECATION_REPORT = "Detected that custom integration 'dvrip'"


class _DeprecationReports(logging.Handler):
    """Keeps every such report logged while a test runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if DEPRECATION_REPORT in message:
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_deprecation_reports() -> Iterator[None]:
    """Fail any test in which Home Assistant reports a deprecated use by this integration.

    On the current stack this is how the next deprecation shows, the day the stack moves to
    the release that makes it. Home Assistant reports each use once per process, so it fails
    the first test that makes it.
    """
    handler = _DeprecationReports()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.reports:
        pytest.fail("\n".join(handler.reports), pytrace=False)


@pytest.fixture(autouse=True)
def no_broadcast(monkeypatch: pytest.MonkeyPatch) -> None:
    """No device search beyond the loopback: none at all unless a test points it at one."""
    monkeypatch.setattr(dvrip_discovery, "DISCOVERY_TARGETS", ())


@pytest.fixture
def fast_timing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short timeouts, keepalives and reconnect delays, so a dead link shows within a second.

    The simulated camera answers on the test's own event loop, behind Home Assistant's work:
    keepalives go every half second and wait as long for their answer, which is what a
    loaded machine running two tests at a time needs.
    """
    monkeypatch.setattr(dvrip_session, "REQUEST_TIMEOUT", 1.0)
    monkeypatch.setattr(dvrip_session, "SEARCH_TIMEOUT", 2.0)
    monkeypatch.setattr(dvrip_session, "GUARD_TIMEOUT", 0.5)
    monkeypatch.setattr(dvrip_session, "KEEPALIVE_INTERVAL", 0.5)
    monkeypatch.setattr(dvrip_session, "BACKOFF_INITIAL", 0.05)
    monkeypatch.setattr(dvrip_session, "BACKOFF_MAX", 0.2)
    return


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    """Simulator settings; a test module overrides this fixture for another profile."""
    return {}


@pytest.fixture
async def camera(
    socket_enabled: None, camera_settings: dict[str, Any]
) -> AsyncIterator[CameraSimulator]:
    """A running simulated camera."""
    async with CameraSimulator(camera_config(**camera_settings)) as simulator:
        yield simulator


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the test's config entry; a test module overrides this fixture for others."""
    return {}


@pytest.fixture
def config_entry(
    hass: HomeAssistant, camera: CameraSimulator, entry_options: dict[str, Any]
) -> MockConfigEntry:
    """A config entry for the simulated camera, added but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=camera.profile.model,
        unique_id=camera.config.serial,
        data=entry_data(camera),
        options=entry_options,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def entry_at_camera_pace(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The config entry set up with the integration's own timing (for tests that move Home
    Assistant's clock on by hours), its start-up work done; unloaded afterwards.
    """
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    yield config_entry
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, fast_timing: None
) -> AsyncIterator[MockConfigEntry]:
    """The config entry, set up against the simulated camera; unloaded afterwards."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    yield config_entry
    if config_entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()
