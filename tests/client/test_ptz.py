"""The PTZ functions of the client against the simulated PTZ camera."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from custom_components.dvrip.client import (
    DvripCommandError,
    PtzCommand,
    clear_preset,
    goto_preset,
    ptz_message,
    read_presets,
    set_preset,
    start_move,
    start_tour,
    stop_move,
    stop_tour,
)
from simulator.ptz import PtzPosition
from tests.simulator_fixtures import StartCamera

OpenClient = Callable[..., Any]


def test_the_message_starts_and_stops_as_the_sources_write_it() -> None:
    start = ptz_message(PtzCommand.LEFT, 1, preset=65535, speed=8)
    assert start["Command"] == "DirectionLeft"
    assert start["Parameter"]["Channel"] == 1
    assert start["Parameter"]["Preset"] == 65535
    assert start["Parameter"]["Step"] == 8
    stop = ptz_message(PtzCommand.LEFT, 1, preset=-1)
    assert stop["Command"] == "DirectionLeft"
    assert stop["Parameter"]["Preset"] == -1
    for speed in (0, 9):
        with pytest.raises(ValueError, match="speed"):
            ptz_message(PtzCommand.UP, 0, preset=65535, speed=speed)
    with pytest.raises(ValueError, match="preset"):
        ptz_message(PtzCommand.GOTO_PRESET, 0, preset=256)


async def test_move_and_stop(start_camera: StartCamera, open_client: OpenClient) -> None:
    camera = await start_camera(profile="ptz")
    client = await open_client(camera)
    await start_move(client, 0, PtzCommand.ZOOM_IN, 5)
    assert camera.ptz.moving(0) == PtzCommand.ZOOM_IN
    assert camera.ptz.requests[-1].step == 5
    await stop_move(client, 0, PtzCommand.ZOOM_IN)
    assert camera.ptz.moving(0) is None
    assert camera.ptz.stops == 1
    with pytest.raises(ValueError, match="not a move"):
        await start_move(client, 0, PtzCommand.GOTO_PRESET, 5)


async def test_presets_and_tours(start_camera: StartCamera, open_client: OpenClient) -> None:
    camera = await start_camera(profile="ptz")
    client = await open_client(camera)
    assert await read_presets(client, 0) == ()
    camera.ptz.set_preset(0, 4, PtzPosition(pan=90.0))
    await set_preset(client, 0, 2)
    assert await read_presets(client, 0) == (2, 4)
    await goto_preset(client, 0, 4)
    assert camera.ptz.position(0).pan == 90.0
    await clear_preset(client, 0, 4)
    assert await read_presets(client, 0) == (2,)
    await start_tour(client, 0)
    assert camera.ptz.touring(0)
    await stop_tour(client, 0)
    assert not camera.ptz.touring(0)


async def test_a_camera_without_a_preset_list(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera()
    client = await open_client(camera)
    assert await read_presets(client, 0) is None


async def test_a_refusal_is_an_error_and_the_session_stays(
    start_camera: StartCamera, open_client: OpenClient
) -> None:
    camera = await start_camera(profile="ptz")
    client = await open_client(camera)
    camera.ptz.refuse_with = 107
    with pytest.raises(DvripCommandError) as refused:
        await start_move(client, 0, PtzCommand.UP, 3)
    assert refused.value.ret == 107
    assert camera.ptz.moving(0) is None
    camera.ptz.refuse_with = None
    await start_move(client, 0, PtzCommand.UP, 3)
    assert camera.ptz.moving(0) == PtzCommand.UP
    await stop_move(client, 0, PtzCommand.UP)
