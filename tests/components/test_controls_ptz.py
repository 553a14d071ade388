"""PTZ through Home Assistant: the buttons, the preset select and the `dvrip.ptz` action move
the simulated camera's head, and every move started here ends with its stop: after its
duration when nobody asks, at the reconnect when the link was down then, and when Home
Assistant stops or the entry unloads.

Moves here last a fraction of a second of real time, and the tests wait on the camera's own
record of what it was sent (`CameraSimulator.wait_for`). Home Assistant's clock is moved on
(`async_fire_time_changed`) only while the camera is unreachable: it fires every timer that
is due, the client's request timeouts too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_STOP, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.dvrip import button
from custom_components.dvrip.button import PTZ_BUTTONS
from custom_components.dvrip.const import CONF_PICTURE_MODE, DOMAIN
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from custom_components.dvrip.ptz import DEFAULT_SPEED
from simulator import CameraSimulator
from simulator.ptz import PtzPosition

from .common import async_wait_for_state, device_id, entity_id

pytestmark = pytest.mark.usefixtures("fast_timing")

# How long a press or an action's move lasts in these tests, in seconds of real time.
SHORT_MOVE = 0.3

# What each button's press starts on the head.
BUTTON_COMMANDS = {
    "ptz_up": "DirectionUp",
    "ptz_down": "DirectionDown",
    "ptz_left": "DirectionLeft",
    "ptz_right": "DirectionRight",
    "ptz_left_up": "DirectionLeftUp",
    "ptz_left_down": "DirectionLeftDown",
    "ptz_right_up": "DirectionRightUp",
    "ptz_right_down": "DirectionRightDown",
    "ptz_zoom_in": "ZoomTile",
    "ptz_zoom_out": "ZoomWide",
}


@pytest.fixture
def camera_settings() -> dict[str, Any]:
    return {"profile": "ptz"}


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {CONF_PICTURE_MODE: "off"}


@pytest.fixture(autouse=True)
def short_presses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(button, "BUTTON_MOVE_SECONDS", SHORT_MOVE)


def _button(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return entity_id(hass, "button", f"{entry.unique_id}_0_{key}")


def _preset_select(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return entity_id(hass, "select", f"{entry.unique_id}_0_ptz_preset")


async def _press(hass: HomeAssistant, entity: str) -> None:
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: entity}, blocking=True)


async def _ptz(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "ptz", data, blocking=True)


async def _time_passes(hass: HomeAssistant, seconds: float) -> None:
    """Move Home Assistant's clock on: the timers due by then fire."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


async def _stopped(camera: CameraSimulator, stops: int = 1) -> None:
    await camera.wait_for(lambda: camera.ptz.moving(0) is None and camera.ptz.stops >= stops)


def test_every_button_has_a_move_or_is_stop() -> None:
    assert {description.key for description in PTZ_BUTTONS} == {*BUTTON_COMMANDS, "ptz_stop"}


@pytest.mark.parametrize("key", sorted(BUTTON_COMMANDS))
async def test_each_button_moves_the_head_then_stops_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, key: str
) -> None:
    """A press starts the move and nothing more is asked: the stop comes by itself."""
    await _press(hass, _button(hass, loaded_entry, key))
    assert camera.ptz.moving(0) == BUTTON_COMMANDS[key]
    assert camera.ptz.requests[-1].step == DEFAULT_SPEED
    await _stopped(camera)
    [stop] = camera.ptz.stops_received(0)
    assert stop.command == BUTTON_COMMANDS[key]
    assert camera.ptz.stray_stops == 0
    # Once the camera's answer to the stop is in, no stop is owed.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert loaded_entry.runtime_data.ptz.owed == {}


