"""The fidelity matrix: every firmware quirk alone, through Home Assistant.

For each quirk the simulator can play, a camera showing only that quirk is set up, raises
one motion alarm and must give what a user sees on a well-behaved camera: the motion sensor
reads off, then on; the alarm event fires as motion; the image entity shows the alarm's own
jpg picture; the camera entity returns a whole still. A variant that regresses fails here.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.camera import async_get_image
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.client import AlarmSubscription
from custom_components.dvrip.client.still import jpeg_length
from simulator import CameraSimulator
from simulator.quirks import Quirk

from .common import async_wait_for_state, entity_id, picture_shown

# Slower than a request may take (1 s under fast_timing), quicker than a search may (2 s).
SEARCH_DELAY = 1.5
# Quicker than a request may take: a stuck still is answered (Ret 108), not timed out.
SNAP_STUCK_DELAY = 0.3
SUBSCRIPTION = {
    Quirk.GUARD_SILENT: AlarmSubscription.UNANSWERED,
    Quirk.GUARD_EMPTY: AlarmSubscription.EMPTY_REPLY,
    Quirk.GUARD_REFUSED: AlarmSubscription.REFUSED,
}


@pytest.fixture(params=list(Quirk), ids=str)
def quirk(request: pytest.FixtureRequest) -> Quirk:
    return Quirk(request.param)


@pytest.fixture
def camera_settings(quirk: Quirk) -> dict[str, Any]:
    return {
        "quirks": (quirk.value,),
        "search_delay": SEARCH_DELAY,
        "snap_stuck_delay": SNAP_STUCK_DELAY,
        # connection-limit: the integration keeps to two connections, so two are enough.
        "max_connections": 2,
    }


@pytest.mark.usefixtures("fast_pictures")
async def test_setup_alarm_and_picture(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator, quirk: Quirk
) -> None:
    unique_id = loaded_entry.unique_id
    coordinator = loaded_entry.runtime_data.coordinator
    motion = entity_id(hass, "binary_sensor", f"{unique_id}_0_motion")
    alarm = entity_id(hass, "event", f"{unique_id}_0_alarm")
    image = entity_id(hass, "image", f"{unique_id}_0_last_alarm_picture")
    assert hass.states.get(motion).state == STATE_OFF
    expected = SUBSCRIPTION.get(quirk, AlarmSubscription.CONFIRMED)
    assert coordinator.as_dict()["alarm_subscription"].startswith(str(expected))
    # A recorder's empty channels get no entities.
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("binary_sensor", "dvrip", f"{unique_id}_1_motion") is None

    record = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
    assert record.pushed_to == 1
    await async_wait_for_state(hass, motion, STATE_ON)
    fired = await async_wait_for_state(hass, alarm, lambda state: _fired(state))
    assert fired is not None
    assert fired.attributes["event_type"] == "motion"

    # The live still shows at once; the alarm's own jpg entry then replaces it: no variant
    # may push the picture off to a fallback.
    picture = await async_wait_for_state(hass, image, picture_shown(record.time, "direct"))
    assert picture is not None
    assert record.picture is not None
    assert picture.attributes["source_file"] == record.picture.file_name

    still = await async_get_image(hass, entity_id(hass, "camera", f"{unique_id}_0_snapshot"))
    assert jpeg_length(still.content) == len(still.content)
    if quirk is Quirk.SNAP_LARGE:
        assert len(still.content) > 1024 * 1024
    # A stuck still (Ret 108) takes the channel's stills from its stream for a while; one that
    # needs a second login where only one is allowed is a refusal: stills are skipped for a
    # while, and the alarm's picture stands in.
    refused = quirk is Quirk.LOGIN_207
    assert coordinator.stills.refused_channels() == ([1] if refused else [])
    assert coordinator.stills.stream_channels() == ([1] if quirk is Quirk.SNAP_STUCK else [])
    assert coordinator.stats.disconnects == 0
    assert camera.stats.connections_refused == 0

    if quirk is Quirk.CLOCK_EPOCH:
        # A power cut: the camera comes back in 2000. Its next alarm fires once, with its
        # own picture, and nothing of before fires again.
        await camera.inject_fault("reboot", 0.2)
        assert camera.now().year == 2000
        await camera.wait_for_subscribers(1, timeout=10)
        after = await camera.raise_alarm(channel=0, event="VideoMotion", status="Start")
        assert after.pushed_to == 1
        await async_wait_for_state(hass, image, picture_shown(after.time, "direct"))
        assert coordinator.stats.alarms == 2


def _fired(state: State | None) -> bool:
    return state is not None and state.state not in ("unknown", "unavailable")
