"""No alarm lost: the camera's history fills in what no push announced, exactly once.

Alarms raised here carry explicit times seconds apart: the camera's history has whole
seconds, and traces closer than two seconds on one channel are taken for one alarm.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import history_checks
from custom_components.dvrip.alarms import storage_key
from custom_components.dvrip.client import DvripCommandError
from custom_components.dvrip.const import (
    CONF_HISTORY_HOURS,
    CONF_PICTURE_MODE,
    DOMAIN,
)
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from custom_components.dvrip.models import AlarmMode, CheckTrigger
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import AlarmEventLog, async_wait_for_state, entity_id

pytestmark = pytest.mark.usefixtures("fast_history")


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


@pytest.fixture
async def events(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> AsyncIterator[AlarmEventLog]:
    """The alarm events of channel 1 (recorded from before the entry is set up)."""
    # Named from the camera's own name.
    log = AlarmEventLog(hass, f"event.{slugify(camera.device_name)}_alarm")
    yield log
    log.close()


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def _unload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("fast_timing")
async def test_restart_neither_loses_nor_repeats(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
    hass_storage: dict[str, Any],
) -> None:
    """An alarm while Home Assistant is stopped is fired once after the start, never again."""
    await _setup(hass, config_entry)
    now = camera.now()
    pushed = await camera.raise_alarm(time=now - timedelta(seconds=40))
    await events.wait_for_count(1)
    await _unload(hass, config_entry)
    # The ledger is on disk: the pushed alarm is in it, with when it was fired.
    stored = hass_storage[storage_key(config_entry.entry_id)]["data"]
    [[camera_time, _fired_at]] = stored["alarms"]["0"]
    assert camera_time == pushed.time.isoformat()

    missed = await camera.raise_alarm(time=now - timedelta(seconds=20))
    assert missed.pushed_to == 0
    await _setup(hass, config_entry)
    [first, second] = await events.wait_for_count(2)
    assert first.attributes["backfilled"] is False
    assert first.attributes["source"] == "push"
    assert second.attributes["backfilled"] is True
    assert second.attributes["source"] == "history"
    assert second.attributes["event_type"] == "motion"
    assert second.attributes["camera_time"] == missed.time.isoformat()
    # Backfilled alarms are over: the sensor does not turn on for them.
    motion = entity_id(hass, "binary_sensor", f"{config_entry.unique_id}_0_motion")
    assert hass.states.get(motion).state == STATE_OFF

    # A restart more: nothing new, nothing repeated.
    await _unload(hass, config_entry)
    await _setup(hass, config_entry)
    assert config_entry.runtime_data.coordinator.history.stats.checks == 1
    assert len(events.states) == 2
    await _unload(hass, config_entry)


@pytest.mark.usefixtures("fast_timing")
async def test_first_setup_backfills_nothing(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
) -> None:
    """What the camera recorded before the integration was set up is not fired."""
    camera.seed_history(days=0.1, interval=timedelta(minutes=10))
    await _setup(hass, config_entry)
    coordinator = config_entry.runtime_data.coordinator
    assert coordinator.alarms.ledger.checked_until is not None
    assert events.states == []
    assert coordinator.history.stats.checks == 0  # the first check only sets the mark
    await _unload(hass, config_entry)


@pytest.mark.usefixtures("fast_timing")
@pytest.mark.parametrize("entry_options", [{CONF_PICTURE_MODE: "off", CONF_HISTORY_HOURS: 1}])
async def test_backfill_is_bounded_by_the_look_back(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
    hass_storage: dict[str, Any],
) -> None:
    """After a long absence only the look-back's hours are searched."""
    now = camera.now()
    hass_storage[storage_key(config_entry.entry_id)] = {
        "version": 1,
        "minor_version": 1,
        "key": storage_key(config_entry.entry_id),
        "data": {
            "version": 1,
            "checked_until": (now - timedelta(hours=3)).isoformat(),
            "alarms": {},
        },
    }
    camera.add_history(now - timedelta(hours=2))
    recent = now - timedelta(minutes=30)
    camera.add_history(recent)
    await _setup(hass, config_entry)
    [state] = await events.wait_for_count(1)
    assert state.attributes["camera_time"] == recent.isoformat()
    window = config_entry.runtime_data.coordinator.history.stats.last_window
    assert window is not None
    assert window[0] >= (now - timedelta(hours=1, seconds=5)).isoformat()
    await _unload(hass, config_entry)