async def test_the_stop_button_ends_any_move(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    await _ptz(hass, device_id=device_id(hass, loaded_entry), command="left", duration=60)
    assert camera.ptz.moving(0) == "DirectionLeft"
    await _press(hass, _button(hass, loaded_entry, "ptz_stop"))
    await _stopped(camera)
    # A move Home Assistant did not start (the vendor's app): its command is not known,
    # the stop button still ends it.
    camera.ptz.handle(
        {"Command": "DirectionRightDown", "Parameter": {"Channel": 0, "Preset": 65535, "Step": 2}}
    )
    await _press(hass, _button(hass, loaded_entry, "ptz_stop"))
    await _stopped(camera, stops=2)


async def test_the_action_moves_and_stops_by_itself(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """Targeting the camera entity; the caller never asks for the stop."""
    snapshot = entity_id(hass, "camera", f"{loaded_entry.unique_id}_0_snapshot")
    await _ptz(hass, entity_id=snapshot, command="zoom_in", speed=7, duration=SHORT_MOVE)
    assert camera.ptz.moving(0) == "ZoomTile"
    assert camera.ptz.requests[-1].step == 7
    await _stopped(camera)
    assert camera.ptz.position(0).zoom > 1.0


async def test_a_new_move_stops_the_one_under_way_first(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    target = device_id(hass, loaded_entry)
    await _ptz(hass, device_id=target, command="up", duration=30)
    await _ptz(hass, device_id=target, command="right", duration=SHORT_MOVE)
    assert camera.ptz.moving(0) == "DirectionRight"
    assert [stop.command for stop in camera.ptz.stops_received(0)] == ["DirectionUp"]
    await _stopped(camera, stops=2)
    assert camera.ptz.stray_stops == 0


async def test_presets_tours_and_the_preset_select(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    select = _preset_select(hass, loaded_entry)
    # The camera lists its presets (none yet): numbered ones are offered meanwhile.
    state = await async_wait_for_state(hass, select, lambda s: s is not None)
    assert state is not None
    assert state.attributes["options"] == [str(number) for number in range(1, 9)]
    camera.ptz.set_preset(0, 12, PtzPosition(pan=120.0, tilt=10.0))
    target = device_id(hass, loaded_entry)
    await _ptz(hass, device_id=target, command="preset_set", preset=3)
    assert 3 in camera.ptz.presets(0)
    # Read back after the change: the camera's own list.
    state = await async_wait_for_state(
        hass, select, lambda s: s is not None and s.attributes["options"] == ["3", "12"]
    )
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: select, "option": "12"}, blocking=True
    )
    assert camera.ptz.position(0) == PtzPosition(pan=120.0, tilt=10.0)
    await _ptz(hass, device_id=target, command="preset_goto", preset=3)
    assert camera.ptz.position(0) == PtzPosition()
    await _ptz(hass, device_id=target, command="preset_clear", preset=12)
    await async_wait_for_state(
        hass, select, lambda s: s is not None and s.attributes["options"] == ["3"]
    )
    await _ptz(hass, device_id=target, command="tour_start")
    assert camera.ptz.touring(0)
    await _ptz(hass, device_id=target, command="tour_stop")
    assert not camera.ptz.touring(0)
    with pytest.raises(ServiceValidationError) as missing:
        await _ptz(hass, device_id=target, command="preset_goto")
    assert missing.value.translation_key == "ptz_preset_required"
    with pytest.raises(ServiceValidationError) as area:
        await _ptz(hass, device_id=target, area_id="garden", command="up")
    assert area.value.translation_key == "ptz_target"
    with pytest.raises(ServiceValidationError) as foreign:
        await _ptz(hass, entity_id="camera.somebody_elses", command="up")
    assert foreign.value.translation_key == "not_a_camera_entity"
    assert camera.ptz.moving(0) is None


async def test_the_link_drops_mid_move_and_the_stop_comes_at_the_reconnect(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    await _ptz(hass, device_id=device_id(hass, loaded_entry), command="left", duration=2)
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    # The move's time runs out while the camera cannot be told: the head turns on.
    await _time_passes(hass, 3)
    guard = loaded_entry.runtime_data.ptz
    assert guard.overdue == {0}
    assert camera.ptz.moving(0) == "DirectionLeft"
    await camera.clear_fault()
    await async_wait_for_state(hass, connectivity, STATE_ON)
    await _stopped(camera)
    assert [stop.command for stop in camera.ptz.stops_received(0)] == ["DirectionLeft"]
    await hass.async_block_till_done(wait_background_tasks=True)
    assert guard.owed == {}
    assert guard.overdue == set()


async def test_a_stop_asked_while_the_link_is_down_comes_at_the_reconnect(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The action's stop, while the camera is unreachable (its buttons are unavailable)."""
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    target = device_id(hass, loaded_entry)
    await _ptz(hass, device_id=target, command="up", duration=60)
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    with pytest.raises(HomeAssistantError) as unavailable:
        await _ptz(hass, device_id=target, command="stop")
    assert unavailable.value.translation_key == "camera_unavailable"
    assert camera.ptz.moving(0) == "DirectionUp"
    await camera.clear_fault()
    await _stopped(camera)
    assert [stop.command for stop in camera.ptz.stops_received(0)] == ["DirectionUp"]


async def test_home_assistant_stopping_sends_the_stop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    await _press(hass, _button(hass, loaded_entry, "ptz_down"))
    assert camera.ptz.moving(0) == "DirectionDown"
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await _stopped(camera)
    # The stop went out before the logout.
    await camera.wait_for(lambda: camera.stats.sessions == 0)


async def test_unloading_the_entry_sends_the_stop(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    await _ptz(hass, device_id=device_id(hass, loaded_entry), command="right_up", duration=60)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert diagnostics["ptz"]["owed_stops"] == {1: "DirectionRightUp"}
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await _stopped(camera)


async def test_a_refused_command_is_a_clear_error_and_nothing_moves(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    camera.ptz.refuse_with = 107
    with pytest.raises(HomeAssistantError) as refused:
        await _press(hass, _button(hass, loaded_entry, "ptz_left"))
    assert refused.value.translation_key == "ptz_refused"
    assert "Ret 107" in str(refused.value)
    with pytest.raises(HomeAssistantError) as refused:
        await _ptz(hass, device_id=device_id(hass, loaded_entry), command="preset_goto", preset=1)
    assert refused.value.translation_key == "ptz_refused"
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            "select",
            "select_option",
            {ATTR_ENTITY_ID: _preset_select(hass, loaded_entry), "option": "2"},
            blocking=True,
        )
    assert refused.value.translation_key == "ptz_refused"
    assert camera.ptz.moving(0) is None
    assert camera.ptz.starts == 0
    # Nothing turns, so no stop is owed.
    assert loaded_entry.runtime_data.ptz.owed == {}


async def test_a_camera_unavailable_is_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    connectivity = entity_id(hass, "binary_sensor", f"{loaded_entry.unique_id}_connectivity")
    await camera.inject_fault("disconnect", 30)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    with pytest.raises(HomeAssistantError) as unavailable:
        await _ptz(hass, device_id=device_id(hass, loaded_entry), command="up")
    assert unavailable.value.translation_key == "camera_unavailable"
    assert camera.ptz.requests == []


async def test_entities_are_enabled_where_the_camera_reports_ptz(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    for key in (*BUTTON_COMMANDS, "ptz_stop"):
        registered = registry.async_get(_button(hass, loaded_entry, key))
        assert registered is not None
        assert registered.disabled_by is None
    registered = registry.async_get(_preset_select(hass, loaded_entry))
    assert registered is not None
    assert registered.disabled_by is None


@pytest.mark.parametrize(
    "camera_settings",
    [{"profile": "ipc"}, {"profile": "ptz", "profile_overrides": {"alarm_functions": None}}],
    ids=["no-ptz-reported", "abilities-refused"],
)
async def test_a_camera_that_reports_no_ptz_has_them_disabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Registered, disabled by the integration: the user may enable them (abilities lie)."""
    registry = er.async_get(hass)
    for unique_id in (
        *(f"{loaded_entry.unique_id}_0_{key}" for key in (*BUTTON_COMMANDS, "ptz_stop")),
    ):
        registered = registry.async_get(entity_id(hass, "button", unique_id))
        assert registered is not None
        assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    registered = registry.async_get(_preset_select(hass, loaded_entry))
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION


@pytest.mark.parametrize(
    "camera_settings", [{"profile": "nvr", "profile_overrides": {"ptz": True}}]
)
async def test_a_recorder_channel_is_targeted_through_its_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The second channel's camera entity moves the second channel's head; the recorder's
    own device is no PTZ target.
    """
    snapshot = entity_id(hass, "camera", f"{loaded_entry.unique_id}_1_snapshot")
    await _ptz(hass, entity_id=snapshot, command="down", duration=SHORT_MOVE)
    assert camera.ptz.moving(1) == "DirectionDown"
    assert camera.ptz.moving(0) is None
    await camera.wait_for(lambda: camera.ptz.moving(1) is None)
    with pytest.raises(ServiceValidationError) as recorder:
        await _ptz(hass, device_id=device_id(hass, loaded_entry), command="down")
    assert recorder.value.translation_key == "ptz_pick_channel"


@pytest.mark.parametrize(
    "camera_settings", [{"profile": "ptz", "profile_overrides": {"other_functions": frozenset()}}]
)
async def test_a_head_the_abilities_deny_works_once_enabled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera pans but reports no PTZ: the user enables the button, and it works."""
    registry = er.async_get(hass)
    left = _button(hass, loaded_entry, "ptz_left")
    assert registry.async_get(left).disabled_by is er.RegistryEntryDisabler.INTEGRATION  # type: ignore[union-attr]
    registry.async_update_entity(left, disabled_by=None)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await _press(hass, left)
    assert camera.ptz.moving(0) == "DirectionLeft"
    await _stopped(camera)
