"""The image entity is the picture trigger: automations run once per alarm, never on a restart.

The event entity's state and attributes stay as they were fired, so an automation on it runs
once per alarm although the picture arrives later. The image entity's state changes once per
alarm, when its first picture is shown; a better picture of the same alarm changes only its
attributes. The automations here are those of docs/automations.md and the blueprint's.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.dvrip.models import CheckTrigger
from simulator import CameraSimulator
from simulator.media import PictureKind

from .common import StateRecorder, async_wait_for_state, entity_id, picture_shown

pytestmark = pytest.mark.usefixtures("fast_pictures", "fast_history")

BLUEPRINT = (
    Path(__file__).resolve().parents[2]
    / "blueprints"
    / "automation"
    / "dvrip"
    / "notify_alarm_picture.yaml"
)


def _image(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return entity_id(hass, "image", f"{entry.unique_id}_0_last_alarm_picture")


def _alarm(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    return entity_id(hass, "event", f"{entry.unique_id}_0_alarm")


def _readme_picture_automation(image: str) -> dict[str, Any]:
    """The notification automation on the image entity of docs/automations.md."""
    return {
        "alias": "Alarm picture to my phone",
        "triggers": [
            {
                "trigger": "state",
                "entity_id": image,
                "not_from": ["unavailable"],
                "not_to": ["unavailable", "unknown"],
            }
        ],
        "conditions": [
            {
                "condition": "template",
                "value_template": (
                    "{{ trigger.to_state.attributes.event_type in ['motion', 'person']"
                    " and not trigger.to_state.attributes.backfilled }}"
                ),
            }
        ],
        "actions": [
            {
                "action": "notify.phone",
                "data": {
                    "title": "Front door",
                    "message": (
                        "{{ trigger.to_state.attributes.event_type | capitalize }} at "
                        "{{ as_local(as_datetime(trigger.to_state.attributes.alarm_time))"
                        ".strftime('%H:%M:%S') }}"
                    ),
                    "data": {"image": "{{ trigger.to_state.attributes.picture_url }}"},
                },
            }
        ],
    }


class Automations:
    """The calls of four automations.

    `on_event`: on the event entity with no `to` or `from`; `readme_event`: the one of
    docs/automations.md on the event entity; `readme`: the one of docs/automations.md on the image
    entity; `blueprint`: the blueprint's.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        self.on_event = async_mock_service(hass, "test", "on_event")
        self.readme_event = async_mock_service(hass, "test", "readme_event")
        self.readme = async_mock_service(hass, "notify", "phone")
        self.blueprint = async_mock_service(hass, "notify", "blueprint")

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return (
            len(self.on_event),
            len(self.readme_event),
            len(self.readme),
            len(self.blueprint),
        )


@pytest.fixture
async def automations(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, tmp_path: Path
) -> Automations:
    config_dir = tmp_path / "config"
    target = config_dir / "blueprints" / "automation" / "dvrip" / BLUEPRINT.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(BLUEPRINT, target)
    hass.config.config_dir = str(config_dir)
    recorded = Automations(hass)
    image = _image(hass, loaded_entry)
    alarm = _alarm(hass, loaded_entry)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    # As users write them: no `to`, no `from`.
                    "alias": "On the alarm event",
                    "triggers": [{"trigger": "state", "entity_id": alarm}],
                    "actions": [
                        {
                            "action": "test.on_event",
                            "data": {"kind": "{{ trigger.to_state.attributes.event_type }}"},
                        }
                    ],
                },
                {
                    "alias": "The documented one on the alarm event",
                    "triggers": [
                        {
                            "trigger": "state",
                            "entity_id": alarm,
                            "not_from": ["unavailable"],
                            "not_to": ["unavailable", "unknown"],
                        }
                    ],
                    "actions": [{"action": "test.readme_event"}],
                },
                _readme_picture_automation(image),
                {
                    "alias": "From the blueprint",
                    "use_blueprint": {
                        "path": f"dvrip/{BLUEPRINT.name}",
                        "input": {"picture_entity": image, "notify_action": "notify.blueprint"},
                    },
                },
            ]
        },
    )
    await hass.async_block_till_done()
    return recorded


async def _raise_and_wait_for_the_best_picture(
    hass: HomeAssistant, entry: MockConfigEntry, camera: CameraSimulator, **alarm: Any
) -> list[State]:
    """A pushed alarm; the image's states until the recording's picture replaced the still."""
    image = _image(hass, entry)
    shown = StateRecorder(hass, [image])
    # The recording's download waits until the still shows, whatever the machine's pace.
    camera.stall_downloads()
    record = await camera.raise_alarm(channel=0, **alarm)
    await async_wait_for_state(hass, image, picture_shown(record.time, "snapshot"))
    camera.stall_downloads(stalled=False)
    await async_wait_for_state(hass, image, picture_shown(record.time, "direct"))
    await hass.async_block_till_done()
    shown.close()
    return shown.states


