"""When the history is searched: audits that back off while pushes work, polling at a fixed pace.

Time is moved with `async_fire_time_changed`, which runs every timer due by then, the
client's and the simulator's too: the camera here allows a long silence and asks for rare
keepalives, so that only the history's timers come due. What is counted is what the camera
saw: its file searches (two per channel and search: pictures, then clips).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.history_checks import (
    HISTORY_AUDIT_INTERVAL,
    HISTORY_AUDIT_MAX_INTERVAL,
    HISTORY_FOLLOW_UP,
    HISTORY_POLL_INTERVAL,
)
from custom_components.dvrip.models import AlarmMode, CheckTrigger
from simulator import CameraSimulator

from .common import AlarmEventLog, entity_id

pytestmark = pytest.mark.usefixtures("fast_history")

# A search of one channel: its jpg entries and its clips.
SEARCHES_PER_CHECK = 2


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    # Keepalives and the camera's idle timeout far beyond the hours the tests move through.
    return {"alive_interval": 1_000_000, "idle_timeout": 10_000_000.0}


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


@pytest.fixture
def entry(entry_at_camera_pace: MockConfigEntry) -> MockConfigEntry:
    return entry_at_camera_pace


async def _after(hass: HomeAssistant, seconds: float) -> None:
    """Run what is due `seconds` from now, and let the checks that came due finish.

    Not cumulative: each call counts from now (the last check ended moments ago).
    """
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_audits_back_off_while_pushes_work(
    hass: HomeAssistant, entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Audits that find nothing come twice as far apart each time, up to an hour; an audit
    that finds a missed alarm, or a reconnect, brings them back to every 5 minutes.
    """
    history = entry.runtime_data.coordinator.history
    searches = camera.stats.queries
    assert history.audit_interval == HISTORY_AUDIT_INTERVAL == 300

    # The follow-up of the startup check, then audits at 10, 20, 40 minutes, then hourly.
    expected_gaps = [HISTORY_FOLLOW_UP, 600, 1200, 2400, 3600, 3600]
    for gap in expected_gaps:
        # Not a moment before its time...
        await _after(hass, gap - 5)
        assert camera.stats.queries == searches
        # ...and at it.
        await _after(hass, gap + 1)
        searches += SEARCHES_PER_CHECK
        assert camera.stats.queries == searches
    assert history.audit_interval == HISTORY_AUDIT_MAX_INTERVAL == 3600

    # An alarm the camera recorded but did not push: the next audit finds it and fires it...
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{entry.unique_id}_0_alarm"))
    try:
        camera.add_history(camera.now() - timedelta(seconds=5))
        await _after(hass, 3601)
        [found] = await log.wait_for_count(1)
    finally:
        log.close()
    assert found.attributes["backfilled"] is True
    searches += SEARCHES_PER_CHECK
    # ...and audits come every 5 minutes again.
    assert history.audit_interval == 300
    await _after(hass, 301)
    searches += SEARCHES_PER_CHECK
    assert camera.stats.queries == searches

    # Back off again; a reconnect's check resets the interval as well.
    await _after(hass, 601)
    searches += SEARCHES_PER_CHECK
    assert camera.stats.queries == searches
    assert history.audit_interval == 1200
    history.start_check(CheckTrigger.RECONNECT)
    await hass.async_block_till_done(wait_background_tasks=True)
    searches += SEARCHES_PER_CHECK
    await _after(hass, HISTORY_FOLLOW_UP + 1)
    searches += SEARCHES_PER_CHECK
    assert camera.stats.queries == searches
    assert history.audit_interval == 600  # one audit found nothing since
    await _after(hass, 601)
    assert camera.stats.queries == searches + SEARCHES_PER_CHECK
    diagnostics_interval = entry.runtime_data.coordinator.as_dict()["history_check"]
    assert diagnostics_interval["audit_interval"] == 1200
    assert diagnostics_interval["poll_interval"] == HISTORY_POLL_INTERVAL


@pytest.mark.parametrize(
    "camera_settings",
    [{"profile": "nopush", "alive_interval": 1_000_000, "idle_timeout": 10_000_000.0}],
)
async def test_a_camera_that_does_not_push_is_polled_every_minute(
    hass: HomeAssistant, entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Two audits find alarms no push announced: from then on the camera is searched every
    60 s (no option sets it), with a repair that says so.
    """
    coordinator = entry.runtime_data.coordinator
    history = coordinator.history
    # As if connected for a minute: the alarms below came while it was (and were not pushed).
    assert coordinator.session.subscribed is not None
    coordinator.session.subscribed -= timedelta(minutes=1)
    now = camera.now()
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{entry.unique_id}_0_alarm"))
    try:
        await camera.raise_alarm(time=now - timedelta(seconds=30))
        await _after(hass, HISTORY_FOLLOW_UP + 1)
        await log.wait_for_count(1)
        assert history.mode is AlarmMode.PUSH
        await camera.raise_alarm(time=now - timedelta(seconds=20))
        await _after(hass, HISTORY_AUDIT_INTERVAL + 1)
        await log.wait_for_count(2)
        assert history.mode is AlarmMode.HISTORY_POLLING
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"push_missing_{entry.entry_id}")
        assert issue is not None
        assert issue.translation_placeholders == {"name": entry.title, "poll_interval": "60"}

        searches = camera.stats.queries
        for _ in range(3):
            await _after(hass, HISTORY_POLL_INTERVAL - 5)
            assert camera.stats.queries == searches
            await _after(hass, HISTORY_POLL_INTERVAL + 1)
            searches += SEARCHES_PER_CHECK
            assert camera.stats.queries == searches
        # Polling brings the next alarm within the minute.
        await camera.raise_alarm(time=camera.now() - timedelta(seconds=2))
        await _after(hass, HISTORY_POLL_INTERVAL + 1)
        await log.wait_for_count(3)
    finally:
        log.close()
    assert all(attributes["backfilled"] for attributes in log.attributes)


async def test_audits_read_the_detection_settings_again(
    hass: HomeAssistant, entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Motion detection switched off (and on again) while connected: the next audit says so."""
    registry = ir.async_get(hass)
    issue_id = f"detection_disabled_{entry.entry_id}"
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    camera.set_motion_detection(False)
    await _after(hass, HISTORY_FOLLOW_UP + 1)  # the first audit
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    camera.set_motion_detection(True)
    await _after(hass, HISTORY_AUDIT_INTERVAL * 2 + 1)  # the next one
    assert registry.async_get_issue(DOMAIN, issue_id) is None
