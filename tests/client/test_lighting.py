"""The siren, the white light and the day/night mode, against the simulated camera."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.dvrip.client import (
    DayNightMode,
    DvripCommandError,
    DvripProtocolError,
    RetCode,
    WhiteLightMode,
    get_day_night_modes,
    get_white_light,
    set_day_night_mode,
    set_siren,
    set_white_light_mode,
)
from custom_components.dvrip.client.lighting import (
    parse_day_night,
    parse_day_night_modes,
    parse_white_light,
)
from simulator.lighting import LightingControl
from tests.simulator_fixtures import StartCamera

OpenClient = Callable[..., Any]


async def test_the_siren_sounds_and_stops(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="icsee")
    client = await open_client(camera)
    await set_siren(client, True)
    assert camera.lighting.siren_on
    await set_siren(client, False)
    assert not camera.lighting.siren_on
    assert camera.lighting.siren_switches == ["on", "off"]


async def test_a_camera_without_a_siren_refuses_it(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    with pytest.raises(DvripCommandError) as refused:
        await set_siren(client, True)
    assert refused.value.ret == RetCode.ILLEGAL_REQUEST
    # The session is still good for what comes next.
    assert await client.get_abilities() is not None


async def test_the_white_light_mode_is_written_in_its_whole_section(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="icsee")
    client = await open_client(camera)
    light = await get_white_light(client)
    assert light.mode is WhiteLightMode.AUTO
    before = dict(camera.lighting.white_light)
    read_back = await set_white_light_mode(client, WhiteLightMode.KEEP_OPEN)
    assert read_back.mode is WhiteLightMode.KEEP_OPEN
    # Everything else in the section went back as it was read.
    assert camera.lighting.white_light == {**before, "WorkMode": "KeepOpen"}


async def test_a_write_the_camera_ignores_reads_back_its_own_mode(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="icsee")
    camera.lighting.keep_settings = True
    client = await open_client(camera)
    read_back = await set_white_light_mode(client, WhiteLightMode.CLOSE)
    assert read_back.mode is WhiteLightMode.AUTO
    assert camera.lighting.writes == 1


async def test_a_camera_without_a_white_light_has_no_section(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    with pytest.raises(DvripCommandError) as refused:
        await get_white_light(client)
    assert refused.value.ret == RetCode.NO_SUCH_CONFIG


async def test_a_refused_write_changes_nothing(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="icsee")
    camera.lighting.set_refused(LightingControl.WHITE_LIGHT)
    client = await open_client(camera)
    with pytest.raises(DvripCommandError):
        await set_white_light_mode(client, WhiteLightMode.KEEP_OPEN)
    assert camera.lighting.work_mode == "Auto"


async def test_one_channel_s_day_night_mode_changes(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="nvr")
    client = await open_client(camera)
    assert await get_day_night_modes(client) == (DayNightMode.DEFAULT, DayNightMode.DEFAULT)
    other = dict(camera.lighting.params[0])
    modes = await set_day_night_mode(client, 1, DayNightMode.COLOUR)
    assert modes == (DayNightMode.DEFAULT, DayNightMode.COLOUR)
    assert camera.lighting.day_night(1) == "0x00000001"
    assert camera.lighting.params[0] == other


def test_parsers_take_what_firmware_writes() -> None:
    assert parse_day_night("0x00000005") is DayNightMode.INFRARED_LIGHT
    assert parse_day_night(2) is DayNightMode.INFRARED_FILTER
    assert parse_day_night("0x00000009") is None
    assert parse_day_night(True) is None
    assert parse_day_night("dark") is None
    assert parse_day_night_modes({"DayNightColor": "0x00000001"}) == (DayNightMode.COLOUR,)
    assert DayNightMode.COLOUR_LIGHT.wire == "0x00000004"
    light = parse_white_light({"WorkMode": "Party", "MoveTrigLight": {"Duration": 5}})
    assert light.mode is None
    assert light.work_mode == "Party"
    changed = light.with_mode(WhiteLightMode.CLOSE)
    assert changed == {"WorkMode": "Close", "MoveTrigLight": {"Duration": 5}}
    # The section read is left as it was.
    assert light.section["WorkMode"] == "Party"
    with pytest.raises(DvripProtocolError):
        parse_white_light(["Auto"])
    with pytest.raises(DvripProtocolError):
        parse_day_night_modes("0x00000001")
