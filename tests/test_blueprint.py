"""The blueprint in blueprints/automation/dvrip/: an automation made from it notifies once per
alarm, when the image entity shows the alarm's picture, with its `picture_url`."""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil
from typing import Any

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
ENTITY = "image.front_door_last_alarm_picture"
PICTURE = "/media/local/dvrip/entry/alarm_pictures/20261125_130510_ch0.jpg"


class _Calls(list[ServiceCall]):
    """The notifications sent, and an event set at each."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()


def _picture(
    alarm_time: str, kind: str = "person", *, backfilled: bool = False, **extra: Any
) -> dict[str, Any]:
    """The image entity's attributes for the picture of an alarm at `alarm_time`."""
    return {
        "event_type": kind,
        "event": "HumanDetect",
        "channel": 1,
        "alarm_time": alarm_time,
        "camera_time": alarm_time[:19],
        "backfilled": backfilled,
        "method": "snapshot",
        "picture_url": PICTURE,
        "access_token": "first",
        **extra,
    }


async def _automation(
    hass: HomeAssistant, tmp_path: Path, initial: str | None = None, **inputs: Any
) -> list[ServiceCall]:
    """An automation from the blueprint, sending to `notify.test`; the calls it makes."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "dvrip" / BLUEPRINT.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(BLUEPRINT, target)
    calls = _Calls()

    async def _notify(call: ServiceCall) -> None:
        calls.append(call)
        calls.changed.set()

    hass.services.async_register("notify", "test", _notify)
    if initial is not None:
        hass.states.async_set(ENTITY, initial, {"access_token": "first"})
    else:
        hass.states.async_set(
            ENTITY, "2026-11-25T13:00:01.000+00:00", _picture("2026-11-25T13:00:00+00:00")
        )
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
                        "picture_entity": ENTITY,
                        "notify_action": "notify.test",
                        "event_types": ["motion", "person"],
                        **inputs,
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.notify_picture") is not None
    return calls


@pytest.fixture
async def notifications(hass: HomeAssistant, tmp_path: Path) -> list[ServiceCall]:
    return await _automation(hass, tmp_path)


async def test_notifies_with_the_picture(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:12.000+00:00", _picture("2026-11-25T13:05:10+00:00")
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert notifications[0].data["data"] == {"image": PICTURE}
    assert notifications[0].data["message"].startswith("Person on channel 1 at ")
    assert "recordings" not in notifications[0].data["message"]


async def test_the_first_picture_is_notified(hass: HomeAssistant, tmp_path: Path) -> None:
    """A channel's first picture replaces `unknown`: a new alarm like any other."""
    notifications = await _automation(hass, tmp_path, initial="unknown")
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:12.000+00:00", _picture("2026-11-25T13:05:10+00:00")
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1


async def test_a_better_picture_of_the_same_alarm_is_not_notified_again(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    """The recording's picture replaces the still: attributes change, the state does not."""
    shown = "2026-11-25T13:05:12.000+00:00"
    hass.states.async_set(ENTITY, shown, _picture("2026-11-25T13:05:10+00:00"))
    await hass.async_block_till_done()
    hass.states.async_set(
        ENTITY,
        shown,
        _picture("2026-11-25T13:05:10+00:00", method="direct", access_token="second"),
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1


async def test_ignores_other_kinds_restores_and_backfilled_alarms(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:12.000+00:00", _picture("2026-11-25T13:05:10+00:00", "face")
    )
    # A restart or reload: the restored picture comes back from `unavailable`.
    hass.states.async_set(ENTITY, "unavailable", {"restored": True})
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:12.000+00:00", _picture("2026-11-25T13:05:10+00:00")
    )
    # Found in the recordings afterwards.
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:20:00.000+00:00",
        _picture("2026-11-25T13:10:00+00:00", backfilled=True),
    )
    await hass.async_block_till_done()
    assert notifications == []


async def test_backfilled_alarms_when_included(hass: HomeAssistant, tmp_path: Path) -> None:
    notifications = await _automation(hass, tmp_path, include_backfilled=True)
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:20:00.000+00:00",
        _picture("2026-11-25T13:10:00+00:00", "motion", backfilled=True),
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert notifications[0].data["message"].startswith("Motion on channel 1 at ")
    assert notifications[0].data["message"].endswith("(found in the recordings).")


async def test_no_picture_url_sends_the_text(
    hass: HomeAssistant, notifications: list[ServiceCall]
) -> None:
    """Without a media folder the picture has no URL: the notification has no image."""
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:07:02.000+00:00",
        _picture("2026-11-25T13:07:00+00:00", "motion", picture_url=None),
    )
    await hass.async_block_till_done()
    assert len(notifications) == 1
    assert notifications[0].data["data"] == {}


CLIP = "/media/local/dvrip/entry/alarm_pictures/20261125_130510_ch0.mp4?authSig=signed"


async def _wait_for_calls(calls: list[ServiceCall], count: int) -> None:
    """Until `count` notifications went out (the automation is still running meanwhile)."""
    assert isinstance(calls, _Calls)
    async with asyncio.timeout(10):
        while len(calls) < count:
            calls.changed.clear()
            await calls.changed.wait()


async def test_sends_the_clip_once_kept(hass: HomeAssistant, tmp_path: Path) -> None:
    notifications = await _automation(hass, tmp_path, send_clip=True)
    hass.states.async_set(
        ENTITY, "2026-11-25T13:05:12.000+00:00", _picture("2026-11-25T13:05:10+00:00")
    )
    await _wait_for_calls(notifications, 1)
    assert [call.data["data"] for call in notifications] == [{"image": PICTURE}]
    # The clip of the same alarm is kept: a second notification carries it.
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:05:12.000+00:00",
        _picture("2026-11-25T13:05:10+00:00", clip_signed_url=CLIP),
    )
    await _wait_for_calls(notifications, 2)
    await hass.async_block_till_done()
    assert [call.data["data"] for call in notifications] == [
        {"image": PICTURE},
        {"video": CLIP},
    ]


async def test_no_clip_unless_asked(hass: HomeAssistant, notifications: list[ServiceCall]) -> None:
    hass.states.async_set(
        ENTITY,
        "2026-11-25T13:05:12.000+00:00",
        _picture("2026-11-25T13:05:10+00:00", clip_signed_url=CLIP),
    )
    await hass.async_block_till_done()
    assert [call.data["data"] for call in notifications] == [{"image": PICTURE}]
