"""A camera whose clock is wrong: a repair offers to keep it right, and the option does."""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dvrip.clock import CameraClock
from custom_components.dvrip.const import CONF_KEEP_CLOCK, DOMAIN
from simulator import CameraSimulator

# Not Home Assistant's zone in the tests (US/Pacific).
ZONE = "Asia/Shanghai"
RIGHT = timedelta(seconds=2)


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"clock_wrong_{entry.entry_id}")


@pytest.mark.parametrize(
    "camera_settings", [{"timezone": ZONE, "clock_offset": timedelta(minutes=10)}]
)
async def test_fixing_the_repair_sets_the_clock_and_keeps_it(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """Ten minutes off: the repair sets the clock to the right time of the camera's zone."""
    issue = _issue(hass, loaded_entry)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == loaded_entry.title
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    assert response.status == HTTPStatus.OK
    flow: dict[str, Any] = await response.json()
    assert flow["step_id"] == "confirm"
    assert (
        flow["description_placeholders"]["camera_time"]
        > flow["description_placeholders"]["right_time"]
    )
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert response.status == HTTPStatus.OK
    assert (await response.json())["type"] == "create_entry"
    assert abs(camera.clock_offset) <= RIGHT
    assert loaded_entry.options[CONF_KEEP_CLOCK] is True
    await hass.async_block_till_done()
    assert _issue(hass, loaded_entry) is None


@pytest.mark.parametrize(
    "camera_settings", [{"timezone": ZONE, "clock_offset": timedelta(seconds=40)}]
)
async def test_no_repair_within_a_minute(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    assert _issue(hass, loaded_entry) is None
    assert camera.clock_offset == timedelta(seconds=40)  # left alone without the option


@pytest.mark.parametrize(
    "camera_settings", [{"timezone": ZONE, "clock_epoch": datetime(2000, 1, 1)}]
)
@pytest.mark.parametrize("entry_options", [{CONF_KEEP_CLOCK: True}])
async def test_the_option_sets_the_clock_after_a_power_cut(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """The camera comes back at 2000: at the reconnect its clock is set right again."""
    await camera.inject_fault("reboot", 0.2)
    assert camera.now().year == 2000
    await camera.wait_for(lambda: abs(camera.clock_offset) <= RIGHT, timeout=10)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _issue(hass, loaded_entry) is None


@pytest.mark.parametrize(
    ("offset", "zone"),
    [
        (timedelta(minutes=10), timedelta(0)),  # ten minutes fast in UTC
        (timedelta(hours=5, minutes=30), timedelta(hours=5, minutes=30)),  # India
        (timedelta(hours=5, minutes=47), timedelta(hours=5, minutes=45)),  # Nepal
        (timedelta(hours=8, minutes=-12), timedelta(hours=8)),
        # Within half an hour of Home Assistant's zone (US/Pacific in winter): that zone.
        (timedelta(hours=-8, minutes=25), timedelta(hours=-8)),
    ],
)
async def test_the_camera_zone_is_inferred_from_its_clock(
    hass: HomeAssistant, offset: timedelta, zone: timedelta
) -> None:
    clock = CameraClock()
    clock._learned(offset)
    assert clock.zone_offset() == zone


async def test_a_clock_at_its_epoch_keeps_the_zone_inferred_before(hass: HomeAssistant) -> None:
    clock = CameraClock()
    epoch = datetime(2000, 1, 1) - dt_util.utcnow().replace(tzinfo=None)
    clock._learned(epoch)
    assert clock.zone_offset() is None  # Home Assistant's zone is taken
    now = dt_util.utcnow()
    assert clock.right_time(now) == dt_util.as_local(now).replace(tzinfo=None)
    clock._learned(timedelta(hours=8))
    clock._learned(epoch)
    assert clock.zone_offset() == timedelta(hours=8)
    assert clock.right_time(now) == now.replace(tzinfo=None) + timedelta(hours=8)
