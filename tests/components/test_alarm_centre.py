"""The alarm-centre listener: firmware that reports alarms by connecting out (message 1508)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import socket
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import alarm_centre
from custom_components.dvrip.alarm_centre import DATA_ALARM_CENTRE
from custom_components.dvrip.client import Alarm, AlarmCentreMessage
from custom_components.dvrip.const import (
    CONF_ALARM_CENTRE,
    CONF_ALARM_CENTRE_PORT,
    CONF_PICTURE_MODE,
    DOMAIN,
)
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from custom_components.dvrip.models import CheckTrigger
from simulator import CameraSimulator
from simulator.profiles import HUMAN_ALARM_FUNCTIONS

from .common import AlarmEventLog, async_wait_for_state, camera_config, entity_id, entry_data


@pytest.fixture(autouse=True)
def _listen_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real installation listens on every interface; the test harness allows loopback only."""
    monkeypatch.setattr(alarm_centre, "LISTEN_HOST", "127.0.0.1")


@pytest.fixture
def entry_options() -> dict[str, Any]:
    # Port 0: any free port (the options form asks for 1-65535).
    return {CONF_PICTURE_MODE: "off", CONF_ALARM_CENTRE: True, CONF_ALARM_CENTRE_PORT: 0}


def _port(entry: MockConfigEntry) -> int:
    status = entry.runtime_data.coordinator.alarm_centre_status
    assert status is not None
    assert status["listening"] is True
    port = status["port"]
    assert isinstance(port, int)
    return port


@contextmanager
def _handled(hass: HomeAssistant) -> Iterator[asyncio.Queue[tuple[str, str]]]:
    """A queue that receives (serial, peer) after each message a camera's route handled."""
    handled: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    originals = {
        port: dict(listener.routes)
        for port, listener in hass.data[DATA_ALARM_CENTRE]._listeners.items()
    }
    for port, routes in originals.items():
        for serial, handler in routes.items():

            def spy(
                message: AlarmCentreMessage, peer: str, handler: Any = handler, serial: str = serial
            ) -> None:
                handler(message, peer)
                handled.put_nowait((serial, peer))

            hass.data[DATA_ALARM_CENTRE]._listeners[port].routes[serial] = spy
    try:
        yield handled
    finally:
        for port, routes in originals.items():
            hass.data[DATA_ALARM_CENTRE]._listeners[port].routes.update(routes)


