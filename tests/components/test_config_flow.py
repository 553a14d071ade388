"""The config flow against the simulated camera: user step, errors, reauth, reconfigure, options."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dvrip.const import (
    CONF_ALARM_CENTRE,
    CONF_ALARM_CENTRE_PORT,
    CONF_CLIP_BUDGET_MB,
    CONF_EXPORT_RETENTION_DAYS,
    CONF_HISTORY_HOURS,
    CONF_KEEP_CLOCK,
    CONF_LIVE_STREAM,
    CONF_OFF_DELAY,
    CONF_PICTURE_MODE,
    DOMAIN,
)
from simulator import CameraSimulator

from .common import CAMERA_PASSWORD, camera_config, closed_port, entry_data

pytestmark = pytest.mark.usefixtures("fast_timing")


async def _start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def _submit(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return await hass.config_entries.flow.async_configure(flow_id, user_input=data)


@pytest.fixture
async def silent_server(socket_enabled: None) -> AsyncIterator[int]:
    """A TCP server that accepts connections and never answers (a wrong service on the port)."""
    writers: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_user_flow_creates_entry(hass: HomeAssistant, camera: CameraSimulator) -> None:
    """A working login creates an entry named like the camera itself, keyed by the serial."""
    flow_id = await _start_user_flow(hass)
    result = await _submit(hass, flow_id, entry_data(camera))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == camera.device_name
    assert result["data"] == entry_data(camera)
    entry = result["result"]
    assert entry.unique_id == camera.config.serial
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The flow logged out: only the entry's own session stays open.
    await camera.wait_for(lambda: camera.stats.sessions == 1)
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize(
    ("camera_settings", "password", "error"),
    [
        ({}, "wrong", "invalid_auth"),
        ({"profile": "encrypted"}, CAMERA_PASSWORD, "unsupported_firmware"),
    ],
    ids=["invalid_auth", "unsupported_firmware"],
)
async def test_user_flow_login_errors(
    hass: HomeAssistant, camera: CameraSimulator, password: str, error: str
) -> None:
    """Refused logins show their reason, and the form can be sent again."""
    flow_id = await _start_user_flow(hass)
    result = await _submit(hass, flow_id, entry_data(camera, password))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


async def test_user_flow_account_locked_then_recovers(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A locked account (Ret 205) says to wait; once unlocked, the flow completes."""
    async with CameraSimulator(camera_config(max_login_failures=1, lockout_seconds=3600)) as camera:
        flow_id = await _start_user_flow(hass)
        result = await _submit(hass, flow_id, entry_data(camera, "wrong"))
        assert result["errors"] == {"base": "invalid_auth"}
        result = await _submit(hass, flow_id, entry_data(camera))
        assert result["errors"] == {"base": "account_locked"}

    # The same camera restarted (which clears its lock) accepts the login.
    async with CameraSimulator(camera_config()) as camera:
        result = await _submit(hass, flow_id, entry_data(camera))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_user_flow_cannot_connect(hass: HomeAssistant, socket_enabled: None) -> None:
    flow_id = await _start_user_flow(hass)
    data = {CONF_HOST: "127.0.0.1", CONF_PORT: closed_port(), CONF_USERNAME: "admin"}
    result = await _submit(hass, flow_id, {**data, CONF_PASSWORD: "pw"})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_timeout(hass: HomeAssistant, silent_server: int) -> None:
    """A port that accepts but never answers (the web port, say) is a timeout."""
    flow_id = await _start_user_flow(hass)
    result = await _submit(
        hass,
        flow_id,
        {CONF_HOST: "127.0.0.1", CONF_PORT: silent_server, CONF_USERNAME: "admin"},
    )
    assert result["errors"] == {"base": "timeout"}


