"""Faults of the camera and its link, seen from Home Assistant: what the user gets in each.

Each test injects one fault into the simulated camera and asserts the behaviour a user sees:
entities unavailable and back, alarm events fired once, repair issues, files on disk. The
alarms carry explicit times seconds apart (the camera's history has whole seconds, and traces
closer than two seconds on one channel are one alarm). docs/reliability.md lists which test
covers which fault.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
import errno
import io
from pathlib import Path
import tempfile
import tracemalloc
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.dvrip import session as dvrip_session
from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from custom_components.dvrip.models import CheckTrigger
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import (
    AlarmEventLog,
    async_wait_for_state,
    entity_id,
    export_last_alarms,
)

pytestmark = pytest.mark.usefixtures("fast_history")

FILE_QUERY = 1440
KEEPALIVE_REPLY = 1007
ALARM_PUSH = 1504
JPEG_ONLY = {"profile_overrides": {"picture_kinds": (PictureKind.JPEG,)}}
# Faults on firmware variants too: a camera that never answers AlarmSet and names motion
# its own way; the measured recorder (empty channels, slow searches, filler blocks); odd
# session ids, search codes and times.
QUIRK_PROFILES = [
    {},
    {"profile": "icsee"},
    {"profile": "nbd8008r", "search_delay": 1.5},
    {"quirks": ("bare-session-id", "search-ret-110", "odd-times")},
]
QUIRK_PROFILE_IDS = ["ipc", "icsee", "nbd8008r", "odd-ipc"]


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Alarm pictures off, unless a test is about them: no downloads in the background."""
    return {CONF_PICTURE_MODE: "off"}


