"""Field variants end to end: what real firmware does, through Home Assistant.

Each test plays one behaviour from the protocol notes (section 11) on the simulator and
checks what a user sees: entities, events, pictures, exports and the config flow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.client import DvripClient
from custom_components.dvrip.const import DOMAIN
from simulator import CameraSimulator
from simulator.media import PictureKind
from simulator.quirks import Quirk

from .common import (
    CAMERA_PASSWORD,
    AlarmEventLog,
    async_wait_for_state,
    camera_config,
    entity_id,
    entry_data,
    export_last_alarms,
    picture_shown,
)

pytestmark = pytest.mark.usefixtures("fast_timing")


def _quirks(*quirks: Quirk, **settings: Any) -> dict[str, Any]:
    return {"quirks": tuple(quirk.value for quirk in quirks), **settings}


# -- alarm names ---------------------------------------------------------------------------

# Every name the protocol notes list, and the kind a user sees it as.
EVENT_NAMES = [
    ("VideoMotion", "motion"),
    ("MotionDetect", "motion"),
    ("HumanDetect", "person"),
    ("appEventHumanDetectAlarm", "person"),
    ("FaceDetect", "face"),
    ("FaceDetection", "face"),
    ("FaceDetectV2", "face"),
    ("CarShapeDetect", "vehicle"),
    ("VideoBlind", "tamper"),
    ("BlindDetect", "tamper"),
    ("HideAlarm", "tamper"),
    ("VideoLoss", "video_loss"),
    ("LossDetect", "video_loss"),
    ("VideoLost", "video_loss"),
    ("LocalIO", "alarm_input"),
    ("LocalAlarm", "alarm_input"),
    ("AlarmLocal", "alarm_input"),
    ("NetAlarm", "alarm_input"),
    ("ManualAlarm", "alarm_input"),
    ("IPCAlarm", "alarm_input"),
    ("CrossLineDetection", "line_crossing"),
    ("PEAAlarm", "line_crossing"),
    ("FallDown", "fall"),
    ("HumanFallDown", "fall"),
    ("StorageNotExist", "storage"),
    ("StorrageLowSpace", "storage"),
    ("StorageFailureRead", "storage"),
    ("NetAbort", "other"),
    ("SomethingNew", "other"),
]


async def test_every_event_name_reaches_its_kind(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Each name fires the alarm event once, as its kind; unknown ones as "other"."""
    alarm = entity_id(hass, "event", f"{loaded_entry.unique_id}_0_alarm")
    log = AlarmEventLog(hass, alarm)
    try:
        for count, (name, _kind) in enumerate(EVENT_NAMES, start=1):
            # Each alarm a second apart: the event entity's state is the time it fired.
            await camera.raise_alarm(
                channel=0,
                event=name,
                status="Start",
                time=camera.now() - timedelta(seconds=len(EVENT_NAMES) - count),
            )
            await log.wait_for_count(count)
        seen = [(attrs["event"], attrs["event_type"]) for attrs in log.attributes]
    finally:
        log.close()
    assert seen == EVENT_NAMES


@pytest.mark.parametrize("camera_settings", [_quirks(Quirk.MOTIONDETECT)])
async def test_motiondetect_turns_the_motion_sensor_on(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    assert record.event == "MotionDetect"
    await async_wait_for_state(hass, motion, "on")
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Stop")
    await async_wait_for_state(hass, motion, "off")


# -- AlarmSet ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("camera_settings", "subscription"),
    [
        (_quirks(Quirk.GUARD_SILENT), "unanswered"),
        (_quirks(Quirk.GUARD_EMPTY), "empty_reply"),
        (_quirks(Quirk.GUARD_REFUSED), "refused (Ret 102)"),
    ],
)
async def test_unconfirmed_subscription_still_takes_alarms(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    subscription: str,
) -> None:
    """The camera is connected, its sensors read off, pushes arrive; diagnostics say why."""
    unique_id = loaded_entry.unique_id
    coordinator = loaded_entry.runtime_data.coordinator
    connectivity = entity_id(hass, "binary_sensor", f"{unique_id}_connectivity")
    motion = entity_id(hass, "binary_sensor", f"{unique_id}_0_motion")
    assert hass.states.get(connectivity).state == "on"
    assert hass.states.get(motion).state == "off"
    assert coordinator.as_dict()["alarm_subscription"] == subscription
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, "on")
    # A reconnect subscribes the same way again and keeps the session.
    await camera.inject_fault("disconnect", 0.05)
    await async_wait_for_state(hass, connectivity, "off")
    await async_wait_for_state(hass, connectivity, "on")
    assert coordinator.as_dict()["alarm_subscription"] == subscription