async def test_checks_find_nothing_twice(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A pushed alarm, or one found before, is never found again by a later check."""
    coordinator = loaded_entry.runtime_data.coordinator
    now = camera.now()
    alarm = entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm")
    log = AlarmEventLog(hass, alarm)
    try:
        await camera.raise_alarm(time=now - timedelta(seconds=30))
        await log.wait_for_count(1)
        # Recorded while the camera thought nobody listened (no push).
        camera.add_history(now - timedelta(seconds=15), picture_kind=PictureKind.JPEG)
        found = await coordinator.history.async_check(CheckTrigger.AUDIT)
        assert [event.data["camera_time"] for event in found] == [
            (now - timedelta(seconds=15)).isoformat()
        ]
        assert found[0].data["backfilled"] is True
        assert await coordinator.history.async_check(CheckTrigger.AUDIT) == []
        await log.wait_for_count(2)
    finally:
        log.close()
    assert coordinator.stats.backfilled_alarms == 1
    assert coordinator.stats.pushed_alarms == 1
    assert coordinator.history.mode is AlarmMode.PUSH


@pytest.mark.parametrize("camera_settings", [{"profile": "nopush"}])
async def test_firmware_that_never_pushes_is_polled(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """History shows alarms no push announced, twice: the camera is polled, with a repair."""
    coordinator = loaded_entry.runtime_data.coordinator
    monkeypatch.setattr(history_checks, "HISTORY_AUDIT_INTERVAL", 0.05)
    monkeypatch.setattr(history_checks, "HISTORY_POLL_INTERVAL", 0.05)
    # As if connected for a minute: the alarms below came while it was (and were not pushed).
    assert coordinator.session.subscribed is not None
    coordinator.session.subscribed -= timedelta(minutes=1)
    now = camera.now()
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    issue_id = f"push_missing_{loaded_entry.entry_id}"
    try:
        coordinator.history.start_check(CheckTrigger.AUDIT)
        await camera.raise_alarm(time=now - timedelta(seconds=30))
        await log.wait_for_count(1)
        assert coordinator.history.mode is AlarmMode.PUSH
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

        await camera.raise_alarm(time=now - timedelta(seconds=20))
        await log.wait_for_count(2)
        assert coordinator.history.mode is AlarmMode.HISTORY_POLLING
        issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_placeholders == {"name": loaded_entry.title, "poll_interval": "0"}

        # Polling brings the next alarm too.
        await camera.raise_alarm(time=now - timedelta(seconds=10))
        await log.wait_for_count(3)
    finally:
        log.close()
    assert all(attributes["backfilled"] for attributes in log.attributes)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["coordinator"]["alarm_source"] == "history_polling"
    assert diagnostics["coordinator"]["history_check"]["unannounced_checks"] == 2


async def test_a_push_ends_polling(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Once the camera pushes (its upload was turned on), polling stops and the repair goes."""
    coordinator = loaded_entry.runtime_data.coordinator
    coordinator.history._start_polling()
    issue_id = f"push_missing_{loaded_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    await camera.raise_alarm()
    await async_wait_for_state(hass, motion, STATE_ON)
    assert coordinator.history.mode is AlarmMode.PUSH
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_upload_off_raises_no_second_repair(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Alarm upload known to be off: its repair says how to fix it; polling starts silently."""
    coordinator = loaded_entry.runtime_data.coordinator
    camera.set_motion_detection(upload=False)
    await coordinator.async_read_settings()
    coordinator.history._start_polling()
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, f"upload_disabled_{loaded_entry.entry_id}")
    assert registry.async_get_issue(DOMAIN, f"push_missing_{loaded_entry.entry_id}") is None
    assert coordinator.history.mode is AlarmMode.HISTORY_POLLING


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("entry_options", [{CONF_PICTURE_MODE: "recording"}])
async def test_picture_of_the_newest_backfilled_alarm(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The image shows the newest backfilled alarm; an older one never replaces it."""
    coordinator = loaded_entry.runtime_data.coordinator
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    now = camera.now()
    older = now - timedelta(seconds=40)
    newer = now - timedelta(seconds=20)
    for moment in (older, newer):
        camera.add_history(moment, picture_kind=PictureKind.JPEG)
    found = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert [event.newest for event in found] == [True, True]

    def shows(state: State | None) -> bool:
        return state is not None and state.attributes.get("camera_time") == newer.isoformat()

    state = await async_wait_for_state(hass, image, shows)
    assert state is not None
    assert state.state != STATE_UNKNOWN
    # One search (the newest): the older alarm was superseded before its turn.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.stats.downloads == 1
    # An alarm older than the newest fired is no candidate for the picture.
    camera.add_history(now - timedelta(seconds=30), picture_kind=PictureKind.JPEG)
    [late] = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert late.newest is False
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.stats.downloads == 1
    assert shows(hass.states.get(image))


async def test_a_refused_file_query_lists_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Firmware that refuses the jpg query (no picture storage) still has its clips checked."""
    coordinator = loaded_entry.runtime_data.coordinator
    now = camera.now().replace(microsecond=0)
    camera.add_history(now - timedelta(seconds=20), picture=False)
    real_query = coordinator.client.query_files

    async def refuse_pictures(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("file_type") == "jpg":
            raise DvripCommandError("OPFileQuery", 102)
        return await real_query(*args, **kwargs)

    with patch.object(coordinator.client, "query_files", refuse_pictures):
        [found] = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.alarm.raw["FileName"].endswith(".h264")


async def test_checks_go_on_after_an_unexpected_error(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check that fails in an unforeseen way is logged, and the next one still comes."""
    coordinator = loaded_entry.runtime_data.coordinator
    monkeypatch.setattr(history_checks, "HISTORY_AUDIT_INTERVAL", 0.05)
    monkeypatch.setattr(history_checks, "HISTORY_FOLLOW_UP", 0.05)
    await hass.async_block_till_done(wait_background_tasks=True)
    checked = asyncio.Event()
    calls: list[CheckTrigger] = []

    async def failing_once(trigger: CheckTrigger) -> list[Any]:
        calls.append(trigger)
        if len(calls) == 1:
            raise ValueError("a reply of an unforeseen shape")
        checked.set()
        return []

    monkeypatch.setattr(coordinator.history, "async_check", failing_once)
    coordinator.history.start_check(CheckTrigger.AUDIT)
    async with asyncio.timeout(5):
        await checked.wait()
    assert calls == [CheckTrigger.AUDIT, CheckTrigger.AUDIT]
    assert coordinator.history.stats.last_error == "a reply of an unforeseen shape"


async def test_audits_learn_the_clock_again(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera's clock moves an hour while connected (daylight saving): the audit sees it."""
    coordinator = loaded_entry.runtime_data.coordinator
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.clock.offset == timedelta(0)
    camera.shift_clock(3600)
    await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert coordinator.clock.offset == timedelta(hours=1)
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    try:
        record = await camera.raise_alarm()
        [state] = await log.wait_for_count(1)
    finally:
        log.close()
    happened = datetime.fromisoformat(state.attributes["alarm_time"])
    received = datetime.fromisoformat(state.attributes["received"])
    assert abs(happened - received) < timedelta(seconds=5)
    assert state.attributes["camera_time"] == record.time.isoformat()
