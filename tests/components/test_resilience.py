"""The coordinator heals: reboots, silent links, garbage and a changed password."""

from __future__ import annotations

import logging

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import session as dvrip_session
from custom_components.dvrip.client import DvripConnectionError
from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator

from .common import async_wait_for_state, entity_id


def _entities(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[str, str, str]:
    serial = entry.unique_id
    return (
        entity_id(hass, "binary_sensor", f"{serial}_0_motion"),
        entity_id(hass, "binary_sensor", f"{serial}_connectivity"),
        entity_id(hass, "event", f"{serial}_0_alarm"),
    )


@pytest.mark.parametrize(
    ("fault", "seconds"),
    [("reboot", 0.3), ("silence", 1.0), ("disconnect", 0.3)],
)
async def test_recovers_without_reload(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    seconds: float,
) -> None:
    """Entities go unavailable, come back on their own, and alarms flow again."""
    motion, connectivity, alarm = _entities(hass, loaded_entry)
    coordinator = loaded_entry.runtime_data.coordinator
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)

    caplog.set_level(logging.INFO, logger="custom_components.dvrip")
    await camera.inject_fault(fault, seconds)
    await async_wait_for_state(hass, motion, STATE_UNAVAILABLE)
    assert hass.states.get(connectivity).state == STATE_OFF
    assert hass.states.get(alarm).state == STATE_UNAVAILABLE

    # Back without a reload; the sensor starts clean (its Stop may have been lost).
    await async_wait_for_state(hass, connectivity, STATE_ON)
    assert hass.states.get(motion).state == STATE_OFF
    assert coordinator is loaded_entry.runtime_data.coordinator
    assert coordinator.stats.reconnects == 1
    assert coordinator.stats.disconnects == 1

    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("is unavailable" in message for message in messages) == 1
    assert sum("is available again" in message for message in messages) == 1


async def test_password_changed_starts_reauth(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A password refused at runtime starts a reauth flow and stops retrying."""
    _motion, connectivity, _alarm = _entities(hass, loaded_entry)
    camera.set_password("admin", "changed")
    await camera.inject_fault("disconnect", 0.1)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    await hass.async_block_till_done(wait_background_tasks=True)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == loaded_entry.entry_id
    # One failed login, no more: retrying would lock the account.
    assert camera.stats.login_failures == 1
    assert "Ret 106" in loaded_entry.runtime_data.coordinator.stats.last_error


async def test_garbage_is_skipped(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Noise on the line costs the bytes it replaced, not the connection."""
    motion, _connectivity, _alarm = _entities(hass, loaded_entry)
    await camera.inject_fault("garbage")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, STATE_ON)
    assert loaded_entry.runtime_data.coordinator.stats.disconnects == 0


@pytest.mark.parametrize("camera_settings", [{"lockout_seconds": 1.0}])
async def test_locked_account_keeps_retrying(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lock (Ret 205) passes by itself: retry with backoff rather than ask for a password."""
    _motion, connectivity, _alarm = _entities(hass, loaded_entry)
    coordinator = loaded_entry.runtime_data.coordinator
    # Lock the account the way the camera does: too many wrong logins.
    for _ in range(camera.config.max_login_failures):
        camera.check_login("admin", "nope", plain=True)
    monkeypatch.setattr(dvrip_session, "BACKOFF_MAX", 0.05)
    monkeypatch.setattr(dvrip_session, "LOCKED_RETRY_DELAY", 0.05)

    await camera.inject_fault("disconnect", 0.05)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    failures = camera.stats.login_failures
    # Two attempts: the first also asks once what Ret 205 means (a login of a user that
    # cannot exist); by the second's refusal, the first one's is recorded.
    await camera.wait_for(lambda: camera.stats.login_failures >= failures + 3)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert "locked" in coordinator.stats.last_error
    # The lock runs out: the next attempt gets in.
    await async_wait_for_state(hass, connectivity, STATE_ON)
    assert coordinator.stats.failed_attempts >= 2


async def test_backoff_delays() -> None:
    """1 s doubling to a 5 minute cap, each shortened by up to 20 % of jitter."""
    for attempt, base in [(0, 1.0), (1, 2.0), (3, 8.0), (8, 256.0), (9, 300.0), (99, 300.0)]:
        delay = dvrip_session.backoff_delay(attempt)
        assert base * 0.8 <= delay <= base


async def test_disconnect_reports_are_idempotent(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A second report while reconnecting changes nothing; none count after shutdown."""
    _motion, connectivity, _alarm = _entities(hass, loaded_entry)
    coordinator = loaded_entry.runtime_data.coordinator
    coordinator.session._handle_disconnect(DvripConnectionError("first"))
    coordinator.session._handle_disconnect(DvripConnectionError("second"))
    assert hass.states.get(connectivity).state == STATE_OFF
    # The client's link was fine all along: the single reconnect finds it up at once.
    await async_wait_for_state(hass, connectivity, STATE_ON)
    assert coordinator.stats.reconnects == 1
    assert camera.stats.logins == 1

    await coordinator.async_shutdown()
    coordinator.session._handle_disconnect(None)
    assert coordinator.stats.disconnects == 2


async def test_only_the_reconnect_loop_logs_in_again(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request made while the link is down fails; it does not log a (locked) camera in."""
    monkeypatch.setattr(dvrip_session, "BACKOFF_INITIAL", 3600.0)
    monkeypatch.setattr(dvrip_session, "BACKOFF_MAX", 3600.0)
    _motion, connectivity, _alarm = _entities(hass, loaded_entry)
    client = loaded_entry.runtime_data.coordinator.client
    await camera.inject_fault("disconnect", 0.1)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    await camera.wait_for(lambda: camera.fault is None)
    logins = camera.stats.logins
    with pytest.raises(DvripConnectionError):
        await client.get_time()
    assert camera.stats.logins == logins