# -- logins --------------------------------------------------------------------------------


async def _user_flow(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input=data)


@pytest.mark.parametrize(
    ("quirks", "user", "password", "error"),
    [
        ((Quirk.LOGIN_204,), "nobody", CAMERA_PASSWORD, "invalid_auth"),
        ((Quirk.LOGIN_205,), "nobody", CAMERA_PASSWORD, "invalid_auth"),
        ((Quirk.LOGIN_205,), "admin", "wrong", "invalid_auth"),
        ((), "nobody", CAMERA_PASSWORD, "invalid_auth"),
    ],
)
async def test_config_flow_login_refusals(
    hass: HomeAssistant,
    socket_enabled: None,
    quirks: tuple[Quirk, ...],
    user: str,
    password: str,
    error: str,
) -> None:
    async with CameraSimulator(camera_config(**_quirks(*quirks))) as camera:
        data = {**entry_data(camera, password), "username": user}
        result = await _user_flow(hass, data)
        assert result["errors"] == {"base": error}
        assert camera.stats.sessions == 0


async def test_config_flow_tells_a_lock_from_an_unknown_user(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Ret 205 from firmware that answers an unknown user otherwise: a lock, to wait out."""
    async with CameraSimulator(camera_config(max_login_failures=2, lockout_seconds=600)) as camera:
        for _ in range(2):
            camera.check_login("admin", "wrong", plain=True)
        result = await _user_flow(hass, entry_data(camera))
        assert result["errors"] == {"base": "account_locked"}


@pytest.mark.parametrize("camera_settings", [_quirks(Quirk.LOGIN_207)])
async def test_config_flow_login_refused_while_logged_in_elsewhere(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    async with DvripClient(camera.host, camera.port, "admin", CAMERA_PASSWORD):
        result = await _user_flow(hass, entry_data(camera))
    assert result["errors"] == {"base": "login_refused"}


@pytest.mark.parametrize(
    ("camera_settings", "change"),
    [
        (_quirks(Quirk.LOGIN_205), "password"),
        (_quirks(Quirk.LOGIN_204), "user"),
    ],
)
async def test_runtime_refusal_asks_for_the_login_again(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, change: str
) -> None:
    """204 and 205-as-unknown-user at a reconnect start reauth instead of retrying."""
    if change == "password":
        camera.set_password("admin", "changed")
    else:
        camera.remove_user("admin")
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    await camera.inject_fault("disconnect", 0.05)
    await async_wait_for_state(hass, connectivity, "off")
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert not loaded_entry.runtime_data.coordinator.as_dict()["account_locked"]


# -- history -------------------------------------------------------------------------------


def _pictures(camera: CameraSimulator, begin: datetime, count: int, step: int = 1) -> None:
    """`count` picture entries from `begin`, `step` seconds apart (placeholders: cheap)."""
    for index in range(count):
        camera.add_history(
            begin + timedelta(seconds=index * step),
            video=False,
            picture_kind=PictureKind.PLACEHOLDER,
        )


async def _export_counts(
    hass: HomeAssistant, entry: MockConfigEntry, begin: datetime, end: datetime
) -> dict[str, Any]:
    return await export_last_alarms(hass, entry, limit=1, begin=str(begin), end=str(end))


@pytest.mark.parametrize(
    "camera_settings", [_quirks(Quirk.SEARCH_CAP_511), _quirks(Quirk.SEARCH_RET_110)]
)
async def test_export_walks_long_searches(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """600 pictures in an hour: capped searches and 110/111 pages lose none of them."""
    begin = camera.now().replace(microsecond=0) - timedelta(hours=2)
    _pictures(camera, begin, 600, step=5)
    response = await _export_counts(hass, loaded_entry, begin, begin + timedelta(hours=1))
    assert response["query"]["jpg_entries"] == 600


async def test_export_walks_full_pages_inside_one_second(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """70 pictures in one second, then 10 more: no loop, and every later one is found.

    Searches page by BeginTime only: a device shows 64 entries of one second at most.
    """
    begin = camera.now().replace(microsecond=0) - timedelta(hours=1)
    _pictures(camera, begin, 70, step=0)
    _pictures(camera, begin + timedelta(seconds=1), 10)
    response = await _export_counts(hass, loaded_entry, begin, begin + timedelta(minutes=1))
    assert response["query"]["jpg_entries"] == 64 + 10


@pytest.mark.parametrize("camera_settings", [_quirks(Quirk.ODD_TIMES)])
@pytest.mark.usefixtures("fast_pictures")
async def test_odd_times_keep_their_entries(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Pictures without an end time, and a recording ending at "24:00:00", are found."""
    midnight = camera.now().replace(hour=0, minute=0, second=0, microsecond=0)
    clip, _picture = camera.add_history(
        midnight - timedelta(seconds=2), seconds=2, picture_kind=PictureKind.PLACEHOLDER
    )
    assert clip.to_json(odd_times=True)["EndTime"].endswith("24:00:00")
    response = await export_last_alarms(
        hass,
        loaded_entry,
        limit=1,
        begin=str(midnight - timedelta(minutes=1)),
        end=str(midnight + timedelta(minutes=1)),
    )
    assert response["query"]["jpg_entries"] == 1
    (alarm,) = response["alarms"]
    assert alarm["method"] == "motion_clip"
    assert alarm["source_file"] == clip.file_name


@pytest.mark.parametrize("camera_settings", [_quirks(Quirk.SLOW_SEARCH, search_delay=1.5)])
@pytest.mark.usefixtures("fast_pictures")
async def test_slow_search_keeps_the_alarm_session(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Searches slower than any other request may be: no drop, alarms keep arriving."""
    coordinator = loaded_entry.runtime_data.coordinator
    motion = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_0_motion")
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, "on")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")

    await async_wait_for_state(hass, image, picture_shown(record.time, "direct"))
    await camera.raise_alarm(channel=0, event="VideoMotion", status="Stop")
    await async_wait_for_state(hass, motion, "off")
    assert coordinator.stats.disconnects == 0
    assert camera.stats.queries >= 1


# -- recorders -----------------------------------------------------------------------------


@pytest.mark.parametrize("camera_settings", [_quirks(Quirk.UNUSED_CHANNELS, profile="nvr")])
async def test_recorder_gets_entities_for_channels_with_a_camera(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """32 channels, 2 cameras: 2 channels' entities and searches; a third after a reload."""
    registry = er.async_get(hass)
    unique_id = loaded_entry.unique_id
    assert camera.channels == 32

    def motion_sensors() -> list[str]:
        return sorted(
            entry.unique_id
            for entry in er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
            if entry.unique_id.endswith("_motion")
        )

    assert motion_sensors() == [f"{unique_id}_0_motion", f"{unique_id}_1_motion"]
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.as_dict()["channels_with_camera"] == [1, 2]

    camera.connect_camera(2)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert motion_sensors() == [f"{unique_id}_{channel}_motion" for channel in range(3)]
    motion = entity_id(hass, "binary_sensor", f"{unique_id}_2_motion")
    await camera.raise_alarm(channel=2, event="VideoMotion", status="Start")
    await async_wait_for_state(hass, motion, "on")


# -- recordings with filler blocks ----------------------------------------------------------


@pytest.mark.parametrize(
    "camera_settings",
    [_quirks(Quirk.FILLER_BLOCKS, profile_overrides={"picture_kinds": (PictureKind.PLACEHOLDER,)})],
)
@pytest.mark.usefixtures("fast_pictures")
async def test_picture_from_a_clip_with_filler_blocks(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    image = entity_id(hass, "image", f"{loaded_entry.unique_id}_0_last_alarm_picture")

    state = await async_wait_for_state(hass, image, picture_shown(record.time, "motion_clip"))
    assert state is not None
    assert record.clip is not None
    assert (await record.clip.motion_clip()).service_blocks > 0