@pytest.mark.parametrize(
    "camera_settings",
    [{"profile": "nopush", "profile_overrides": {"alarm_functions": HUMAN_ALARM_FUNCTIONS}}],
)
async def test_firmware_that_only_reports_to_an_alarm_centre(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """No push at all, but a 1508 message: the sensor turns on and the event fires, once."""
    coordinator = loaded_entry.runtime_data.coordinator
    camera.set_alarm_centre("127.0.0.1", _port(loaded_entry))
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    try:
        record = await camera.raise_alarm(event="HumanDetect")
        assert record.pushed_to == 0
        assert camera.stats.alarm_centre_sent == 1
        person = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_person")
        await async_wait_for_state(hass, person, STATE_ON)
        [state] = await log.wait_for_count(1)
    finally:
        log.close()
    assert state.attributes["source"] == "alarm_centre"
    assert state.attributes["event"] == "HumanDetect"
    assert state.attributes["camera_time"] == record.time.isoformat()
    assert hass.states.get(motion).state != STATE_ON
    assert coordinator.stats.alarm_centre_alarms == 1
    # Its recording is the alarm already fired: no backfill, no switch to polling.
    assert await coordinator.history.async_check(CheckTrigger.AUDIT) == []
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["coordinator"]["alarm_centre"]["listening"] is True


async def test_push_and_alarm_centre_are_one_alarm(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Firmware that pushes and reports to an alarm centre fires each alarm once."""
    coordinator = loaded_entry.runtime_data.coordinator
    camera.set_alarm_centre("127.0.0.1", _port(loaded_entry))
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    try:
        with _handled(hass) as handled:
            for event in ("VideoMotion", "HumanDetect"):
                await camera.raise_alarm(event=event)
                async with asyncio.timeout(5):
                    await handled.get()
        await log.wait_for_count(2)
    finally:
        log.close()
    assert [state.attributes["source"] for state in log.states] == ["push", "push"]
    assert coordinator.stats.duplicates == 2
    assert coordinator.stats.alarms == 2


async def test_messages_from_strangers_are_dropped(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """An unknown serial number, another address, or a log message fire nothing."""
    coordinator = loaded_entry.runtime_data.coordinator
    hub = hass.data[DATA_ALARM_CENTRE]
    port = next(iter(hub._listeners))
    alarm = Alarm(channel=0, event="VideoMotion", status="Start", start_time=None)
    serial = loaded_entry.unique_id
    assert serial is not None
    hub._dispatch(port, AlarmCentreMessage("someone-else", alarm), "127.0.0.1")
    hub._dispatch(port, AlarmCentreMessage(serial, alarm), "10.9.8.7")
    hub._dispatch(port, AlarmCentreMessage(serial, alarm, kind="Log"), "127.0.0.1")
    assert coordinator.stats.alarms == 0
    assert coordinator.stats.alarm_centre_rejected == 1
    status = hub.status(port)
    assert status is not None
    assert status["unknown_devices"] == 1
    # The same serial in other letter case, from the camera's address, is the camera.
    hub._dispatch(port, AlarmCentreMessage(serial.upper(), alarm), "::ffff:127.0.0.1")
    assert coordinator.stats.alarm_centre_alarms == 1


@pytest.mark.parametrize("serial_id", ["", "00:12:41:5C:3E:9A", "0012415c3e9a"])
@pytest.mark.parametrize("camera_settings", [{"profile": "nopush", "serial": ""}])
async def test_a_camera_known_by_its_mac_is_heard(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    serial_id: str,
) -> None:
    """No serial number: a message naming the MAC, or nothing, from its address is its alarm."""
    hass.config_entries.async_update_entry(config_entry, unique_id="00:12:41:5c:3e:9a")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data.coordinator
    hub = hass.data[DATA_ALARM_CENTRE]
    port = next(iter(hub._listeners))
    alarm = Alarm(channel=0, event="VideoMotion", status="Start", start_time=None)
    hub._dispatch(port, AlarmCentreMessage(serial_id, alarm), "::ffff:127.0.0.1")
    assert coordinator.stats.alarm_centre_alarms == 1
    # From another address, it is nobody's.
    hub._dispatch(port, AlarmCentreMessage("", alarm), "10.9.8.7")
    assert coordinator.stats.alarm_centre_alarms == 1
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.usefixtures("fast_timing")
async def test_two_cameras_share_one_port(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    entry_options: dict[str, Any],
) -> None:
    """Each camera's messages reach its own entry; the port closes with the last entry."""
    async with CameraSimulator(
        camera_config(serial="second-camera", profile="nopush")
    ) as other_camera:
        other = MockConfigEntry(
            domain=DOMAIN,
            title="Second",
            unique_id="second-camera",
            data=entry_data(other_camera),
            options=entry_options,
        )
        other.add_to_hass(hass)
        # Setting up the integration sets up both entries.
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        assert other.state is ConfigEntryState.LOADED
        port = _port(config_entry)
        assert _port(other) == port
        other_camera.set_alarm_centre("127.0.0.1", port)
        with _handled(hass) as handled:
            await other_camera.raise_alarm()
            async with asyncio.timeout(5):
                assert (await handled.get())[0] == "second-camera"
        assert other.runtime_data.coordinator.stats.alarm_centre_alarms == 1
        assert config_entry.runtime_data.coordinator.stats.alarms == 0

        assert await hass.config_entries.async_unload(other.entry_id)
        assert hass.data[DATA_ALARM_CENTRE].status(0) is not None
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        assert hass.data[DATA_ALARM_CENTRE].status(0) is None
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.usefixtures("fast_timing")
async def test_a_busy_port_is_reported_not_fatal(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    busy_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The camera still works without the listener; the log and diagnostics say why."""
    hass.config_entries.async_update_entry(
        config_entry, options={**config_entry.options, CONF_ALARM_CENTRE_PORT: busy_port}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    status = config_entry.runtime_data.coordinator.alarm_centre_status
    assert status is not None
    assert status["listening"] is False
    assert f"Cannot listen for alarm-centre messages on port {busy_port}" in caplog.text
    assert await hass.config_entries.async_unload(config_entry.entry_id)