async def test_user_flow_unknown_error(hass: HomeAssistant, camera: CameraSimulator) -> None:
    flow_id = await _start_user_flow(hass)
    with patch(
        "custom_components.dvrip.config_flow._async_read_device", side_effect=RuntimeError("boom")
    ):
        result = await _submit(hass, flow_id, entry_data(camera))
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_same_camera_new_address(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """The same serial at another address updates the existing entry instead of adding one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Old",
        unique_id=camera.config.serial,
        data={**entry_data(camera), CONF_HOST: "192.0.2.1", CONF_PORT: 1},
    )
    entry.add_to_hass(hass)
    flow_id = await _start_user_flow(hass)
    result = await _submit(hass, flow_id, entry_data(camera))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == camera.host
    assert entry.data[CONF_PORT] == camera.port
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reauth_flow(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, camera: CameraSimulator
) -> None:
    """A wrong password is refused; the right one updates the entry, which reloads."""
    camera.set_password("admin", "new-password")
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"

    result = await _submit(hass, result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "pw"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await _submit(
        hass, result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: "new-password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data[CONF_PASSWORD] == "new-password"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reauth_flow_other_device(
    hass: HomeAssistant, config_entry: MockConfigEntry, socket_enabled: None
) -> None:
    """Reauth against a device with another serial aborts and changes nothing."""
    async with CameraSimulator(camera_config(serial="another-serial")) as other:
        hass.config_entries.async_update_entry(
            config_entry, data={**config_entry.data, CONF_PORT: other.port}
        )
        result = await config_entry.start_reauth_flow(hass)
        result = await _submit(
            hass, result["flow_id"], {CONF_USERNAME: "admin", CONF_PASSWORD: CAMERA_PASSWORD}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


async def test_reconfigure_flow(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, socket_enabled: None
) -> None:
    """A new port is checked before it is stored; a dead one shows an error."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await _submit(
        hass, result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: closed_port()}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    # The camera moved: the same serial now answers on another port.
    async with CameraSimulator(camera_config()) as moved:
        result = await _submit(
            hass, result["flow_id"], {CONF_HOST: moved.host, CONF_PORT: moved.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert loaded_entry.data[CONF_PORT] == moved.port
        await hass.async_block_till_done()
        assert loaded_entry.state is ConfigEntryState.LOADED
        await moved.wait_for_subscribers(1)
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_reconfigure_flow_other_device(
    hass: HomeAssistant, config_entry: MockConfigEntry, socket_enabled: None
) -> None:
    async with CameraSimulator(camera_config(serial="another-serial")) as other:
        result = await config_entry.start_reconfigure_flow(hass)
        result = await _submit(
            hass, result["flow_id"], {CONF_HOST: other.host, CONF_PORT: other.port}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert config_entry.data[CONF_PORT] != other.port


def _section_fields(result: dict[str, Any]) -> dict[str, list[str]]:
    """The options form's sections and the fields in each."""
    return {
        str(key): [str(field) for field in value.schema.schema]
        for key, value in result["data_schema"].schema.items()
    }


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Options come in sections and are stored flat; the entry reloads with them."""
    coordinator = loaded_entry.runtime_data.coordinator
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    # No option chooses entities, none sets a polling interval, the port is not asked yet.
    assert _section_fields(result) == {
        "alarms": [CONF_OFF_DELAY, CONF_KEEP_CLOCK],
        "pictures": [
            CONF_PICTURE_MODE,
            CONF_HISTORY_HOURS,
            CONF_EXPORT_RETENTION_DAYS,
            CONF_CLIP_BUDGET_MB,
        ],
        "streaming": [CONF_LIVE_STREAM],
        "alarm_centre": [CONF_ALARM_CENTRE],
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        user_input={
            "alarms": {CONF_OFF_DELAY: 5, CONF_KEEP_CLOCK: True},
            "pictures": {
                CONF_PICTURE_MODE: "snapshot",
                CONF_HISTORY_HOURS: 48,
                CONF_EXPORT_RETENTION_DAYS: 7,
                CONF_CLIP_BUDGET_MB: 50,
            },
            "streaming": {CONF_LIVE_STREAM: "sub"},
            "alarm_centre": {CONF_ALARM_CENTRE: False},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {
        CONF_OFF_DELAY: 5,
        CONF_KEEP_CLOCK: True,
        CONF_PICTURE_MODE: "snapshot",
        CONF_HISTORY_HOURS: 48,
        CONF_EXPORT_RETENTION_DAYS: 7,
        CONF_CLIP_BUDGET_MB: 50,
        CONF_LIVE_STREAM: "sub",
        CONF_ALARM_CENTRE: False,
        CONF_ALARM_CENTRE_PORT: 15002,
    }
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    reloaded = loaded_entry.runtime_data.coordinator
    assert reloaded is not coordinator
    assert reloaded.alarms.off_delay == 5


async def test_options_ask_the_port_when_the_alarm_centre_is_on(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Switching the alarm centre on brings a second step with its port, then stores both."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        user_input={
            "alarms": {CONF_OFF_DELAY: 30},
            "pictures": {
                CONF_PICTURE_MODE: "off",
                CONF_HISTORY_HOURS: 24,
                CONF_EXPORT_RETENTION_DAYS: 30,
            },
            "streaming": {CONF_LIVE_STREAM: "main"},
            "alarm_centre": {CONF_ALARM_CENTRE: True},
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "alarm_centre"
    assert [str(field) for field in result["data_schema"].schema] == [CONF_ALARM_CENTRE_PORT]
    # The form offers the stored port (the default until one is stored).
    [field] = result["data_schema"].schema
    assert field.default() == 15002
    port = closed_port()
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input={CONF_ALARM_CENTRE_PORT: port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options[CONF_ALARM_CENTRE] is True
    assert loaded_entry.options[CONF_ALARM_CENTRE_PORT] == port
    assert loaded_entry.state is ConfigEntryState.LOADED
    status = loaded_entry.runtime_data.coordinator.alarm_centre_status
    assert status == {"port": port, "listening": True, "error": None}


@pytest.mark.parametrize("camera_settings", [{"serial": ""}])
async def test_a_camera_without_a_serial_is_known_by_its_mac(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    """No serial number: the MAC names the camera, so it can move to another address."""
    result = await _submit(hass, await _start_user_flow(hass), entry_data(camera))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == "00:12:41:5c:3e:9a"
    await hass.async_block_till_done()

    async with CameraSimulator(camera_config(serial="")) as moved:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
        )
        result = await _submit(
            hass, result["flow_id"], {CONF_HOST: moved.host, CONF_PORT: moved.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert entry.data[CONF_PORT] == moved.port
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("camera_settings", [{"serial": ""}])
async def test_an_entry_named_by_its_address_moves_to_its_mac(
    hass: HomeAssistant, camera: CameraSimulator, fast_timing: None
) -> None:
    """An older entry known as host:port keeps its device and entities when its MAC names it."""
    address = f"{camera.host}:{camera.port}"
    entry = MockConfigEntry(
        domain=DOMAIN, title="Camera", unique_id=address, data=entry_data(camera)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entities = er.async_get(hass)
    motion = entities.async_get_entity_id("binary_sensor", DOMAIN, f"{address}_0_motion")
    assert motion is not None
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await _submit(
        hass, result["flow_id"], {CONF_HOST: camera.host, CONF_PORT: camera.port}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    mac = "00:12:41:5c:3e:9a"
    assert entry.unique_id == mac
    assert entities.async_get_entity_id("binary_sensor", DOMAIN, f"{mac}_0_motion") == motion
    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id) == [
        dr.async_get(hass).async_get(device.id)
    ]
    assert dr.async_get(hass).async_get(device.id).identifiers == {(DOMAIN, mac)}
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("camera_settings", [{"serial": "", "mac": ""}])
async def test_a_camera_without_an_identity_is_refused(
    hass: HomeAssistant, camera: CameraSimulator
) -> None:
    result = await _submit(hass, await _start_user_flow(hass), entry_data(camera))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_identity"
