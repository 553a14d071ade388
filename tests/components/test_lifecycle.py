"""Setup and reconnects: what starts in which order, what a failed setup leaves, who answers."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import alarms, session
from custom_components.dvrip.client import Alarm, AlarmStatus, DvripClient
from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.history_checks import HistoryChecker
from custom_components.dvrip.repairs import Issue, async_raise_issue
from simulator import CameraSimulator

from .common import async_wait_for_state, entity_id


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


@pytest.mark.usefixtures("fast_timing", "fast_history")
async def test_history_checks_start_after_the_entities(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A backfilled alarm is fired to an event entity that exists, never before it does."""
    seen: list[bool] = []
    check_history = HistoryChecker.async_check

    async def checking(self: Any, trigger: Any) -> Any:
        event = f"event.{slugify(camera.device_name)}_alarm"
        seen.append(hass.states.get(event) is not None)
        return await check_history(self, trigger)

    with patch.object(HistoryChecker, "async_check", checking):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert seen == [True]
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_timing")
async def test_an_alarm_at_subscription_keeps_the_ledger(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """The ledger is loaded before the first push can come: neither it nor the push is lost."""
    moment = camera.now().replace(microsecond=0) - timedelta(seconds=5)
    earlier = moment - timedelta(minutes=1)
    hass_storage[alarms.storage_key(config_entry.entry_id)] = {
        "version": alarms.STORAGE_VERSION,
        "minor_version": 1,
        "key": alarms.storage_key(config_entry.entry_id),
        "data": {
            "version": 1,
            "checked_until": earlier.isoformat(),
            "alarms": {"0": [earlier.isoformat()]},
        },
    }
    subscribe = DvripClient.subscribe_alarms

    async def subscribe_and_push(self: DvripClient) -> Any:
        state = await subscribe(self)
        for listener in list(self._alarm_listeners):
            listener(Alarm(0, "VideoMotion", AlarmStatus.START, moment, {}))
        return state

    with patch.object(DvripClient, "subscribe_alarms", subscribe_and_push):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    coordinator = config_entry.runtime_data.coordinator
    assert coordinator.alarms.ledger.fired_between(0, moment, moment)
    assert len(coordinator.alarms.ledger) == 2
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_timing")
async def test_a_failed_setup_logs_out(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A setup step that fails after the session started ends the session and its tasks."""
    with patch.object(
        hass.config_entries, "async_forward_entry_setups", side_effect=RuntimeError("boom")
    ):
        assert not await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    await camera.wait_for(lambda: camera.stats.sessions == 0)
    assert camera.stats.logins == 1


async def _wait_for_issue(hass: HomeAssistant, issue_id: str, *, present: bool) -> None:
    registry = ir.async_get(hass)
    async with asyncio.timeout(10):
        while (registry.async_get_issue(DOMAIN, issue_id) is not None) is not present:
            changed = asyncio.Event()

            @callback
            def _updated(_event: Event) -> None:
                changed.set()  # noqa: B023  (awaited before the next loop)

            unsubscribe = hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, _updated)
            try:
                if (registry.async_get_issue(DOMAIN, issue_id) is not None) is present:
                    return
                await changed.wait()
            finally:
                unsubscribe()


async def test_reconnect_to_another_camera(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another camera at the address: unavailable, a repair issue, none of its alarms taken."""
    monkeypatch.setattr(session, "WRONG_DEVICE_RETRY_DELAY", 0.2)
    coordinator = loaded_entry.runtime_data.coordinator
    serial = camera.config.serial
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    issue_id = f"wrong_device_{loaded_entry.entry_id}"

    camera.config = replace(camera.config, serial="another-camera")
    await camera.inject_fault("disconnect", 0.1)
    await _wait_for_issue(hass, issue_id, present=True)
    assert hass.states.get(connectivity).state == STATE_OFF
    await camera.raise_alarm()
    assert coordinator.stats.alarms == 0

    camera.config = replace(camera.config, serial=serial)
    await async_wait_for_state(hass, connectivity, STATE_ON)
    await _wait_for_issue(hass, issue_id, present=False)
    await camera.raise_alarm()
    await async_wait_for_state(hass, motion, STATE_ON)


async def test_unload_while_another_camera_answers(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The entry unloads (and Home Assistant stops) while it keeps finding another camera,
    without waiting for the next look (minutes away).
    """
    camera.config = replace(camera.config, serial="another-camera")
    await camera.inject_fault("disconnect", 0.1)
    await _wait_for_issue(hass, f"wrong_device_{loaded_entry.entry_id}", present=True)
    async with asyncio.timeout(5):
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await camera.wait_for(lambda: camera.stats.sessions == 0)


@pytest.mark.usefixtures("fast_timing")
async def test_setup_with_the_right_camera_clears_the_wrong_device_issue(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Another camera answered before Home Assistant restarted (its repair is kept across the
    restart); the right one answers at the next setup, and the repair goes.
    """
    async_raise_issue(hass, config_entry, Issue.WRONG_DEVICE, host=camera.host)
    issue_id = f"wrong_device_{config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_unload(config_entry.entry_id)