@pytest.fixture
async def events(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> AsyncIterator[AlarmEventLog]:
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm"))
    yield log
    log.close()


def _sensor(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return entity_id(hass, "binary_sensor", f"{entry.unique_id}_{key}")


@pytest.fixture
def temporary_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder downloads are spooled in, to see what is left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# -- reboot, reset, half-open link -------------------------------------------------------


@pytest.mark.parametrize("camera_settings", QUIRK_PROFILES, ids=QUIRK_PROFILE_IDS)
@pytest.mark.parametrize("fault", ["reboot", "disconnect"])
async def test_alarm_during_an_outage_arrives_once(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
    fault: str,
) -> None:
    """Reboot during an alarm, or a reset link: the alarm missed meanwhile comes, once."""
    motion = _sensor(hass, loaded_entry, "0_motion")
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    now = camera.now()
    await camera.raise_alarm(time=now - timedelta(seconds=30))
    await async_wait_for_state(hass, motion, STATE_ON)
    await events.wait_for_count(1)

    await camera.inject_fault(fault, 0.3)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    assert hass.states.get(motion).state == STATE_UNAVAILABLE
    missed = await camera.raise_alarm(time=now - timedelta(seconds=10))
    assert missed.pushed_to == 0
    await async_wait_for_state(hass, connectivity, STATE_ON)

    [pushed, backfilled] = await events.wait_for_count(2)
    assert pushed.attributes["backfilled"] is False
    assert backfilled.attributes["backfilled"] is True
    assert backfilled.attributes["camera_time"] == missed.time.isoformat()
    # The Stop of the first alarm was lost; the missed one is over: the sensor is off.
    assert hass.states.get(motion).state == STATE_OFF
    # Later checks find nothing more.
    coordinator = loaded_entry.runtime_data.coordinator
    assert await coordinator.history.async_check(CheckTrigger.AUDIT) == []
    assert len(events.states) == 2
    assert coordinator.stats.reconnects == 1


@pytest.mark.parametrize("camera_settings", [{"alive_interval": 20}])
async def test_half_open_link_is_noticed_within_two_keepalives(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A camera that goes silent (half-open TCP) is given up after one unanswered keepalive."""
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    requests_when_noticed: list[int] = []

    @callback
    def _noticed(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is not None and new_state.state == STATE_OFF:
            requests_when_noticed.append(camera.stats.requests)

    unsubscribe = async_track_state_change_event(hass, [connectivity], _noticed)
    try:
        await camera.inject_fault("silence", 30)
        requests = camera.stats.requests
        await async_wait_for_state(hass, connectivity, STATE_OFF)
    finally:
        unsubscribe()
    # Nothing but keepalives went out (every 0.2 s here), and the first unanswered one
    # (perhaps one already on its way when the link died) gave the link up.
    assert 1 <= requests_when_noticed[0] - requests <= 2
    assert "no reply to message 1006" in loaded_entry.runtime_data.coordinator.stats.last_error
    await camera.clear_fault()
    await async_wait_for_state(hass, connectivity, STATE_ON)


# -- slow and late replies ---------------------------------------------------------------


@pytest.mark.usefixtures("fast_timing")
async def test_slow_replies_are_waited_for(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Answers that take a third of the timeout keep the camera connected and working.

    The camera answers one request after the other, so an answer may also wait for the one
    before it: 0.6 s at most here, against a 1 s timeout.
    """
    monkeypatch.setattr(dvrip_session, "KEEPALIVE_INTERVAL", 1.5)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data.coordinator
    connectivity = _sensor(hass, config_entry, "connectivity")
    log = AlarmEventLog(hass, entity_id(hass, "event", f"{config_entry.unique_id}_0_alarm"))
    try:
        camera.delay_replies(0.3)
        keepalives = camera.stats.keepalives
        now = camera.now()
        camera.add_history(now - timedelta(seconds=20), picture_kind=PictureKind.JPEG)
        # A history check (two slow file queries) finds the alarm...
        found = await coordinator.history.async_check(CheckTrigger.AUDIT)
        assert len(found) == 1
        # ...while keepalives, answered as slowly, keep the link.
        await camera.wait_for(lambda: camera.stats.keepalives >= keepalives + 1)
        # Pushes are not held back.
        await camera.raise_alarm(time=now - timedelta(seconds=5))
        await log.wait_for_count(2)
    finally:
        log.close()
    assert hass.states.get(connectivity).state == STATE_ON
    assert coordinator.stats.disconnects == 0
    assert await hass.config_entries.async_unload(config_entry.entry_id)


@pytest.mark.parametrize("camera_settings", [JPEG_ONLY])
async def test_late_reply_is_never_taken_for_the_next_request(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A file query answered after its timeout keeps the link and is never taken for the
    next one.

    The camera answers in order: the late listing (of the first window) comes before the
    answer to anything asked after it. The next query of the same kind waits for a keepalive
    round trip first, so the late listing is dropped, and the second export's query gets its
    own answer.
    """
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    now = camera.now().replace(microsecond=0)
    first, second = now - timedelta(minutes=50), now - timedelta(minutes=10)
    for moment in (first, second):
        camera.add_history(moment, picture_kind=PictureKind.JPEG)
    window = timedelta(minutes=1)
    # SEARCH_TIMEOUT is 2 s here; the answer comes a second after it.
    camera.delay_replies(3.0, message_id=FILE_QUERY, count=1)
    with pytest.raises(HomeAssistantError) as raised:
        await export_last_alarms(
            hass, loaded_entry, begin=str(first - window), end=str(first + window)
        )
    assert raised.value.translation_key == "export_failed"

    response = await export_last_alarms(
        hass, loaded_entry, begin=str(second - window), end=str(second + window)
    )
    assert [alarm["time"] for alarm in response["alarms"]] == [second.isoformat()]
    assert response["query"]["jpg_entries"] == 1
    assert hass.states.get(connectivity).state == STATE_ON
    assert loaded_entry.runtime_data.coordinator.stats.disconnects == 0


# -- what the camera sends: garbage lengths, JSON, sessions, logouts ---------------------


async def test_four_gigabyte_length_allocates_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A header announcing 4 GiB is skipped like noise: no allocation, no lost connection."""
    motion = _sensor(hass, loaded_entry, "0_motion")
    coordinator = loaded_entry.runtime_data.coordinator
    tracemalloc.start()
    try:
        await camera.inject_fault("huge_length")
        await camera.raise_alarm()
        await async_wait_for_state(hass, motion, STATE_ON)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Everything allocated meanwhile, Home Assistant's share included, is far below the
    # 1 MiB cap of a JSON payload, let alone 4 GiB.
    assert peak < 1024 * 1024
    connection = coordinator.client._connection
    assert connection is not None
    assert connection._decoder.buffered < 1024
    assert connection._decoder.skipped_bytes >= 20
    assert coordinator.stats.disconnects == 0


@pytest.mark.parametrize("camera_settings", QUIRK_PROFILES, ids=QUIRK_PROFILE_IDS)
async def test_invalid_json_costs_no_alarm(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A garbled push is dropped (and backfilled later); a garbled keepalive answer is an answer."""
    coordinator = loaded_entry.runtime_data.coordinator
    now = camera.now()
    camera.corrupt_json(ALARM_PUSH)
    garbled = await camera.raise_alarm(time=now - timedelta(seconds=20))
    assert garbled.pushed_to == 1
    camera.corrupt_json(KEEPALIVE_REPLY)
    keepalives = camera.stats.keepalives
    await camera.wait_for(lambda: camera.stats.keepalives >= keepalives + 3)
    assert "Ignored an unreadable alarm push" in caplog.text
    assert events.states == []

    await camera.raise_alarm(time=now - timedelta(seconds=10))
    await events.wait_for_count(1)
    [found] = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.alarm.start_time == garbled.time
    [pushed, backfilled] = await events.wait_for_count(2)
    assert (pushed.attributes["source"], backfilled.attributes["source"]) == ("push", "history")
    assert coordinator.stats.disconnects == 0


@pytest.mark.parametrize("camera_settings", QUIRK_PROFILES, ids=QUIRK_PROFILE_IDS)
async def test_push_with_another_session_id_is_not_taken(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
) -> None:
    """A push naming another login session is dropped; the alarm comes once, from history."""
    coordinator = loaded_entry.runtime_data.coordinator
    now = camera.now()
    await camera.inject_fault("wrong_session")
    foreign = await camera.raise_alarm(time=now - timedelta(seconds=20))
    assert foreign.pushed_to == 1
    await camera.raise_alarm(time=now - timedelta(seconds=10))
    await events.wait_for_count(1)
    assert coordinator.client.foreign_pushes == 1
    await coordinator.history.async_check(CheckTrigger.AUDIT)
    [pushed, backfilled] = await events.wait_for_count(2)
    assert backfilled.attributes["camera_time"] == foreign.time.isoformat()
    assert pushed.attributes["backfilled"] is False
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["coordinator"]["foreign_pushes"] == 1
    assert coordinator.stats.disconnects == 0


async def test_forced_logout_reconnects(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera ends the login (1004): unavailable, then logged in and subscribed again."""
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    motion = _sensor(hass, loaded_entry, "0_motion")
    coordinator = loaded_entry.runtime_data.coordinator
    await camera.inject_fault("logout")
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    assert "forced logout" in (coordinator.stats.last_error or "")
    await async_wait_for_state(hass, connectivity, STATE_ON)
    await camera.wait_for_subscribers(1)
    await camera.raise_alarm()
    await async_wait_for_state(hass, motion, STATE_ON)
    assert camera.stats.logins == 2


# -- a locked account --------------------------------------------------------------------


def _lock(camera: CameraSimulator) -> None:
    """Lock the account the way the camera does: too many wrong logins."""
    for _ in range(camera.config.max_login_failures):
        camera.check_login("admin", "wrong", plain=True)


@pytest.mark.parametrize("camera_settings", [{"lockout_seconds": 1.5}])
async def test_locked_account_is_not_hammered(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ret 205: a repair issue, and a login attempt only every LOCKED_RETRY_DELAY."""
    monkeypatch.setattr(dvrip_session, "LOCKED_RETRY_DELAY", 0.5)
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    issue_id = f"account_locked_{loaded_entry.entry_id}"
    registry = ir.async_get(hass)
    _lock(camera)
    failures = camera.stats.login_failures
    await camera.inject_fault("disconnect", 0.05)
    await camera.wait_for(lambda: registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["host"] == "127.0.0.1"
    # The lock runs out and the next attempt gets in.
    await async_wait_for_state(hass, connectivity, STATE_ON)
    # Reconnect delays here are 0.05 s to 0.2 s: hammering would have made 8 attempts or
    # more in 1.5 s; one every 0.5 s makes at most 4.
    assert 1 <= camera.stats.login_failures - failures <= 4
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.usefixtures("fast_timing")
async def test_setup_while_locked(
    hass: HomeAssistant, config_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Locked at setup: retried later by Home Assistant, with the repair issue meanwhile."""
    _lock(camera)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"account_locked_{config_entry.entry_id}")
    # The setup's login, and once the client's question what Ret 205 means (unknown user).
    assert camera.stats.login_failures == camera.config.max_login_failures + 2


@pytest.mark.usefixtures("fast_timing")
@pytest.mark.parametrize("camera_settings", [{"lockout_seconds": 3600}])
async def test_setup_retries_while_locked_keep_the_lock_pace(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    camera: CameraSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Home Assistant's own setup retries (80 s apart at most) log in no faster than the
    session's lock pace, and the device is asked what Ret 205 means only once.
    """
    _lock(camera)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    failures = camera.stats.login_failures
    issue_id = f"account_locked_{config_entry.entry_id}"

    async def retry_after(seconds: float) -> None:
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    for _ in range(3):  # 240 s: Home Assistant retries, the camera sees no login
        await retry_after(80)
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
        assert camera.stats.login_failures == failures
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    await retry_after(80)  # past LOCKED_RETRY_DELAY: one login, and no second question
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert camera.stats.login_failures == failures + 1


# -- downloads: cut mid-file, disk full, Home Assistant stopping -------------------------


@pytest.mark.usefixtures("fast_pictures")
@pytest.mark.parametrize("entry_options", [{CONF_PICTURE_MODE: "recording"}])
@pytest.mark.parametrize("camera_settings", [JPEG_ONLY])
async def test_download_cut_mid_file_publishes_no_half_picture(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    temporary_dir: Path,
) -> None:
    """The jpg entry's download is cut: its half is dropped, the clip gives the picture."""
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")
    await camera.inject_fault("cut_download")
    record = await camera.raise_alarm()

    def shown(state: State | None) -> bool:
        return state is not None and state.attributes.get("camera_time") == record.time.isoformat()

    state = await async_wait_for_state(hass, image, shown)
    assert state is not None
    assert state.attributes["method"] == "motion_clip"
    pictures = loaded_entry.runtime_data.pictures
    assert pictures is not None
    picture = pictures.picture(0)
    assert picture is not None
    assert picture.jpeg.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(picture.jpeg)) as decoded:
        decoded.load()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert list(temporary_dir.iterdir()) == []
    kept = media_dir / "dvrip" / loaded_entry.entry_id / "alarm_pictures"
    assert not [path for path in kept.iterdir() if path.name.startswith(".")]
    assert loaded_entry.runtime_data.coordinator.stats.disconnects == 0


@pytest.mark.parametrize("camera_settings", [JPEG_ONLY])
async def test_export_with_a_cut_download_holds_no_half_picture(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    temporary_dir: Path,
) -> None:
    """Strictly from the jpg entry, whose download is cut: no picture, and nothing half-written."""
    moment = camera.now().replace(microsecond=0) - timedelta(minutes=5)
    camera.add_history(moment, picture_kind=PictureKind.JPEG)
    await camera.inject_fault("cut_download")
    response = await export_last_alarms(hass, loaded_entry, limit=1, prefer="jpg", strict=True)
    [alarm] = response["alarms"]
    assert alarm["method"] == "skipped"
    assert alarm["file"] is None
    assert "download failed" in alarm["reason"]
    assert [path.name for path in Path(response["folder"]).iterdir()] == ["report.json"]
    assert list(temporary_dir.iterdir()) == []


@pytest.mark.parametrize("camera_settings", [JPEG_ONLY])
async def test_disk_full_during_export_leaves_no_export(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The disk fills up after the first picture: a clear error, and no folder left behind.

    There is no small filesystem to fill here, so the export's file writes are made to fail
    with ENOSPC once the first picture is written.
    """
    now = camera.now().replace(microsecond=0)
    for minutes in (20, 10):
        camera.add_history(now - timedelta(minutes=minutes), picture_kind=PictureKind.JPEG)
    original = Path.write_bytes
    written: list[Path] = []

    def write_until_full(path: Path, data: Any) -> int:
        if path.parent.name.startswith(".last_alarms_") and written:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        return original(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_until_full)
    with pytest.raises(HomeAssistantError) as raised:
        await export_last_alarms(hass, loaded_entry, limit=2)
    assert raised.value.translation_key == "disk_full"
    assert "is full" in str(raised.value)
    assert len(written) == 1
    camera_dir = media_dir / "dvrip" / loaded_entry.entry_id
    assert list(camera_dir.iterdir()) == []


@pytest.mark.parametrize("camera_settings", [{"bandwidth": 20_000, **JPEG_ONLY}])
async def test_home_assistant_stopping_during_a_download(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    media_dir: Path,
) -> None:
    """Stopping while an export downloads: everything closed within a second, no export.

    Lingering tasks, timers and threads fail the test in the harness's own cleanup.
    """
    now = camera.now().replace(microsecond=0)
    for minutes in (20, 10):
        camera.add_history(now - timedelta(minutes=minutes), picture_kind=PictureKind.JPEG)
    export = asyncio.ensure_future(export_last_alarms(hass, loaded_entry, limit=2))
    await camera.wait_for(lambda: camera.stats.downloads >= 1)
    assert not export.done()
    async with asyncio.timeout(1):
        await hass.async_stop()
        with pytest.raises(HomeAssistantError):
            await export
        await camera.wait_for(lambda: camera.stats.open_connections == 0)
    assert camera.stats.sessions == 0
    assert camera.stats.downloads_completed == 0
    assert not (media_dir / "dvrip" / loaded_entry.entry_id).exists() or not list(
        (media_dir / "dvrip" / loaded_entry.entry_id).glob("last_alarms_*")
    )


# -- the camera's clock ------------------------------------------------------------------


@pytest.mark.parametrize(
    "camera_settings", [{"timezone": "America/New_York", "clock_offset": timedelta(hours=2)}]
)
async def test_camera_clock_off_and_in_another_zone(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    events: AlarmEventLog,
) -> None:
    """Two hours off, in New York's zone: pushed and backfilled alarms get the right time."""
    coordinator = loaded_entry.runtime_data.coordinator
    connectivity = _sensor(hass, loaded_entry, "connectivity")
    # What the camera's clock reads, less what Home Assistant's reads: the true offset.
    true_offset = camera.now() - dt_util.utcnow().replace(tzinfo=None)
    assert coordinator.clock.offset is not None
    assert abs(coordinator.clock.offset - true_offset) <= timedelta(seconds=2)
    assert abs(true_offset) >= timedelta(hours=1)

    now = camera.now()
    pushed = await camera.raise_alarm(time=now - timedelta(seconds=30))
    await camera.inject_fault("disconnect", 0.2)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    missed = await camera.raise_alarm(time=now - timedelta(seconds=10))
    await async_wait_for_state(hass, connectivity, STATE_ON)
    states = await events.wait_for_count(2)
    for state, record in zip(states, (pushed, missed), strict=True):
        # The camera's own time, as it wrote it...
        assert state.attributes["camera_time"] == record.time.isoformat()
        # ...and when that was on Home Assistant's clock.
        alarm_time = dt_util.parse_datetime(state.attributes["alarm_time"])
        assert alarm_time is not None
        expected = (record.time - true_offset).replace(tzinfo=dt_util.UTC)
        assert abs(alarm_time - expected) <= timedelta(seconds=2)
    received = dt_util.parse_datetime(states[1].attributes["received"])
    assert received is not None
    assert received - expected >= timedelta(seconds=8)