async def test_event_automation_runs_once_per_alarm(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    automations: Automations,
) -> None:
    """The picture arrives after the event: the event entity stays as it was fired."""
    alarm = _alarm(hass, loaded_entry)
    fired = StateRecorder(hass, [alarm])
    await _raise_and_wait_for_the_best_picture(hass, loaded_entry, camera, event="VideoMotion")
    fired.close()
    assert len(fired.states) == 1
    assert "picture_url" not in fired.states[0].attributes
    assert [call.data["kind"] for call in automations.on_event] == ["motion"]

    await _raise_and_wait_for_the_best_picture(
        hass, loaded_entry, camera, event="HumanDetect", time=camera.now() + timedelta(seconds=5)
    )
    assert [call.data["kind"] for call in automations.on_event] == ["motion", "person"]


async def test_picture_automation_runs_once_per_alarm_with_its_picture(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    automations: Automations,
) -> None:
    """The still, then the recording's picture: one notification, with this alarm's URL."""
    states = await _raise_and_wait_for_the_best_picture(
        hass, loaded_entry, camera, event="HumanDetect"
    )
    # The same state twice; the picture's address for dashboards (its token) changes.
    assert [state.attributes["method"] for state in states] == ["snapshot", "direct"]
    assert states[0].state == states[1].state
    assert states[0].attributes["entity_picture"] != states[1].attributes["entity_picture"]
    picture = states[-1].attributes
    assert picture["event_type"] == "person"
    assert picture["event"] == "HumanDetect"
    assert picture["channel"] == 1
    assert picture["backfilled"] is False
    assert (
        picture["alarm_time"]
        == hass.states.get(_alarm(hass, loaded_entry)).attributes["alarm_time"]
    )
    url = picture["picture_url"]
    assert url.startswith(f"/media/local/dvrip/{loaded_entry.entry_id}/alarm_pictures/")

    assert len(automations.readme) == 1
    assert automations.readme[0].data["message"].startswith("Person at ")
    assert automations.readme[0].data["data"] == {"image": url}
    assert len(automations.blueprint) == 1
    assert automations.blueprint[0].data["data"] == {"image": url}
    assert automations.blueprint[0].data["message"].startswith("Person on channel 1 at ")

    # The next alarm: its own notification, with its own picture.
    await _raise_and_wait_for_the_best_picture(
        hass, loaded_entry, camera, time=camera.now() + timedelta(seconds=5)
    )
    assert automations.counts == (2, 2, 2, 2)
    assert automations.blueprint[1].data["data"]["image"] != url
    assert automations.blueprint[1].data["message"].startswith("Motion on channel 1 at ")


async def test_backfilled_alarm_is_not_notified(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    automations: Automations,
) -> None:
    """An alarm found in the recordings afterwards fires the event, not the notifications."""
    image = _image(hass, loaded_entry)
    await _raise_and_wait_for_the_best_picture(hass, loaded_entry, camera)
    assert automations.counts == (1, 1, 1, 1)

    # Recorded after the pushed alarm and its clip (two seconds), and not pushed.
    moment = camera.alarms[-1].time + timedelta(seconds=3)
    await camera.wait_for(lambda: camera.now() > moment, timeout=10)
    camera.add_history(moment, picture_kind=PictureKind.JPEG)
    coordinator = loaded_entry.runtime_data.coordinator
    [found] = await coordinator.history.async_check(CheckTrigger.AUDIT)
    assert found.backfilled
    state = await async_wait_for_state(hass, image, picture_shown(moment))
    assert state is not None
    assert state.attributes["backfilled"] is True
    await hass.async_block_till_done()
    # The event entity fires it (backfilled: true); the picture automations skip it.
    assert hass.states.get(_alarm(hass, loaded_entry)).attributes["backfilled"] is True
    assert automations.counts == (2, 2, 1, 1)


async def test_no_automation_runs_after_a_restart(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    camera: CameraSimulator,
    automations: Automations,
) -> None:
    """The restored event and picture come back from `unavailable`: nothing is notified."""
    image = _image(hass, loaded_entry)
    alarm = _alarm(hass, loaded_entry)
    await _raise_and_wait_for_the_best_picture(hass, loaded_entry, camera)
    assert automations.counts == (1, 1, 1, 1)
    before = hass.states.get(image)
    event_before = hass.states.get(alarm)

    changes = StateRecorder(hass, [image, alarm])
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    changes.close()

    # Both went away and came back with what they showed.
    assert {state.entity_id for state in changes.states if state.state == "unavailable"} == {
        image,
        alarm,
    }
    after = hass.states.get(image)
    assert after.state == before.state
    assert after.attributes["picture_url"] == before.attributes["picture_url"]
    assert after.attributes["alarm_time"] == before.attributes["alarm_time"]
    assert hass.states.get(alarm).state == event_before.state
    # (An automation with no `from` runs on any change, this one from `unavailable` too.)
    assert automations.counts[1:] == (1, 1, 1)
