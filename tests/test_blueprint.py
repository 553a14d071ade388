"""The blueprint in blueprints/automation/dvrip/: an automation made from it notifies with the
alarm's picture once the event entity carries `picture_url`."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import pytest

BLUEPRINT = (
    Path(__file__).resolve().parents[1]
    / "blueprints"
    / "automation"
    / "dvrip"
    / "notify_alarm_picture.yaml"
)
ENTITY = "event.recorder_channel_1_alarm"
PICTURE = "/media/local/dvrip/entry/alarm_pictures/20261125_130510_ch0.jpg"


async def _settle() -> None:
    """Let the automation run up to its wait (block_till_done would wait for the wait)."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def notifications(hass: HomeAssistant, tmp_path: Path) -> list[ServiceCall]:
    """An automation from the blueprint, sending to `notify.test`; the calls it makes."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "dvrip" / BLUEPRINT.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(BLUEPRINT, target)
    calls: list[ServiceCall] = []

    async def _notify(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register("notify", "test", _notify)
    hass.states.async_set(ENTITY, "2026-11-25T13:00:00.000+00:00", {"event_type": "motion"})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "notify_picture",
                "alias": "Notify picture",
                "use_blueprint": {
                    "path": f"dvrip/{BLUEPRINT.name}",
                    "input": {
                        "alarm_entity": ENTITY,
                        "notify_action": "notify.test",
                        "event_types": ["motion", "person", "tamper"],
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.notify_picture") is not None
    return calls


async def test_notifies_with_the_picture(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    attributes = {"event_type": "person", "channel": 1}
    hass.states.async_set(ENTITY, "2026-11-25T13:05:10.000+00:00", attributes)
    await _settle()
    assert notifications == []  # waiting for the picture
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:10.000+00:00", {**attributes, "picture_url": PICTURE}
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert notifications[0].data["data"] == {"image": PICTURE}
    assert notifications[0].data["message"].startswith("Person on channel 1 at ")


async def test_ignores_other_kinds_and_restored_states(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:10.000+00:00", {"event_type": "vehicle", "channel": 1}
    )
    hass.states.async_set(ENTITY, "unavailable", {})
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:10.000+00:00", {"event_type": "motion", "channel": 1}
    )
    await hass.async_block_till_done()
    assert notifications == []


async def test_a_newer_alarm_replaces_one_waiting_for_its_picture(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    hass.states.async_set(
        ENTITY, "2026-11-25T13:06:00.000+00:00", {"event_type": "motion", "channel": 2}
    )
    await _settle()
    # A newer alarm comes before the first one's picture: the first one is not notified.
    hass.states.async_set(
        ENTITY, "2026-11-25T13:06:05.000+00:00", {"event_type": "motion", "channel": 2}
    )
    await _settle()
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:06:05.000+00:00",
        {"event_type": "motion", "channel": 2, "picture_url": PICTURE},
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert ":06:05." in notifications[0].data["message"]  # the newer one


async def test_a_kind_without_pictures_is_sent_at_once(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    hass.states.async_set(
        ENTITY, "2026-11-25T13:07:00.000+00:00", {"event_type": "tamper", "channel": 1}
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert notifications[0].data["message"].startswith("Tamper on channel 1 at ")
    assert notifications[0].data["data"] == {}
