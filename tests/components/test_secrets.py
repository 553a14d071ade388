"""The password and its hash (it logs in as well) appear in no log line and no diagnostics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
import json
import logging
from urllib.parse import quote

from homeassistant.components.camera import async_request_stream
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.json import JSONEncoder
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip import live_view
from custom_components.dvrip.client import sofia_hash
from custom_components.dvrip.const import DOMAIN
from custom_components.dvrip.diagnostics import async_get_config_entry_diagnostics
from custom_components.dvrip.log_redaction import mask_login
from simulator import CameraSimulator

from .common import async_wait_for_state, camera_config, closed_port, entity_id, entry_data

PASSWORD = "Tr0ub4dor&3"
SECRETS = (PASSWORD, sofia_hash(PASSWORD))


@pytest.fixture
async def secret_camera(socket_enabled: None) -> AsyncIterator[CameraSimulator]:
    async with CameraSimulator(camera_config(password=PASSWORD)) as camera:
        yield camera


async def _async_set_up(hass: HomeAssistant, camera: CameraSimulator) -> MockConfigEntry:
    """The camera's entry (live view on, as by default), set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=camera.profile.model,
        unique_id=camera.config.serial,
        data=entry_data(camera, PASSWORD),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as it would be written, with its arguments and traceback."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


@pytest.mark.usefixtures("fast_timing", "fast_history", "fast_pictures")
async def test_password_never_logged_nor_in_diagnostics(
    hass: HomeAssistant, secret_camera: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Setup, alarms, a reconnect with backfill, diagnostics, a refused login, a failed flow."""
    caplog.set_level(logging.DEBUG)
    camera = secret_camera
    entry = await _async_set_up(hass, camera)
    motion = entity_id(hass, "binary_sensor", f"{entry.unique_id}_0_motion")
    connectivity = entity_id(hass, "binary_sensor", f"{entry.unique_id}_connectivity")

    now = camera.now()
    await camera.raise_alarm(time=now - timedelta(seconds=30))
    await async_wait_for_state(hass, motion, STATE_ON)
    await camera.inject_fault("disconnect", 0.1)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    await camera.raise_alarm(time=now - timedelta(seconds=10))
    await async_wait_for_state(hass, connectivity, STATE_ON)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.coordinator.stats.backfilled_alarms == 1

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics, cls=JSONEncoder)

    # The password is changed on the camera: the login fails, reauthentication starts.
    camera.set_password("admin", "something else")
    await camera.inject_fault("disconnect", 0.1)
    await async_wait_for_state(hass, connectivity, STATE_OFF)
    await camera.wait_for(lambda: camera.stats.login_failures >= 1)
    await hass.async_block_till_done(wait_background_tasks=True)
    # A config flow with the (now wrong) password fails too.
    flow = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {
            CONF_HOST: camera.host,
            CONF_PORT: camera.port,
            CONF_USERNAME: "admin",
            CONF_PASSWORD: PASSWORD,
        },
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert await hass.config_entries.async_unload(entry.entry_id)

    logged = _logged_text(caplog)
    assert len(caplog.records) > 20  # the debug log was on
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in text


async def _refusing_rtsp_server() -> asyncio.Server:
    """A port that accepts a connection and closes it at once: RTSP answers, the stream fails."""

    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    return await asyncio.start_server(hang_up, "127.0.0.1", 0)


@pytest.mark.parametrize("rtsp", [True, False], ids=["rtsp", "dvrip"])
async def test_login_never_logged_when_the_stream_fails(
    hass: HomeAssistant,
    secret_camera: CameraSimulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    rtsp: bool,
) -> None:
    """The stream component logs a failed stream's address: the RTSP path's login, or the
    `dvrip://` address's (which HLS cannot open), is masked.
    """
    caplog.set_level(logging.DEBUG)
    assert await async_setup_component(hass, "stream", {})
    server = await _refusing_rtsp_server()
    if rtsp:
        monkeypatch.setattr(live_view, "RTSP_PORT", server.sockets[0].getsockname()[1])
    else:
        monkeypatch.setattr(live_view, "RTSP_PORT", closed_port())
    camera = secret_camera
    entry = await _async_set_up(hass, camera)
    camera_id = entity_id(hass, "camera", f"{entry.unique_id}_0_snapshot")

    await async_request_stream(hass, camera_id, "hls")
    (platform,) = (p for p in async_get_platforms(hass, DOMAIN) if p.domain == "camera")
    stream = platform.entities[camera_id].stream
    assert stream is not None
    failed = asyncio.Event()

    @callback
    def availability_changed() -> None:
        if not stream.available:
            failed.set()

    stream.set_update_callback(availability_changed)
    if stream.available:
        await failed.wait()
    await stream.stop()
    assert await hass.config_entries.async_unload(entry.entry_id)
    server.close()
    await server.wait_closed()

    logged = _logged_text(caplog)
    assert "Error from stream worker" in logged
    if rtsp:
        assert "user=****&password=****&channel=1" in logged
    else:
        assert "dvrip://****:****@127.0.0.1" in logged
    for secret in (*SECRETS, quote(PASSWORD, safe=""), PASSWORD.split("&")[0]):
        assert secret not in logged


@pytest.mark.parametrize(
    ("logged", "masked"),
    [
        (
            "rtsp://h:554/user=ad%20min&password=Tr0ub4dor%263&channel=2&stream=0.sdp",
            "rtsp://h:554/user=****&password=****&channel=2&stream=0.sdp",
        ),
        # Shown decoded: the password's own `&` and quote do not end the mask.
        (
            "Error opening stream (rtsp://h/user=a&b&password=x&y'z&channel=1&stream=0.sdp)",
            "Error opening stream (rtsp://h/user=****&password=****&channel=1&stream=0.sdp)",
        ),
        ("'rtsp://h/user=admin&password=secret'", "'rtsp://h/user=****&password=****'"),
        (
            "source dvrip://ad%20min:Tr0ub4dor%263@10.0.0.5:34567?channel=1&subtype=0 failed",
            "source dvrip://****:****@10.0.0.5:34567?channel=1&subtype=0 failed",
        ),
        # Shown decoded: the password's own `@` does not end the mask.
        ("'dvrip://admin:p@ss@cam:34567'", "'dvrip://****:****@cam:34567'"),
        ("nothing to hide: user admin", "nothing to hide: user admin"),
    ],
)
def test_mask_login(logged: str, masked: str) -> None:
    assert mask_login(logged) == masked
